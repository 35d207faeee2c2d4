"""Pose figures: a few angles per pose in templates/figures/NAME.toml, drawn to SVG here.

Every figure is the same body (one set of limb lengths below) put into a pose by the
direction of each body part, so all figures share proportions and line style and a coach
adds a pose with a handful of numbers. Directions are in degrees as on a graph: 0 points right,
90 up, 180 left, 270 down. Heights are measured up from the floor.

The SVG is plain shapes with presentation attributes: no script, no styles or references
from anywhere else, a <title> and <desc> for screen readers, and black, grey and white
only, so it prints on any printer and reads at 80 pixels across.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from planner.errors import InvalidTemplate, PlanError
from planner.files import TOML_BYTES, load_toml, read_input

FIGURES_FOLDER = "figures"
"""In the templates folder, beside routines/: one NAME.toml per figure."""

WIDTH = 160
HEIGHT = 120
FLOOR = 112
"""The floor line, in SVG units from the top of the 160 x 120 picture."""

# One body for every figure, about 93 units tall standing.
LOWER_BACK = 14
UPPER_BACK = 14
NECK_TO_HEAD = 11
HEAD_RADIUS = 6.5
UPPER_ARM = 16
FOREARM = 15
THIGH = 23
SHIN = 22
FOOT = 8
SHOULDER_HALF = 8
"""Half the shoulders' width, seen from the front."""
HIP_HALF = 5

INK = "#1b1f24"
FAR = "#8c939d"
"""The limbs on the far side: grey, drawn behind, so near and far read apart in print."""
PAPER = "#ffffff"
HALO = 3.0
PROP_INK = "#6b7280"
PROP_FILL = "#e5e7eb"
BODY_WIDTH = 9.0
LIMB_WIDTH = 6.0
GHOST_DASH = "3 4"

VIEWS = ("side", "front")
PROP_KINDS = ("wall", "bolster")
LIMBS = ("near_arm", "far_arm", "near_leg", "far_leg")
_LIMB_PARTS = {"near_arm": 2, "far_arm": 2, "near_leg": 3, "far_leg": 3}


@dataclass(frozen=True)
class Prop:
    """Something the body rests on or against, drawn in grey."""

    kind: str
    x: float
    """wall: where its face is; bolster: its centre."""
    size: float = 0.0
    """bolster: its height (14 if left out)."""


@dataclass(frozen=True)
class Arrow:
    """A movement to make: a curved arrow from one point to another."""

    start: tuple[float, float]
    end: tuple[float, float]
    bend: float = 0.0
    """How far the middle bows out to the left of the way from start to end."""


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    description: str
    view: str
    hip: tuple[float, float]
    torso: tuple[float, float]
    head: float
    limbs: Mapping[str, tuple[float, ...]]
    ghosts: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    """Limbs drawn again, dashed, where the movement takes them."""
    scale: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    """A limb's parts drawn shorter (0.1-1), where they point toward the viewer."""
    props: tuple[Prop, ...] = ()
    arrows: tuple[Arrow, ...] = ()
    path: str = ""

    def scale_of(self, part: str) -> tuple[float, ...]:
        return self.scale.get(part, (1.0, 1.0, 1.0))


class FigureFile:
    """A pose's figure file, found when the routines load and read the first time it is drawn,
    so a plan that draws nothing (a calendar alone) never spends time on its figures."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._figure: Figure | None = None

    def __repr__(self) -> str:
        return f"FigureFile({str(self.path)!r})"

    def load(self) -> Figure:
        if self._figure is None:
            self._figure = load_figure(self.path)
        return self._figure


def figure_path(templates: Path, name: str) -> Path:
    return templates / FIGURES_FOLDER / f"{name}.toml"


def load_figure(path: Path) -> Figure:
    """Read and check one figure file; errors name the file and the key."""
    source = str(path)
    try:
        raw = load_toml(read_input(path, TOML_BYTES, "a TOML file"), source)
    except PlanError as err:
        raise InvalidTemplate(source, None, err.message) from None
    return parse_figure(raw, source, path.stem)


def parse_figure(raw: Mapping[str, Any], source: str, name: str) -> Figure:
    allowed = {"title", "description", "view", "hip", "torso", "head", "props", "arrows"}
    allowed |= set(LIMBS) | {"ghosts", "scale"}
    for key in raw:
        if key not in allowed:
            hint = ", ".join(sorted(allowed))
            raise InvalidTemplate(source, key, f"unknown key; expected one of {hint}")
    view = _text(raw, "view", source, default="side")
    if view not in VIEWS:
        raise InvalidTemplate(source, "view", f"expected one of {', '.join(VIEWS)}, found {view!r}")
    hip = _numbers(raw, "hip", source, 2)
    if not (0 <= hip[0] <= WIDTH and 0 <= hip[1] <= FLOOR):
        raise InvalidTemplate(
            source, "hip", f"expected [across 0-{WIDTH}, height 0-{FLOOR}], found {list(hip)}"
        )
    lower_back, upper_back = _numbers(raw, "torso", source, 2)
    limbs = {limb: _numbers(raw, limb, source, _LIMB_PARTS[limb]) for limb in LIMBS}
    ghosts = _limb_table(raw, "ghosts", source)
    scale = _limb_table(raw, "scale", source, torso=True)
    for limb, factors in scale.items():
        if not all(0.1 <= f <= 1 for f in factors):
            raise InvalidTemplate(
                source, f"scale.{limb}", f"expected factors from 0.1 to 1, found {list(factors)}"
            )
    figure = Figure(
        name=name,
        title=_text(raw, "title", source),
        description=_text(raw, "description", source),
        view=view,
        hip=(hip[0], hip[1]),
        torso=(lower_back, upper_back),
        head=_number(raw, "head", source),
        limbs=limbs,
        ghosts=ghosts,
        scale=scale,
        props=tuple(_props(raw.get("props", []), source)),
        arrows=tuple(_arrows(raw.get("arrows", []), source)),
        path=source,
    )
    _check_inside(figure)
    return figure


def _check_inside(figure: Figure) -> None:
    """Every joint within the picture and none through the floor, so nothing is cut off."""
    skeleton = _skeleton(figure)
    points = [
        (skeleton.head[0] - HEAD_RADIUS, skeleton.head[1] + HEAD_RADIUS),
        (skeleton.head[0] + HEAD_RADIUS, skeleton.head[1] - HEAD_RADIUS),
        *skeleton.spine,  # the middle of the back is drawn, and no limb starts there
        skeleton.neck,
    ]
    for limb in LIMBS:
        points += _limb_points(skeleton, limb, figure.limbs[limb], figure.scale_of(limb))
    for limb, angles in figure.ghosts.items():
        points += _limb_points(skeleton, limb, angles, figure.scale_of(limb))
    edges = (
        ("left", min(p[0] for p in points) < 0),
        ("right", max(p[0] for p in points) > WIDTH),
        ("top", max(p[1] for p in points) > FLOOR - 1),
        ("floor", min(p[1] for p in points) < -LIMB_WIDTH / 2),
    )
    for edge, past in edges:
        if past:
            where = "goes through the floor" if edge == "floor" else f"reaches past the {edge} edge"
            raise InvalidTemplate(
                figure.path,
                "hip",
                f"the figure {where} of its {WIDTH} x {FLOOR} picture; move the hip"
                " or change the angles",
            )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _text(raw: Mapping[str, Any], key: str, source: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if value is None:
        raise InvalidTemplate(source, key, "missing; expected a text value")
    if not isinstance(value, str) or not value.strip():
        raise InvalidTemplate(source, key, "expected a text value in quotes")
    return value.strip()


def _number(raw: Mapping[str, Any], key: str, source: str, prefix: str = "") -> float:
    if key not in raw:
        raise InvalidTemplate(source, prefix + key, "missing; expected a number")
    value = raw[key]
    if not _is_number(value) or abs(value) > 1000:
        raise InvalidTemplate(source, prefix + key, f"expected a number, found {value!r}")
    return float(value)


def _numbers(
    raw: Mapping[str, Any], key: str, source: str, count: int, prefix: str = ""
) -> tuple[float, ...]:
    if key not in raw:
        raise InvalidTemplate(source, prefix + key, f"missing; expected a list of {count} numbers")
    value = raw[key]
    if (
        not isinstance(value, list)
        or len(value) != count
        or not all(_is_number(v) and abs(v) <= 1000 for v in value)
    ):
        raise InvalidTemplate(
            source, prefix + key, f"expected a list of {count} numbers, found {value!r}"
        )
    return tuple(float(v) for v in value)


def _limb_table(
    raw: Mapping[str, Any], key: str, source: str, *, torso: bool = False
) -> dict[str, tuple[float, ...]]:
    table = raw.get(key, {})
    if not isinstance(table, dict):
        raise InvalidTemplate(source, key, f"expected a [{key}] table of limbs")
    parts = dict(_LIMB_PARTS, torso=2) if torso else _LIMB_PARTS
    found = {}
    for limb in table:
        if limb not in parts:
            raise InvalidTemplate(
                source, f"{key}.{limb}", f"unknown part; expected one of {', '.join(parts)}"
            )
        found[limb] = _numbers(table, limb, source, parts[limb], prefix=f"{key}.")
    return found


def _tables(value: object, source: str, key: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidTemplate(source, key, f"expected [[{key}]] tables")
    return value


def _props(value: object, source: str) -> Iterable[Prop]:
    for index, table in enumerate(_tables(value, source, "props"), start=1):
        prefix = f"props[{index}]."
        kind = table.get("kind")
        if kind not in PROP_KINDS:
            raise InvalidTemplate(
                source, prefix + "kind", f"expected one of {', '.join(PROP_KINDS)}, found {kind!r}"
            )
        unknown = set(table) - {"kind", "x", "size"}
        if unknown:
            raise InvalidTemplate(
                source, prefix + min(unknown), "unknown key; expected kind, x, size"
            )
        size = _number(table, "size", source, prefix) if "size" in table else 0.0
        yield Prop(kind, _number(table, "x", source, prefix), size)


def _arrows(value: object, source: str) -> Iterable[Arrow]:
    for index, table in enumerate(_tables(value, source, "arrows"), start=1):
        prefix = f"arrows[{index}]."
        unknown = set(table) - {"from", "to", "bend"}
        if unknown:
            raise InvalidTemplate(
                source, prefix + min(unknown), "unknown key; expected from, to, bend"
            )
        start = _numbers(table, "from", source, 2, prefix)
        end = _numbers(table, "to", source, 2, prefix)
        bend = _number(table, "bend", source, prefix) if "bend" in table else 0.0
        yield Arrow((start[0], start[1]), (end[0], end[1]), bend)


# --- drawing -----------------------------------------------------------------------------

Point = tuple[float, float]


def _step(start: Point, degrees: float, length: float) -> Point:
    """Move ``length`` from ``start`` in direction ``degrees``; heights grow upwards."""
    radians = math.radians(degrees)
    return (start[0] + length * math.cos(radians), start[1] + length * math.sin(radians))


def _screen(point: Point) -> str:
    return f"{point[0]:.1f},{FLOOR - point[1]:.1f}"


@dataclass(frozen=True)
class _Skeleton:
    head: Point
    neck: Point
    spine: tuple[Point, Point, Point]
    shoulders: Mapping[str, Point]
    hips: Mapping[str, Point]
    pelvis: tuple[Point, Point] | None
    shoulder_line: tuple[Point, Point] | None


def _skeleton(figure: Figure) -> _Skeleton:
    hip = figure.hip
    lower, upper = figure.scale_of("torso")[:2]
    middle = _step(hip, figure.torso[0], LOWER_BACK * lower)
    shoulder = _step(middle, figure.torso[1], UPPER_BACK * upper)
    neck = _step(shoulder, figure.head, 3)
    head = _step(shoulder, figure.head, NECK_TO_HEAD)
    if figure.view == "side":
        return _Skeleton(
            head, neck, (hip, middle, shoulder),
            {"near": shoulder, "far": shoulder}, {"near": hip, "far": hip}, None, None,
        )  # fmt: skip
    # Seen from the front the near side is the figure's right, on the viewer's left.
    across_shoulders = figure.torso[1] + 90
    across_hips = figure.torso[0] + 90
    shoulders = {
        "near": _step(shoulder, across_shoulders, SHOULDER_HALF),
        "far": _step(shoulder, across_shoulders + 180, SHOULDER_HALF),
    }
    hips = {
        "near": _step(hip, across_hips, HIP_HALF),
        "far": _step(hip, across_hips + 180, HIP_HALF),
    }
    return _Skeleton(
        head, neck, (hip, middle, shoulder), shoulders, hips,
        (hips["near"], hips["far"]), (shoulders["near"], shoulders["far"]),
    )  # fmt: skip


def _limb_points(
    skeleton: _Skeleton, limb: str, angles: Sequence[float], scale: Sequence[float] = (1, 1, 1)
) -> list[Point]:
    side, kind = limb.split("_")
    if kind == "arm":
        points = [skeleton.shoulders[side]]
        lengths: tuple[float, ...] = (UPPER_ARM, FOREARM)
    else:
        points = [skeleton.hips[side]]
        lengths = (THIGH, SHIN, FOOT)
    for degrees, length, factor in zip(angles, lengths, scale, strict=False):
        points.append(_step(points[-1], degrees, length * factor))
    return points


def _polyline(points: Sequence[Point], colour: str, width: float, dash: str = "") -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    joined = " ".join(_screen(p) for p in points)
    return f'<polyline points="{joined}" stroke="{colour}" stroke-width="{width:g}"{dashed}/>'


def _limb(figure: Figure, skeleton: _Skeleton, limb: str, colour: str) -> str:
    points = _limb_points(skeleton, limb, figure.limbs[limb], figure.scale_of(limb))
    leg, foot = (points[:3], points[2:]) if limb.endswith("leg") else (points, [])
    drawn = ""
    if limb.startswith("near"):
        # A white edge around the near limbs keeps them apart from whatever they cross.
        drawn += _polyline(leg, PAPER, LIMB_WIDTH + HALO)
        if foot:
            drawn += _polyline(foot, PAPER, LIMB_WIDTH - 1.5 + HALO)
    drawn += _polyline(leg, colour, LIMB_WIDTH)
    if foot:
        # The foot a little thinner than the leg, so the ankle shows.
        drawn += _polyline(foot, colour, LIMB_WIDTH - 1.5)
    return drawn


def _prop(prop: Prop, top: float) -> str:
    if prop.kind == "wall":
        x = prop.x
        return (
            f'<rect x="{x:.1f}" y="{top + 2:g}" width="8" height="{FLOOR - top - 2:g}"'
            f' fill="{PROP_FILL}"'
            f' stroke="{PROP_INK}" stroke-width="1.5"/>'
        )
    size = prop.size or 14
    radius = size / 2
    return (
        f'<ellipse cx="{prop.x:.1f}" cy="{FLOOR - radius:.1f}" rx="{radius * 1.35:.1f}"'
        f' ry="{radius:.1f}" fill="{PROP_FILL}" stroke="{PROP_INK}" stroke-width="1.5"/>'
    )


def _arrow(arrow: Arrow) -> str:
    start, end = arrow.start, arrow.end
    middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = math.hypot(dx, dy) or 1.0
    # The control point lies off the middle, to the left of travel, so the curve bows out.
    control = (middle[0] - dy / length * arrow.bend * 2, middle[1] + dx / length * arrow.bend * 2)
    heading = math.degrees(math.atan2(end[1] - control[1], end[0] - control[0]))
    left = _step(end, heading + 150, 5)
    right = _step(end, heading - 150, 5)
    return (
        f'<path d="M{_screen(start)} Q{_screen(control)} {_screen(end)}" stroke="{INK}"'
        ' stroke-width="1.8"/>'
        f'<polygon points="{_screen(end)} {_screen(left)} {_screen(right)}" fill="{INK}"'
        f' stroke="{INK}" stroke-width="1"/>'
    )


def _reach(figure: Figure, skeleton: _Skeleton) -> float:
    """The highest point the figure draws, in units above the floor."""
    points = [skeleton.head[1] + HEAD_RADIUS]
    for limb in LIMBS:
        drawn = _limb_points(skeleton, limb, figure.limbs[limb], figure.scale_of(limb))
        points += [p[1] + LIMB_WIDTH / 2 for p in drawn]
    for limb, angles in figure.ghosts.items():
        points += [p[1] for p in _limb_points(skeleton, limb, angles, figure.scale_of(limb))]
    for arrow in figure.arrows:
        points += [arrow.start[1] + arrow.bend, arrow.end[1] + arrow.bend]
    for prop in figure.props:
        points.append(prop.size if prop.kind == "bolster" else 0)
    return max(points)


def render_svg(figure: Figure, id_prefix: str, title: str = "") -> str:
    """The figure as an inline <svg> element; ``id_prefix`` keeps its ids unique on a page,
    and ``title`` (the pose's name where it is shown) replaces the figure's own.

    Every figure is 160 units wide at one scale; the picture is cut off a little above the
    figure's highest point, so a figure lying down takes less height than one standing.
    """
    skeleton = _skeleton(figure)
    top = max(0.0, math.floor(FLOOR - _reach(figure, skeleton) - 6))
    height = HEIGHT - top
    parts = [
        f'<svg class="pose-figure"'
        f' viewBox="0 {top:g} {WIDTH} {height:g}" role="img"'
        f' aria-labelledby="{id_prefix}-title {id_prefix}-desc">',
        f'<title id="{id_prefix}-title">{escape(title or figure.title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(figure.description)}</desc>',
        '<g fill="none" stroke-linecap="round" stroke-linejoin="round">',
    ]
    parts += [_prop(p, top) for p in figure.props if p.kind != "bolster"]
    parts.append(
        f'<line x1="4" y1="{FLOOR + 1}" x2="{WIDTH - 4}" y2="{FLOOR + 1}" stroke="{PROP_INK}"'
        ' stroke-width="2"/>'
    )
    for limb, angles in figure.ghosts.items():
        points = _limb_points(skeleton, limb, angles, figure.scale_of(limb))
        parts.append(_polyline(points, FAR, 3, GHOST_DASH))
    # From the side the far limbs are grey, behind the body; from the front both sides show.
    far = FAR if figure.view == "side" else INK
    for limb in ("far_arm", "far_leg"):
        parts.append(_limb(figure, skeleton, limb, far))
    parts += [_prop(p, top) for p in figure.props if p.kind == "bolster"]
    if skeleton.pelvis and skeleton.shoulder_line:
        parts.append(_polyline(skeleton.pelvis, INK, LIMB_WIDTH))
        parts.append(_polyline(skeleton.shoulder_line, INK, LIMB_WIDTH))
    parts.append(_polyline((*skeleton.spine, skeleton.neck), INK, BODY_WIDTH))
    parts.append(
        f'<circle cx="{skeleton.head[0]:.1f}" cy="{FLOOR - skeleton.head[1]:.1f}"'
        f' r="{HEAD_RADIUS}" fill="{INK}" stroke="none"/>'
    )
    for limb in ("near_leg", "near_arm"):
        parts.append(_limb(figure, skeleton, limb, INK))
    parts += [_arrow(a) for a in figure.arrows]
    parts.append("</g></svg>")
    return "".join(parts)

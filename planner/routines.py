"""Routine templates: yoga content as TOML data files that a coach can edit.

Each file in ``templates/routines/`` describes one routine (its ``activity`` key names the
activity it serves). Code holds no pose text: it only validates the data and renders it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from planner.errors import InvalidTemplate, PlanError, SettingError
from planner.figures import FIGURES_FOLDER, FigureFile, figure_path
from planner.files import TOML_BYTES, load_toml, read_input
from planner.model import (
    TRANSITION_SECONDS,
    Activity,
    FormCue,
    Pose,
    Routine,
    RoutineLibrary,
    Source,
)

FORM_CUES_FILE = "form_cues.toml"
MAX_SETS = 10
"""Most sets of a routine at one level; more would not fit in a day."""
LONGEST_ROUTINE_MINUTES = 240
"""A yoga session of more than four hours is a typo (and a plan.ics holds no event lasting
a fortnight)."""


def default_templates_dir() -> Path:
    """templates/ inside the installed package, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "routines").is_dir():
            return candidate
    raise PlanError(f"the routine templates are missing (looked in {here / 'templates'})")


def load_routines(folder: Path | None = None) -> RoutineLibrary:
    """Read and validate every routine in ``folder/routines`` (default: the shipped templates)."""
    base = folder if folder is not None else default_templates_dir()
    routines_dir = base / "routines"
    if base.exists() and not base.is_dir():
        raise SettingError("templates", f"{base} is a file; expected a templates folder")
    if not base.is_dir():
        raise SettingError("templates", f"templates folder {base} does not exist")
    if not routines_dir.is_dir():
        raise SettingError(
            "templates",
            f"{base} has no routines/ folder; copy templates/routines from planner as a start",
        )
    found: dict[Activity, Routine] = {}
    figures = _FigureShelf(base)
    for path in sorted(routines_dir.glob("*.toml")):
        routine = figures.attach(parse_routine(_read(path), str(path)))
        if routine.activity.value != path.stem:
            raise InvalidTemplate(
                str(path),
                "activity",
                f"is {routine.activity.value!r} but the file is named {path.stem}.toml;"
                " name the file after its activity",
            )
        found[routine.activity] = routine
    cues: tuple[FormCue, ...] = ()
    cues_source: Source | None = None
    cues_path = base / FORM_CUES_FILE
    if cues_path.exists() or cues_path.is_symlink():  # read_input refuses what isn't a file
        cues, cues_source = parse_form_cues(_read(cues_path), str(cues_path))
    return RoutineLibrary(found, str(base), cues, cues_source)


FIGURE_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")


class _FigureShelf:
    """Finds each figure a routine names, once: in the templates folder's figures/, or, for
    a coach's folder that has no such file, in planner's own."""

    def __init__(self, base: Path) -> None:
        self.folders = [base]
        shipped = _shipped_templates()
        if shipped is not None and shipped.resolve() != base.resolve():
            self.folders.append(shipped)
        self.found: dict[str, FigureFile] = {}

    def attach(self, routine: Routine) -> Routine:
        poses = []
        for number, pose in enumerate(routine.poses, start=1):
            if not pose.figure_name:
                poses.append(pose)
                continue
            figure = self.found.get(pose.figure_name)
            if figure is None:
                figure = self._find(pose.figure_name, routine.path, f"poses[{number}].figure")
                self.found[pose.figure_name] = figure
            poses.append(replace(pose, figure=figure))
        return replace(routine, poses=tuple(poses))

    def _find(self, name: str, source: str, key: str) -> FigureFile:
        for folder in self.folders:
            path = figure_path(folder, name)
            if path.is_file():
                return FigureFile(path)
        raise InvalidTemplate(
            source,
            key,
            f"no figure {name!r}: add {figure_path(self.folders[0], name)}"
            f" (planner's templates/{FIGURES_FOLDER}/ has examples), or write text_only = true",
        )


def _shipped_templates() -> Path | None:
    try:
        return default_templates_dir()
    except PlanError:
        return None


def _read(path: Path) -> bytes:
    try:
        return read_input(path, TOML_BYTES, "a TOML file")
    except PlanError as err:
        raise InvalidTemplate(str(path), None, err.message) from None


def _load_toml(data: bytes, source: str) -> dict[str, Any]:
    try:
        return load_toml(data, source)
    except PlanError as err:
        raise InvalidTemplate(source, None, err.message) from None


def _parse_source(t: _Table) -> Source:
    table = t.table("source")
    table.reject_unknown({"title", "author", "site", "url"})
    return Source(
        title=table.text("title"),
        author=table.text("author"),
        site=table.text("site"),
        url=table.text("url", default=""),
    )


def parse_form_cues(data: bytes, source: str) -> tuple[tuple[FormCue, ...], Source]:
    """templates/form_cues.toml: [source] and [[cues]] with name, cue and why."""
    t = _Table(_load_toml(data, source), source, "")
    credit = _parse_source(t)
    cues = []
    for table in t.list_of_tables("cues"):
        table.reject_unknown({"name", "cue", "why"})
        cues.append(FormCue(table.text("name"), table.text("cue"), table.text("why")))
    if not cues:
        raise InvalidTemplate(source, "cues", "needs at least one [[cues]] entry")
    t.reject_unknown({"source", "cues"})
    return tuple(cues), credit


def parse_routine(data: bytes, source: str) -> Routine:
    t = _Table(_load_toml(data, source), source, "")
    activity_name = t.text("activity")
    try:
        activity = Activity(activity_name)
    except ValueError:
        known = ", ".join(a.value for a in Activity if not a.is_running)
        raise InvalidTemplate(
            source, "activity", f"unknown activity {activity_name!r}; expected one of {known}"
        ) from None
    if activity.is_running:
        known = ", ".join(a.value for a in Activity if not a.is_running)
        raise InvalidTemplate(
            source,
            "activity",
            f"{activity_name!r} is a run, not a routine; expected one of {known}",
        )
    poses_raw = t.list_of_tables("poses")
    if not poses_raw:
        raise InvalidTemplate(source, "poses", "a routine needs at least one [[poses]] entry")
    poses = tuple(_parse_pose(p) for p in poses_raw)
    sets = t.int_list("sets_by_level", default=[1])
    t.reject_unknown({"activity", "title", "summary", "why", "source", "poses", "sets_by_level"})
    routine = Routine(
        activity=activity,
        title=t.text("title"),
        summary=t.text("summary"),
        why=t.text("why"),
        source=_parse_source(t),
        poses=poses,
        sets_by_level=tuple(sets),
        path=source,
    )
    # An event planner writes must be one it reads back from plan.ics, where no event lasts
    # a fortnight; and no yoga session lasts half a day.
    for level in range(1, routine.levels + 1):
        for variant in ("", "gentle"):
            minutes = routine.minutes(level, variant)
            if minutes > LONGEST_ROUTINE_MINUTES:
                raise InvalidTemplate(
                    source,
                    "poses",
                    f"the routine takes {minutes:,} minutes at level {level}; keep it within"
                    f" {LONGEST_ROUTINE_MINUTES} (fewer poses, shorter holds or fewer sets)",
                )
    return routine


_POSE_KEYS = {
    "name",
    "sanskrit",
    "why",
    "steps",
    "hold",
    "seconds",
    "sides",
    "cautions",
    "group",
    "level",
    "variant",
    "figure",
    "text_only",
}


def _parse_pose(t: _Table) -> Pose:
    sides = t.integer("sides", default=1)
    if sides not in (1, 2):
        raise InvalidTemplate(t.source, t.key("sides"), f"expected 1 or 2, found {sides}")
    seconds = t.integer("seconds")
    if not 5 <= seconds <= 3600:
        raise InvalidTemplate(
            t.source, t.key("seconds"), f"expected 5 to 3600 seconds, found {seconds}"
        )
    steps = t.text_list("steps")
    if not steps:
        raise InvalidTemplate(t.source, t.key("steps"), "a pose needs at least one step")
    level = t.integer("level", default=1)
    if level < 1:
        raise InvalidTemplate(t.source, t.key("level"), f"expected 1 or more, found {level}")
    t.reject_unknown(_POSE_KEYS)
    figure = _figure_name(t)
    return Pose(
        name=t.text("name"),
        steps=tuple(steps),
        hold=t.text("hold"),
        seconds=seconds,
        sides=sides,
        sanskrit=t.text("sanskrit", default=""),
        why=t.text("why", default=""),
        cautions=tuple(t.text_list("cautions", default=[])),
        group=t.text("group", default=""),
        level=level,
        variant=t.text("variant", default=""),
        figure_name=figure,
    )


def _figure_name(t: _Table) -> str:
    """The pose's figure, or "" when the pose is marked text only: one of the two is required,
    so a pose never loses its picture by a forgotten line."""
    text_only = t.raw.get("text_only", False)
    if not isinstance(text_only, bool):
        raise InvalidTemplate(t.source, t.key("text_only"), "expected true or false")
    if "figure" not in t.raw:
        if text_only:
            return ""
        raise InvalidTemplate(
            t.source,
            t.key("figure"),
            'missing; name the pose\'s picture in templates/figures/ (figure = "chair_pose"),'
            " or write text_only = true",
        )
    if text_only:
        raise InvalidTemplate(
            t.source, t.key("text_only"), "a pose with a figure is not text only; keep one of them"
        )
    name = t.text("figure")
    if not FIGURE_NAME.fullmatch(name):
        raise InvalidTemplate(
            t.source,
            t.key("figure"),
            f"expected a file name in lower case without .toml, like chair_pose; found {name!r}",
        )
    return name


class _Table:
    """A TOML table with typed getters whose errors name the file and the dotted key."""

    def __init__(self, raw: Mapping[str, Any], source: str, prefix: str) -> None:
        self.raw = raw
        self.source = source
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _get(self, name: str, default: Any, kind: str) -> Any:
        if name in self.raw:
            return self.raw[name]
        if default is not None:
            return default
        raise InvalidTemplate(self.source, self.key(name), f"missing; expected {kind}")

    def text(self, name: str, default: str | None = None) -> str:
        value = self._get(name, default, "a text value")
        if not isinstance(value, str):
            raise InvalidTemplate(self.source, self.key(name), "expected a text value in quotes")
        if default is None and not value.strip():
            raise InvalidTemplate(self.source, self.key(name), "is empty; write the text in quotes")
        return value.strip()

    def integer(self, name: str, default: int | None = None) -> int:
        value = self._get(name, default, "a whole number")
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidTemplate(
                self.source, self.key(name), f"expected a whole number, found {value!r}"
            )
        return value

    def text_list(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self._get(name, default, "a list of text values")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidTemplate(
                self.source, self.key(name), 'expected a list of text values like ["...", "..."]'
            )
        if any(not v.strip() for v in value):
            raise InvalidTemplate(self.source, self.key(name), "has an empty entry")
        return [v.strip() for v in value]

    def int_list(
        self, name: str, default: list[int] | None = None, *, most: int = MAX_SETS
    ) -> list[int]:
        value = self._get(name, default, "a list of whole numbers")
        if (
            not isinstance(value, list)
            or not value
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 < v <= most for v in value
            )
        ):
            raise InvalidTemplate(
                self.source,
                self.key(name),
                f"expected a list of whole numbers from 1 to {most}, like [1, 2, 3]",
            )
        return list(value)

    def table(self, name: str) -> _Table:
        value = self._get(name, None, f"a [{self.key(name)}] table")
        if not isinstance(value, dict):
            raise InvalidTemplate(
                self.source, self.key(name), f"expected a [{self.key(name)}] table"
            )
        return _Table(value, self.source, f"{self.key(name)}.")

    def list_of_tables(self, name: str) -> list[_Table]:
        value = self._get(name, [], "[[...]] tables")
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise InvalidTemplate(self.source, self.key(name), f"expected [[{name}]] tables")
        return [_Table(v, self.source, f"{self.key(name)}[{i + 1}].") for i, v in enumerate(value)]

    def reject_unknown(self, allowed: set[str]) -> None:
        for name in self.raw:
            if name not in allowed:
                hint = ", ".join(sorted(allowed))
                raise InvalidTemplate(
                    self.source, self.key(name), f"unknown key; expected one of {hint}"
                )


def render_description(
    routine: Routine, level: int = 1, variant: str = "", minutes: int | None = None
) -> str:
    """Plain text for a calendar's event view: why, numbered poses with steps, source."""
    poses = routine.poses_for(level, variant)
    sets = routine.sets_at(level)
    length = minutes if minutes is not None else routine.minutes(level, variant)
    lines = [routine.summary, f"About {length} min" + (f", {sets} sets" if sets > 1 else "") + "."]
    if routine.why:
        lines += ["", routine.why]
    for number, pose in enumerate(poses, start=1):
        name = f"{pose.name} ({pose.sanskrit})" if pose.sanskrit else pose.name
        each = ", each side" if pose.sides == 2 else ""
        lines += ["", f"{number}. {name}: {pose.hold}{each}"]
        lines += [f"   - {step}" for step in pose.steps]
        lines += [f"   Caution: {c}" for c in pose.cautions]
    lines += [
        "",
        f"Source: {routine.source.title}, {routine.source.author} ({routine.source.site})",
    ]
    return "\n".join(lines)


def render_details(routine: Routine, level: int = 1, variant: str = "") -> str:
    """One line for a spreadsheet cell: the poses and their holds."""
    parts = []
    for pose in routine.poses_for(level, variant):
        each = " each side" if pose.sides == 2 else ""
        parts.append(f"{pose.name} {pose.hold}{each}")
    sets = routine.sets_at(level)
    prefix = f"{sets} sets: " if sets > 1 else ""
    return prefix + "; ".join(parts)


def show_command(routine: Routine, level: int = 1, variant: str = "") -> str:
    """The command that prints this session's full steps (`planner routines show ...`)."""
    command = f"planner routines show {routine.activity.value}"
    if level > 1 and routine.levels > 1:
        command += f" --level {level}"
    if variant == "gentle" and any(p.variant == variant for p in routine.poses):
        command += " --gentle"
    return command


def render_compact(routine: Routine, level: int = 1, variant: str = "") -> str:
    """A short description for long plans: the aim, one line per pose, where the steps are."""
    lines = [routine.summary]
    sets = routine.sets_at(level)
    if sets > 1:
        lines.append(f"{sets} sets of:")
    for number, pose in enumerate(routine.poses_for(level, variant), start=1):
        each = ", each side" if pose.sides == 2 else ""
        lines.append(f"{number}. {pose.name}: {pose.hold}{each}")
    lines.append(render_brief(routine, level, variant))
    return "\n".join(lines)


def render_brief(routine: Routine, level: int = 1, variant: str = "") -> str:
    """The shortest description: where to find the steps (the title names the routine)."""
    return f"Full steps: {show_command(routine, level, variant)}"


__all__ = [  # the routines' types live in planner.model; these names are kept for importers
    "TRANSITION_SECONDS",
    "FormCue",
    "Pose",
    "Routine",
    "RoutineLibrary",
    "Source",
    "load_routines",
]

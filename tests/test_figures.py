"""Pose figures: every pose has one (or says it is text only), every figure is safe, accessible
SVG drawn at one scale in print-safe greys, and a broken or missing figure names what to fix."""

from __future__ import annotations

import itertools
import math
import re
import shutil
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cards import render_card
from planner.cli import cli
from planner.errors import InvalidTemplate
from planner.figures import (
    FOREARM,
    LIMB_WIDTH,
    SHIN,
    THIGH,
    UPPER_ARM,
    WIDTH,
    load_figure,
    parse_figure,
    render_svg,
)
from planner.model import Activity
from planner.routines import RoutineLibrary, default_templates_dir, load_routines
from tests.conftest import SAMPLES

TEMPLATES = default_templates_dir()
FIGURES = sorted((TEMPLATES / "figures").glob("*.toml"))
SVG_ELEMENTS = {"svg", "title", "desc", "g", "polyline", "circle", "rect", "ellipse", "line"}
SVG_ELEMENTS |= {"path", "polygon"}
"""All a figure may hold: shapes, and the two elements screen readers read."""


def svg_tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


# --- the shipped templates ---------------------------------------------------------------


def test_every_pose_names_a_figure_or_is_marked_text_only() -> None:
    for path in sorted((TEMPLATES / "routines").glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        for pose in raw["poses"]:
            assert ("figure" in pose) != bool(pose.get("text_only")), (path.name, pose["name"])


def test_every_shipped_pose_has_its_picture(routines: RoutineLibrary) -> None:
    poses = [p for r in routines.routines.values() for p in r.poses]
    assert len(poses) == 23
    missing = [p.name for p in poses if p.figure is None]
    assert missing == []
    used = {p.figure_name for p in poses}
    assert used == {path.stem for path in FIGURES}, "a figure no pose uses, or a typo"
    assert len(used) == 19  # the chest opener and chest stretch share one, as do repeats


def test_the_pose_shapes_the_issue_names(routines: RoutineLibrary) -> None:
    """The defining shape of a few poses, read back from the figure's own joints."""
    by_name = {
        p.figure_name: p.figure.load()
        for r in routines.routines.values()
        for p in r.poses
        if p.figure is not None
    }
    wall = by_name["legs_up_the_wall"]
    assert wall is not None and [p.kind for p in wall.props] == ["wall"]
    assert wall.torso == (180, 180) and wall.hip[1] < 8  # lying on the back
    assert all(abs(a - 90) <= 5 for a in wall.limbs["near_leg"][:2])  # legs straight up
    assert abs(wall.props[0].x - wall.hip[0]) <= 6  # seat at the wall
    plank = by_name["reverse_plank"]
    assert plank is not None
    assert plank.limbs["near_leg"][:2] == (plank.torso[0] + 180, plank.torso[1] + 180)
    assert plank.limbs["near_arm"] == (270, 270)  # one straight line on straight arms
    table = by_name["reverse_tabletop"]
    assert table is not None and table.limbs["near_leg"][:2] == (0, 270)  # knees bent
    assert abs(table.torso[0] - 180) <= 15  # hips about level with the shoulders
    for name in ("locust_arms_by_sides", "full_bow", "bow_no_hands"):
        lying = by_name[name]
        assert lying is not None and lying.hip[1] <= 8 and 0 < lying.torso[1] < 60  # chest up


# --- every figure as SVG -----------------------------------------------------------------


@pytest.mark.parametrize("path", FIGURES, ids=[p.stem for p in FIGURES])
def test_each_figure_is_safe_accessible_svg(path: Path) -> None:
    figure = load_figure(path)
    svg = render_svg(figure, "f1")
    root = svg_tree(svg)
    assert root.tag == "svg" and root.attrib["role"] == "img"
    assert root.attrib["aria-labelledby"] == "f1-title f1-desc"
    title, desc = root.find("title"), root.find("desc")
    assert title is not None and title.attrib["id"] == "f1-title" and title.text == figure.title
    assert desc is not None and desc.attrib["id"] == "f1-desc"
    assert desc.text and len(desc.text.split()) >= 12  # says the shape, not just the name
    _, _, width, height = (float(n) for n in root.attrib["viewBox"].split())
    assert width == WIDTH and 30 <= height <= 120
    for element in root.iter():
        assert element.tag in SVG_ELEMENTS, element.tag
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            assert "href" not in name.lower(), name
            assert not re.search(r"url\(|https?:|file:|javascript:", value, re.I), value
    assert len(root.findall(".//polyline")) >= 5  # body, arms and legs


def test_titles_and_descriptions_are_escaped(tmp_path: Path) -> None:
    raw = tomllib.loads((TEMPLATES / "figures" / "full_bow.toml").read_text(encoding="utf-8"))
    raw["description"] = 'Bow <script>alert("x")</script> & hold'
    svg = render_svg(parse_figure(raw, "x.toml", "x"), "p", title="Bow & <b>arrow</b>")
    root = svg_tree(svg)
    assert root.findtext("title") == "Bow & <b>arrow</b>"
    assert root.findtext("desc") == 'Bow <script>alert("x")</script> & hold'
    assert root.find(".//script") is None and "<script" not in svg


def test_figures_print_in_greys(routines: RoutineLibrary) -> None:
    colours = set()
    for path in FIGURES:
        for element in svg_tree(render_svg(load_figure(path), "f")).iter():
            colours |= {element.attrib[k] for k in ("fill", "stroke") if k in element.attrib}
    colours.discard("none")
    assert len(colours) >= 4
    for colour in colours:
        channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        assert max(channels) - min(channels) <= 24, f"{colour} is not a grey"


def _segments(polyline: ET.Element) -> list[float]:
    points = [tuple(map(float, p.split(","))) for p in polyline.attrib["points"].split()]
    return [math.dist(a, b) for a, b in itertools.pairwise(points)]


@pytest.mark.parametrize("name", ["single_leg_balance", "full_bow", "reverse_plank"])
def test_every_figure_has_the_same_body(name: str) -> None:
    """The near arm and leg are drawn at the body's own lengths, whatever the pose."""
    root = svg_tree(render_svg(load_figure(TEMPLATES / "figures" / f"{name}.toml"), "f"))
    limbs = [
        p
        for p in root.iter("polyline")
        if p.attrib["stroke"] == "#1b1f24" and p.attrib["stroke-width"] == f"{LIMB_WIDTH:g}"
    ]
    lengths = sorted(round(s) for p in limbs for s in _segments(p))
    assert sorted({FOREARM, UPPER_ARM, SHIN, THIGH}) == sorted(set(lengths) & {15, 16, 22, 23})
    assert set(lengths) <= {FOREARM, UPPER_ARM, SHIN, THIGH}


ANGLES = st.integers(-360, 360)


@settings(max_examples=40, deadline=None)
@given(
    hip=st.tuples(st.integers(0, 160), st.integers(0, 112)),
    angles=st.lists(ANGLES, min_size=13, max_size=13),
    view=st.sampled_from(["side", "front"]),
)
def test_any_angles_draw_a_figure_inside_its_picture(
    hip: tuple[int, int], angles: list[int], view: str
) -> None:
    raw = {
        "title": "T", "description": "D", "view": view, "hip": list(hip),
        "torso": angles[0:2], "head": angles[2], "near_arm": angles[3:5],
        "far_arm": angles[5:7], "near_leg": angles[7:10], "far_leg": angles[10:13],
    }  # fmt: skip
    try:
        figure = parse_figure(raw, "t.toml", "t")
    except InvalidTemplate as err:
        assert str(err).startswith("t.toml: hip: the figure ")
        assert "picture; move the hip or change the angles" in str(err)
        return
    root = svg_tree(render_svg(figure, "t"))
    _, top, _, height = (float(n) for n in root.attrib["viewBox"].split())
    assert top >= 0 and height > 0 and top + height == 120
    for shape in root.iter("polyline"):
        for point in shape.attrib["points"].split():
            x, y = map(float, point.split(","))
            assert 0 <= x <= 160 and top <= y <= 116
    head = root.find(".//circle")
    assert head is not None
    assert top <= float(head.attrib["cy"]) - 6.5  # the head is never cut off at the top


# --- what a coach sees when a figure is missing or broken ------------------------------------

ROUTINE = """\
activity = "pre_run_activation"
title = "Test"
summary = "One line."
why = "Because."

[source]
title = "T"
author = "A"
site = "S"

[[poses]]
name = "First"
FIGURE_LINE
steps = ["Do it."]
hold = "5 breaths"
seconds = 30
"""


def _coach_folder(tmp_path: Path, figure_line: str) -> Path:
    (tmp_path / "routines").mkdir()
    path = tmp_path / "routines" / "pre_run_activation.toml"
    path.write_text(ROUTINE.replace("FIGURE_LINE", figure_line), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (
            "",
            "poses[1].figure: missing; name the pose's picture in templates/figures/"
            ' (figure = "chair_pose"), or write text_only = true',
        ),
        (
            'figure = "plank"',
            "poses[1].figure: no figure 'plank': add {folder}/figures/plank.toml"
            " (planner's templates/figures/ has examples), or write text_only = true",
        ),
        (
            'figure = "../routines/x"',
            "poses[1].figure: expected a file name in lower case without .toml, like"
            " chair_pose; found '../routines/x'",
        ),
        (
            'figure = "chest_opener"\ntext_only = true',
            "poses[1].text_only: a pose with a figure is not text only; keep one of them",
        ),
        ('text_only = "yes"', "poses[1].text_only: expected true or false"),
    ],
)
def test_a_pose_without_a_usable_figure_is_reported(tmp_path: Path, line: str, says: str) -> None:
    path = _coach_folder(tmp_path, line)
    with pytest.raises(InvalidTemplate) as caught:
        load_routines(tmp_path)
    assert str(caught.value) == f"{path}: {says.format(folder=tmp_path)}"


def test_text_only_pose_loads_without_a_figure(tmp_path: Path) -> None:
    _coach_folder(tmp_path, "text_only = true")
    pose = load_routines(tmp_path)[Activity.PRE_RUN_ACTIVATION].poses[0]
    assert pose.figure is None and pose.figure_name == ""


def test_a_coach_folder_uses_its_own_figure_before_planner_s(tmp_path: Path) -> None:
    _coach_folder(tmp_path, 'figure = "chest_opener"')
    shipped = load_routines(tmp_path)[Activity.PRE_RUN_ACTIVATION].poses[0].figure
    assert shipped is not None and shipped.path == TEMPLATES / "figures" / "chest_opener.toml"
    (tmp_path / "figures").mkdir()
    own = tmp_path / "figures" / "chest_opener.toml"
    shutil.copy(TEMPLATES / "figures" / "chest_opener.toml", own)
    text = own.read_text(encoding="utf-8").replace('title = "Chest opener"', 'title = "Mine"')
    own.write_text(text, encoding="utf-8")
    figure = load_routines(tmp_path)[Activity.PRE_RUN_ACTIVATION].poses[0].figure
    assert figure is not None and figure.path == own and figure.load().title == "Mine"


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("torso = [88, 97]", 'torso = "up"', "torso: expected a list of 2 numbers, found 'up'"),
        ("head = 92", "", "head: missing; expected a number"),
        ("hip = [76, 47]", "hip = [76, 470]", "hip: expected [across 0-160, height 0-112]"),
        ("head = 92", "head = 92\nknee = 3", "knee: unknown key; expected one of"),
        ("head = 92", 'head = 92\nview = "top"', "view: expected one of side, front"),
        ("", "\n[scale]\nnear_arm = [2, 1]", "scale.near_arm: expected"),
        ("", '\n[[props]]\nkind = "tree"\nx = 4', "props[1].kind"),
        ("", "\n[[arrows]]\nfrom = [1, 2]", "arrows[1].to: missing"),
        ("", "\n[ghosts]\ntail = [1, 2]", "ghosts.tail: unknown part"),
        ("head = 92", "head = nan", "head: expected a number, found nan"),
        ("hip = [76, 47]", "hip = [2, 47]", "hip: the figure reaches past the left edge"),
        ("hip = [76, 47]", "hip = [76, 100]", "hip: the figure reaches past the top edge"),
        ("hip = [76, 47]", "hip = [76, 30]", "hip: the figure goes through the floor"),
        ("head = 92", "head = [", "not valid TOML"),
    ],
)
def test_a_broken_figure_names_its_file_and_key(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    _coach_folder(tmp_path, 'figure = "chest_opener"')
    (tmp_path / "figures").mkdir()
    text = (TEMPLATES / "figures" / "chest_opener.toml").read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1) if old else text + new  # tables go at the end
    figure = tmp_path / "figures" / "chest_opener.toml"
    figure.write_text(changed, encoding="utf-8")
    routine = load_routines(tmp_path)[Activity.PRE_RUN_ACTIVATION]  # found, not yet read
    with pytest.raises(InvalidTemplate) as caught:
        render_card(routine)  # read when it is first drawn
    message = str(caught.value)
    assert message.startswith(f"{figure}: ") and says in message, message
    assert "\n" not in message


def test_a_broken_figure_is_one_line_and_only_where_it_is_drawn(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES / "routines", tmp_path / "routines")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "chest_opener.toml").write_text("head = 1\n", encoding="utf-8")
    card = CliRunner().invoke(
        cli, ["routines", "--templates", str(tmp_path), "card", "pre_run_activation"]
    )
    assert card.exit_code == 2
    assert card.output == (
        f"planner: error: {tmp_path / 'figures' / 'chest_opener.toml'}: hip: missing;"
        " expected a list of 2 numbers\n"
    )
    build = ["build", str(SAMPLES / "10k.csv"), "--race-date", "2027-05-16",
             "--templates", str(tmp_path), "--out", str(tmp_path / "out")]  # fmt: skip
    calendar = CliRunner().invoke(cli, [*build, "--format", "ics"])
    assert calendar.exit_code == 0, calendar.output  # a calendar draws no figure
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["plan.ics"]
    overview = CliRunner().invoke(cli, [*build, "--format", "html"])
    assert overview.exit_code == 2
    assert overview.output == card.output
    assert not (tmp_path / "out" / "plan.html").exists()

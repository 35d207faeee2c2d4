"""Routine cards: the path scheme, the card's content, the `routines card` command, and the
cards laid out and printed in a real browser (Debian's chromium, as tests/export/test_html.py)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cards import card_filename, card_path, card_url, plan_cards, render_card
from planner.cli import cli
from planner.model import Activity
from planner.routines import RoutineLibrary, load_routines
from tests.export.test_html import CSS_PX_PER_MM, LAYOUT_CHECK, Node, chromium, parse, sixteen_weeks

STRENGTH = Activity.BACKSIDE_STRENGTH
CARDS = {
    # name: (activity, level, variant)
    "pre_run_activation": (Activity.PRE_RUN_ACTIVATION, 1, ""),
    "post_run_recovery": (Activity.POST_RUN_RECOVERY, 1, ""),
    "backside_strength-level-2": (STRENGTH, 2, ""),
    "backside_strength-level-5": (STRENGTH, 5, ""),
    "legs_up_the_wall-gentle": (Activity.LEGS_UP_THE_WALL, 1, "gentle"),
}


def card_page(
    routines: RoutineLibrary, activity: Activity, level: int = 1, variant: str = ""
) -> Node:
    return parse(render_card(routines[activity], level, variant))


# --- where cards are published ---------------------------------------------------------


def test_card_paths_follow_one_scheme(routines: RoutineLibrary) -> None:
    assert card_filename(Activity.PRE_RUN_ACTIVATION) == "pre_run_activation.html"
    assert card_filename(STRENGTH, 3) == "backside_strength-level-3.html"
    assert card_filename(Activity.LEGS_UP_THE_WALL, 1, "gentle") == "legs_up_the_wall-gentle.html"
    strength = routines[STRENGTH]
    assert card_path(strength, 1) == "cards/backside_strength.html"
    assert card_path(strength, 9) == "cards/backside_strength-level-5.html"  # the top level
    # A gentle plan asks every routine for its gentle version; most have none.
    assert card_path(strength, 2, "gentle") == "cards/backside_strength-level-2.html"
    wall = routines[Activity.LEGS_UP_THE_WALL]
    assert card_path(wall, 3, "gentle") == "cards/legs_up_the_wall-gentle.html"
    for base in ("https://club.example/plans", "https://club.example/plans/"):
        assert card_url(base, wall, 1, "gentle") == (
            "https://club.example/plans/cards/legs_up_the_wall-gentle.html"
        )


def test_plan_cards_are_every_card_the_plan_uses(routines: RoutineLibrary) -> None:
    plan = sixteen_weeks(routines, gentle_inversion=True)
    cards = plan_cards(plan)
    assert sorted(cards) == [
        "cards/backside_strength-level-2.html",
        "cards/backside_strength-level-3.html",
        "cards/backside_strength-level-4.html",
        "cards/backside_strength-level-5.html",
        "cards/backside_strength.html",
        "cards/legs_up_the_wall-gentle.html",
        "cards/post_run_recovery.html",
        "cards/pre_run_activation.html",
    ]
    assert {(u.routine.activity, u.level) for u in plan.routine_uses} == {
        (Activity.PRE_RUN_ACTIVATION, 1), (Activity.POST_RUN_RECOVERY, 1),
        (Activity.LEGS_UP_THE_WALL, 1), *((STRENGTH, n) for n in range(1, 6)),
    }  # fmt: skip
    for use in plan.routine_uses:
        page = parse(cards[card_path(use.routine, use.level, use.variant)])
        names = [h.text() for h in page.find_all("h2")]
        assert names == [
            f"{n} {p.name}" + (f" {p.sanskrit}" if p.sanskrit else "")
            for n, p in enumerate(use.routine.poses_for(use.level, use.variant), start=1)
        ]


# --- what a card shows ------------------------------------------------------------------


def test_card_shows_every_pose_with_its_figure_hold_and_steps(routines: RoutineLibrary) -> None:
    routine = routines[STRENGTH]
    page = card_page(routines, STRENGTH, 2)
    assert page.find("h1").text() == "Backside strength"
    assert page.find("title").text() == "Backside strength, level 2: routine card"
    assert [t.text() for t in page.find_all("span", "tag")] == ["Level 2 of 5", "About 10 min"]
    assert page.find("p", "how").text() == (
        "Do the 3 poses in order and hold each for the time shown; each side means one side,"
        " then the other. Then go round again: 2 rounds in all."
    )
    items = page.find("ol", "card-poses").find_all("li", "card-pose")
    poses = routine.poses_for(2)
    assert [p.name for p in poses] == [
        "Locust, goal-post arms", "Full bow", "Reverse tabletop, leg lifted",
    ]  # fmt: skip
    for number, (item, pose) in enumerate(zip(items, poses, strict=True), start=1):
        svg = item.find("svg")
        assert (
            svg.attrs["aria-labelledby"] == f"pose-{number}-figure-title pose-{number}-figure-desc"
        )
        assert svg.find("title").text() == pose.name
        assert pose.figure is not None and svg.find("desc").text() == pose.figure.load().description
        each = ", each side" if pose.sides == 2 else ""
        assert item.find("p", "hold").text() == f"Hold: {pose.hold}{each}"
        assert [li.text() for li in item.find("ol", "steps").find_all("li")] == list(pose.steps)
        assert [c.text() for c in item.find_all("p", "caution")] == [
            f"Caution: {c}" for c in pose.cautions
        ]
    assert page.find("p", "source").text() == (
        "Source: Yoga for Runners: 4 Poses to Build Your Backside for Running,"
        " Brynn Cunningham (WeeRun)"
    )


def test_gentle_card_pictures_the_pillow_not_the_wall(routines: RoutineLibrary) -> None:
    page = card_page(routines, Activity.LEGS_UP_THE_WALL, 1, "gentle")
    assert [t.text() for t in page.find_all("span", "tag")] == ["Gentle version", "About 15 min"]
    (item,) = page.find_all("li", "card-pose")
    assert item.find("svg").find("title").text() == "Legs on a pillow or bolster"
    assert len(item.find_all("ellipse")) == 1 and not item.find_all("rect")  # bolster, no wall
    plain = card_page(routines, Activity.LEGS_UP_THE_WALL)
    assert len(plain.find("li", "card-pose").find_all("rect")) == 1  # the wall
    assert plain.find("p", "how").text() == "Hold the pose for the time shown."


def test_a_text_only_pose_is_carded_without_a_figure(tmp_path: Path) -> None:
    (tmp_path / "routines").mkdir()
    text = (
        Path(__file__).parents[1] / "templates" / "routines" / "legs_up_the_wall.toml"
    ).read_text(encoding="utf-8")
    text = text.replace('figure = "legs_up_the_wall"', "text_only = true", 1)
    (tmp_path / "routines" / "legs_up_the_wall.toml").write_text(text, encoding="utf-8")
    page = parse(render_card(load_routines(tmp_path)[Activity.LEGS_UP_THE_WALL]))
    item = page.find("li", "card-pose")
    assert "text-only" in item.classes and not item.find_all("svg")
    assert item.find("ol", "steps").find_all("li")[0].text().startswith("Put one short end")


def test_card_is_self_contained_and_escapes_its_content(routines: RoutineLibrary) -> None:
    import dataclasses

    routine = routines[Activity.PRE_RUN_ACTIVATION]
    hostile = dataclasses.replace(routine, title="<script>alert(1)</script>")
    text = render_card(hostile).decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    lowered = text.lower()
    for reference in ("http:", "https:", "//", "url(", "@import", "<link", "<script", "src="):
        assert reference not in lowered, reference
    page = parse(text.encode("utf-8"))
    assert not [k for n in page.iter() for k in n.attrs if k.startswith("on") or "href" in k]


# --- the command --------------------------------------------------------------------------


def test_card_command_writes_the_card_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["routines", "card", "backside-strength", "--level", "2"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "backside_strength-level-2-card.html"
    assert result.output == (
        f"Wrote backside_strength-level-2-card.html ({written.stat().st_size:,} bytes)\n"
        "Print it on A4 (or Letter), portrait.\n"
    )
    assert "Locust, goal-post arms" in parse(written.read_bytes()).find("ol", "card-poses").text()
    out = tmp_path / "new" / "tonight.html"
    made = runner.invoke(
        cli, ["routines", "card", "legs_up_the_wall", "--gentle", "--out", str(out)]
    )
    assert made.exit_code == 0, made.output
    assert made.output.startswith(f"Wrote {out} (")
    assert "Legs on a pillow or bolster" in out.read_text(encoding="utf-8")
    into = runner.invoke(
        cli, ["routines", "card", "pre_run_activation", "--gentle", "--out", str(tmp_path)]
    )
    assert into.exit_code == 0, into.output
    assert into.output.startswith(f"Wrote {tmp_path / 'pre_run_activation-card.html'} (")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["yoga"], "NAME: no routine 'yoga'; expected one of backside_strength,"
         " bedtime_legs_up_the_wall, legs_up_the_wall, post_run_recovery, pre_run_activation"),
        (["backside_strength", "--level", "6"], "--level: Backside strength has levels 1 to 5"),
        (["pre_run_activation", "--out", "{notes}/card.html"],
         "--out: {notes} is a file, not a folder"),
        (["pre_run_activation", "--out", "{tmp}"],
         "--out: {tmp}/pre_run_activation-card.html is a folder; move it or choose another --out"),
    ],
)  # fmt: skip
def test_card_command_mistakes_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    (tmp_path / "pre_run_activation-card.html").mkdir()  # a folder where the card would go
    names = {"notes": notes, "tmp": tmp_path}
    result = CliRunner().invoke(cli, ["routines", "card", *(a.format(**names) for a in args)])
    assert result.exit_code == 2
    assert result.output == f"planner: error: {message.format(**names)}\n"
    assert notes.read_text(encoding="utf-8") == "mine"


# --- in a real browser ------------------------------------------------------------------

CARD_LAYOUTS = {
    # name: (viewport width in CSS px, print rules forced on)
    "screen": (1280, False),
    "phone": (360, False),
    # Portrait paper less the card's 10 mm margins.
    "A4 print": (int((210 - 20) * CSS_PX_PER_MM), True),
    "Letter print": (int((215.9 - 20) * CSS_PX_PER_MM), True),
}


def _checked(page: str, print_rules: bool) -> str:
    if print_rules:
        assert page.count("@media print") == 1
        page = page.replace("@media print", "@media all")
    page = page.replace("</style>", "html { scrollbar-width: none; }\n</style>", 1)
    return page.replace("</body>", f"<script>{LAYOUT_CHECK}</script>\n</body>", 1)


@pytest.fixture(scope="module")
def card_layouts(
    routines: RoutineLibrary, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict]:
    """Every card at every width, laid out in one browser run: one iframe each."""
    folder = tmp_path_factory.mktemp("cards")
    frames = []
    for name, (activity, level, variant) in CARDS.items():
        page = render_card(routines[activity], level, variant).decode("utf-8")
        for layout, (width, print_rules) in CARD_LAYOUTS.items():
            frames.append(
                f'<iframe name="{name} / {layout}" width="{width}" height="900"'
                ' style="border:0;display:block"'
                f' srcdoc="{html.escape(_checked(page, print_rules), quote=True)}"></iframe>'
            )
    host = folder / "host.html"
    host.write_text(f"<!DOCTYPE html><html><body>{''.join(frames)}</body></html>", encoding="utf-8")
    dom = chromium(
        "--window-size=1400,900", "--dump-dom", host.as_uri(), profile=folder / "profile"
    )
    results = [
        json.loads(html.unescape(found))
        for found in re.findall(r'<pre class="layout-check">(.*?)</pre>', dom, re.S)
    ]
    return {r["name"]: r for r in results}


@pytest.mark.parametrize("card", list(CARDS))
@pytest.mark.parametrize("layout", list(CARD_LAYOUTS))
def test_card_fits_and_every_figure_shows(
    routines: RoutineLibrary, card_layouts: dict[str, dict], card: str, layout: str
) -> None:
    result = card_layouts[f"{card} / {layout}"]
    assert result["clientWidth"] == CARD_LAYOUTS[layout][0]
    assert result["overflowing"] == []
    assert result["scrollWidth"] <= result["clientWidth"]
    activity, level, variant = CARDS[card]
    poses = routines[activity].poses_for(level, variant)
    assert [f["title"] for f in result["figures"]] == [p.name for p in poses]
    for figure in result["figures"]:
        assert figure["width"] >= 200 and figure["height"] >= 40, figure  # big, not a thumbnail


@pytest.mark.parametrize(
    "card", ["pre_run_activation", "post_run_recovery", "backside_strength-level-5"]
)
def test_card_prints_on_one_a4_page(routines: RoutineLibrary, card: str, tmp_path: Path) -> None:
    """The cards with the most to say still print on one portrait page."""
    activity, level, variant = CARDS[card]
    source = tmp_path / "card.html"
    source.write_bytes(render_card(routines[activity], level, variant))
    pdf = tmp_path / "card.pdf"
    chromium(
        f"--print-to-pdf={pdf}", "--no-pdf-header-footer", source.as_uri(), profile=tmp_path / "p"
    )
    data = pdf.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 1
    boxes = {
        tuple(round(float(n)) for n in b.split()[2:])
        for b in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)
    }
    assert boxes == {(595, 842)}  # A4 portrait, in points

"""plan.html: its content, its escaping, a golden file, and how it looks in a real browser.

The browser tests run Debian's chromium headless (.ci/run installs it): one run measures the
page laid out at four widths (screen, phone, and the printable width of A4 and Letter
landscape), others take a screenshot and print to PDF.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
import shutil
import struct
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.export.html import to_html, week_ranges
from planner.mileage import read_mileage
from planner.model import Activity, Plan
from planner.routines import RoutineLibrary
from planner.schedule import PlanOptions, build_plan
from tests.conftest import GENERATED_AT, ROOT, SAMPLES

LAYOUT_CHECK = Path(__file__).with_name("layout_check.js").read_text(encoding="utf-8")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)
CSS_PX_PER_MM = 96 / 25.4
PRINT_MARGIN_MM = 9  # the page's @page margin
PAPERS = {
    # name: (the @page size to print with, landscape size in points, size in mm)
    "A4": ("A4 landscape", (842, 595), (297.0, 210.0)),
    "Letter": ("letter landscape", (792, 612), (279.4, 215.9)),
}
DASH = "\u2013"  # the en dash of time and week ranges
MAX_PAGES_16_WEEKS = 7
"""Three to four pages of weeks, two of routines; at most one more for safety."""


# --- a small DOM from the standard library's parser --------------------------------------

VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "col", "area", "base"}


@dataclasses.dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = dataclasses.field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).replace("\u00a0", " ").split())

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
        ]

    def find(self, tag: str | None = None, cls: str | None = None) -> Node:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag or '*'} class={cls}>"
        return found[0]


class TreeBuilder(HTMLParser):
    """Builds Nodes, and fails on any end tag that doesn't close the element open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: bytes) -> Node:
    builder = TreeBuilder()
    builder.feed(page.decode("utf-8"))
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


# --- plans ------------------------------------------------------------------------------


def sixteen_weeks(routines: RoutineLibrary, **options: object) -> Plan:
    mileage = read_mileage(SAMPLES / "marathon_km.csv")
    settings = PlanOptions(
        race_date=dt.date(2027, 10, 31),
        name="Autumn marathon",
        timezone="Europe/Berlin",
        race_distance="marathon",
        **options,
    )
    return build_plan(mileage, settings, routines, GENERATED_AT)


@pytest.fixture(scope="module")
def full_plan(routines: RoutineLibrary) -> Plan:
    """Every kind of session: runs, long runs, the race, all the yoga, bedtime too."""
    return sixteen_weeks(routines, bedtime=dt.time(21, 30))


@pytest.fixture(scope="module")
def full_page(full_plan: Plan) -> Node:
    return parse(to_html(full_plan))


# --- content ----------------------------------------------------------------------------


def test_every_session_is_in_its_day_cell(full_plan: Plan, full_page: Node) -> None:
    cells = {cell.find("time").attrs["datetime"]: cell for cell in full_page.find_all("td", "day")}
    assert len(cells) == 7 * len(full_plan.weeks) == 112
    for session in full_plan.sessions:
        cell = cells[session.start.date().isoformat()]
        entries = [li.text() for li in cell.find_all("li")]
        assert f"{session.start:%H:%M}" in " ".join(entries)
        assert any(session.title in entry for entry in entries), (session.title, entries)
    kinds = Counter(s.activity for s in full_plan.sessions)
    chips = full_page.find_all("li", "chip")
    runs = full_page.find_all("li", "running")
    assert len(chips) == sum(n for a, n in kinds.items() if not a.is_running)
    assert len(runs) == sum(n for a, n in kinds.items() if a.is_running) == 74
    assert kinds[Activity.BEDTIME_LEGS_UP_THE_WALL] == 112  # every kind is on this page
    shown = {c for li in chips + runs for c in li.classes}
    assert shown >= {a.value.replace("_", "-") for a in Activity}


def test_cancelled_sessions_are_left_out(full_plan: Plan) -> None:
    first = full_plan.sessions[0]
    plan = dataclasses.replace(
        full_plan,
        sessions=(dataclasses.replace(first, cancelled=True), *full_plan.sessions[1:]),
    )
    page = parse(to_html(plan))
    assert (
        len(page.find_all("li", "chip")) + len(page.find_all("li", "running"))
        == len(full_plan.sessions) - 1
    )


def test_week_rows_give_weeks_to_race_distance_and_cutbacks(
    full_plan: Plan, full_page: Node
) -> None:
    rows = full_page.find("table", "grid").find("tbody").find_all("tr")
    assert len(rows) == 16
    for row, week in zip(rows, full_plan.weeks, strict=True):
        head = row.find("th")
        assert head.attrs["scope"] == "row"
        assert head.find("span", "week-number").text() == f"Week {week.number}"
        assert head.find("span", "week-distance").text() == f"{week.distance.normalize():f} km"
        assert ("cutback" in row.classes) is week.cutback
        assert ("Cutback" in head.text()) is week.cutback
        assert len(row.find_all("td")) == 7
    assert [r.find("span", "to-go").text() for r in rows[-3:]] == [
        "2 weeks to go",
        "1 week to go",
        "Race week",
    ]
    assert sum(w.cutback for w in full_plan.weeks) == 5
    header = full_page.find("thead").find_all("th")
    assert [th.text() for th in header] == ["Week", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert {th.attrs["scope"] for th in header} == {"col"}
    assert full_page.find("caption").text().startswith("Week by week")


def test_columns_start_the_day_after_the_race_weekday(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan("week,miles\n1,10\n2,12\n", race_date="2027-04-17")  # a Saturday
    header = parse(to_html(plan)).find("thead").find_all("th")
    assert [th.text() for th in header][1:] == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]


def test_race_day_stands_out(full_plan: Plan, full_page: Node) -> None:
    race_days = full_page.find_all("td", "race-day")
    assert len(race_days) == 1
    cell = race_days[0]
    assert cell.find("time").attrs["datetime"] == "2027-10-31"
    assert cell.find("strong", "race-badge").text() == "Race day"
    assert cell.find("li", "race").text() == f"08:00{DASH}12:24 Race day: Marathon (42.2 km)"
    assert full_page.find("p", "race").text() == "Race day: Marathon (42.2 km) Sun 31 Oct 2027"


def test_chart_has_a_bar_per_week_scaled_to_its_distance(full_plan: Plan, full_page: Node) -> None:
    svg = full_page.find("svg")
    bars = svg.find_all("rect", "bar")
    assert len(bars) == 16
    heights = [Decimal(b.attrs["height"].rstrip("%")) for b in bars]
    largest = max(w.distance for w in full_plan.weeks)
    for height, week in zip(heights, full_plan.weeks, strict=True):
        assert abs(height - Decimal(68) * week.distance / largest) < Decimal("0.01")
    kinds = [next(iter(b.classes - {"bar"})) for b in bars]
    assert kinds == [
        "race" if w.weeks_to_race == 0 else "cutback" if w.cutback else "build"
        for w in full_plan.weeks
    ]
    values = [t.text() for t in svg.find_all("text", "value")]
    assert values[:3] == ["40", "44", "48"] and values[-1] == "58"
    assert svg.attrs["role"] == "img"
    assert "Week 4: 40 km (cutback)" in svg.find("desc").text()


def test_recovery_days_get_their_own_row_but_no_bar(routines: RoutineLibrary) -> None:
    plan = sixteen_weeks(routines, recovery_days=3)
    page = parse(to_html(plan))
    rows = page.find("table", "grid").find("tbody").find_all("tr")
    assert len(rows) == 17
    last = rows[-1]
    assert last.find("span", "to-go").text() == "Recovery"
    assert last.find("span", "week-distance").text() == "0 km"
    cells = last.find_all("td")
    assert [c.find("time").attrs["datetime"] for c in cells][:3] == [
        "2027-11-01", "2027-11-02", "2027-11-03",
    ]  # fmt: skip
    assert [len(c.find_all("li")) for c in cells] == [2, 2, 2, 0, 0, 0, 0]
    assert len(page.find("svg").find_all("rect", "bar")) == 16
    facts = page.find("dl", "facts").text()
    assert "16, from Mon 12 Jul 2027; then 3 recovery days" in facts


def test_legend_names_every_kind_of_session(full_page: Node) -> None:
    legend = full_page.find("section", "legend").text()
    for label in (
        "Run", "Long run", "Race", "Pre-run activation", "Post-run recovery", "Legs up the wall",
        "Backside strength", "Bedtime legs up the wall", "Race day", "Cutback",
    ):  # fmt: skip
        assert label in legend


def test_every_routine_used_is_written_out_with_steps_and_holds(
    full_plan: Plan, full_page: Node
) -> None:
    articles = {a.attrs["id"]: a for a in full_page.find_all("article", "routine")}
    assert len(articles) == 5
    for use in full_plan.routine_uses:
        article = articles[f"routine-{use.routine.activity.value.replace('_', '-')}"]
        text = article.text()
        assert use.routine.title in text
        for pose in use.routine.poses_for(use.level, use.variant):
            assert pose.name in text and pose.hold in text
            for step in pose.steps:
                assert step in text
    strength = articles["routine-backside-strength"]
    levels = strength.find("table", "levels").find("tbody").find_all("tr")
    assert [r.find("th").text() for r in levels] == ["1", "2", "3", "4", "5"]
    assert levels[1].find("td").text() == f"weeks 5{DASH}6 and 8; 2 sets, about 10 min"
    # Each chip links to its routine.
    links = {a.attrs["href"] for li in full_page.find_all("li", "chip") for a in li.find_all("a")}
    assert links == {f"#{name}" for name in articles}


def test_every_pose_in_the_routines_has_its_figure_beside_it(
    full_plan: Plan, full_page: Node
) -> None:
    figures = 0
    for article in full_page.find("section", "routines").find_all("article", "routine"):
        for number, item in enumerate(article.find_all("li", "pose"), start=1):
            name = item.find("h4").text()
            svg = item.find("div", "figure").find("svg")
            prefix = f"{article.attrs['id']}-figure-{number}"
            assert svg.attrs["aria-labelledby"] == f"{prefix}-title {prefix}-desc"
            assert svg.find("title").attrs["id"] == f"{prefix}-title"
            assert name.startswith(svg.find("title").text())  # the h4 adds the Sanskrit name
            assert len(svg.find("desc").text()) > 60
            figures += 1
    per_routine: dict[Activity, set[str]] = {}
    for use in full_plan.routine_uses:
        poses = use.routine.poses_for(use.level, use.variant)
        per_routine.setdefault(use.routine.activity, set()).update(p.name for p in poses)
    # 4 + 4 poses before and after runs, 11 versions of backside strength, 1 + 1 legs up.
    assert figures == sum(len(names) for names in per_routine.values()) == 21
    ids = [n.attrs["id"] for n in full_page.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))


def test_a_text_only_pose_has_no_figure(
    routines: RoutineLibrary, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("templates")
    shutil.copytree(ROOT / "templates" / "routines", folder / "routines")
    path = folder / "routines" / "pre_run_activation.toml"
    text = path.read_text(encoding="utf-8").replace('figure = "chest_opener"', "text_only = true")
    path.write_text(text, encoding="utf-8")
    from planner.routines import load_routines

    page = parse(to_html(sixteen_weeks(load_routines(folder))))
    article = page.find("article", "routine")
    items = article.find_all("li", "pose")
    assert [("text-only" in i.classes, len(i.find_all("svg"))) for i in items] == [
        (False, 1), (False, 1), (False, 1), (True, 0),
    ]  # fmt: skip
    assert items[3].find("h4").text() == "Chest opener"


def test_gentle_inversion_shows_the_pillow_version(routines: RoutineLibrary) -> None:
    page = parse(to_html(sixteen_weeks(routines, gentle_inversion=True)))
    legs = page.find("section", "routines").find_all("article", "routine")[2]
    assert legs.attrs["id"] == "routine-legs-up-the-wall"
    assert "Legs on a pillow or bolster" in legs.text()
    assert "Lie back and swing your legs up" not in legs.text()


def test_all_day_plan_leaves_out_the_times(routines: RoutineLibrary) -> None:
    page = parse(to_html(sixteen_weeks(routines, all_day=True)))
    assert not page.find("tbody").find_all("span", "time")
    assert page.find("li", "pre-run-activation").text() == "Pre-run activation (5 min)"


def test_week_ranges() -> None:
    assert week_ranges([3]) == "week 3"
    assert week_ranges([1, 2, 3, 4, 6, 9, 10]) == f"weeks 1{DASH}4, 6 and 9{DASH}10"
    assert week_ranges([2, 5]) == "weeks 2 and 5"


# --- safety -----------------------------------------------------------------------------

HOSTILE_NAME = "<script>alert('name')</script> & co"
HOSTILE_NOTE = '"><img src=x onerror=alert(1)>'


def test_names_and_notes_are_escaped(full_plan: Plan) -> None:
    weeks = list(full_plan.weeks)
    weeks[0] = dataclasses.replace(weeks[0], notes=HOSTILE_NOTE)
    plan = dataclasses.replace(full_plan, name=HOSTILE_NAME, weeks=tuple(weeks))
    page_bytes = to_html(plan)
    text = page_bytes.decode("utf-8")
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; co" in text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in text
    page = parse(page_bytes)
    assert not page.find_all("script") and not page.find_all("img")
    assert not [k for n in page.iter() for k in n.attrs if k.startswith("on")]
    assert page.find("h1").text() == HOSTILE_NAME
    assert page.find("title").text().startswith(HOSTILE_NAME)
    assert page.find("span", "notes").text() == HOSTILE_NOTE


def test_page_is_self_contained(full_plan: Plan) -> None:
    page = to_html(full_plan)
    assert len(page) < 1_500_000  # 16 weeks with every routine and its figures
    text = page.decode("utf-8").lower()
    for reference in ("http:", "https:", "//", "url(", "@import", "<link", "<script", "src="):
        assert reference not in text, reference
    assert "href=" not in re.sub(r'<a href="#routine-[a-z-]+">', "", text)


def test_html_is_one_of_the_formats_and_jinja_loads_only_when_used(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "build", str(SAMPLES / "half_marathon.csv"), "--race-date", "2027-04-18",
            "--timezone", "America/New_York", "--out", str(tmp_path), "--format", "ics,html",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.html", "plan.ics"]
    assert f"Wrote {tmp_path / 'plan.html'} (" in result.output
    page = parse((tmp_path / "plan.html").read_bytes())
    assert page.find("h1").text() == "half_marathon"
    done = subprocess.run(
        [sys.executable, "-c", "import sys, planner.cli, planner.export;"
         " print('jinja2' in sys.modules)"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout == "False\n"


def test_golden(make_plan: Callable[..., Plan], golden: Callable[[str, bytes], None]) -> None:
    plan = make_plan(
        "week,miles,long_run,notes\n1,12,5,Easy start\n2,10,4,Cutback: rest up\n3,12,0,Race week\n",
        race_date="2027-04-18",
        name="Spring 5K",
        race_distance="5k",
    )
    golden("plan.html", to_html(plan))


# --- in a real browser ------------------------------------------------------------------


def chromium(*args: str, profile: Path) -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "chromium is not installed: apt-get install chromium (.ci/run does)"
    done = subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def printable_width(paper: str) -> int:
    """CSS pixels across the page inside its margins."""
    width_mm = PAPERS[paper][2][0] - 2 * PRINT_MARGIN_MM
    return int(width_mm * CSS_PX_PER_MM)


LAYOUTS = {
    # name: (viewport width in CSS px, print rules forced on)
    "screen": (1280, False),
    "phone": (360, False),
    "A4 print": (printable_width("A4"), True),
    "Letter print": (printable_width("Letter"), True),
}


def checked_copy(page: str, print_rules: bool) -> str:
    """A copy of the page with the layout check; optionally with the print rules on screen."""
    if print_rules:
        assert page.count("@media print") == 1
        page = page.replace("@media print", "@media all")
    page = page.replace("</style>", "html { scrollbar-width: none; }\n</style>", 1)
    return page.replace("</body>", f"<script>{LAYOUT_CHECK}</script>\n</body>", 1)


@pytest.fixture(scope="module")
def browser_page(full_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    path = folder / "plan.html"
    path.write_bytes(to_html(dataclasses.replace(full_plan, name="Autumn marathon")))
    return path


@pytest.fixture(scope="module")
def layouts(browser_page: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Lay the page out at every width in one browser run: one iframe per layout."""
    folder = tmp_path_factory.mktemp("layouts")
    page = browser_page.read_text(encoding="utf-8")
    frames = "".join(
        f'<iframe name="{name}" width="{width}" height="900" style="border:0;display:block"'
        f' srcdoc="{html.escape(checked_copy(page, print_rules), quote=True)}"></iframe>'
        for name, (width, print_rules) in LAYOUTS.items()
    )
    host = folder / "host.html"
    host.write_text(f"<!DOCTYPE html><html><body>{frames}</body></html>", encoding="utf-8")
    dom = chromium(
        "--window-size=1400,900", "--dump-dom", host.as_uri(), profile=folder / "profile"
    )
    results = [
        json.loads(html.unescape(found))
        for found in re.findall(r'<pre class="layout-check">(.*?)</pre>', dom, re.S)
    ]
    return {r["name"]: r for r in results}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_nothing_overflows_and_text_has_contrast(layouts: dict[str, dict], layout: str) -> None:
    result = layouts[layout]
    assert result["clientWidth"] == LAYOUTS[layout][0]
    assert result["overflowing"] == []
    assert result["scrollWidth"] <= result["clientWidth"]
    low = [
        (c["sample"], c["ink"], c["background"], round(contrast(c["ink"], c["background"]), 2))
        for c in result["colours"]
        if contrast(c["ink"], c["background"]) < 4.5
    ]
    assert low == [], "text below WCAG AA 4.5:1"
    assert len(result["colours"]) >= 10  # the check saw the chips, runs and race day
    # Every pose's figure drawn, at least 80 px across: the size it is drawn to read at.
    assert len(result["figures"]) == 21
    for figure in result["figures"]:
        assert figure["width"] >= 80 and figure["height"] >= 20, figure
    if layout == "phone":
        assert result["dayDisplay"] == "grid"  # each day a row: date, then its sessions
        assert result["dayHeaderHeight"] <= 1  # the weekday header row is out of the way
    else:
        assert result["dayDisplay"] == "table-cell"


def test_screenshot_at_1280(browser_page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "plan.png"
    chromium(
        f"--screenshot={shot}",
        "--window-size=1280,900",
        "--hide-scrollbars",
        browser_page.as_uri(),
        profile=tmp_path / "profile",
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 900)
    assert len(data) > 50_000  # a page of text and colour, not a blank one


@pytest.mark.parametrize("paper", list(PAPERS))
def test_prints_to_a_few_landscape_pages(
    routines: RoutineLibrary, paper: str, tmp_path: Path
) -> None:
    size, points, _ = PAPERS[paper]
    page = to_html(sixteen_weeks(routines)).decode("utf-8")
    assert "size: A4 landscape;" in page
    # Letter: the same page with the paper size a printer dialog would choose.
    page = page.replace("</style>", f"@page {{ size: {size}; }}\n</style>", 1)
    source = tmp_path / "plan.html"
    source.write_text(page, encoding="utf-8")
    pdf = tmp_path / "plan.pdf"
    chromium(
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        source.as_uri(),
        profile=tmp_path / "profile",
    )
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert 4 <= pages <= MAX_PAGES_16_WEEKS
    boxes = {
        tuple(round(float(n)) for n in box.split()[2:])
        for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)
    }
    assert boxes == {points}


def contrast(ink: str, background: str) -> float:
    """WCAG 2 contrast ratio of two CSS rgb()/rgba() colours."""
    lighter, darker = sorted((_luminance(ink), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    numbers = re.findall(r"[\d.]+", colour)
    assert colour.startswith("rgb") and len(numbers) in (3, 4), colour
    if len(numbers) == 4:
        assert float(numbers[3]) == 1, f"translucent text colour {colour}"
    channels = []
    for value in numbers[:3]:
        c = float(value) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_contrast_formula() -> None:
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 2) == 21
    assert round(contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)"), 2) == 4.54

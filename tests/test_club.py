"""`planner club`: a roster in, one folder per member and the club's pages out.

Every member's plan.ics is read back with icalendar; the club page is opened in headless
Chromium through selenium (Debian's chromium and chromium-driver).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import stat
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import icalendar
import pytest
from click.testing import Result

from planner.club import folder_slug
from tests.conftest import WEEKS, invoke

PLAN = """name = "Riverside half"
mileage = "weeks.csv"
timezone = "Europe/London"
run_days = ["tue", "thu", "sun"]
run_time = "06:30"
long_run_time = "08:00"
race_date = 2027-04-18
"""
ROSTER = (
    "name,race_date,timezone,run_time,pace,scale\n"
    "Alex Smith,,,,,\n"  # every cell blank: the plan's values
    "Bea Müller,2027-04-25,Europe/Berlin,18:15,5:30,\n"
)


@pytest.fixture
def club(tmp_path: Path) -> Path:
    """A folder with the plan file, its mileage CSV and a roster of two members."""
    (tmp_path / "weeks.csv").write_text(WEEKS, encoding="utf-8")
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return tmp_path


def run_club(folder: Path, *args: str, roster: str = "roster.csv") -> Result:
    return invoke(
        "club",
        str(folder / roster),
        "--plan",
        str(folder / "plan.toml"),
        "--out",
        str(folder / "site"),
        "--jobs",
        "1",
        *args,
    )


def events(path: Path) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return list(calendar.walk("VEVENT"))


def calendar_of(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def by_kind(path: Path) -> dict[str, list[icalendar.Event]]:
    kinds: dict[str, list[icalendar.Event]] = {}
    for event in events(path):
        kinds.setdefault(str(event["X-PLANNER-ACTIVITY"]), []).append(event)
    return kinds


# --- settings ---------------------------------------------------------------------------


def test_each_member_gets_the_plan_with_their_own_cells_over_it(club: Path) -> None:
    result = run_club(club, "--format", "ics,csv")
    assert result.exit_code == 0, result.output
    alex, bea = club / "site" / "alex-smith", club / "site" / "bea-muller"
    assert sorted(p.name for p in alex.iterdir()) == ["plan.csv", "plan.ics"]
    assert str(calendar_of(alex / "plan.ics")["X-WR-CALNAME"]) == "Riverside half - Alex Smith"
    assert str(calendar_of(bea / "plan.ics")["X-WR-CALNAME"]) == "Riverside half - Bea Müller"
    # Alex's blank cells: the plan file's race day, zone and run time.
    alex_runs = by_kind(alex / "plan.ics")
    race = alex_runs["race"][0]["DTSTART"].dt
    assert (race.date(), race.strftime("%H:%M"), str(race.tzinfo)) == (
        dt.date(2027, 4, 18),
        "08:00",
        "Europe/London",
    )
    assert {e["DTSTART"].dt.strftime("%H:%M") for e in alex_runs["run"]} == {"06:30"}
    # Bea's own: race day, zone, evening runs, pace (5:30 a mile: 5 miles in 27.5 min, 28).
    bea_runs = by_kind(bea / "plan.ics")
    race = bea_runs["race"][0]["DTSTART"].dt
    assert (race.date(), str(race.tzinfo)) == (dt.date(2027, 4, 25), "Europe/Berlin")
    assert {e["DTSTART"].dt.strftime("%H:%M") for e in bea_runs["run"]} == {"18:15"}
    long_run = bea_runs["long_run"][0]
    assert long_run["DTEND"].dt - long_run["DTSTART"].dt == dt.timedelta(minutes=28)
    assert "5 mi" in str(long_run["SUMMARY"])
    # Two members never share a UID.
    uids = [{str(e["UID"]) for e in events(f / "plan.ics")} for f in (alex, bea)]
    assert len(uids[0]) == len(events(alex / "plan.ics")) and not uids[0] & uids[1]
    assert "Alex Smith: " in result.output and "Bea Müller: " in result.output
    assert "Club: 2 members," in result.output


def weekly_miles(plan_csv: Path) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    with plan_csv.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["distance"]:
                week = int(row["week"])
                totals[week] = totals.get(week, Decimal(0)) + Decimal(row["distance"])
    return totals


def test_scale_lightens_every_week_but_keeps_the_race(club: Path) -> None:
    (club / "roster.csv").write_text(
        "Name;Scale\nFull;\nLight;0,5\n", encoding="utf-8"
    )  # semicolons, a decimal comma, header in another case
    result = run_club(club, "--format", "csv")
    assert result.exit_code == 0, result.output
    full = weekly_miles(club / "site" / "full" / "plan.csv")
    light = weekly_miles(club / "site" / "light" / "plan.csv")
    assert full == {1: Decimal(12), 2: Decimal(14), 3: Decimal("10")}
    # 12 * 0.5 = 6 and 14 * 0.5 = 7; race week 10 * 0.5 = 5, but the race is 3.1 and stays.
    assert light == {1: Decimal(6), 2: Decimal(7), 3: Decimal(5)}


def test_a_member_can_bring_their_own_mileage(club: Path) -> None:
    (club / "mine").mkdir()
    (club / "mine" / "short.csv").write_text("week,miles\n1,8\n2,6\n", encoding="utf-8")
    (club / "roster.csv").write_text(
        "\ufeff# the coach's notes\nname,mileage\nAlex,\n\nBea,mine/short.csv\n", encoding="utf-8"
    )
    result = run_club(club, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert set(weekly_miles(club / "site" / "alex" / "plan.csv")) == {1, 2, 3}
    assert weekly_miles(club / "site" / "bea" / "plan.csv") == {1: Decimal(8), 2: Decimal(6)}


# --- bad rosters ------------------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_written(club: Path) -> None:
    (club / "roster.csv").write_text(
        "name,race_date,timezone,pace,all_day,mileage\n"
        "Alex,2027-04-18,,,,\n"
        "Bea,2027-02-30,,9.30,,\n"
        "# a comment line keeps the line numbers\n"
        ",,,,,\n"
        "Dee,,Europe/Berlinn,,maybe,missing.csv\n",
        encoding="utf-8",
    )
    result = run_club(club)
    assert result.exit_code == 2
    roster = club / "roster.csv"
    assert result.stderr.splitlines() == [
        f"planner: error: {roster}, line 3, column race_date: expected a real date as"
        " YYYY-MM-DD (e.g. 2027-04-18), found '2027-02-30'",
        f"planner: error: {roster}, line 3, column pace: expected minutes:seconds per mile or"
        " km between 2:00 and 30:00, found '9.30'",
        f"planner: error: {roster}, line 5, column name: is empty; give the member's name",
        f"planner: error: {roster}, line 6, column timezone: unknown timezone 'Europe/Berlinn';"
        " did you mean Europe/Berlin, Europe/Tallinn, Europe/Helsinki?",
        f"planner: error: {roster}, line 6, column all_day: expected true or false, found 'maybe'",
        f"planner: error: {roster}, line 6, column mileage: {club / 'missing.csv'}: file not found",
        f"planner: error: {roster}: 3 bad rows; fix them and run again (nothing was written)",
    ]
    assert not (club / "site").exists()


def test_a_roster_header_with_unknown_columns_says_what_it_expected(club: Path) -> None:
    (club / "roster.csv").write_text("name,racedate,colour\nAlex,2027-04-18,red\n")
    result = run_club(club)
    assert result.exit_code == 2
    roster = club / "roster.csv"
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"planner: error: {roster}, line 1, column racedate: not a roster column;"
        " did you mean race_date?"
    )
    assert lines[1].startswith(f"planner: error: {roster}, line 1, column colour: not a roster")
    assert not (club / "site").exists()


def test_two_members_with_the_same_folder_name_are_an_error(club: Path) -> None:
    (club / "roster.csv").write_text("name\nAlex Smith\nBea\nalex  smith!\n", encoding="utf-8")
    result = run_club(club)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"planner: error: {club / 'roster.csv'}, line 4, column name: 'alex  smith!' makes the"
        " member folder 'alex-smith', as line 2 does; give each member a different name"
    )
    assert not (club / "site").exists()


def test_a_member_whose_plan_cant_be_built_is_named_and_the_others_are_written(
    club: Path,
) -> None:
    # Sunday's race, but long runs on Saturday, which is not a run day in the plan.
    (club / "roster.csv").write_text("name,race_date\nAlex,\nBea,2027-04-24\n", encoding="utf-8")
    result = run_club(club)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"planner: error: Bea (line 3) not built: {club / 'plan.toml'}: long_run_day: sat is"
        f" not one of the run days (tue,thu,sun); add it to {club / 'plan.toml'}: run_days",
    ]
    assert (club / "site" / "alex" / "plan.ics").is_file()
    assert not (club / "site" / "bea").exists()


def folder_folders(site: Path) -> list[str]:
    return sorted(p.name for p in site.iterdir() if p.is_dir() and p.name != "cards")


# --- rebuilding ---------------------------------------------------------------------------


def test_a_rebuild_after_a_race_date_change_updates_the_member_in_place(club: Path) -> None:
    assert run_club(club).exit_code == 0
    bea_ics = club / "site" / "bea-muller" / "plan.ics"
    alex_before = (club / "site" / "alex-smith" / "plan.ics").read_bytes()
    before = {str(e["UID"]): e for e in events(bea_ics)}
    (club / "roster.csv").write_text(ROSTER.replace("2027-04-25", "2027-05-02"), encoding="utf-8")
    result = run_club(club)
    assert result.exit_code == 0, result.output
    after = {str(e["UID"]): e for e in events(bea_ics)}
    assert set(after) == set(before)  # the same events, updated, not new ones
    for uid, event in after.items():
        assert event["DTSTART"].dt - before[uid]["DTSTART"].dt == dt.timedelta(weeks=1)
        assert int(event["SEQUENCE"]) == int(before[uid]["SEQUENCE"]) + 1
    moved = len(after)
    assert f"Bea Müller: {club / 'site' / 'bea-muller'}/" in result.output
    assert f"(changes: moved {moved}, changed 0, added 0, cancelled 0, unchanged 0)" in (
        result.output
    )
    assert "(changes: moved 0, changed 0, added 0, cancelled 0, unchanged 34)" in result.output
    assert (club / "site" / "alex-smith" / "plan.ics").read_bytes() == alex_before


def test_a_member_who_left_keeps_their_folder_and_the_summary_says_so(club: Path) -> None:
    assert run_club(club).exit_code == 0
    (club / "roster.csv").write_text(ROSTER.splitlines()[0] + "\nAlex Smith,,,,,\n")
    result = run_club(club)
    assert result.exit_code == 0, result.output
    assert (
        f"  Kept {club / 'site' / 'bea-muller'}/: not in the roster any more; it stays"
        " published until you delete the folder."
    ) in result.output.splitlines()
    assert (club / "site" / "bea-muller" / "plan.ics").is_file()
    assert "Club: 1 members," in result.output


def test_parallel_workers_write_the_same_files_as_one_process(club: Path) -> None:
    assert run_club(club, "--format", "ics,csv,html").exit_code == 0
    one = {p.relative_to(club): p.read_bytes() for p in (club / "site").rglob("*") if p.is_file()}
    shutil.rmtree(club / "site")
    result = invoke(
        "club",
        str(club / "roster.csv"),
        "--plan",
        str(club / "plan.toml"),
        "--out",
        str(club / "site"),
        "--format",
        "ics,csv,html",
        "--jobs",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert "(2 jobs)" in result.output
    two = {p.relative_to(club): p.read_bytes() for p in (club / "site").rglob("*") if p.is_file()}
    assert two == one


def test_a_dry_run_builds_every_member_and_writes_nothing(club: Path) -> None:
    result = run_club(club, "--dry-run", "--base-url", "https://example.org/club")
    assert result.exit_code == 0, result.output
    assert "Club: 2 members," in result.output and "dry run, nothing written" in result.output
    assert sorted(p.name for p in club.iterdir()) == ["plan.toml", "roster.csv", "weeks.csv"]


# --- a published club -----------------------------------------------------------------------


def test_a_published_club_keeps_the_plan_files_refresh_hint(club: Path) -> None:
    """refresh_hours in the plan file wins over the published default of 12 hours, as it does
    for the feed server."""
    plan = club / "plan.toml"
    plan.write_text(plan.read_text(encoding="utf-8") + "refresh_hours = 6\n", encoding="utf-8")
    result = run_club(club, "--base-url", "https://coach.example.org/riverside")
    assert result.exit_code == 0, result.output
    for folder in folder_folders(club / "site"):
        feed = calendar_of(club / "site" / folder / "plan.ics")
        assert feed["REFRESH-INTERVAL"].to_ical() == b"PT6H"
        assert feed["X-PUBLISHED-TTL"].to_ical() == b"PT6H"


def test_a_published_club_keeps_members_private_and_their_feeds_refresh(club: Path) -> None:
    (club / "site").mkdir()
    (club / "site" / "index.html").write_text(  # a club page from an unpublished build
        '<!DOCTYPE html><html><head><meta name="generator" content="planner club">'
    )
    result = run_club(club, "--base-url", "https://coach.example.org/riverside")
    assert result.exit_code == 0, result.output
    key = club / "roster-club.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert f"Made the club's key {key}" in result.output
    site = club / "site"
    folders = folder_folders(site)
    assert [f.rsplit("-", 1)[0] for f in folders] == ["alex-smith", "bea-muller"]
    assert all(len(f.rsplit("-", 1)[1]) == 16 for f in folders)
    # The page of every member is beside the published folder, and the old one is gone.
    assert not (site / "index.html").exists()
    assert f"Removed {site / 'index.html'}" in result.output
    coach = (club / "site-members.html").read_text(encoding="utf-8")
    feed = calendar_of(site / folders[0] / "plan.ics")
    assert feed["REFRESH-INTERVAL"].to_ical() == b"PT12H"
    assert feed["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert feed["X-PUBLISHED-TTL"].to_ical() == b"PT12H"
    page = (site / folders[0] / "index.html").read_text(encoding="utf-8")
    https = f"https://coach.example.org/riverside/{folders[0]}/plan.ics"
    webcal = "webcal://" + https.removeprefix("https://")
    google = "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
    for text in (page, coach):
        assert f'href="{webcal}"' in text
        assert f'href="{google.replace("&", "&amp;")}"' in text
        assert "<svg" in text
    assert "Bea Müller" not in page  # a member's page is theirs alone
    # Every yoga event links to its routine card, published beside the members' folders.
    cards = sorted(p.name for p in (site / "cards").iterdir())
    assert f"Routine cards: wrote {len(cards)} pages in {site / 'cards'}/" in result.output
    linked = set()
    for event in feed.events:
        if str(event["X-PLANNER-ACTIVITY"]) in ("run", "long_run", "race"):
            assert "URL" not in event
            continue
        url = str(event["URL"])
        assert url.startswith("https://coach.example.org/riverside/cards/"), url
        assert str(event["DESCRIPTION"]).endswith(f"\nPictures: {url}")
        linked.add(url.rsplit("/", 1)[1])
    assert linked and linked <= set(cards)
    assert "<svg" in (site / "cards" / sorted(linked)[0]).read_text(encoding="utf-8")
    # Rebuilt with the same key: the same addresses.
    assert run_club(club, "--base-url", "https://coach.example.org/riverside/").exit_code == 0
    assert folder_folders(site) == folders
    # --public-index puts the page of every member in the folder, as index.html.
    result = run_club(club, "--base-url", "https://coach.example.org/riverside", "--public-index")
    assert result.exit_code == 0, result.output
    assert f'href="{webcal}"' in (site / "index.html").read_text(encoding="utf-8")


def test_a_bad_base_url_or_key_stops_before_any_work(club: Path) -> None:
    result = run_club(club, "--base-url", "coach.example.org/riverside")
    assert result.exit_code == 2
    assert result.stderr == (
        "planner: error: --base-url: expected the address the folder is published at, like"
        " https://coach.github.io/club/, found 'coach.example.org/riverside'\n"
    )
    result = run_club(club, "--base-url", "https://example.org/", "--format", "csv")
    assert result.exit_code == 2
    assert result.stderr == (
        "planner: error: --format: a published club needs ics, which members subscribe to\n"
    )
    (club / "roster.csv").write_text("name,pace\nAlex,fast\n", encoding="utf-8")
    assert run_club(club, "--base-url", "https://example.org/").exit_code == 2
    assert not (club / "roster-club.key").exists()  # a bad roster writes nothing, no key
    (club / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (club / "roster-club.key").write_text("not a key\n")
    result = run_club(club, "--base-url", "https://example.org/")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"planner: error: {club / 'roster-club.key'}: is not a key")
    assert not (club / "site").exists()


def test_folder_names_are_plain_ascii_whatever_the_name() -> None:
    assert folder_slug("José Núñez") == "jose-nunez"
    assert folder_slug("  O'Neil, Chris ") == "o-neil-chris"
    other = folder_slug("王小明")
    assert other.startswith("member-") and other == folder_slug("王小明") != folder_slug("李雷")


# --- the club page in a real browser ------------------------------------------------------

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
LAYOUT = """
const root = document.documentElement;
const rows = Array.from(document.querySelectorAll("tr.member"));
return {
  overflow: root.scrollWidth - root.clientWidth,
  wide: Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5)
    .map(e => e.tagName + "." + e.className),
  members: rows.map(r => r.querySelector(".member-name").textContent.trim()),
  links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
};
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    service = Service(executable_path=shutil.which("chromedriver") or "chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def layout(browser: object, page: Path, width: int) -> dict[str, object]:
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    browser.set_window_size(width, 900)
    browser.get(page.as_uri())
    found = browser.execute_script(LAYOUT)
    assert isinstance(found, dict)
    return found


def many_members(club: Path) -> list[str]:
    names = [f"Member {n} with a rather long family name" for n in range(12)] + ["Zoë Ω"]
    rows = ["name,race_date,timezone"]
    zones = ("Europe/London", "America/Argentina/ComodRivadavia", "Asia/Kolkata")
    for index, name in enumerate(names):
        rows.append(f"{name},2027-04-{18 + 7 * (index % 2)},{zones[index % 3]}")
    (club / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return names


@pytest.mark.parametrize("width", [1280, 375])
def test_the_club_page_fits_lists_everyone_and_links_to_their_files(
    club: Path, browser: object, width: int
) -> None:
    names = many_members(club)
    assert run_club(club, "--format", "ics,csv,html").exit_code == 0
    found = layout(browser, club / "site" / "index.html", width)
    assert found["overflow"] == 0 and found["wide"] == [], found["wide"]
    assert found["members"] == names
    links = found["links"]
    assert isinstance(links, list) and len(links) == 3 * len(names)
    for link in links:
        path = Path(unquote(urlsplit(link).path))
        assert path.is_file() and path.is_relative_to(club / "site"), link


@pytest.mark.parametrize("width", [1280, 375])
def test_the_published_pages_fit_and_their_links_are_the_sites_files(
    club: Path, browser: object, width: int
) -> None:
    names = many_members(club)
    base = "https://coach.example.org/riverside/"
    assert run_club(club, "--base-url", base).exit_code == 0
    found = layout(browser, club / "site-members.html", width)
    assert found["overflow"] == 0 and found["wide"] == [], found["wide"]
    assert found["members"] == names
    links = found["links"]
    assert isinstance(links, list)
    files = [link for link in links if link.startswith(base)]
    assert len(files) == 3 * len(names)  # plan.ics, plan.csv and their page
    for link in files:
        target = club / "site" / unquote(link.removeprefix(base))
        assert (target / "index.html" if link.endswith("/") else target).is_file(), link
    member = next(p for p in (club / "site").iterdir() if p.name.startswith("member-0-"))
    found = layout(browser, member / "index.html", width)
    assert found["overflow"] == 0 and found["wide"] == [], found["wide"]


def test_the_club_command_is_documented() -> None:
    result = invoke("club", "--help")
    assert result.exit_code == 0
    for option in ("--plan", "--out", "--format", "--base-url", "--public-index", "--jobs"):
        assert option in result.output
    assert os.cpu_count() is not None


def test_a_bad_mileage_csv_in_the_plan_is_one_error_before_any_worker_starts(
    club: Path,
) -> None:
    (club / "weeks.csv").write_text("week,miles\n1,ten\n", encoding="utf-8")
    result = invoke(
        "club", str(club / "roster.csv"), "--plan", str(club / "plan.toml"), "--jobs", "2"
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"planner: error: {club / 'weeks.csv'}, line 2, column miles: expected a distance in"
        " miles like 12 or 12.5, found 'ten'\n"
    )

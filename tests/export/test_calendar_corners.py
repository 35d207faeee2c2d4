"""The corners where "exact in every calendar" is decided: a session planned at a time the
clocks skip or show twice, a reminder of a whole day, and a plan name with TEXT's special
characters. Each plan is built by the real command and read back by icalendar, vobject,
libical (Evolution) and ICAL.js (Thunderbird)."""

from __future__ import annotations

import csv
import ctypes
import datetime as dt
import io
import itertools
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli import cli
from planner.mileage import read_mileage
from planner.model import Plan
from planner.previous import parse_previous
from planner.routines import RoutineLibrary
from planner.schedule import PlanOptions, build_plan
from tests.ics_clients import (
    ICALJS,
    Seen,
    assert_same_events,
    expected,
    install_icaljs,
    libical,
    read_icalendar,
    read_icaljs,
    read_libical,
    read_vobject,
)

EPOCH = 1_790_000_000
SHORT = "week,miles,long_run,runs\n1,12,5,3\n2,14,6,3\n3,10,4,3\n"
"""Three weeks; the race (a 5K, 31 minutes at 10:00/mi) is on the Sunday of the change."""


@dataclass(frozen=True)
class Corner:
    zone: str
    race_date: dt.date
    planned: str
    """The race's --long-run-time."""
    starts: str
    """Where the race starts, as the runner reads it in every output."""
    summary: str
    """The line the build prints about it."""


CORNERS = {
    "New York forward": Corner(
        "America/New_York", dt.date(2027, 3, 14), "02:40", "03:40",
        "Clock change: Sun 14 Mar 2027: Race day: 5K (3.1 mi) at 02:40, a time the clocks"
        " skip (they go forward 1 h): starts at 03:40 instead.",
    ),
    "New York back": Corner(
        "America/New_York", dt.date(2027, 11, 7), "01:20", "01:20",
        "Clock change: Sun 07 Nov 2027: Race day: 5K (3.1 mi) at 01:20, a time the clocks"
        " show twice (they go back 1 h): the first 01:20 (EDT).",
    ),
    "Berlin forward": Corner(
        "Europe/Berlin", dt.date(2027, 3, 28), "02:30", "03:30",
        "Clock change: Sun 28 Mar 2027: Race day: 5K (3.1 mi) at 02:30, a time the clocks"
        " skip (they go forward 1 h): starts at 03:30 instead.",
    ),
    "Berlin back": Corner(
        "Europe/Berlin", dt.date(2027, 10, 31), "02:50", "02:50",
        "Clock change: Sun 31 Oct 2027: Race day: 5K (3.1 mi) at 02:50, a time the clocks"
        " show twice (they go back 1 h): the first 02:50 (CEST).",
    ),
    "Lord Howe forward": Corner(
        "Australia/Lord_Howe", dt.date(2027, 10, 3), "02:10", "02:40",
        "Clock change: Sun 03 Oct 2027: Race day: 5K (3.1 mi) at 02:10, a time the clocks"
        " skip (they go forward 30 min): starts at 02:40 instead.",
    ),
    "Lord Howe back": Corner(
        "Australia/Lord_Howe", dt.date(2027, 4, 4), "01:40", "01:40",
        "Clock change: Sun 04 Apr 2027: Race day: 5K (3.1 mi) at 01:40, a time the clocks"
        " show twice (they go back 30 min): the first 01:40 (+11).",
    ),
    "Sydney forward": Corner(
        "Australia/Sydney", dt.date(2027, 10, 3), "02:15", "03:15",
        "Clock change: Sun 03 Oct 2027: Race day: 5K (3.1 mi) at 02:15, a time the clocks"
        " skip (they go forward 1 h): starts at 03:15 instead.",
    ),
    "Sydney back": Corner(
        "Australia/Sydney", dt.date(2027, 4, 4), "02:45", "02:45",
        "Clock change: Sun 04 Apr 2027: Race day: 5K (3.1 mi) at 02:45, a time the clocks"
        " show twice (they go back 1 h): the first 02:45 (AEDT).",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Built:
    corner: Corner
    plan: Plan
    path: Path
    data: bytes
    output: str
    folder: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, routines: RoutineLibrary) -> dict[str, Built]:
    result = {}
    for name, corner in CORNERS.items():
        out = tmp_path_factory.mktemp(name.replace(" ", "-"))
        source = out / "short.csv"
        source.write_text(SHORT, encoding="utf-8")
        command = [
            "build", str(source), "--race-date", corner.race_date.isoformat(),
            "--race-distance", "5k", "--timezone", corner.zone,
            "--long-run-time", corner.planned, "--remind", "1440",
            "--format", "ics,csv,html", "--name", "Corners", "--out", str(out),
        ]  # fmt: skip
        done = CliRunner().invoke(cli, command, env={"SOURCE_DATE_EPOCH": str(EPOCH)})
        assert done.exit_code == 0, done.output
        options = PlanOptions(
            race_date=corner.race_date,
            name="Corners",
            timezone=corner.zone,
            race_distance="5k",
            long_run_time=dt.time.fromisoformat(corner.planned),
            remind=1440,
        )
        plan = build_plan(
            read_mileage(source), options, routines, dt.datetime.fromtimestamp(EPOCH, dt.UTC)
        )
        data = (out / "plan.ics").read_bytes()
        result[name] = Built(corner, plan, out / "plan.ics", data, done.output, out)
    return result


def _race(plan: Plan) -> tuple[dt.datetime, dt.datetime]:
    (race,) = [s for s in plan.sessions if s.activity.value == "race"]
    return race.start, race.end


@pytest.mark.parametrize("name", CORNERS)
def test_the_race_starts_where_the_rule_puts_it(built: dict[str, Built], name: str) -> None:
    corner, plan = built[name].corner, built[name].plan
    start, end = _race(plan)
    zone = ZoneInfo(corner.zone)
    planned = dt.datetime.combine(corner.race_date, dt.time.fromisoformat(corner.planned))
    # The rule by hand: a skipped time is as far after the gap as it was into it, which is
    # the planned wall time read with the offset in force before the change (fold=0).
    before_change = zone.utcoffset(planned.replace(fold=0))
    assert start.astimezone(dt.UTC) == (planned - before_change).replace(tzinfo=dt.UTC)
    assert f"{start:%H:%M}" == corner.starts
    # 31 real minutes (3.1 mi at 10:00), whatever the clocks do in between.
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(minutes=31)


@pytest.mark.parametrize("name", CORNERS)
def test_the_summary_says_what_moved_and_why(built: dict[str, Built], name: str) -> None:
    lines = [line for line in built[name].output.splitlines() if line.startswith("Clock")]
    assert lines == [built[name].corner.summary]


@pytest.mark.parametrize("name", CORNERS)
def test_plan_csv_and_the_overview_show_the_same_start(built: dict[str, Built], name: str) -> None:
    corner = built[name].corner
    rows = list(csv.DictReader(io.StringIO((built[name].folder / "plan.csv").read_text("utf-8"))))
    (race,) = [row for row in rows if row["activity"] == "race"]
    assert race["date"] == corner.race_date.isoformat() and race["start"] == corner.starts
    _, end = _race(built[name].plan)
    assert race["end"] == f"{end:%H:%M}"
    html = (built[name].folder / "plan.html").read_text("utf-8")
    assert f'<span class="time">{corner.starts}&ndash;{end:%H:%M}</span>' in html
    assert f'<span class="time">{corner.planned}&ndash;' in html  # earlier long runs
    if corner.starts != corner.planned:
        race_day = html[html.index(f'<time class="date" datetime="{corner.race_date}">') :]
        assert f">{corner.planned}&ndash;" not in race_day.split("</ul>")[0]


def _no_overlap(seen: list[Seen], reader: str) -> None:
    """No event ends before it starts; the chained sessions of a day never overlap."""
    timed = sorted((e.start, e.end, e.summary) for e in seen)
    for start, end, summary in timed:
        assert isinstance(start, dt.datetime) and isinstance(end, dt.datetime)
        assert start < end, f"{reader}: {summary} ends at {end}, before it starts at {start}"
    for (_, end, first), (start, _, then) in itertools.pairwise(timed):
        assert end <= start, f"{reader}: {first} overlaps {then}"


READERS = {
    "icalendar": lambda b: read_icalendar(b.data),
    "icalendar with the file's VTIMEZONE": lambda b: read_icalendar(b.data, own_vtimezone=True),
    "vobject": lambda b: read_vobject(b.data),
    "libical": lambda b: read_libical(b.data, b.corner.zone),
}


@pytest.mark.parametrize("name", CORNERS)
@pytest.mark.parametrize("reader", READERS)
def test_every_parser_reads_each_event_at_the_same_instant(
    built: dict[str, Built], name: str, reader: str
) -> None:
    seen = READERS[reader](built[name])
    assert_same_events(seen, expected(built[name].plan), reader)
    _no_overlap(seen, reader)


def test_icaljs_reads_each_event_at_the_same_instant(built: dict[str, Built]) -> None:
    seen = read_icaljs([b.path for b in built.values()])
    for name, plan in built.items():
        assert_same_events(seen[plan.path], expected(plan.plan), f"ICAL.js ({name})")
        _no_overlap(seen[plan.path], f"ICAL.js ({name})")


def test_a_time_inside_a_repeated_hour_is_written_in_utc(built: dict[str, Built]) -> None:
    """New York, 7 Nov 2027: the race 01:20-01:51 EDT (the first pass), recovery to 01:56,
    legs up the wall 30 minutes later at 01:26 EST (the second pass). libical and ICAL.js read
    a local 01:20 as the second pass, icalendar and vobject as the first (RFC 5545's rule):
    so times in that hour are written in UTC; the evening's are local again."""
    text = built["New York back"].data.decode()
    assert "DTSTART:20271107T052000Z\r\nDTEND:20271107T055100Z\r\n" in text
    assert "DTSTART:20271107T062600Z\r\nDTEND:20271107T064100Z\r\n" in text
    assert "DTSTART;TZID=America/New_York:20271031T012000\r\n" in text  # a week before


@pytest.mark.parametrize("name", ["New York back", "Lord Howe back"])
def test_a_rebuild_over_a_second_pass_time_changes_nothing(
    built: dict[str, Built], name: str
) -> None:
    """previous.py reads a UTC time back into the plan's zone: the same plan, unchanged."""
    previous = parse_previous(built[name].data, "plan.ics")
    assert previous.timezone == built[name].corner.zone
    args = [
        "build", str(built[name].folder / "short.csv"), "--race-date",
        built[name].corner.race_date.isoformat(), "--race-distance", "5k",
        "--timezone", built[name].corner.zone, "--long-run-time", built[name].corner.planned,
        "--remind", "1440", "--format", "ics", "--name", "Corners",
        "--out", str(built[name].folder), "--dry-run",
    ]  # fmt: skip
    done = CliRunner().invoke(cli, args, env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert done.exit_code == 0, done.output
    count = len(built[name].plan.sessions)
    assert f"Changes: moved 0, changed 0, added 0, cancelled 0, unchanged {count}\n" in done.output


# Reminders ----------------------------------------------------------------------------------


def test_a_day_ahead_reminder_is_24_hours_not_a_calendar_day(built: dict[str, Built]) -> None:
    """--remind 1440 before the race on the morning New York's clocks go forward: -P1D
    would be a calendar day (23 hours here); -PT24H is 24 hours in every reader."""
    plan = built["New York forward"]
    assert plan.data.count(b"TRIGGER:-PT24H\r\n") == len(plan.plan.sessions)
    assert b"P1D" not in plan.data
    day = dt.timedelta(hours=-24)
    for reader, read in READERS.items():
        assert {a for e in read(plan) for a in e.alarms or ()} == {day}, reader
    # libical keeps a duration's parts: no days, 24 hours.
    lib = libical()
    root = lib.icalparser_parse_string(plan.data)
    try:
        event = lib.icalcomponent_get_first_component(
            root, lib.icalcomponent_string_to_kind(b"VEVENT")
        )
        alarm = lib.icalcomponent_get_first_component(
            event, lib.icalcomponent_string_to_kind(b"VALARM")
        )
        trigger = lib.icalproperty_get_trigger(
            lib.icalcomponent_get_first_property(alarm, lib.icalproperty_string_to_kind(b"TRIGGER"))
        ).duration
        assert (trigger.is_neg, trigger.weeks, trigger.days, trigger.hours, trigger.minutes) == (
            1, 0, 0, 24, 0,
        )  # fmt: skip
    finally:
        lib.icalcomponent_free(root)
    # ICAL.js too, and the race's reminder falls 24 hours before it, on the other side of
    # the change: 06:40 EST the day before a 03:40 EDT race is 24 hours.
    parts = _icaljs(
        plan.path,
        "const e = c.getAllSubcomponents('vevent').find("
        "  (v) => v.getFirstPropertyValue('x-planner-activity') === 'race');"
        "const t = e.getFirstSubcomponent('valarm').getFirstPropertyValue('trigger');"
        "out = [t.weeks, t.days, t.hours, t.minutes, t.isNegative,"
        "  e.getFirstPropertyValue('dtstart').toUnixTime() + t.toSeconds()];",
    )
    race_start, _ = _race(plan.plan)
    alarm_at = race_start.astimezone(dt.UTC) - dt.timedelta(hours=24)
    assert parts == [0, 0, 24, 0, True, int(alarm_at.timestamp())]
    assert f"{alarm_at.astimezone(race_start.tzinfo):%a %H:%M %Z}" == "Sat 02:40 EST"


@pytest.mark.parametrize(
    ("minutes", "line"),
    [(0, "PT0M"), (1, "-PT1M"), (60, "-PT1H"), (90, "-PT1H30M"), (1440, "-PT24H")],
)
def test_reminders_are_written_in_hours_and_minutes(
    make_plan: object, routines: RoutineLibrary, minutes: int, line: str
) -> None:
    from planner.mileage import parse_mileage
    from planner.pipeline import to_ics

    mileage = parse_mileage(b"week,miles,long_run\n1,10,4\n2,8,3\n", "r.csv")
    options = PlanOptions(race_date=dt.date(2027, 3, 14), name="R", remind=minutes)
    plan = build_plan(mileage, options, routines, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    data = to_ics(plan)
    assert data.count(f"TRIGGER:{line}\r\n".encode()) == len(plan.sessions)
    assert parse_previous(data, "plan.ics").remind_minutes == minutes


# Calendar names ------------------------------------------------------------------------------

NAME = 'Riverside RC; "spring", half \\ 2027'


def test_the_calendar_name_is_text_and_reads_back_the_same(
    tmp_path: Path,
) -> None:
    source = tmp_path / "short.csv"
    source.write_text(SHORT, encoding="utf-8")
    command = [
        "build", str(source), "--race-date", "2027-04-18", "--timezone", "Europe/Berlin",
        "--format", "ics", "--name", NAME, "--out", str(tmp_path),
    ]  # fmt: skip
    done = CliRunner().invoke(cli, command, env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert done.exit_code == 0, done.output
    path = tmp_path / "plan.ics"
    data = path.read_bytes()
    escaped = 'Riverside RC\\; "spring"\\, half \\\\ 2027'
    for prop in ("NAME", "X-WR-CALNAME"):
        assert f"\r\n{prop}:{escaped}\r\n".encode() in data
    assert data.count(f"X-PLANNER-PLAN:{escaped}\r\n".encode()) > 0

    # icalendar hands back properties it doesn't type as written; planner's reader unescapes.
    from icalendar import Calendar

    calendar = Calendar.from_ical(data)
    assert str(calendar["NAME"]) == escaped
    assert parse_previous(data, str(path)).name == NAME

    import vobject

    read = vobject.readOne(data.decode())
    assert read.contents["name"][0].value == NAME
    assert read.contents["x-wr-calname"][0].value == NAME

    lib = libical()
    text = ctypes.c_char_p
    for function, argtypes in (
        ("icalproperty_get_property_name", [ctypes.c_void_p]),
        ("icalproperty_get_value", [ctypes.c_void_p]),
        ("icalvalue_get_text", [ctypes.c_void_p]),
        ("icalproperty_get_x", [ctypes.c_void_p]),
    ):
        getattr(lib, function).argtypes = argtypes
        getattr(lib, function).restype = ctypes.c_void_p if function.endswith("value") else text
    lib.icalcomponent_get_next_property.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.icalcomponent_get_next_property.restype = ctypes.c_void_p
    root = lib.icalparser_parse_string(data)
    try:
        names = {}
        prop = lib.icalcomponent_get_first_property(root, 0)  # ICAL_ANY_PROPERTY
        while prop:
            key = lib.icalproperty_get_property_name(prop).decode()
            if key == "NAME":  # RFC 7986's TEXT property
                names[key] = lib.icalvalue_get_text(lib.icalproperty_get_value(prop)).decode()
            elif key == "X-WR-CALNAME":
                names[key] = lib.icalproperty_get_x(prop).decode()
            prop = lib.icalcomponent_get_next_property(root, 0)
    finally:
        lib.icalcomponent_free(root)
    assert names == {"NAME": NAME, "X-WR-CALNAME": NAME}

    # ICAL.js reads a property it has no type for as written; told they are TEXT, as RFC
    # 7986 (NAME) and the apps that write X-WR-CALNAME define them, it unescapes them.
    assert _icaljs(
        path,
        "out = ['name', 'x-wr-calname'].map((n) => c.getFirstPropertyValue(n));",
        text_properties=("name", "x-wr-calname"),
    ) == [NAME, NAME]


def _icaljs(path: Path, body: str, text_properties: tuple[str, ...] = ()) -> object:
    """Run ``body`` on the file's calendar ``c`` in ICAL.js; it sets ``out``."""
    install_icaljs()
    design = "".join(
        f"ICAL.design.icalendar.property[{json.dumps(n)}] = {{defaultType: 'text'}};"
        for n in text_properties
    )
    script = (
        "import ICAL from 'ical.js'; import { readFileSync } from 'node:fs';"
        f"{design}"
        f"const c = new ICAL.Component(ICAL.parse(readFileSync({json.dumps(str(path))}, 'utf8')));"
        "const zone = new ICAL.Timezone(c.getFirstSubcomponent('vtimezone'));"
        "ICAL.TimezoneService.register(zone);"
        f"let out; {body} process.stdout.write(JSON.stringify(out));"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=ICALJS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# Any time around a change --------------------------------------------------------------------

TRANSITIONS = {
    "America/New_York": [dt.date(2027, 3, 14), dt.date(2027, 11, 7)],
    "Europe/Berlin": [dt.date(2027, 3, 28), dt.date(2027, 10, 31)],
    "Australia/Lord_Howe": [dt.date(2027, 4, 4), dt.date(2027, 10, 3)],
    "Australia/Sydney": [dt.date(2027, 4, 4), dt.date(2027, 10, 3)],
}
NIGHT = st.builds(dt.time, st.integers(0, 3), st.sampled_from([0, 10, 25, 30, 45, 55]))


@settings(max_examples=20, deadline=None)
@given(
    zone=st.sampled_from(sorted(TRANSITIONS)),
    which=st.integers(0, 1),
    days_after=st.integers(0, 6),
    run_time=NIGHT,
    long_run_time=NIGHT,
    bedtime=st.none() | NIGHT,
)
def test_any_night_time_around_a_change_reads_back_the_same_and_in_order(
    routines: RoutineLibrary,
    zone: str,
    which: int,
    days_after: int,
    run_time: dt.time,
    long_run_time: dt.time,
    bedtime: dt.time | None,
) -> None:
    """Runs, long runs, strength and bedtime sessions in the small hours of the week of a
    change: either the build refuses overlapping times (as on any other day), or every event
    starts before it ends, none overlaps the next, and the parsers agree on every instant."""
    from planner.errors import SettingError
    from planner.mileage import parse_mileage
    from planner.pipeline import to_ics

    mileage = parse_mileage(b"week,miles,long_run\n1,12,5\n2,10,4\n", "night.csv")
    race_date = TRANSITIONS[zone][which] + dt.timedelta(days=days_after)
    options = PlanOptions(
        race_date=race_date,
        name="Night owl",
        timezone=zone,
        run_time=run_time,
        long_run_time=long_run_time,
        bedtime=bedtime,
        remind=1440,
    )
    try:
        plan = build_plan(mileage, options, routines, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    except SettingError as err:
        assert "choose an earlier" in str(err)
        return
    data = to_ics(plan)
    want = expected(plan)
    for reader, seen in (
        ("icalendar", read_icalendar(data, own_vtimezone=True)),
        ("vobject", read_vobject(data)),
        ("libical", read_libical(data, zone)),
    ):
        assert_same_events(seen, want, reader)
        _no_overlap(seen, reader)

"""plan.ics as calendar apps read it: built by the real command, then read back by icalendar,
vobject, libical (Evolution), ICAL.js (Thunderbird) and khal, and put event by event on a
real Radicale CalDAV server. Every event must come back with its UID, title, description,
start and end instants and reminder (tests/ics_clients.py has the readers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli import cli
from planner.mileage import parse_mileage, read_mileage
from planner.model import Descriptions, Plan
from planner.pipeline import to_ics
from planner.routines import RoutineLibrary
from planner.schedule import PlanOptions, build_plan
from tests.caldav_server import RadicaleServer, split_calendar
from tests.conftest import SAMPLES
from tests.ics_clients import (
    Seen,
    assert_same_events,
    expected,
    libical,
    libical_errors,
    read_icalendar,
    read_icaljs,
    read_khal,
    read_libical,
    read_vobject,
)

SAMPLE = SAMPLES / "half_marathon.csv"
"""Twelve weeks, 25 Jan to 18 Apr 2027: the clocks change in New York (14 Mar), Berlin and
London (28 Mar) and Sydney (4 Apr) during the plan."""
RACE_DATE = dt.date(2027, 4, 18)
EPOCH = 1_790_000_000
ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Sydney",  # southern hemisphere: summer time ends in the plan
    "Asia/Kolkata",  # +05:30, no summer time
    "America/Sao_Paulo",  # no summer time since 2019
    "UTC",
]


SHORT = "week,miles,long_run,runs\n1,12,5,3\n2,14,6,3\n3,10,4,3\n"
"""Three weeks (about 40 events) for khal and Radicale, which store every event as a file."""


@dataclass(frozen=True)
class Case:
    timezone: str
    args: tuple[str, ...]
    options: dict[str, Any]
    mileage: str | None = None
    """The CSV's text; None for the half marathon sample."""
    race_date: dt.date = RACE_DATE

    @property
    def race_distance(self) -> str:
        return "half" if self.mileage is None else "5k"


CASES = {
    **{
        zone: Case(
            zone,
            ("--bedtime", "21:30", "--remind", "15"),
            {"bedtime": dt.time(21, 30), "remind": 15},
        )
        for zone in ZONES
    },
    "all-day": Case(
        "Europe/Berlin", ("--all-day", "--remind", "30"), {"all_day": True, "remind": 30}
    ),
    "remind-0": Case("America/New_York", ("--remind", "0"), {"remind": 0}),
    "remind-1440": Case("Australia/Sydney", ("--remind", "1440"), {"remind": 1440}),
    # New York's clocks go forward on 14 Mar 2027, Sydney's go back on 4 Apr 2027.
    "short New York": Case(
        "America/New_York", ("--remind", "15"), {"remind": 15}, SHORT, dt.date(2027, 3, 21)
    ),
    "short Sydney": Case(
        "Australia/Sydney",
        ("--bedtime", "21:30"),
        {"bedtime": dt.time(21, 30)},
        SHORT,
        dt.date(2027, 4, 11),
    ),
    "short all-day": Case(
        "Europe/Berlin", ("--all-day",), {"all_day": True}, SHORT, dt.date(2027, 4, 11)
    ),
}


@dataclass(frozen=True)
class Built:
    plan: Plan
    """The same plan built through the library, for what the events should be."""
    path: Path
    data: bytes

    @property
    def tzid(self) -> str | None:
        return None if self.plan.all_day else self.plan.timezone


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, routines: RoutineLibrary) -> dict[str, Built]:
    """Each case's plan.ics, built by `planner build` exactly as a runner would."""
    result = {}
    for name, case in CASES.items():
        out = tmp_path_factory.mktemp(name.replace("/", "-").replace(" ", "-"))
        source = SAMPLE
        if case.mileage is not None:
            source = out / "short.csv"
            source.write_text(case.mileage, encoding="utf-8")
        command = [
            "build", str(source), "--race-date", case.race_date.isoformat(),
            "--race-distance", case.race_distance, "--timezone", case.timezone, *case.args,
            "--format", "ics", "--name", "half_marathon", "--out", str(out),
        ]  # fmt: skip
        done = CliRunner().invoke(cli, command, env={"SOURCE_DATE_EPOCH": str(EPOCH)})
        assert done.exit_code == 0, done.output
        options = PlanOptions(
            race_date=case.race_date,
            name="half_marathon",
            timezone=case.timezone,
            race_distance=case.race_distance,
            **case.options,
        )
        stamp = dt.datetime.fromtimestamp(EPOCH, dt.UTC)
        plan = build_plan(read_mileage(source), options, routines, generated_at=stamp)
        data = (out / "plan.ics").read_bytes()
        assert data == to_ics(plan)
        result[name] = Built(plan, out / "plan.ics", data)
    return result


def test_the_plan_crosses_clock_changes(built: dict[str, Built]) -> None:
    """The cases are worth something only if the offsets change during the plan."""
    for case in (*ZONES[:4], "short New York", "short Sydney"):
        sessions = built[case].plan.sessions
        assert sessions[0].start.utcoffset() != sessions[-1].start.utcoffset(), case


READERS: dict[str, Callable[[Built], list[Seen]]] = {
    "icalendar": lambda b: read_icalendar(b.data),
    "icalendar with the file's VTIMEZONE": lambda b: read_icalendar(
        b.data, own_vtimezone=b.tzid is not None
    ),
    "vobject": lambda b: read_vobject(b.data),
    "libical": lambda b: read_libical(b.data, b.tzid),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("reader", READERS)
def test_parsers_read_every_event_at_the_right_instant(
    built: dict[str, Built], case: str, reader: str
) -> None:
    plan = built[case]
    assert_same_events(READERS[reader](plan), expected(plan.plan), reader)


def test_icaljs_reads_every_event_at_the_right_instant(built: dict[str, Built]) -> None:
    """Thunderbird's parser, once over every case's file."""
    seen = read_icaljs([b.path for b in built.values()])
    for name, plan in built.items():
        assert_same_events(seen[plan.path], expected(plan.plan), f"ICAL.js ({name})")


@pytest.mark.parametrize("case", ["short Sydney", "short all-day"])
def test_khal_imports_and_lists_every_event(
    built: dict[str, Built], case: str, tmp_path: Path
) -> None:
    plan = built[case]
    seen = read_khal(plan.data, plan.plan.timezone, tmp_path)
    assert_same_events(seen, expected(plan.plan), "khal")


@pytest.fixture(scope="module")
def on_radicale(built: dict[str, Built], caldav_server: RadicaleServer) -> dict[str, str]:
    """The short plans PUT on the server, one event at a time: case -> calendar URL."""
    calendars = {}
    for case in ("short New York", "short all-day"):
        plan = built[case]
        calendar = caldav_server.make_calendar(case.replace(" ", "-"))
        statuses = caldav_server.put_calendar(calendar, plan.data)
        assert statuses == [201] * len(plan.plan.sessions)  # 201 Created, each one
        calendars[case] = calendar
    return calendars


@pytest.mark.parametrize("case", ["short New York", "short all-day"])
def test_radicale_takes_one_put_per_event_and_gives_them_back(
    built: dict[str, Built], case: str, caldav_server: RadicaleServer, on_radicale: dict[str, str]
) -> None:
    plan = built[case]
    items = caldav_server.read_calendar(on_radicale[case])
    seen = []
    for uid, text in items.items():
        # The server writes items back in its own layout (vobject's), so no byte-for-byte
        # check; the file's VTIMEZONE must have come back with each event.
        (event,) = read_icalendar(
            text.encode(), own_vtimezone=not plan.plan.all_day, round_trip=False
        )
        assert event.uid == uid
        seen.append(event)
    assert_same_events(seen, expected(plan.plan), "Radicale")


def test_radicale_finds_the_events_of_a_time_range_across_the_clock_change(
    built: dict[str, Built], caldav_server: RadicaleServer, on_radicale: dict[str, str]
) -> None:
    """A time-range query, for which the server works out each event's instants itself: on
    14 Mar 2027, the morning New York's clocks go forward, the long run's 08:00 is 12:00 UTC
    (13:00 if the zone were read as still on standard time)."""
    import caldav

    plan = built["short New York"]
    start = dt.datetime(2027, 3, 14, 11, 50, tzinfo=dt.UTC)
    end = dt.datetime(2027, 3, 14, 12, 10, tzinfo=dt.UTC)
    wanted = {s.uid for s in plan.plan.sessions if s.start < end and s.end > start}
    assert {uid.split("-")[-2] for uid in wanted} == {"activation", "run"}
    with caldav.DAVClient(url=caldav_server.url, username="runner", password="runner") as client:
        calendar = client.calendar(url=on_radicale["short New York"])
        found = calendar.search(start=start, end=end, event=True, expand=False)
        assert {str(item.icalendar_component["UID"]) for item in found} == wanted


def test_split_keeps_every_event_with_the_vtimezone(built: dict[str, Built]) -> None:
    data = built["Europe/Berlin"].data
    items = split_calendar(data)
    assert len(items) == len(built["Europe/Berlin"].plan.sessions)
    for item in items.values():
        assert item.count(b"BEGIN:VEVENT") == 1 and item.count(b"BEGIN:VTIMEZONE") == 1
        assert b"METHOD:" not in item
        assert item.endswith(b"END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_libical_restrictions_pass_but_for_an_organizer(built: dict[str, Built]) -> None:
    """libical's iTIP check (RFC 5546) of METHOD:PUBLISH wants an ORGANIZER in every event;
    the plan has none on purpose (it would make every session a meeting), and apps import
    PUBLISH files without one. With an organizer added, every other restriction holds."""
    lib = libical()
    data = built["Europe/Berlin"].data
    for text, complaints in (
        (data, ["ORGANIZER"]),
        (
            data.replace(b"BEGIN:VEVENT\r\n", b"BEGIN:VEVENT\r\nORGANIZER:mailto:r@x.invalid\r\n"),
            [],
        ),
    ):
        root = lib.icalparser_parse_string(text)
        try:
            lib.icalrestriction_check(root)
            errors = libical_errors(lib, root)
            assert [name for name in ("ORGANIZER",) if any(name in e for e in errors)] == complaints
            assert len(errors) == len(complaints), errors
        finally:
            lib.icalcomponent_free(root)


def test_compact_and_brief_descriptions_read_back(
    make_plan: Callable[..., Plan], tmp_path: Path
) -> None:
    """The shorter styles long plans get, through the parsers that unescape text."""
    plan = make_plan("week,miles,long_run\n1,10,5\n2,12,6\n3,8,0\n", timezone="Asia/Kolkata")
    paths = []
    for style in (Descriptions.COMPACT, Descriptions.BRIEF):
        data = to_ics(dataclasses.replace(plan, descriptions=style))
        assert_same_events(read_vobject(data), expected(plan, style), "vobject")
        assert_same_events(read_libical(data, "Asia/Kolkata"), expected(plan, style), "libical")
        paths.append(tmp_path / f"{style.value}.ics")
        paths[-1].write_bytes(data)
    seen = read_icaljs(paths)
    for path, style in zip(paths, (Descriptions.COMPACT, Descriptions.BRIEF), strict=True):
        assert_same_events(seen[path], expected(plan, style), "ICAL.js")


TIMES = st.sampled_from([dt.time(5, 30), dt.time(6, 0), dt.time(7, 15), dt.time(9, 45)])


@settings(max_examples=25, deadline=None)
@given(
    zone=st.sampled_from([*ZONES, "Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu"]),
    race_date=st.dates(dt.date(2026, 1, 1), dt.date(2030, 12, 31)),
    run_time=TIMES,
    long_run_time=TIMES,
    remind=st.none() | st.integers(0, 1440),
    all_day=st.booleans(),
    weeks=st.integers(1, 6),
)
def test_any_plan_reads_back_the_same_in_icalendar_vobject_and_libical(
    routines: RoutineLibrary,
    zone: str,
    race_date: dt.date,
    run_time: dt.time,
    long_run_time: dt.time,
    remind: int | None,
    all_day: bool,
    weeks: int,
) -> None:
    rows = "".join(f"{n},{10 + 2 * n},{4 + n}\n" for n in range(1, weeks + 1))
    mileage = parse_mileage(f"week,miles,long_run\n{rows}".encode(), "any.csv")
    options = PlanOptions(
        race_date=race_date,
        name="Any plan",
        timezone=zone,
        run_time=run_time,
        long_run_time=long_run_time,
        remind=remind,
        all_day=all_day,
    )
    plan = build_plan(mileage, options, routines, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    data = to_ics(plan)
    want = expected(plan)
    assert_same_events(read_icalendar(data, own_vtimezone=not all_day), want, "icalendar")
    assert_same_events(read_vobject(data), want, "vobject")
    assert_same_events(read_libical(data, None if all_day else zone), want, "libical")

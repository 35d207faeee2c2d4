"""Reading back a plan.ics: what planner wrote comes back; anything else is refused in one line."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Component
from icalendar.parser import Contentlines

from planner.errors import PlanError
from planner.model import Activity, Plan
from planner.pipeline import to_ics
from planner.previous import (
    NotAPlan,
    content_lines,
    parse_calendars,
    parse_previous,
    read_previous,
)
from planner.schedule import session_uid

WEEKS = "week,miles,long_run\n1,10,4\n2,8,3.1\n"
CRLF = "\r\n"


def ics(*lines: str) -> bytes:
    return CRLF.join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//x//y//EN", *lines,
                      "END:VCALENDAR", ""]).encode()  # fmt: skip


def event(uid: str, *lines: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270101T000000Z", *lines, "END:VEVENT"]


UID = session_uid("Club", Activity.RUN, 3)
OURS = [
    "X-PLANNER-PLAN:Club",
    "X-PLANNER-ACTIVITY:run",
    "X-PLANNER-DAYS-BEFORE-RACE:3",
    "DTSTART;TZID=Europe/Berlin:20270415T070000",
    "DTEND;TZID=Europe/Berlin:20270415T073000",
    "SUMMARY:Run 3 mi",
]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello", "not an iCalendar file (Content line could not be parsed into parts"),
        (b"", "not an iCalendar file (no VCALENDAR in it)"),
        (ics(), "has no events; expected a plan.ics written by planner build"),
        (
            ics(*event("a@example.com", "DTSTART:20270101T070000Z", "SUMMARY:Dentist")),
            "is not a plan.ics written by planner (its events have no X-PLANNER-PLAN), so"
            " planner won't update or replace it",
        ),
        (
            ics(*event("a", *OURS), *event("b", *[o.replace(":Club", ":Other") for o in OURS])),
            "mixes events of several plans ('Club', 'Other'); expected one plan",
        ),
        (
            ics(*event("a", *OURS)),
            "has no events of the plan 'Club' (none has a UID planner made); move it away, or"
            " pass --out to build elsewhere",
        ),
    ],
)
def test_files_planner_did_not_write_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(NotAPlan) as err:
        parse_previous(data, "plan.ics")
    assert str(err.value).startswith(f"plan.ics: {message}")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (
            [o.replace(":run", ":swim") for o in OURS],
            "has X-PLANNER-ACTIVITY 'swim', not one of planner's",
        ),
        (
            [o.replace("Europe/Berlin", "Mars/Olympus") for o in OURS],
            "has an unknown timezone 'Mars/Olympus'",
        ),
        (
            [o.replace(";TZID=Europe/Berlin", "") for o in OURS],
            "has a floating time without a timezone",
        ),
    ],
)
def test_an_event_of_the_plan_that_planner_would_not_write_is_refused(
    lines: list[str], problem: str
) -> None:
    data = ics("X-OTHER:1", *event("a", *OURS), *event(UID, *lines))
    with pytest.raises(NotAPlan) as err:
        parse_previous(data, "plan.ics", advice="do this")
    # Its BEGIN:VEVENT follows the calendar's 4 lines and the 10 of an event not the plan's.
    assert str(err.value) == f"plan.ics, line 15: event {UID!r} {problem}; do this"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as err:
        read_previous(tmp_path / "plan.ics")
    assert str(err.value) == f"{tmp_path / 'plan.ics'}: file not found"


def test_a_minimal_event_of_ours_reads(make_plan: Callable[..., Plan]) -> None:
    previous = parse_previous(ics(*event(UID, *OURS, "SEQUENCE:4", "STATUS:CANCELLED")), "p")
    (session,) = previous.events
    assert (session.uid, session.sequence, session.cancelled) == (UID, 4, True)
    assert previous.race_date is None  # every event is cancelled
    assert previous.timezone == "Europe/Berlin"


def test_all_day_files_read_as_days(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(WEEKS, all_day=True)
    previous = parse_previous(to_ics(plan), "plan.ics")
    assert (previous.all_day, previous.timezone, previous.race_date) == (
        True,
        None,
        plan.race_date,
    )
    assert [s.start.date() for s in previous.events] == [s.start.date() for s in plan.sessions]


# parse_calendars parses each distinct content line once; what it returns must be what
# icalendar's own Calendar.from_ical returns, for our files and for anything else.


def _same_as_icalendar(data: bytes) -> list[Component]:
    try:
        expected = Calendar.from_ical(data, multiple=True)
    except ValueError as err:
        with pytest.raises(ValueError) as ours:
            parse_calendars(data)
        assert str(ours.value) == str(err)
        return []
    got = parse_calendars(data)
    assert got == expected
    assert [c.to_ical() for c in got] == [c.to_ical() for c in expected]
    walked = [(c.name, c.errors, sorted(c.keys())) for cal in got for c in cal.walk()]
    assert walked == [(c.name, c.errors, sorted(c.keys())) for cal in expected for c in cal.walk()]
    return got


@pytest.mark.parametrize("options", [{}, {"all_day": True}, {"remind": 15}])
def test_our_files_parse_as_icalendar_parses_them(
    make_plan: Callable[..., Plan], options: dict[str, object]
) -> None:
    data = to_ics(make_plan(WEEKS, **options))
    (calendar,) = _same_as_icalendar(data)
    assert len(calendar.walk("VEVENT")) > 10
    assert calendar.to_ical() == data


def test_a_sample_plan_with_cancelled_events_parses_as_icalendar_parses_it(
    make_plan: Callable[..., Plan],
) -> None:
    from planner.regenerate import reconcile

    long = make_plan(WEEKS + "3,12,5\n4,6,2\n", race_date="2027-05-02", bedtime=dt.time(21, 30))
    short = make_plan(WEEKS)
    plan, changes = reconcile(short, parse_previous(to_ics(long), "plan.ics"))
    assert changes.cancelled > 0
    _same_as_icalendar(to_ics(plan))


def test_a_zone_defined_after_the_events_that_use_it_still_applies() -> None:
    # icalendar parses such a file twice (CalendarIcalParser.prepare_components): the values
    # of the first pass, made before the zone was known, must not be reused in the second.
    # icalendar remembers zones it has read for the whole process: hence a new name, and
    # planner's parser first.
    name = f"Planner/Test-{uuid.uuid4().hex}"
    zone = [
        "BEGIN:VTIMEZONE", f"TZID:{name}", "BEGIN:STANDARD", "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0530", "TZOFFSETTO:+0530", "END:STANDARD", "END:VTIMEZONE",
    ]  # fmt: skip
    start = f"DTSTART;TZID={name}:20270415T070000"
    data = ics(*event("a", start), *event("b", start), *zone)
    (calendar,) = parse_calendars(data)
    for e in calendar.walk("VEVENT"):
        assert e["DTSTART"].dt.utcoffset() == dt.timedelta(hours=5, minutes=30)
    _same_as_icalendar(data)


_LINES = [
    "SUMMARY:Run 3 mi",
    "SUMMARY:Run\\, then stretch\\; twice",
    "DESCRIPTION:Line one\\nLine two\\N\\\\three",
    "CATEGORIES:Run,Yoga",
    "CATEGORIES:Yoga\\,Pilates",
    "SEQUENCE:2",
    "SEQUENCE:not a number",
    "DTSTART:20270415T070000Z",
    "DTSTART;TZID=Europe/Berlin:20270415T070000",
    "DTSTART;VALUE=DATE:20270415",
    "DTEND:2027-04-15",
    "STATUS:CANCELLED",
    "X-PLANNER-PLAN:Club",
    'X-PLANNER-PLAN;X-P="a:b":Club;x',
    'ATTENDEE;CN="Doe, J":mailto:j@example.com',
    "RRULE:FREQ=WEEKLY;COUNT=3",
    "TRIGGER:-PT15M",
    "no colon here",
    "",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(_LINES), max_size=8).map(lambda lines: event("u", *lines)),
        max_size=6,
    ).map(lambda events: [line for e in events for line in e])
)
def test_any_mix_of_repeated_lines_parses_as_icalendar_parses_it(lines: list[str]) -> None:
    _same_as_icalendar(ics(*lines))


def test_only_zones_that_zoneinfo_does_not_list_reach_icalendars_zone_cache(
    make_plan: Callable[..., Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Asking whether a zone is listed costs icalendar a walk through the tz database; a TZID
    # that is a zone file on the tz path is listed, so planner's parser doesn't ask.
    from icalendar.timezone import tzp

    asked: list[str] = []
    cache = tzp.cache_timezone_component
    monkeypatch.setattr(
        tzp, "cache_timezone_component", lambda c: asked.append(str(c["TZID"])) or cache(c)
    )
    ours = to_ics(make_plan(WEEKS, timezone="America/New_York"))
    custom = ours.replace(b"America/New_York", b"Planner/Elsewhere")
    (calendar,) = parse_calendars(ours)
    assert str(calendar.walk("VTIMEZONE")[0]["TZID"]) == "America/New_York"
    assert asked == []
    parse_calendars(custom)
    assert asked == ["Planner/Elsewhere"]


# Mostly CRLF, spaces and tabs (bare CR or LF sends a text to icalendar's own unfolding).
_PIECES = ["\r\n", "\r\n", "\r\n", " ", " ", "\t", "a", "B:", ";", "\u00e9", "\r", "\n"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
@example(["a", "\r\n", "\r\n", " ", "b"])  # a blank line inside a fold
@example(["a", "\r", "\r\n", " ", "\n", " ", "b"])
def test_unfolding_is_icalendars_where_planner_does_it(pieces: list[str]) -> None:
    text = "".join(pieces)
    lines = content_lines(text.encode("utf-8"))
    if not isinstance(lines, str):  # else icalendar unfolds the text itself
        assert list(lines) == list(Contentlines.from_ical(text))


def test_planners_own_files_are_unfolded_without_icalendars_expression(
    make_plan: Callable[..., Plan],
) -> None:
    data = to_ics(make_plan(WEEKS))
    lines = content_lines(data)
    assert not isinstance(lines, str)
    assert list(lines) == list(Contentlines.from_ical(data))
    assert isinstance(content_lines(data.replace(b"\r\n", b"\n")), str)


def test_a_leap_second_zone_reads_as_its_civil_zone() -> None:
    """right/Europe/Berlin counts leap seconds no calendar counts: planner reads it (in a TZID
    or in X-WR-TIMEZONE) as Europe/Berlin, so that reschedule writes that zone's rules."""
    berlin = ZoneInfo("Europe/Berlin")
    lines = [o.replace("TZID=Europe/Berlin", "TZID=right/Europe/Berlin") for o in OURS]
    previous = parse_previous(ics(*event(UID, *lines)), "p")
    assert previous.timezone == "Europe/Berlin"
    assert previous.events[0].start == dt.datetime(2027, 4, 15, 7, tzinfo=berlin)
    utc = [
        "DTSTART:20270415T050000Z" if o.startswith("DTSTART") else
        "DTEND:20270415T053000Z" if o.startswith("DTEND") else o
        for o in OURS
    ]  # fmt: skip
    previous = parse_previous(ics("X-WR-TIMEZONE:right/Europe/Berlin", *event(UID, *utc)), "p")
    assert previous.timezone == "Europe/Berlin"
    assert previous.events[0].start == dt.datetime(2027, 4, 15, 7, tzinfo=berlin)

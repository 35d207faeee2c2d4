from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from planner.export.ics import to_ics
from planner.model import Plan

TINY = 'week,miles,long_run,runs,notes\n1,10,6,2,"Easy, chatty pace"\n2,8.1,0,2,=HYPERLINK("x")\n'


@pytest.fixture
def tiny(make_plan: Callable[..., Plan]) -> Plan:
    return make_plan(
        TINY, race_date="2027-04-04", name="Tiny 5K", race_distance="5k", remind_minutes=15
    )


def test_golden(tiny: Plan, golden: Callable[[str, bytes], None]) -> None:
    golden("tiny_5k/plan.ics", to_ics(tiny))


def test_every_session_is_one_event_at_the_right_instant(tiny: Plan) -> None:
    data = to_ics(tiny)
    assert b"\n" not in data.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == "Tiny 5K"
    events = calendar.walk("VEVENT")
    assert len(events) == len(tiny.sessions)
    berlin = ZoneInfo("Europe/Berlin")
    for event, session in zip(events, tiny.sessions, strict=True):
        assert str(event["UID"]) == session.uid
        assert event.decoded("DTSTART") == session.start
        assert event.decoded("DTEND") == session.end
        assert str(event["SUMMARY"]) == session.title
        assert str(event["DESCRIPTION"]) == session.description
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert event.decoded("DTSTAMP") == dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
        alarms = event.walk("VALARM")
        assert len(alarms) == 1 and alarms[0].decoded("TRIGGER") == -dt.timedelta(minutes=15)
    # The long run on the day the clocks change still starts at 08:00 local (06:00 UTC).
    long_run = next(e for e in events if str(e["X-PLANNER-ACTIVITY"]) == "long_run")
    start = long_run.decoded("DTSTART")
    assert start.astimezone(dt.UTC) == dt.datetime(2027, 3, 28, 6, 0, tzinfo=dt.UTC)
    assert start.astimezone(berlin).hour == 8


def test_all_day_events_have_an_exclusive_end(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(TINY, race_date="2027-04-04", race_distance="5k", all_day=True)
    calendar = Calendar.from_ical(to_ics(plan))
    assert not calendar.walk("VTIMEZONE")
    for event in calendar.walk("VEVENT"):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is dt.date and end == start + dt.timedelta(days=1)

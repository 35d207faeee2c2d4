"""plan.private.ics: the plan's times for a work calendar, with none of its text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

import pytest
from icalendar import Calendar, Event

from planner.export.private_ics import private_uid, to_private_ics
from planner.export.vtimezone import vtimezone
from planner.model import Plan
from planner.pipeline import to_ics
from planner.previous import parse_previous
from planner.regenerate import reconcile
from tests.conftest import TINY
from tests.ics_clients import read_libical, read_vobject


def test_every_event_at_the_same_time_titled_training_and_nothing_else(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan(
        TINY, race_date="2027-04-04", name="Tiny 5K", race_distance="5k", remind=15,
        bedtime=dt.time(21, 30), recovery_days=2,
    )  # fmt: skip
    data = to_private_ics(plan)
    calendar = Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == "Training"
    events = calendar.walk("VEVENT")
    assert len(events) == len(plan.sessions)
    for event, session in zip(events, plan.sessions, strict=True):
        assert event.decoded("DTSTART") == session.start
        assert event.decoded("DTEND") == session.end
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert str(event["SUMMARY"]) == "Training"
        assert str(event["CLASS"]) == "PRIVATE" and str(event["TRANSP"]) == "OPAQUE"
        assert str(event["UID"]) == private_uid(session.uid) != session.uid
        assert sorted(event) == [
            "CLASS", "DTEND", "DTSTAMP", "DTSTART", "SEQUENCE", "SUMMARY", "TRANSP", "UID",
        ]  # fmt: skip
        assert not event.walk("VALARM")
    assert len({str(e["UID"]) for e in events}) == len(events)
    # None of the plan's own words: its name, titles, descriptions, notes, distances, units,
    # activities (which the plan's UIDs spell out) or categories.
    text = data.decode("utf-8").replace("\r\n ", "").lower()
    words = {"tiny", "5k", "easy", "chatty", "hyperlink", "yoga", "running", " mi"}
    for session in plan.sessions:
        words.add(session.title.lower())
        words.add(session.activity.value.replace("_", "-"))
        words.update(line.lower() for line in session.description.splitlines() if line.strip())
    words.discard("training")
    found = sorted(w for w in words if w in text)
    assert found == []
    assert re.findall(r"(?m)^UID:(.*)\r$", data.decode("utf-8")) == [
        f"{private_uid(s.uid)}" for s in plan.sessions
    ]


def test_other_parsers_read_the_same_times(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(TINY, race_date="2027-04-04", name="Tiny 5K", race_distance="5k")
    data = to_private_ics(plan)
    wanted = [
        (private_uid(s.uid), "Training", s.start.astimezone(dt.UTC), s.end.astimezone(dt.UTC))
        for s in plan.sessions
    ]
    for seen in (read_vobject(data), read_libical(data, "Europe/Berlin")):
        assert sorted((e.uid, e.summary, e.start, e.end) for e in seen) == sorted(wanted)


def test_uids_stay_when_the_plan_moves(make_plan: Callable[..., Plan]) -> None:
    first = make_plan(TINY, race_date="2027-04-04", name="Tiny 5K")
    later = make_plan(TINY, race_date="2027-05-09", name="Tiny 5K", run_time=dt.time(6, 0))

    def uids(plan: Plan) -> list[str]:
        return [str(e["UID"]) for e in Calendar.from_ical(to_private_ics(plan)).walk("VEVENT")]

    assert uids(first) == uids(later)
    other = make_plan(TINY, race_date="2027-04-04", name="Tiny 10K")
    assert not set(uids(first)) & set(uids(other))


def test_dropped_events_stay_cancelled_like_in_the_plan(make_plan: Callable[..., Plan]) -> None:
    before = make_plan(TINY, race_date="2027-04-04", name="Tiny 5K")
    away = ((dt.date(2027, 3, 24), dt.date(2027, 3, 24)),)
    after = make_plan(TINY, race_date="2027-04-04", name="Tiny 5K", away=away)
    written, changes = reconcile(after, parse_previous(to_ics(before), "plan.ics"))
    assert changes.cancelled == 3  # a run with its yoga before and after
    events = Calendar.from_ical(to_private_ics(written)).walk("VEVENT")
    cancelled = [e for e in events if e.get("STATUS") == "CANCELLED"]
    assert len(cancelled) == 3
    assert {e.decoded("DTSTART").date() for e in cancelled} == {dt.date(2027, 3, 24)}
    assert {int(e["SEQUENCE"]) for e in cancelled} == {1}


def test_all_day_events_block_no_time(make_plan: Callable[..., Plan]) -> None:
    plan = dataclasses.replace(make_plan(TINY, race_date="2027-04-04"), all_day=True)
    calendar = Calendar.from_ical(to_private_ics(plan))
    assert not calendar.walk("VTIMEZONE")
    for event, session in zip(calendar.walk("VEVENT"), plan.sessions, strict=True):
        assert event.decoded("DTSTART") == session.start.date()
        assert event.decoded("DTEND") == session.start.date() + dt.timedelta(days=1)
        assert str(event["TRANSP"]) == "TRANSPARENT"


def in_plan_ics_time(moment: dt.datetime) -> dt.datetime:
    """A time as plan.ics writes it: UTC inside an hour the clocks repeat, else local."""
    if moment.utcoffset() != moment.replace(fold=1 - moment.fold).utcoffset():
        return moment.astimezone(dt.UTC)
    return moment


def icalendars_own(plan: Plan) -> bytes:
    """The private copy written by icalendar alone, event by event: what the exporter's
    line-by-line writing must give."""
    calendar = Calendar()
    for name, value in [
        ("prodid", "-//planner//Training plan private copy//EN"), ("version", "2.0"),
        ("calscale", "GREGORIAN"), ("method", "PUBLISH"), ("name", "Training"),
        ("x-wr-calname", "Training"),
    ]:  # fmt: skip
        calendar.add(name, value)
    if not plan.all_day:
        calendar.add("x-wr-timezone", plan.timezone)
        first, last = plan.span
        calendar.add_component(vtimezone(plan.timezone, first - dt.timedelta(days=1), last))
    for session in plan.sessions:
        event = Event()
        if plan.all_day:
            event.add("dtstart", session.start.date())
            event.add("dtend", session.start.date() + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        else:
            event.add("dtstart", in_plan_ics_time(session.start))
            event.add("dtend", in_plan_ics_time(session.end))
            event.add("transp", "OPAQUE")
        event.add("dtstamp", plan.generated_at)
        event.add("uid", private_uid(session.uid))
        event.add("sequence", session.sequence)
        event.add("summary", "Training")
        event.add("class", "PRIVATE")
        if session.cancelled:
            event.add("status", "CANCELLED")
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Etc/UTC", "America/Argentina/ComodRivadavia"])
@pytest.mark.parametrize("all_day", [False, True])
def test_the_same_bytes_as_icalendar_writes(
    make_plan: Callable[..., Plan], zone: str, all_day: bool
) -> None:
    before = make_plan(TINY, race_date="2027-04-04", timezone=zone, all_day=all_day)
    after = make_plan(
        TINY, race_date="2027-04-04", timezone=zone, all_day=all_day, recovery_days=2,
        away=((dt.date(2027, 3, 24), dt.date(2027, 3, 24)),), run_time=dt.time(23, 30),
    )  # fmt: skip
    written, _ = reconcile(after, parse_previous(to_ics(before), "plan.ics"))
    assert any(s.cancelled for s in written.sessions)
    assert to_private_ics(written) == icalendars_own(written)


def test_a_time_in_the_repeated_hour_is_the_same_instant_as_in_plan_ics(
    make_plan: Callable[..., Plan],
) -> None:
    """New York goes back from 02:00 to 01:00 on 7 Nov 2027: a 01:20 race is in the repeated
    hour, which libical reads as its second pass unless the time is written in UTC."""
    plan = make_plan(
        "week,miles,long_run\n1,6,3.1\n", race_date="2027-11-07", timezone="America/New_York",
        long_run_time=dt.time(1, 20), race_distance="5k",
    )  # fmt: skip
    race = next(s for s in plan.sessions if s.activity.value == "race")
    assert race.start.utcoffset() != race.start.replace(fold=1).utcoffset()
    private = read_libical(to_private_ics(plan), "America/New_York")
    public = read_libical(to_ics(plan), "America/New_York")
    by_uid = {e.uid: (e.start, e.end) for e in public}
    for event in private:
        assert any(event.uid == private_uid(uid) for uid in by_uid)
    assert sorted((e.start, e.end) for e in private) == sorted(by_uid.values())
    assert to_private_ics(plan) == icalendars_own(plan)

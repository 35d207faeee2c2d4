"""Read back a plan.ics that planner wrote: the edge where regeneration meets the old file.

`planner build` compares a new plan with the plan.ics already in its folder, and `planner
reschedule` re-times a plan.ics without its CSV. Both need the events as the calendar got
them: UID, SEQUENCE, status, times and text, plus the X-PLANNER-* properties that say which
plan, activity and day before the race each event is. icalendar is imported here only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from planner.errors import PlanError
from planner.model import Activity, Session

UTC = ZoneInfo("UTC")


class NotAPlan(PlanError):
    """A calendar file that planner did not write (or can't read back)."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(message, where=source)
        self.source = source


@dataclass(frozen=True)
class PreviousPlan:
    """The events of an exported plan.ics, cancelled ones included, as calendars hold them."""

    source: str
    name: str
    timezone: str | None
    """The zone of the timed events; None for an all-day file, which names no zone."""
    all_day: bool
    remind_minutes: int | None
    race_date: dt.date | None
    """Race day as the active events place it; None when every event is cancelled."""
    sessions: tuple[Session, ...]
    """Times are in ``timezone``; all-day events start at midnight UTC and last one day.
    ``details`` and ``distance`` are empty: the .ics doesn't carry them."""


def read_previous(path: Path) -> PreviousPlan:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PlanError("file not found", where=str(path)) from None
    except IsADirectoryError:
        raise PlanError("is a folder; name the plan.ics file", where=str(path)) from None
    except OSError as err:
        raise PlanError(f"can't read it ({err.strerror})", where=str(path)) from None
    return parse_previous(data, str(path))


def parse_previous(data: bytes, source: str) -> PreviousPlan:
    from icalendar import Calendar

    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except ValueError as err:
        raise NotAPlan(source, f"not an iCalendar file ({_first_line(err)})") from None
    if not calendars:
        raise NotAPlan(source, "not an iCalendar file (no VCALENDAR in it)")
    if len(calendars) > 1:
        raise NotAPlan(source, f"holds {len(calendars)} calendars; expected one plan")
    calendar = calendars[0]
    events = calendar.walk("VEVENT")
    if not events:
        raise NotAPlan(source, "has no events; expected a plan.ics written by planner build")
    names = {_text(e.get("X-PLANNER-PLAN")) for e in events}
    if names == {""}:
        raise NotAPlan(
            source,
            "is not a plan.ics written by planner (its events have no X-PLANNER-PLAN),"
            " so planner won't update or replace it",
        )
    if "" in names or len(names) != 1:
        found = ", ".join(repr(n) for n in sorted(names))
        raise NotAPlan(source, f"mixes events of several plans ({found}); expected one plan")
    name = names.pop()
    sessions = [_session(source, event) for event in events]
    all_day = {s.all_day for s in sessions}
    if len(all_day) != 1:
        raise NotAPlan(source, "mixes all-day and timed events; expected one plan")
    zones = {str(s.session.start.tzinfo) for s in sessions if not s.all_day}
    if len(zones) > 1:
        raise NotAPlan(source, f"mixes timezones ({', '.join(sorted(zones))}); expected one")
    named = _text(calendar.get("X-WR-TIMEZONE"))
    if zones and named and named not in zones:
        # The exporter writes UTC-like zones (Etc/UTC) as UTC times, without their name;
        # X-WR-TIMEZONE keeps the plan's own name for them.
        try:
            zone = ZoneInfo(named)
        except (ZoneInfoNotFoundError, ValueError):
            raise NotAPlan(source, f"unknown X-WR-TIMEZONE {named!r}") from None
        sessions = [_Read(_astimezone(s.session, zone), s.remind, s.all_day) for s in sessions]
        zones = {named}
    races = Counter(
        s.session.start.date() + dt.timedelta(days=s.session.days_before_race)
        for s in sessions
        if not s.session.cancelled
    )
    return PreviousPlan(
        source=source,
        name=name,
        timezone=zones.pop() if zones else None,
        all_day=all_day.pop(),
        remind_minutes=next((s.remind for s in sessions if s.remind is not None), None),
        # The days before race day of any one event give race day; the most common answer
        # wins should someone have edited an event by hand.
        race_date=races.most_common(1)[0][0] if races else None,
        sessions=tuple(s.session for s in sessions),
    )


@dataclass(frozen=True)
class _Read:
    session: Session
    remind: int | None
    all_day: bool


def _session(source: str, event: Any) -> _Read:
    uid = _text(event.get("UID"))
    where = f"event {uid or '(no UID)'}"
    if not uid:
        raise NotAPlan(source, "an event has no UID")
    try:
        activity = Activity(_text(event.get("X-PLANNER-ACTIVITY")))
        days_before = int(_text(event.get("X-PLANNER-DAYS-BEFORE-RACE")))
        sequence = int(event.get("SEQUENCE", 0))
    except ValueError:
        raise NotAPlan(
            source,
            f"{where}: X-PLANNER-ACTIVITY, X-PLANNER-DAYS-BEFORE-RACE or SEQUENCE is missing or"
            " not what planner writes",
        ) from None
    start_value = event.get("DTSTART")
    if start_value is None:
        raise NotAPlan(source, f"{where} has no DTSTART")
    start = start_value.dt
    end_value = event.get("DTEND")
    end = end_value.dt if end_value is not None else None
    all_day = not isinstance(start, dt.datetime)
    if all_day:
        # An all-day event names no zone: anchor it at midnight UTC for one day, which is
        # how the exporter reads it back (it writes start.date()).
        start = dt.datetime.combine(start, dt.time(), UTC)
        end = start + dt.timedelta(days=1)
    else:
        start = _zoned(source, where, start_value, start)
        end = _zoned(source, where, end_value, end) if end is not None else start
    alarms = event.walk("VALARM")
    remind = None
    if alarms and alarms[0].get("TRIGGER") is not None:
        trigger = alarms[0]["TRIGGER"].dt
        if isinstance(trigger, dt.timedelta):
            remind = int(-trigger.total_seconds() // 60)
    categories = event.get("CATEGORIES")
    session = Session(
        activity=activity,
        start=start,
        end=end,
        title=_text(event.get("SUMMARY")),
        description=_text(event.get("DESCRIPTION")),
        details="",
        # Week k of N ends 7*(N-k) days before race day, so days before race day give the
        # weeks to go; the week number itself isn't in the file and no exporter of a read-back
        # plan needs it.
        week=0,
        weeks_to_race=max(days_before, 0) // 7,
        days_before_race=days_before,
        uid=uid,
        categories=_categories(categories),
        sequence=sequence,
        cancelled=_text(event.get("STATUS")).upper() == "CANCELLED",
    )
    return _Read(session, remind, all_day)


def _astimezone(session: Session, zone: ZoneInfo) -> Session:
    return replace(session, start=session.start.astimezone(zone), end=session.end.astimezone(zone))


def _zoned(source: str, where: str, value: Any, moment: dt.datetime) -> dt.datetime:
    """The time in the IANA zone its TZID names (or UTC), as the scheduler makes them."""
    tzid = value.params.get("TZID")
    if tzid:
        try:
            return moment.replace(tzinfo=ZoneInfo(str(tzid)))
        except (ZoneInfoNotFoundError, ValueError):
            raise NotAPlan(source, f"{where}: unknown timezone {tzid!r}") from None
    if moment.tzinfo is None:
        raise NotAPlan(source, f"{where}: floating time without a timezone")
    return moment.astimezone(UTC)


def _categories(value: Any) -> tuple[str, ...]:
    # One CATEGORIES property as planner writes it, or several as other tools may.
    properties = value if isinstance(value, list) else [value] if value is not None else []
    return tuple(str(c) for prop in properties for c in prop.cats)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__

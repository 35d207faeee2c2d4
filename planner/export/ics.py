"""plan.ics: one VEVENT per session, times in the plan's zone with its VTIMEZONE in the file.

Each event's description is the session's, in the style the pipeline chose for the plan
(planner.pipeline.choose_descriptions); this module only writes it.
"""

from __future__ import annotations

import datetime as dt
import functools

from icalendar import Calendar, Event, vDuration, vText

from planner.export.lines import Properties, memo, written, zone_block
from planner.model import CalendarEvent, Plan

PRODID = "-//planner//Training plan//EN"


def to_ics(plan: Plan) -> bytes:
    """The plan as iCalendar bytes, each event with its session's description."""
    stamp = plan.generated_at.astimezone(dt.UTC)
    events = [
        (Event, _event(plan, session, stamp), _alarms(plan, session)) for session in plan.sessions
    ]
    return memo().file(plan, _calendar_properties, events)


def _calendar(plan: Plan) -> Calendar:
    """The calendar's own properties and its VTIMEZONE, without the events."""
    calendar = _calendar_properties(plan)
    if not plan.all_day:
        calendar.add_component(zone_block(plan))
    return calendar


def _calendar_properties(plan: Plan) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # TEXT (RFC 7986 NAME; X-WR-CALNAME as Apple and Google read it), escaped: icalendar
    # writes properties it doesn't type as they are, so a ";" or "," would be read as a
    # separator and a "\" as the start of an escape.
    calendar.add("name", vText(plan.name))
    calendar.add("x-wr-calname", vText(plan.name))
    if not plan.all_day:
        calendar.add("x-wr-timezone", plan.timezone)
    if plan.refresh_hours is not None:
        # RFC 7986's hint and Microsoft's, with the same value: Apple and Nextcloud read the
        # first, Outlook the second (../shared/calendar-clients.md, "Subscribed feeds").
        every = dt.timedelta(hours=plan.refresh_hours)
        calendar.add("refresh-interval", every, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(every))
    return calendar


def _event(plan: Plan, session: CalendarEvent, stamp: dt.datetime) -> Properties:
    event: Properties = [("uid", session.uid), ("dtstamp", stamp), ("sequence", session.sequence)]
    if plan.all_day:
        day = session.start.date()
        event += [("dtstart", day), ("dtend", day + dt.timedelta(days=1))]
        event.append(("transp", "TRANSPARENT"))
    else:
        event += [("dtstart", written(session.start)), ("dtend", written(session.end))]
    event.append(("summary", session.title))
    event.append(("description", session.description))
    event.append(("categories", list(session.categories)))
    if session.url:
        event.append(("url", session.url))
    if session.cancelled:
        event.append(("status", "CANCELLED"))
    # What `planner reschedule` needs to re-time an exported plan without its CSV.
    event.append(("x-planner-plan", _name_text(plan.name)))  # TEXT, escaped as NAME is
    event.append(("x-planner-activity", session.activity.value))
    event.append(("x-planner-days-before-race", str(session.days_before_race)))
    return event


@functools.lru_cache(maxsize=64)
def _name_text(name: str) -> vText:
    """The plan's name as icalendar's TEXT value, made once for all of a plan's events (a
    vText costs about as much as the rest of the event's properties)."""
    return vText(name)


def _alarms(plan: Plan, session: CalendarEvent) -> list[Properties]:
    if plan.remind_minutes is None:
        return []
    trigger = _Lead(plan.remind_minutes)
    return [[("action", "DISPLAY"), ("description", session.title), ("trigger", trigger)]]


class _Lead(vDuration):
    """A reminder's lead, written in hours and minutes as --remind gives it: icalendar writes
    1440 minutes as -P1D, which RFC 5545 makes a calendar day (23 or 25 hours when the
    clocks change in between); -PT24H is 24 hours, always."""

    def __init__(self, minutes: int) -> None:
        super().__init__(-dt.timedelta(minutes=minutes))
        self.minutes = minutes

    def to_ical(self) -> bytes:
        hours, minutes = divmod(self.minutes, 60)
        text = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or not hours else "")
        return f"{'-' if self.minutes else ''}PT{text}".encode("ascii")

    def __hash__(self) -> int:  # a key of the memo of written lines
        return hash(self.minutes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Lead) and other.minutes == self.minutes

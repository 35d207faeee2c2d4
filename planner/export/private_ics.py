"""plan.private.ics: the plan's times and nothing else, for a work or family calendar.

Every event of the plan at the same time, titled "Training", marked CLASS:PRIVATE and busy,
with no description, categories, distances, notes, alarms or plan name: whoever sees the
calendar learns only that the runner is busy. Its UIDs are its own, so the copy can sit
beside the full plan.ics in the same calendar app: a digest of the plan's UID, which stays the
same from build to build without spelling out the plan's name or the activity as the plan's
UIDs do. Events the plan dropped are kept as cancelled, as in plan.ics.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from icalendar import Calendar, Event

from planner.export.lines import Properties, memo, written
from planner.model import CalendarEvent, Plan

PRODID = "-//planner//Training plan private copy//EN"
TITLE = "Training"
"""Every event's title and the calendar's name: says busy, not what with."""


def private_uid(uid: str) -> str:
    """The private copy's UID of the plan's event ``uid``: its own, as stable, and opaque."""
    digest = hashlib.sha256(uid.encode("utf-8")).hexdigest()[:32]
    return f"{digest}-private@planner"


def to_private_ics(plan: Plan) -> bytes:
    stamp = plan.generated_at.astimezone(dt.UTC)
    events = [(Event, _event(plan, session, stamp), ()) for session in plan.sessions]
    return memo().file(plan, _calendar_properties, events)


def _calendar_properties(plan: Plan) -> Calendar:
    """The calendar's own properties, without its VTIMEZONE and events."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", TITLE)
    calendar.add("x-wr-calname", TITLE)
    if not plan.all_day:
        calendar.add("x-wr-timezone", plan.timezone)
    return calendar


def _event(plan: Plan, session: CalendarEvent, stamp: dt.datetime) -> Properties:
    event: Properties = [("summary", TITLE)]
    if plan.all_day:
        day = session.start.date()
        event += [("dtstart", day), ("dtend", day + dt.timedelta(days=1))]
    else:
        # As in plan.ics: in UTC inside an hour the clocks repeat, the same instant to every
        # calendar app.
        event += [("dtstart", written(session.start)), ("dtend", written(session.end))]
    event += [
        ("dtstamp", stamp),
        ("uid", private_uid(session.uid)),
        ("sequence", session.sequence),
        ("class", "PRIVATE"),
    ]
    if session.cancelled:
        event.append(("status", "CANCELLED"))
    # As in plan.ics, an all-day event blocks no time.
    event.append(("transp", "TRANSPARENT" if plan.all_day else "OPAQUE"))
    return event

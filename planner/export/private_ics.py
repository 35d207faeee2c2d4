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

from planner.export.vtimezone import vtimezone
from planner.model import Plan, Session

PRODID = "-//planner//Training plan private copy//EN"
TITLE = "Training"
"""Every event's title and the calendar's name: says busy, not what with."""


def private_uid(uid: str) -> str:
    """The private copy's UID of the plan's event ``uid``: its own, as stable, and opaque."""
    digest = hashlib.sha256(uid.encode("utf-8")).hexdigest()[:32]
    return f"{digest}-private@planner"


def to_private_ics(plan: Plan) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", TITLE)
    calendar.add("x-wr-calname", TITLE)
    if not plan.all_day:
        calendar.add("x-wr-timezone", plan.timezone)
        first, last = plan.span
        calendar.add_component(vtimezone(plan.timezone, first - dt.timedelta(days=1), last))
    stamp = plan.generated_at.astimezone(dt.UTC)
    for session in plan.sessions:
        calendar.add_component(_event(plan, session, stamp))
    data: bytes = calendar.to_ical()
    return data


def _event(plan: Plan, session: Session, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", private_uid(session.uid))
    event.add("dtstamp", stamp)
    event.add("sequence", session.sequence)
    if plan.all_day:
        day = session.start.date()
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")  # as plan.ics: an all-day event blocks no time
    else:
        event.add("dtstart", session.start)
        event.add("dtend", session.end)
        event.add("transp", "OPAQUE")
    event.add("summary", TITLE)
    event.add("class", "PRIVATE")
    if session.cancelled:
        event.add("status", "CANCELLED")
    return event

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
from typing import Any

from icalendar import Calendar, Event

from planner.export.vtimezone import vtimezone
from planner.model import CalendarEvent, Plan

PRODID = "-//planner//Training plan private copy//EN"
TITLE = "Training"
"""Every event's title and the calendar's name: says busy, not what with."""


def private_uid(uid: str) -> str:
    """The private copy's UID of the plan's event ``uid``: its own, as stable, and opaque."""
    digest = hashlib.sha256(uid.encode("utf-8")).hexdigest()[:32]
    return f"{digest}-private@planner"


def to_private_ics(plan: Plan) -> bytes:
    head: bytes = _calendar(plan).to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    stamp = plan.generated_at.astimezone(dt.UTC)
    lines = _Lines()
    events = b"".join(lines.component(_event(plan, session, stamp)) for session in plan.sessions)
    return head[: -len(end)] + events + end


def _calendar(plan: Plan) -> Calendar:
    """The calendar's own properties and its VTIMEZONE, without the events."""
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
    return calendar


Properties = list[tuple[str, Any]]
_FOLD_AT = 75
"""Octets at which icalendar folds a content line (RFC 5545 section 3.1)."""


def _event(plan: Plan, session: CalendarEvent, stamp: dt.datetime) -> Properties:
    """The event's properties, in the order icalendar writes them."""
    event: Properties = [("summary", TITLE)]
    if plan.all_day:
        day = session.start.date()
        event += [("dtstart", day), ("dtend", day + dt.timedelta(days=1))]
    else:
        event += [("dtstart", session.start), ("dtend", session.end)]
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


class _Lines:
    """icalendar's content lines for the events' properties, each kind made once.

    Writing a whole Event through icalendar takes about 2 ms (it folds every line one
    character at a time), and a long plan has 2,000 events. So each distinct property line is
    made by icalendar once, and the times, which differ in every event, from the first one
    icalendar writes in each zone: its text around the date and time stays the same
    (tests/export/test_private_ics.py compares the result with icalendar's whole file).
    """

    def __init__(self) -> None:
        self._lines: dict[tuple[str, object, str], bytes] = {}
        self._around: dict[tuple[str, str], tuple[str, str]] = {}

    def component(self, properties: Properties) -> bytes:
        return b"".join(
            [
                b"BEGIN:VEVENT\r\n",
                *(self._line(name, value) for name, value in properties),
                b"END:VEVENT\r\n",
            ]
        )

    def _line(self, name: str, value: Any) -> bytes:
        if name == "uid":  # a hex digest and "-private@planner": nothing to escape or fold
            return f"UID:{value}\r\n".encode("ascii")
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return self._time(name, value)
        # Equal values in other zones (the same instant) write differently.
        key = (name, value, str(getattr(value, "tzinfo", "")))
        if key not in self._lines:
            self._lines[key] = _serialize(name, value).encode("utf-8") + b"\r\n"
        return self._lines[key]

    def _time(self, name: str, value: dt.datetime) -> bytes:
        digits = (
            f"{value.year:04d}{value.month:02d}{value.day:02d}"
            f"T{value.hour:02d}{value.minute:02d}{value.second:02d}"
        )
        zone = (name, str(value.tzinfo))
        if zone not in self._around:
            text = _serialize(name, value)
            at = text.rfind(digits)
            if at < 0 or len(text) >= _FOLD_AT:  # not as expected: icalendar's line as it is
                return text.encode("utf-8") + b"\r\n"
            self._around[zone] = (text[:at], text[at + len(digits) :])
        before, after = self._around[zone]
        return f"{before}{digits}{after}\r\n".encode()


def _serialize(name: str, value: Any) -> str:
    """One property's content line as icalendar writes it in a VEVENT, without its CRLF."""
    scratch = Event()
    scratch.add(name, value)
    line = scratch.content_line(name.upper(), scratch[name])
    text = str(line)
    if len(text.encode("utf-8")) >= _FOLD_AT:  # none of planner's are; icalendar folds them
        folded: bytes = line.to_ical()
        return folded.decode("utf-8")
    return text

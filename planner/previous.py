"""Read back a plan.ics that planner wrote: the edge where regeneration meets the old file.

`planner build` compares a new plan with the plan.ics already in its folder, and `planner
reschedule` re-times a plan.ics without its CSV. Both need the events as the calendar got
them: UID, SEQUENCE, status, times and text, plus the X-PLANNER-* properties that say which
plan, activity and day before the race each event is. icalendar is imported here only.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Component, ComponentFactory
from icalendar.parser import Contentline, Contentlines, Parameters
from icalendar.parser.ical import CalendarIcalParser
from icalendar.parser_tools import to_unicode

from planner.errors import PlanError
from planner.files import MissingFile, read_input, reason
from planner.mileage import MAX_WEEKS
from planner.model import Activity, CalendarEvent
from planner.options import (
    EARLIEST_RACE_DATE,
    LATEST_RACE_DATE,
    MAX_RECOVERY_DAYS,
    parse_name,
    parse_timezone,
    shown,
    zone_file_on_tzpath,
)
from planner.schedule import plan_key, session_uid

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
    events: tuple[CalendarEvent, ...]
    """Times are in ``timezone``; all-day events start at midnight UTC and last one day.
    ``details`` and ``distance`` are empty: the .ics doesn't carry them."""
    warnings: tuple[str, ...] = ()
    """One line each, for the face to show once its work is done."""


MOST_BYTES = 10_000_000
"""The largest plan (104 weeks, every routine, cancelled events too) takes 2-3 MB."""
MOVE_IT = "move it away, or pass --out to build elsewhere"
"""What to do about a plan.ics in the out folder that can't be used."""
LATEST_SEQUENCE = 2**31 - 2
"""RFC 5545's integers end at 2**31 - 1, and the next build may add 1."""
MOST_DAYS_BEFORE_RACE = (MAX_WEEKS + 1) * 7 - 1
FEWEST_DAYS_BEFORE_RACE = -MAX_RECOVERY_DAYS
"""Recovery after the race: days before race day below 0."""
EARLIEST_DAY = EARLIEST_RACE_DATE - dt.timedelta(days=MOST_DAYS_BEFORE_RACE)
LATEST_DAY = LATEST_RACE_DATE + dt.timedelta(days=MAX_RECOVERY_DAYS + 1)
LONGEST_EVENT = dt.timedelta(days=14)
"""500 miles at 30 minutes a mile, the slowest race planner schedules, take 11 days."""
LONGEST_REMINDER = 24 * 60
MOST_EVENTS = 2 * len(Activity) * (MOST_DAYS_BEFORE_RACE - FEWEST_DAYS_BEFORE_RACE + 1)
"""Twice the UIDs a plan can have (one per activity and day): a file with more events is
refused before icalendar reads them one by one."""
_ONCE = (
    "UID",
    "DTSTART",
    "DTEND",
    "SEQUENCE",
    "STATUS",
    "SUMMARY",
    "DESCRIPTION",
    "X-PLANNER-PLAN",
    "X-PLANNER-ACTIVITY",
    "X-PLANNER-DAYS-BEFORE-RACE",
)
"""The properties planner reads from an event, each of which an event has once."""


def read_previous(path: Path, advice: str = MOVE_IT) -> PreviousPlan:
    """The plan.ics at ``path``; ``advice`` ends the message of an event that can't be used."""
    try:
        data = read_input(path, MOST_BYTES, "a plan.ics file")
    except MissingFile:
        raise
    except PlanError as err:
        raise PlanError(f"{err.message}; {advice}", where=err.where) from None
    return parse_previous(data, str(path), advice)


def parse_previous(data: bytes, source: str, advice: str = MOVE_IT) -> PreviousPlan:
    count = data.upper().count(b"BEGIN:VEVENT")
    if count > MOST_EVENTS:
        raise NotAPlan(
            source, f"holds {count:,} events, more than a plan can have ({MOST_EVENTS:,}); {advice}"
        )
    try:
        calendars = parse_calendars(data)
        # walk() recurses: components nested a thousand deep end it.
        events = [e for calendar in calendars for e in calendar.walk("VEVENT")]
    except ValueError as err:
        raise NotAPlan(source, f"not an iCalendar file ({_first_line(err)})") from None
    except (TypeError, KeyError, IndexError, AttributeError) as err:
        # icalendar's parser raises these too on some lines it can't make sense of, such as
        # CATEGORIES;VALUE=DATE:
        raise NotAPlan(
            source, f"not an iCalendar file planner can read ({_first_line(err)}); {advice}"
        ) from None
    except RecursionError:
        raise NotAPlan(source, "not an iCalendar file (components nested too deeply)") from None
    except OSError as err:  # icalendar looks a TZID up as a file, which may be a folder
        raise NotAPlan(
            source, f"has a TZID that names no timezone ({reason(err)}); {advice}"
        ) from None
    if not calendars:
        raise NotAPlan(source, "not an iCalendar file (no VCALENDAR in it)")
    if len(calendars) > 1:
        raise NotAPlan(source, f"holds {len(calendars)} calendars; expected one plan")
    calendar = calendars[0]
    if not events:
        raise NotAPlan(source, "has no events; expected a plan.ics written by planner build")
    lines = _EventLines(data, source, advice)
    for index, event in enumerate(events):
        for name in ("UID", "X-PLANNER-PLAN"):
            if isinstance(event.get(name), list):
                raise lines.refuse(index, _text_of(event.get("UID")), f"has {name} twice")
    names = {_unescaped(_text(e.get("X-PLANNER-PLAN"))) for e in events}
    if names == {""}:
        raise NotAPlan(
            source,
            "is not a plan.ics written by planner (its events have no X-PLANNER-PLAN),"
            " so planner won't update or replace it",
        )
    if "" in names or len(names) != 1:
        found = ", ".join(shown(n) for n in sorted(names)[:3])
        more = f" and {len(names) - 3:,} more" if len(names) > 3 else ""
        raise NotAPlan(source, f"mixes events of several plans ({found}{more}); expected one plan")
    written_name = names.pop()
    try:
        # Read back as it was written: the name went through parse_name when it was given.
        name = parse_name(written_name, "X-PLANNER-PLAN")
    except PlanError:
        raise NotAPlan(
            source,
            f"has X-PLANNER-PLAN {shown(written_name)}, not a name planner writes; {advice}",
        ) from None
    # This plan's own events: its name, and a UID made from it. Any other event (someone
    # else's, or made up) is not carried into the next file: so a file can't grow by
    # whatever was pasted into it.
    own_prefix = plan_key(name) + "-"
    read: list[_Read] = []
    ignored = 0
    for index, event in enumerate(events):
        uid = _text(event.get("UID"))
        if uid.startswith(own_prefix) and uid.endswith("@planner"):
            read.append(_event(event, name, functools.partial(lines.refuse, index, uid)))
        else:
            ignored += 1
    if not read:
        raise NotAPlan(
            source, f"has no events of the plan {name!r} (none has a UID planner made); {advice}"
        )
    events_word = "1 event" if ignored == 1 else f"{ignored} events"
    warnings = (
        (
            f"{source}: left out {events_word} with a UID that planner did not make for the"
            f" plan {name!r}",
        )
        if ignored
        else ()
    )
    all_day = {s.all_day for s in read}
    if len(all_day) != 1:
        raise NotAPlan(source, "mixes all-day and timed events; expected one plan")
    zones = {str(s.event.start.tzinfo) for s in read if not s.all_day}
    named = _text(calendar.get("X-WR-TIMEZONE"))
    written_in_utc = any(
        str(t.tzinfo) == "UTC" for s in read if not s.all_day for t in _times(s.event)
    )
    if named and written_in_utc and zones - {"UTC"} <= {named}:
        # A time in the second pass of an hour the clocks repeat is written in UTC (a local
        # time there means the first pass): read back into the plan's zone with the rest.
        second_pass = _zone(named)
        if second_pass is None:
            raise NotAPlan(source, f"unknown X-WR-TIMEZONE {shown(named)}; {advice}")
        read = [_Read(_astimezone(s.event, second_pass), s.remind, s.all_day) for s in read]
        zones = {second_pass.key}
    if len(zones) > 1:
        raise NotAPlan(source, f"mixes timezones ({', '.join(sorted(zones))}); expected one")
    if zones and named and named not in zones:
        # The exporter writes UTC-like zones (Etc/UTC) as UTC times, without their name;
        # X-WR-TIMEZONE keeps the plan's own name for them.
        zone = _zone(named)
        if zone is None:
            raise NotAPlan(source, f"unknown X-WR-TIMEZONE {shown(named)}; {advice}")
        read = [_Read(_astimezone(s.event, zone), s.remind, s.all_day) for s in read]
        zones = {zone.key}  # as parse_timezone names it: right/Europe/Berlin is Europe/Berlin
    races = Counter(
        s.event.start.date() + dt.timedelta(days=s.event.days_before_race)
        for s in read
        if not s.event.cancelled
    )
    return PreviousPlan(
        source=source,
        name=name,
        timezone=zones.pop() if zones else None,
        all_day=all_day.pop(),
        remind_minutes=next((s.remind for s in read if s.remind is not None), None),
        # The days before race day of any one event give race day; the most common answer
        # wins should someone have edited an event by hand.
        race_date=races.most_common(1)[0][0] if races else None,
        events=tuple(s.event for s in read),
        warnings=warnings,
    )


class _Read(NamedTuple):
    event: CalendarEvent
    remind: int | None
    all_day: bool


class _EventLines:
    """Where each event starts in the file, worked out only for the message that needs it."""

    def __init__(self, data: bytes, source: str, advice: str) -> None:
        self.data = data
        self.source = source
        self.advice = advice

    def refuse(self, index: int, uid: str, problem: str) -> NotAPlan:
        """The error for the ``index``-th event (in the file's order), to raise."""
        starts = [
            number
            for number, line in enumerate(self.data.split(b"\n"), start=1)
            if line.strip().upper() == b"BEGIN:VEVENT"
        ]
        where = f"{self.source}, line {starts[index]}" if index < len(starts) else self.source
        what = f"event {shown(uid, 80)}" if uid else "an event without a UID"
        return NotAPlan(where, f"{what} {problem}; {self.advice}")


def _event(event: Any, name: str, refuse: Callable[[str], NotAPlan]) -> _Read:
    """One of the plan's own events, checked against what planner writes."""
    for property_name in _ONCE:
        if isinstance(event.get(property_name), list):
            raise refuse(f"has {property_name} twice")
    if event.errors:
        property_name, error = event.errors[0]
        raise refuse(f"has a {property_name or 'line'} that can't be read ({error})")
    uid = _text(event.get("UID"))
    activity_text = _text(event.get("X-PLANNER-ACTIVITY"))
    try:
        activity = Activity(activity_text)
    except ValueError:
        raise refuse(
            f"has X-PLANNER-ACTIVITY {shown(activity_text)}, not one of planner's"
        ) from None
    days_text = _text(event.get("X-PLANNER-DAYS-BEFORE-RACE"))
    if (
        not re.fullmatch(r"-?\d{1,4}", days_text)
        or not FEWEST_DAYS_BEFORE_RACE <= int(days_text) <= MOST_DAYS_BEFORE_RACE
    ):
        raise refuse(
            f"has X-PLANNER-DAYS-BEFORE-RACE {shown(days_text)}; expected"
            f" {FEWEST_DAYS_BEFORE_RACE} to {MOST_DAYS_BEFORE_RACE}"
        )
    days_before = int(days_text)
    if uid != session_uid(name, activity, days_before):
        raise refuse("has a UID that doesn't match its X-PLANNER-ACTIVITY and -DAYS-BEFORE-RACE")
    sequence_value = event.get("SEQUENCE", 0)
    sequence = sequence_value if isinstance(sequence_value, int) else -1
    if not 0 <= sequence <= LATEST_SEQUENCE:
        raise refuse(f"has SEQUENCE {shown(str(sequence_value))}; expected 0 to {LATEST_SEQUENCE}")
    start_value = event.get("DTSTART")
    start = getattr(start_value, "dt", None)
    if not isinstance(start, dt.date):
        raise refuse("has no DTSTART date or time")
    end_value = event.get("DTEND")
    end = getattr(end_value, "dt", None) if end_value is not None else start
    all_day = not isinstance(start, dt.datetime)
    if not isinstance(start, dt.datetime):
        if isinstance(end, dt.datetime) or not isinstance(end, dt.date):
            raise refuse("has a DTEND that isn't a day like its DTSTART")
        # An all-day event names no zone: anchor it at midnight UTC for one day, which is
        # how the exporter reads it back (it writes start.date()).
        start = dt.datetime.combine(start, dt.time(), UTC)
        end_day = dt.datetime.combine(end, dt.time(), UTC)
        end = start + dt.timedelta(days=1)
    else:
        if not isinstance(end, dt.datetime):
            raise refuse("has a DTEND that isn't a time like its DTSTART")
        start = _zoned(start_value, start, refuse)
        end = end_day = _zoned(end_value, end, refuse) if end_value is not None else start
    if not EARLIEST_DAY <= start.date() <= LATEST_DAY:
        raise refuse(
            f"starts on {start.date().isoformat()}, outside the years planner plans"
            f" ({EARLIEST_DAY.year} to {LATEST_DAY.year - 1})"
        )
    if not start <= end_day <= start + LONGEST_EVENT:
        raise refuse(
            "ends before it starts" if end_day < start else f"lasts over {LONGEST_EVENT.days} days"
        )
    return _Read(
        CalendarEvent(
            activity=activity,
            start=start,
            end=end,
            title=_text(event.get("SUMMARY")),
            description=_text(event.get("DESCRIPTION")),
            days_before_race=days_before,
            uid=uid,
            categories=_categories(event.get("CATEGORIES")),
            sequence=sequence,
            cancelled=_text(event.get("STATUS")).upper() == "CANCELLED",
        ),
        _reminder(event, refuse),
        all_day,
    )


def _reminder(event: Any, refuse: Callable[[str], NotAPlan]) -> int | None:
    """Minutes before the start of the event's first alarm, as planner writes it."""
    alarms = event.walk("VALARM")
    if not alarms or alarms[0].get("TRIGGER") is None:
        return None
    trigger = alarms[0]["TRIGGER"]
    before = getattr(trigger, "dt", None)
    if not isinstance(before, dt.timedelta):
        return None  # at a fixed time: not one of planner's reminders, and not carried
    minutes = -before.total_seconds() / 60
    if not (minutes.is_integer() and 0 <= minutes <= LONGEST_REMINDER):
        raise refuse(
            f"has a reminder (TRIGGER {shown(trigger.to_ical().decode())}) that planner"
            f" doesn't write; expected 0 to {LONGEST_REMINDER} minutes before the start"
        )
    return int(minutes)


def _times(session: CalendarEvent) -> tuple[dt.datetime, dt.datetime]:
    return session.start, session.end


def _astimezone(session: CalendarEvent, zone: ZoneInfo) -> CalendarEvent:
    return replace(session, start=session.start.astimezone(zone), end=session.end.astimezone(zone))


def _zoned(value: Any, moment: dt.datetime, refuse: Callable[[str], NotAPlan]) -> dt.datetime:
    """The time in the IANA zone its TZID names (or UTC), as the scheduler makes them."""
    tzid = value.params.get("TZID")
    if tzid:
        zone = _zone(str(tzid))
        if zone is None:
            raise refuse(f"has an unknown timezone {shown(str(tzid))}")
        return moment.replace(tzinfo=zone)
    if moment.tzinfo is None:
        raise refuse("has a floating time without a timezone")
    return moment.astimezone(UTC)


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    """The zone a plan's timed events can be in (see parse_timezone), or None."""
    try:
        return ZoneInfo(parse_timezone(name, "TZID"))
    except (PlanError, ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _text_of(value: Any) -> str:
    """The text of a property given once, or of the first of several."""
    return _text(value[0] if isinstance(value, list) and value else value)


def _categories(value: Any) -> tuple[str, ...]:
    # One CATEGORIES property as planner writes it, or several as other tools may.
    properties = value if isinstance(value, list) else [value] if value is not None else []
    return tuple(str(c) for prop in properties for c in prop.cats)


_TEXT_ESCAPES = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}


def _unescaped(text: str) -> str:
    """A TEXT value that icalendar hands back as written (it doesn't type X- properties):
    planner escapes the plan's name as TEXT. A backslash before anything else is kept, as
    files from before the name was escaped hold it."""
    return re.sub(r"\\([\\;,nN])", lambda m: _TEXT_ESCAPES[m[1]], text)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def parse_calendars(data: bytes) -> list[Component]:
    """What ``Calendar.from_ical(data, multiple=True)`` returns, parsing each distinct
    content line once (see _OnceEachLine)."""
    lines = content_lines(data)
    return _OnceEachLine(lines, ComponentFactory(), Calendar.types_factory).parse()


def content_lines(data: bytes) -> Contentlines | str:
    """The unfolded lines that icalendar's parser reads, as ``Contentlines.from_ical(data)``
    makes them; or the text, for icalendar to unfold, when this can't be sure to.

    icalendar unfolds with one regular expression that also accepts bare LF line ends and
    blank lines inside a fold, and tries it at every character: 18 ms of the 70 it takes to
    read the largest sample's 528 KB. In a file with CRLF line ends only and no blank line,
    as icalendar writes them, unfolding is removing each CRLF followed by a space or a tab:
    what ``str.replace`` does, exactly (tests compare with ``Contentlines.from_ical`` on any
    text) and 20 times faster. Reading the lines stays icalendar's.
    """
    text: str = to_unicode(data)
    if text.count("\n") != text.count("\r\n") or "\r\n\r\n" in text:
        return text
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    # icalendar leaves Contentline's __init__ unannotated.
    lines = Contentlines(
        Contentline(line)  # type: ignore[no-untyped-call]
        for line in unfolded.split("\r\n")
        if line
    )
    lines.append(Contentline(""))  # type: ignore[no-untyped-call] # as from_ical ends them
    return lines


class _OnceEachLine(CalendarIcalParser):
    """icalendar's calendar parser, parsing each distinct content line once.

    icalendar splits a content line into its parts one character at a time in Python, and a
    plan repeats most of its lines in many events: the stamp, the categories, the plan's
    X-PLANNER-* properties and, above all, the routines' long descriptions (a 16-week plan's
    3,500 lines hold 1,100 distinct ones). The parser's template methods let a repeat reuse
    the first parse: its parts, and the property value icalendar made of them, which the
    events then share. So the components come out equal to ``Calendar.from_ical``'s (tests
    compare them), at about half the time; only, a shared value must not be changed in place.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._parts: dict[str, tuple[str, Parameters, str]] = {}
        self._values: dict[str, Any] = {}

    def initialize_parsing(self) -> None:
        # CalendarIcalParser parses again when a VTIMEZONE follows events that use it, so
        # that their times get that zone: values made before must not be reused then.
        super().initialize_parsing()  # type: ignore[no-untyped-call]
        self._values = {}

    def parse_content_lines(self) -> None:
        # ComponentIcalParser.parse_content_lines (icalendar 7.3), with line.parts() kept.
        parts = self._parts
        for line in self._content_lines_iterator:
            if not line:
                continue
            parsed = parts.get(line)
            if parsed is None:
                try:
                    parsed = parts[line] = line.parts()
                except ValueError as err:
                    self.handle_line_parse_error(err)
                    continue
            name, params, vals = parsed
            uname = name.upper()
            if uname == "BEGIN":
                self.handle_begin_component(vals)
            elif uname == "END":
                self.handle_end_component(vals)
            else:
                self.handle_property(uname, params, vals, line)

    def handle_end_component(self, vals: str) -> None:
        component = self.component
        zone = component.get("TZID") if component is not None else None
        if (
            component is None
            or zone is None
            or vals.upper() != "VTIMEZONE"
            or not zone_file_on_tzpath(str(zone).strip("/"))
        ):
            super().handle_end_component(vals)
            return
        # icalendar keeps a VTIMEZONE to read later times with, unless its TZID is a zone
        # zoneinfo knows: which it asks of zoneinfo.available_timezones(), a walk through the
        # whole tz database (6-13 ms, once a process). A TZID that names a zone file on the tz
        # path is such a zone, so the question is skipped by hiding the TZID while it ends.
        del component["TZID"]
        try:
            super().handle_end_component(vals)
        finally:
            component["TZID"] = zone

    def handle_property(self, name: str, params: Parameters, vals: str, line: Contentline) -> None:
        component = self.component
        value = self._values.get(line)
        if component is not None and value is not None:
            component.add(name, value, encode=False)
            return
        first = component is not None and name not in component
        errors = len(component.errors) if component is not None else 0
        super().handle_property(name, params, vals, line)
        # Kept only when it made exactly one clean value: the component's first of its name,
        # with no parse error recorded (which a repeat would not record again).
        if first and component is not None and len(component.errors) == errors:
            made = component.get(name)
            if made is not None and not isinstance(made, list):
                self._values[line] = made


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__

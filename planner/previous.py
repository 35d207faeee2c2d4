"""Read back a plan.ics that planner wrote: the edge where regeneration meets the old file.

`planner build` compares a new plan with the plan.ics already in its folder, and `planner
reschedule` re-times a plan.ics without its CSV. Both need the events as the calendar got
them: UID, SEQUENCE, status, times and text, plus the X-PLANNER-* properties that say which
plan, activity and day before the race each event is. icalendar is imported here only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Component, ComponentFactory
from icalendar.parser import Contentline, Contentlines, Parameters
from icalendar.parser.ical import CalendarIcalParser
from icalendar.parser_tools import to_unicode

from planner.errors import PlanError
from planner.model import Activity, Session
from planner.options import zone_file_on_tzpath

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
    try:
        calendars = parse_calendars(data)
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
    names = {_unescaped(_text(e.get("X-PLANNER-PLAN"))) for e in events}
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
    named = _text(calendar.get("X-WR-TIMEZONE"))
    written_in_utc = any(
        str(t.tzinfo) == "UTC" for s in sessions if not s.all_day for t in _times(s.session)
    )
    if named and written_in_utc and zones - {"UTC"} <= {named}:
        # A time in the second pass of an hour the clocks repeat is written in UTC (a local
        # time there means the first pass): read back into the plan's zone with the rest.
        try:
            zone = ZoneInfo(named)
        except (ZoneInfoNotFoundError, ValueError):
            raise NotAPlan(source, f"unknown X-WR-TIMEZONE {named!r}") from None
        sessions = [_Read(_astimezone(s.session, zone), s.remind, s.all_day) for s in sessions]
        zones = {named}
    if len(zones) > 1:
        raise NotAPlan(source, f"mixes timezones ({', '.join(sorted(zones))}); expected one")
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


class _Read(NamedTuple):
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


def _times(session: Session) -> tuple[dt.datetime, dt.datetime]:
    return session.start, session.end


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

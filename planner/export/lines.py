"""Content lines as icalendar writes them, made once each: shared by the calendar exporters
(plan.ics and plan.private.ics), which import this module and not each other.

icalendar folds long lines one character at a time in Python and builds a throwaway component
for every property, and a plan repeats its titles, descriptions, categories and stamp in
hundreds of events. So each distinct property line is made once, in a memo keyed by content,
and a component is joined from those bytes in the order icalendar sorts its properties: the
same bytes as ``Calendar.to_ical()`` (tests/export/test_ics.py and test_private_ics.py compare
the two).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Component, vText
from icalendar.parser import Contentline

from planner.export.vtimezone import vtimezone
from planner.model import Plan

FOLD_AT = 75
"""Octets at which icalendar folds a content line (RFC 5545 section 3.1)."""

Properties = list[tuple[str, Any]]
"""A component's properties as (name, value) pairs for icalendar's ``Component.add``."""


def written(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the calendar files write it: in the plan's zone, but in UTC inside an hour the
    clocks repeat. RFC 5545 (3.3.5) reads such a local time as its first pass, and icalendar
    and vobject do, but libical (Evolution) and ICAL.js (Thunderbird) read the second: a UTC
    time is the same instant to all of them."""
    if moment.utcoffset() != moment.replace(fold=1 - moment.fold).utcoffset():
        return moment.astimezone(dt.UTC)
    return moment


def zone_block(plan: Plan) -> Component:
    """The plan's VTIMEZONE, over every day an event touches (cancelled events kept by a
    regeneration may lie outside its weeks)."""
    first, last = plan.span
    return vtimezone(plan.timezone, first - dt.timedelta(days=1), last)


LINES_KEPT = 50_000
"""Lines the memo keeps before it starts again: a 104-week plan has about 5,000 distinct."""
_SHARED: list[PropertyLines] = []


def memo() -> PropertyLines:
    """The memo of serialized lines, shared by every render in the process.

    It is keyed by content only (a property's name, type and value), so it never changes what
    a render returns: a new plan (a club member's, with its own name and UIDs) reuses every
    line it has in common with the plans before it, and serializes only its own.
    """
    if not _SHARED or len(_SHARED[0]) > LINES_KEPT:
        _SHARED[:] = [PropertyLines()]
    return _SHARED[0]


class PropertyLines:
    """icalendar's bytes for components, making each distinct property's line once (about
    0.3 ms saved for each repeat of one routine's description)."""

    def __init__(self) -> None:
        self._lines: dict[Hashable, bytes] = {}
        self._orders: dict[tuple[type[Component], tuple[str, ...]], list[int]] = {}
        self._bounds: dict[type[Component], tuple[bytes, bytes]] = {}
        self._calendars: dict[Hashable, bytes] = {}
        self._zones_checked: dict[tuple[type[Component], str, str | None], bool] = {}
        """(kind, property, zone) -> whether the line made directly is icalendar's; the zone
        is None for a text property."""

    def __len__(self) -> int:
        return len(self._lines) + len(self._calendars)

    def calendar(self, plan: Plan, properties: Callable[[Plan], Calendar]) -> bytes:
        """The calendar without its events: ``properties(plan)``, the calendar's own
        properties, then the plan's VTIMEZONE (a few ms to work out), then the END line."""
        key = (properties, plan.name, plan.timezone, plan.all_day, plan.span, plan.refresh_hours)
        if key not in self._calendars:
            # icalendar writes the calendar's properties, then the VTIMEZONE; the VTIMEZONE is
            # the same for every plan in the zone over the same days.
            head: bytes = properties(plan).to_ical()
            if not plan.all_day:
                zone_key = ("VTIMEZONE", plan.timezone, plan.span)
                if zone_key not in self._calendars:
                    self._calendars[zone_key] = zone_block(plan).to_ical()
                end = head.rindex(b"END:VCALENDAR")
                head = head[:end] + self._calendars[zone_key] + head[end:]
            self._calendars[key] = head
        return self._calendars[key]

    def file(
        self,
        plan: Plan,
        properties: Callable[[Plan], Calendar],
        events: Sequence[tuple[type[Component], Properties, Sequence[Properties]]],
    ) -> bytes:
        """A whole file: the calendar's head, then each event (its kind, properties and
        subcomponents), then the END line."""
        body = b"".join(self.component(*event) for event in events)
        # icalendar writes a calendar's own properties and VTIMEZONE, then its other
        # subcomponents (the events) in order, then the END line.
        head = self.calendar(plan, properties)
        end = b"END:VCALENDAR\r\n"
        assert head.endswith(end)
        return head[: -len(end)] + body + end

    def component(
        self, kind: type[Component], properties: Properties, subcomponents: Sequence[Properties]
    ) -> bytes:
        """What ``kind()`` with these properties (added in order) and subcomponents (each
        a VALARM's properties) writes."""
        begin, end = self._begin_end(kind)
        order = self._order(kind, tuple([name for name, _ in properties]))
        known = self._lines
        lines = [begin]
        for index in order:
            name, value = properties[index]
            # Most lines are text or numbers seen before: one look-up (a club's hundreds of
            # plans make this loop most of a member's build).
            of_type = type(value)
            line = (
                known.get((kind, name, of_type, value, ""))
                if (of_type is str or of_type is int) and name != "uid"
                else None
            )
            lines.append(line if line is not None else self._line(kind, name, value))
        lines += [self.component(Alarm, alarm, ()) for alarm in subcomponents]
        lines.append(end)
        return b"".join(lines)

    def _begin_end(self, kind: type[Component]) -> tuple[bytes, bytes]:
        if kind not in self._bounds:
            empty: bytes = kind().to_ical()  # b"BEGIN:VEVENT\r\nEND:VEVENT\r\n"
            middle = empty.index(b"\r\n") + 2
            self._bounds[kind] = (empty[:middle], empty[middle:])
        return self._bounds[kind]

    def _order(self, kind: type[Component], names: tuple[str, ...]) -> list[int]:
        """Positions of the properties in the order icalendar writes them."""
        key = (kind, names)
        if key not in self._orders:
            positions = {name.upper(): index for index, name in enumerate(names)}
            if len(positions) != len(names):
                raise ValueError(f"a property appears twice in {names}")
            scratch = kind()
            for name in positions:
                scratch[name] = ""
            self._orders[key] = [positions[name] for name in scratch.sorted_keys()]
        return self._orders[key]

    def _line(self, kind: type[Component], name: str, value: Any) -> bytes:
        if name == "uid":  # unique to its event: nothing to share
            if isinstance(value, str) and _PLAIN_UID.fullmatch(value):
                return fold(f"UID:{value}").encode("ascii") + b"\r\n"
            return serialize(kind, name, value)
        if type(value) is dt.datetime and name in ("dtstart", "dtend"):
            zoned = self._zoned_time(kind, name, value)
            if zoned is not None:
                return zoned
        # Equal values of other types (1 and True) or zones (the same instant) write
        # differently, so they are part of the key.
        of_type = type(value)
        if of_type is str or of_type is int:  # most lines: no zone to look up
            key: Hashable = (kind, name, of_type, value, "")
        else:
            hashable = tuple(value) if of_type is list else value
            key = (kind, name, of_type, hashable, str(getattr(value, "tzinfo", "")))
        if key not in self._lines:
            if of_type is str and "\n" in value:
                self._lines[key] = self._text_by_its_last_part(kind, name, value)
            elif of_type is str and name in _TEXT_PROPERTIES:
                self._lines[key] = self._text_line(kind, name, value)
            else:
                self._lines[key] = serialize(kind, name, value)
        return self._lines[key]

    def _text_line(self, kind: type[Component], name: str, text: str) -> bytes:
        """A text property's line made directly: icalendar's own escaping (vText), folded as
        icalendar folds (_fold). A club member's own pace makes their run titles and
        descriptions their own, hundreds of lines icalendar would each build through its
        components. The first line of each property is checked against icalendar's."""
        escaped: bytes = vText(text).to_ical()
        line = fold(f"{name.upper()}:{escaped.decode('utf-8')}").encode("utf-8") + b"\r\n"
        check = (kind, name, None)
        same = self._zones_checked.get(check)
        if same is None:
            same = self._zones_checked[check] = line == serialize(kind, name, text)
        return line if same else serialize(kind, name, text)

    def _zoned_time(self, kind: type[Component], name: str, value: dt.datetime) -> bytes | None:
        """A start or end in a named zone, written directly: every member of a club has their
        own race date and zone, so their plans share few of these lines. The first such line
        of each property and zone is checked against icalendar's (None: use icalendar's)."""
        zone = value.tzinfo
        if not isinstance(zone, ZoneInfo) or value.microsecond or value.year < 1000:
            return None
        line = b"%s;TZID=%s:%04d%02d%02dT%02d%02d%02d\r\n" % (
            name.upper().encode(),
            zone.key.encode(),
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
        )
        check = (kind, name, zone.key)
        same = self._zones_checked.get(check)
        if same is None:
            same = self._zones_checked[check] = line == serialize(kind, name, value)
        return line if same else None

    def _text_by_its_last_part(self, kind: type[Component], name: str, text: str) -> bytes:
        """A text whose end varies (a session's "Week 3 of 16" under its routine), folded
        from the folding of the text before its last paragraph, or else before its last line.

        icalendar folds left to right, carrying only the line it is filling, so folding
        ``head + tail`` gives the folded ``head`` up to its last line, then that last line
        with ``tail`` folded again. Escaping is per character, except ``\\r\\n`` and
        ``\\N``: a text whose head ends in ``\\r`` or ``\\`` is folded whole.
        """
        cut = text.rfind("\n\n")
        if cut < 0:
            cut = text.rindex("\n")
        head, tail = text[:cut], text[cut:]
        if not head or head.endswith(("\r", "\\")):
            return serialize(kind, name, text)
        key = (kind, name, "head", head)
        if key not in self._lines:
            if name in _TEXT_PROPERTIES:
                self._lines[key] = self._text_line(kind, name, head)
            else:
                self._lines[key] = serialize(kind, name, head)
        folded = self._lines[key][:-2]  # without its CRLF
        last = folded.rfind(b"\r\n ")
        done, filling = (folded[: last + 3], folded[last + 3 :]) if last >= 0 else (b"", folded)
        escaped_tail: bytes = vText(tail).to_ical()
        line = fold((filling + escaped_tail).decode("utf-8")).encode("utf-8")
        return done + line + b"\r\n"


def serialize(kind: type[Component], name: str, value: Any) -> bytes:
    """One property's content line as icalendar writes it in a ``kind`` component."""
    scratch = kind()
    scratch.add(name, value)
    line = scratch.content_line(name.upper(), scratch[name])
    data = str(line).encode("utf-8")
    # The many shorter lines (times, categories) need no folding.
    if len(data) >= FOLD_AT:
        data = fold(str(line)).encode("utf-8")
    return data + b"\r\n"


_TEXT_PROPERTIES = frozenset({"summary", "description"})
"""Properties icalendar writes as TEXT, escaped by vText (an X- property it writes as given)."""

_PLAIN_UID = re.compile(r"[A-Za-z0-9@._-]+")
"""UIDs as planner writes them: TEXT with nothing to escape."""


def fold(line: str) -> str:
    """``line`` folded exactly as icalendar folds it (``Contentline.to_ical``).

    icalendar starts a new line (CRLF and a space) before the character that would make one
    reach 75 octets, and moves a backslash or caret that would end a line to the next (so an
    escape is never split); it does so one character at a time in Python, 0.2 ms for one
    routine's description. An ASCII line, which is every line planner writes but those with
    names in other scripts, is folded here by slicing; any other by icalendar.
    """
    if not line.isascii():
        # icalendar leaves Contentline unannotated.
        folded: bytes = Contentline(line).to_ical()  # type: ignore[no-untyped-call]
        return folded.decode("utf-8")
    width = FOLD_AT - 1
    parts = []
    start = 0
    while len(line) - start > width:
        end = start + width
        if line[end - 1] in "\\^":
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return "\r\n ".join(parts)

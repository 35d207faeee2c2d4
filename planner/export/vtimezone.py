"""VTIMEZONE components in the RRULE form that tzurl.org / vzic publish.

icalendar's own ``Timezone.from_tzinfo`` lists every transition as an RDATE, which Outlook
shifts by an hour, so the main path rebuilds the zone from the POSIX TZ string that ends
every TZif v2+ file: one STANDARD and one DAYLIGHT sub-component, each with a yearly RRULE.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX numbers days from Sunday = 0
_DAY = 86_400
# Sampling step when scanning zoneinfo for transitions; real zones never change twice in 6 h.
_STEP = 6 * 3600

_NAME = r"<[^>]*>|[A-Za-z]+"
_TIME = r"[+-]?\d{1,3}(?::\d{1,2}){0,2}"
_TZ_STRING = re.compile(
    rf"(?P<std>{_NAME})(?P<std_offset>{_TIME})"
    rf"(?:(?P<dst>{_NAME})(?P<dst_offset>{_TIME})?,(?P<start>[^,]+),(?P<end>[^,]+))?"
)
_M_RULE = re.compile(
    rf"M(?P<month>\d{{1,2}})\.(?P<week>[1-5])\.(?P<day>[0-6])(?:/(?P<time>{_TIME}))?"
)


@dataclass(frozen=True)
class _Observance:
    name: str
    offset: dt.timedelta  # east-positive, as in iCalendar


@dataclass(frozen=True)
class _Rule:
    """POSIX ``Mm.w.d/time``: weekday ``d`` of week ``w`` (5 = last) of month ``m``."""

    month: int
    week: int
    weekday: int
    seconds: int  # local wall time after midnight of that day; may be < 0 or >= 24 h

    def onset(self, year: int) -> dt.datetime:
        """Naive local wall time (in the offset before the transition) in ``year``."""
        if self.week == 5:
            day = dt.date(year, self.month, calendar.monthrange(year, self.month)[1])
            day -= dt.timedelta(days=(_posix_weekday(day) - self.weekday) % 7)
        else:
            day = dt.date(year, self.month, 1)
            day += dt.timedelta(days=(self.weekday - _posix_weekday(day)) % 7 + 7 * (self.week - 1))
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=self.seconds)

    def recur(self, years: range) -> dict[str, object] | None:
        """The RRULE, or None if no single-month yearly rule says it exactly in ``years``."""
        shift = self.seconds // _DAY
        weekday = _WEEKDAYS[(self.weekday + shift) % 7]
        rule: dict[str, object] = {"FREQ": "YEARLY", "BYMONTH": self.month}
        if shift == 0:
            return rule | {"BYDAY": f"{-1 if self.week == 5 else self.week}{weekday}"}
        # A time past midnight moves the day: "2nd Sunday at 24:00" is "the Monday among
        # days 9..15". That holds in every year while the seven candidate days stay inside
        # the month, which February's last week cannot promise (leap years).
        shortest = 28 if self.month == 2 else calendar.monthrange(2001, self.month)[1]
        low = 7 * (self.week - 1) + 1 if self.week < 5 else shortest - 6
        days = list(range(low + shift, low + shift + 7))
        if days[0] >= 1 and days[-1] <= shortest and (self.week < 5 or self.month != 2):
            return rule | {"BYDAY": weekday, "BYMONTHDAY": days}
        # "Friday after the last Thursday of October" (Africa/Cairo) is the last Friday of
        # October except when that Thursday is the 31st; accept -1FR if no year we cover
        # is such a year.
        if self.week == 5 and all(self._last_week(self.onset(year).date()) for year in years):
            return rule | {"BYDAY": f"-1{weekday}"}
        return None

    def _last_week(self, day: dt.date) -> bool:
        length = calendar.monthrange(day.year, day.month)[1]
        return day.month == self.month and day.day > length - 7


@dataclass(frozen=True)
class _Posix:
    std: _Observance
    dst: _Observance | None = None
    to_dst: _Rule | None = None
    to_std: _Rule | None = None

    def transitions(self, years: range) -> Iterator[tuple[dt.datetime, dt.timedelta, dt.timedelta]]:
        """(UTC instant as naive datetime, offset before, offset after), unsorted."""
        if self.dst is None or self.to_dst is None or self.to_std is None:
            return
        for year in years:
            for rule, before, after in (
                (self.to_dst, self.std, self.dst),
                (self.to_std, self.dst, self.std),
            ):
                yield rule.onset(year) - before.offset, before.offset, after.offset


def vtimezone(tzid: str, first: dt.date, last: dt.date) -> Timezone:
    """Return a VTIMEZONE for ``tzid`` that is correct for all local times from ``first`` to
    ``last`` (inclusive).

    Main path: built from the zone's current rules (the POSIX TZ string in its TZif file),
    as one STANDARD and one DAYLIGHT sub-component with a yearly RRULE each and DTSTART at
    the transition in the year before ``first``; a zone without DST gets a single STANDARD
    without RRULE. A transition time outside 0-24 h moves the day, written as BYDAY=<day>
    with seven BYMONTHDAY values, or, for a last-week rule that crosses the month end, as
    BYDAY=-1<day> if that matches every year from DTSTART to ``last``. The sub-component
    with the larger UTC offset is always DAYLIGHT, even where tzdata models winter as
    negative DST (Europe/Dublin), because calendar clients assume summer time is ahead.

    Fallback: when the current rules do not describe the whole span (the zone changes
    rules inside it, or, like Africa/Casablanca, lists transitions that the TZ string
    does not) or cannot be written as such an RRULE (``Jn`` / ``n`` day forms, days that
    shift out of the month), the result instead has one STANDARD/DAYLIGHT sub-component
    per transition that zoneinfo reports from 1 January of the year before ``first`` to
    ``last``, each with only a DTSTART (no RRULE, no RDATE), preceded by one for the
    offset in force at that 1 January.

    Raises ``zoneinfo.ZoneInfoNotFoundError`` for an unknown zone.
    """
    if last < first:
        raise ValueError(f"last ({last}) is before first ({first})")
    zone = zoneinfo.ZoneInfo(tzid)  # validates the key and raises for unknown zones
    # Naive UTC bounds wide enough for local midnight of `first` and of `last` + 1 day.
    span = (
        dt.datetime.combine(first, dt.time()) - dt.timedelta(days=1),
        dt.datetime.combine(last, dt.time()) + dt.timedelta(days=2),
    )
    posix = _parse_tz_string(_tz_string(tzid))
    # The rules are checked against zoneinfo inside the span only; the fallback lists
    # transitions from a year before it.
    if posix is not None and _rules_hold(posix, zone, _zone_transitions(zone, *span), span):
        component = _rrule_form(tzid, posix, range(first.year - 1, last.year + 1))
        if component is not None:
            return component
    scan_start = dt.datetime(first.year - 1, 1, 1)
    return _explicit_form(tzid, zone, scan_start, _zone_transitions(zone, scan_start, span[1]))


def _rules_hold(
    posix: _Posix,
    zone: zoneinfo.ZoneInfo,
    actual: list[tuple[dt.datetime, dt.timedelta, dt.timedelta]],
    span: tuple[dt.datetime, dt.datetime],
) -> bool:
    """Whether the TZ string predicts zoneinfo's offset at the start of ``span`` and its
    transitions inside it, to the second."""
    start, end = span
    predicted = sorted(posix.transitions(range(start.year - 1, end.year + 1)))
    in_force = [after for instant, _, after in predicted if instant <= start]
    if (in_force[-1] if in_force else posix.std.offset) != _offset(zone, start):
        return False
    return [t for t in predicted if start < t[0] <= end] == [
        t for t in actual if start < t[0] <= end
    ]


def _rrule_form(tzid: str, posix: _Posix, years: range) -> Timezone | None:
    component = Timezone()
    component.add("TZID", tzid)
    if posix.dst is None or posix.to_dst is None or posix.to_std is None:
        component.add_component(_observance(dt.datetime(1970, 1, 1), posix.std.offset, posix.std))
        return component
    for rule, before, after in (
        (posix.to_dst, posix.std, posix.dst),
        (posix.to_std, posix.dst, posix.std),
    ):
        recur = rule.recur(years)
        if recur is None:
            return None
        sub = _observance(rule.onset(years[0]), before.offset, after)
        sub.add("RRULE", recur)
        component.add_component(sub)
    return component


def _explicit_form(
    tzid: str,
    zone: zoneinfo.ZoneInfo,
    start: dt.datetime,
    transitions: list[tuple[dt.datetime, dt.timedelta, dt.timedelta]],
) -> Timezone:
    component = Timezone()
    component.add("TZID", tzid)
    initial = _Observance(_name(zone, start), _offset(zone, start))
    # The opening observance changes nothing (FROM = TO); it is DAYLIGHT if the next
    # transition goes back to a smaller offset, matching how transitions are labelled.
    daylight = bool(transitions) and transitions[0][2] < initial.offset
    component.add_component(_observance(start + initial.offset, initial.offset, initial, daylight))
    for instant, before, after in transitions:
        observance = _Observance(_name(zone, instant), after)
        component.add_component(_observance(instant + before, before, observance))
    return component


def _observance(
    onset: dt.datetime,
    offset_from: dt.timedelta,
    to: _Observance,
    daylight: bool | None = None,
) -> TimezoneStandard | TimezoneDaylight:
    if daylight is None:
        daylight = to.offset > offset_from
    sub = TimezoneDaylight() if daylight else TimezoneStandard()
    sub.add("DTSTART", onset)  # naive: VTIMEZONE onsets are local time without TZID
    sub.add("TZOFFSETFROM", offset_from)
    sub.add("TZOFFSETTO", to.offset)
    sub.add("TZNAME", to.name)
    return sub


def _zone_transitions(
    zone: zoneinfo.ZoneInfo, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.timedelta, dt.timedelta]]:
    """Offset changes between two naive UTC datetimes, as zoneinfo sees them."""
    found = []
    low = int(start.replace(tzinfo=dt.UTC).timestamp())
    stop = int(end.replace(tzinfo=dt.UTC).timestamp())
    before = _offset_at(zone, low)
    while low < stop:
        high = low + _STEP
        after = _offset_at(zone, high)
        if after != before:
            left, right = low, high  # bisect to the first second of the new offset
            while right - left > 1:
                middle = (left + right) // 2
                left, right = (
                    (middle, right) if _offset_at(zone, middle) == before else (left, middle)
                )
            instant = dt.datetime.fromtimestamp(right, dt.UTC).replace(tzinfo=None)
            found.append((instant, before, after))
        low, before = high, after
    return found


def _offset_at(zone: zoneinfo.ZoneInfo, timestamp: int) -> dt.timedelta:
    offset = dt.datetime.fromtimestamp(timestamp, zone).utcoffset()
    assert offset is not None  # zoneinfo always knows the offset of an aware datetime
    return offset


def _offset(zone: zoneinfo.ZoneInfo, utc: dt.datetime) -> dt.timedelta:
    return _offset_at(zone, int(utc.replace(tzinfo=dt.UTC).timestamp()))


def _name(zone: zoneinfo.ZoneInfo, utc: dt.datetime) -> str:
    return utc.replace(tzinfo=dt.UTC).astimezone(zone).tzname() or ""


def _tz_string(key: str) -> str:
    """The POSIX TZ string in the footer of the zone's TZif file ("" if it has none)."""
    # Same search order as zoneinfo: TZPATH, then the tzdata package.
    for directory in zoneinfo.TZPATH:
        path = Path(directory, key)
        if path.is_file():
            return _footer(path.read_bytes())
    import importlib.resources  # here: only machines without a system tz database need it

    *package, resource = key.split("/")
    try:
        data = importlib.resources.files(".".join(["tzdata.zoneinfo", *package]))
        return _footer(data.joinpath(resource).read_bytes())
    except (ImportError, FileNotFoundError) as error:
        raise zoneinfo.ZoneInfoNotFoundError(f"No time zone found with key {key}") from error


def _footer(data: bytes) -> str:
    # TZif v2+ files end with "\n<TZ string>\n"; version 1 files have no footer.
    if data[:4] != b"TZif" or data[4:5] < b"2" or not data.endswith(b"\n"):
        return ""
    return data[data.rindex(b"\n", 0, len(data) - 1) + 1 : -1].decode("ascii")


def _parse_tz_string(text: str) -> _Posix | None:
    """Parse e.g. ``CET-1CEST,M3.5.0,M10.5.0/3``; None for forms this module can't use."""
    match = _TZ_STRING.fullmatch(text)
    if match is None:
        return None
    std = _Observance(_unquote(match["std"]), -dt.timedelta(seconds=_seconds(match["std_offset"])))
    if match["dst"] is None:
        return _Posix(std)
    dst_offset = match["dst_offset"]  # POSIX default: one hour ahead of standard time
    dst = _Observance(
        _unquote(match["dst"]),
        -dt.timedelta(seconds=_seconds(dst_offset))
        if dst_offset
        else std.offset + dt.timedelta(hours=1),
    )
    to_dst, to_std = _parse_rule(match["start"]), _parse_rule(match["end"])
    if to_dst is None or to_std is None:
        return None
    return _Posix(std, dst, to_dst, to_std)


def _parse_rule(text: str) -> _Rule | None:
    match = _M_RULE.fullmatch(text)
    if match is None:
        return None  # Jn and n (day-of-year) forms have no yearly BYDAY equivalent
    time = match["time"]
    return _Rule(
        int(match["month"]),
        int(match["week"]),
        int(match["day"]),
        _seconds(time) if time else 2 * 3600,  # POSIX default transition time 02:00
    )


def _seconds(text: str) -> int:
    """``[+-]hh[:mm[:ss]]`` as seconds."""
    sign = -1 if text.startswith("-") else 1
    parts = [int(part) for part in text.lstrip("+-").split(":")]
    return sign * sum(part * unit for part, unit in zip(parts, (3600, 60, 1), strict=False))


def _unquote(name: str) -> str:
    return name[1:-1] if name.startswith("<") else name


def _posix_weekday(day: dt.date) -> int:
    return day.isoweekday() % 7

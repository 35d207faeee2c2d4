"""VTIMEZONE output checked against zoneinfo through real iCalendar parsers.

icalendar 7.3 resolves a TZID it knows (any IANA name) against zoneinfo and only uses the
file's VTIMEZONE for unknown TZIDs, so parsing a calendar back with it proves nothing about
our VTIMEZONE. The VTIMEZONE is therefore evaluated three ways: icalendar's
``Timezone.to_tz(lookup_tzid=False)`` and vobject (both build a dateutil ``tzical`` from the
component text), and ``_Evaluator`` below, which applies RFC 5545's onset rules itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterator

import pytest
import vobject
from dateutil.rrule import rrulestr
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Component, Event, Timezone, vRecur

from planner.export.vtimezone import vtimezone

FIRST = dt.date(2026, 12, 1)
LAST = dt.date(2028, 11, 30)
DAILY_TIMES = (dt.time(7), dt.time(1, 30), dt.time(2, 30), dt.time(23, 30))

RRULE_ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Jerusalem",  # M3.4.4/26: Friday after the 4th Thursday
    "America/Nuuk",  # M3.5.0/-1: Saturday 23:00 before the last Sunday
    "Pacific/Chatham",  # +12:45 / +13:45, transitions at 2:45 / 3:45
    "Europe/Dublin",  # tzdata: IST-1GMT0, i.e. negative DST in winter
    "Antarctica/Troll",  # two-hour DST
]
FIXED_ZONES = ["Asia/Kolkata", "America/Sao_Paulo", "UTC", "Etc/UTC"]
FALLBACK_ZONES = ["Africa/Casablanca"]  # Ramadan transitions the TZ string doesn't list
ALL_ZONES = RRULE_ZONES + FIXED_ZONES + FALLBACK_ZONES

COMMON_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/St_Johns",
    "America/Havana",
    "America/Mexico_City",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Asuncion",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Africa/Cairo",
    "Africa/Casablanca",
    "Africa/Johannesburg",
    "Asia/Beirut",
    "Asia/Gaza",
    "Asia/Jerusalem",
    "Asia/Tehran",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "UTC",
]


class _Evaluator:
    """UTC offset of a wall time per RFC 5545: the observance whose latest onset (local
    time in TZOFFSETFROM) is at or before the instant. Independent of dateutil's tzical."""

    def __init__(self, component: Timezone, until: dt.datetime) -> None:
        onsets: list[tuple[dt.datetime, dt.timedelta]] = []
        for sub in component.subcomponents:
            start = sub.DTSTART
            assert isinstance(start, dt.datetime)
            assert start.tzinfo is None
            local = [start]
            if "RRULE" in sub:
                rule = rrulestr(sub["RRULE"].to_ical().decode(), dtstart=start)
                local = list(rule.between(start, until, inc=True))
                assert local[0] == start, "DTSTART must be the first RRULE occurrence"
            onsets += [(onset - sub.TZOFFSETFROM, sub.TZOFFSETTO) for onset in local]
        self.onsets = sorted(onsets)

    def utcoffset(self, wall: dt.datetime) -> dt.timedelta:
        matches = []
        for (start, offset), (end, _) in zip(
            self.onsets, [*self.onsets[1:], (dt.datetime.max, dt.timedelta())], strict=True
        ):
            if start <= wall - offset < end:
                matches.append(offset)
        assert len(matches) == 1, f"{wall}: {matches}"
        return matches[0]


def _unambiguous(wall: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """False inside a gap or an overlap, where fold changes zoneinfo's answer."""
    return (
        wall.replace(tzinfo=zone, fold=0).utcoffset()
        == wall.replace(tzinfo=zone, fold=1).utcoffset()
    )


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


@functools.cache
def _transition_days(key: str, around: int) -> frozenset[dt.date]:
    """Local days of zoneinfo's offset changes in the span, +- ``around`` days."""
    zone = zoneinfo.ZoneInfo(key)
    instant = dt.datetime.combine(FIRST, dt.time(), dt.UTC) - dt.timedelta(days=1)
    end = dt.datetime.combine(LAST, dt.time(), dt.UTC) + dt.timedelta(days=2)
    days = set()
    offset = instant.astimezone(zone).utcoffset()
    while instant < end:
        instant += dt.timedelta(hours=1)
        local = instant.astimezone(zone)
        if local.utcoffset() != offset:
            offset = local.utcoffset()
            days |= {local.date() + dt.timedelta(days=n) for n in range(-around, around + 1)}
    return frozenset(days)


def _wall_times(key: str, dense: bool) -> list[dt.datetime]:
    """Dense: the four daily times every day, and every 15 minutes from the day before to
    the day after each transition. Otherwise (fewer events to parse): the four times every
    second week, and every 30 minutes on the days of transitions."""
    step = 15 if dense else 30
    walls = []
    for number, day in enumerate(_days(FIRST, LAST)):
        if dense or number % 14 == 0:
            walls += [dt.datetime.combine(day, time) for time in DAILY_TIMES]
        if day in _transition_days(key, 1 if dense else 0):
            walls += [
                dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=m)
                for m in range(0, 24 * 60, step)
            ]
    return walls


@functools.cache
def _component(key: str) -> Timezone:
    return vtimezone(key, FIRST, LAST)


def _calendar(key: str, walls: list[dt.datetime]) -> bytes:
    zone = zoneinfo.ZoneInfo(key)
    calendar = Calendar()
    calendar.add("prodid", "-//planner//tests//EN")
    calendar.add("version", "2.0")
    calendar.add_component(_component(key))
    for number, wall in enumerate(walls):
        event = Event()
        event.add("uid", f"{number}@planner.test")
        event.add("dtstamp", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        event.add("dtstart", wall.replace(tzinfo=zone))
        event.add("summary", "run")
        calendar.add_component(event)
    return calendar.to_ical()


def _assert_matches_zoneinfo(key: str, walls: list[dt.datetime], offset: dict[str, object]) -> None:
    zone = zoneinfo.ZoneInfo(key)
    checked = 0
    for wall in walls:
        if not _unambiguous(wall, zone):
            continue
        expected = wall.replace(tzinfo=zone).astimezone(dt.UTC)
        for name, tz in offset.items():
            if isinstance(tz, _Evaluator):
                got = (wall - tz.utcoffset(wall)).replace(tzinfo=dt.UTC)
            else:
                assert isinstance(tz, dt.tzinfo)
                got = wall.replace(tzinfo=tz).astimezone(dt.UTC)
            assert got == expected, f"{key} {wall} via {name}: {got} != {expected}"
        checked += 1
    assert checked > 0.9 * len(walls)


@pytest.mark.parametrize("key", ALL_ZONES)
def test_round_trip_matches_zoneinfo(key: str) -> None:
    walls = _wall_times(key, dense=False)
    data = _calendar(key, walls)
    until = dt.datetime.combine(LAST, dt.time()) + dt.timedelta(days=3)

    parsed = Calendar.from_ical(data)
    (vtz,) = parsed.timezones
    assert vtz.to_ical() == _component(key).to_ical()
    parsed_walls = [event.DTSTART.replace(tzinfo=None) for event in parsed.events]
    assert parsed_walls == walls
    _assert_matches_zoneinfo(
        key,
        parsed_walls,
        {"icalendar": vtz.to_tz(lookup_tzid=False), "rfc5545": _Evaluator(vtz, until)},
    )

    # vobject keeps a process-wide TZID registry (first VTIMEZONE seen wins, "UTC" is
    # predefined), so take the tzinfo it built from this file's VTIMEZONE directly.
    vcal = vobject.readOne(data.decode())
    vobject_walls = [event.dtstart.value.replace(tzinfo=None) for event in vcal.vevent_list]
    assert vobject_walls == walls
    _assert_matches_zoneinfo(key, vobject_walls, {"vobject": vcal.vtimezone.gettzinfo()})


@pytest.mark.parametrize("key", ALL_ZONES)
def test_every_day_and_quarter_hours_around_transitions(key: str) -> None:
    component = Calendar.from_ical(_calendar(key, [])).timezones[0]
    until = dt.datetime.combine(LAST, dt.time()) + dt.timedelta(days=3)
    _assert_matches_zoneinfo(
        key,
        _wall_times(key, dense=True),
        {"icalendar": component.to_tz(lookup_tzid=False), "rfc5545": _Evaluator(component, until)},
    )


def _kinds(component: Timezone) -> list[str]:
    return sorted(sub.name for sub in component.subcomponents)


def _lines(component: Component) -> list[str]:
    return component.to_ical().decode().splitlines()


def _serialized(sub: Component) -> dict[str, str]:
    """Property name -> value as written in the file (none of these carry parameters)."""
    return dict(line.split(":", 1) for line in _lines(sub)[1:-1])


@pytest.mark.parametrize("key", RRULE_ZONES)
def test_rrule_form_shape(key: str) -> None:
    component = _component(key)
    assert component["TZID"] == key
    assert _kinds(component) == ["DAYLIGHT", "STANDARD"]
    for sub in component.subcomponents:
        assert set(sub) == {"DTSTART", "RRULE", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME"}
        assert sub.DTSTART.year == FIRST.year - 1
        rule = vRecur.from_ical(sub["RRULE"].to_ical().decode())
        assert rule["FREQ"] == ["YEARLY"]
        assert len(rule["BYMONTH"]) == 1
    daylight, standard = (component.walk(name)[0] for name in ("DAYLIGHT", "STANDARD"))
    assert daylight.TZOFFSETTO > standard.TZOFFSETTO
    assert daylight.TZOFFSETFROM == standard.TZOFFSETTO
    assert standard.TZOFFSETFROM == daylight.TZOFFSETTO
    text = _lines(component)
    assert not [line for line in text if line.startswith(("RDATE", "COMMENT", "DTSTART;"))]


@pytest.mark.parametrize(
    ("key", "daylight", "standard"),
    [
        (
            "America/New_York",
            ("EDT", "-0500", "-0400", "20250309T020000", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"),
            ("EST", "-0400", "-0500", "20251102T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"),
        ),
        (
            "Europe/Berlin",
            ("CEST", "+0100", "+0200", "20250330T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"),
            ("CET", "+0200", "+0100", "20251026T030000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
        ),
        (
            "Australia/Sydney",
            ("AEDT", "+1000", "+1100", "20251005T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=10"),
            ("AEST", "+1100", "+1000", "20250406T030000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4"),
        ),
        (
            "Europe/Dublin",  # summer is DAYLIGHT even though tzdata calls winter DST
            ("IST", "+0000", "+0100", "20250330T010000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"),
            ("GMT", "+0100", "+0000", "20251026T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
        ),
        (
            "Asia/Jerusalem",
            (
                "IDT",
                "+0200",
                "+0300",
                "20250328T020000",
                "FREQ=YEARLY;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29;BYMONTH=3",
            ),
            ("IST", "+0300", "+0200", "20251026T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
        ),
        (
            "America/Nuuk",
            (
                "-01",
                "-0200",
                "-0100",
                "20250329T230000",
                "FREQ=YEARLY;BYDAY=SA;BYMONTHDAY=24,25,26,27,28,29,30;BYMONTH=3",
            ),
            ("-02", "-0100", "-0200", "20251026T000000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
        ),
        (
            "Pacific/Chatham",
            ("+1345", "+1245", "+1345", "20250928T024500", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=9"),
            ("+1245", "+1345", "+1245", "20250406T034500", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4"),
        ),
    ],
)
def test_rrule_form_values(key: str, daylight: tuple[str, ...], standard: tuple[str, ...]) -> None:
    component = _component(key)
    for name, expected in (("DAYLIGHT", daylight), ("STANDARD", standard)):
        (sub,) = component.walk(name)
        props = _serialized(sub)
        names = ("TZNAME", "TZOFFSETFROM", "TZOFFSETTO", "DTSTART", "RRULE")
        assert tuple(props[prop] for prop in names) == expected


@pytest.mark.parametrize(
    ("key", "name", "offset"),
    [
        ("Asia/Kolkata", "IST", "+0530"),
        ("America/Sao_Paulo", "-03", "-0300"),
        ("UTC", "UTC", "+0000"),
        ("Etc/UTC", "UTC", "+0000"),
    ],
)
def test_zone_without_dst_is_one_standard(key: str, name: str, offset: str) -> None:
    component = _component(key)
    assert _kinds(component) == ["STANDARD"]
    (sub,) = component.subcomponents
    assert _serialized(sub) == {
        "DTSTART": "19700101T000000",
        "TZNAME": name,
        "TZOFFSETFROM": offset,
        "TZOFFSETTO": offset,
    }


def test_casablanca_falls_back_to_one_observance_per_transition() -> None:
    # The TZ string says <+01>-1 (no DST), but the TZif table lists the switch to +00
    # around Ramadan every year, so the RRULE form would be wrong.
    component = _component("Africa/Casablanca")
    assert len(component.subcomponents) > 2
    for sub in component.subcomponents:
        assert set(sub) == {"DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME"}
    assert {str(sub["TZNAME"]) for sub in component.subcomponents} == {"+00", "+01"}
    assert "COMMENT" not in component.to_ical().decode()


def test_cairo_uses_last_friday_only_while_it_is_exact() -> None:
    # EET-2EEST,M4.5.5/0,M10.5.4/24: DST ends on the Friday after October's last
    # Thursday; that is October's last Friday except when the Thursday is the 31st (2030).
    in_2027 = vtimezone("Africa/Cairo", FIRST, LAST)
    assert _kinds(in_2027) == ["DAYLIGHT", "STANDARD"]
    assert in_2027.walk("STANDARD")[0]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1FR;BYMONTH=10"
    in_2030 = vtimezone("Africa/Cairo", dt.date(2029, 12, 1), dt.date(2031, 11, 30))
    assert "RRULE" not in in_2030.to_ical().decode()
    zone = zoneinfo.ZoneInfo("Africa/Cairo")
    tz = in_2030.to_tz(lookup_tzid=False)
    for wall in (dt.datetime(2030, 10, 31, 23, 30), dt.datetime(2030, 11, 1, 0, 30)):
        assert wall.replace(tzinfo=tz).utcoffset() == wall.replace(tzinfo=zone).utcoffset()


@pytest.mark.parametrize(
    ("key", "first", "last"),
    [
        ("America/New_York", dt.date(2006, 6, 1), dt.date(2007, 12, 31)),  # US rules of 2007
        ("America/Mexico_City", dt.date(2022, 1, 1), dt.date(2023, 12, 31)),  # DST abolished
        ("America/Asuncion", dt.date(2024, 1, 1), dt.date(2025, 12, 31)),  # permanent -03
    ],
)
def test_rule_change_inside_span_falls_back(key: str, first: dt.date, last: dt.date) -> None:
    component = vtimezone(key, first, last)
    assert "RRULE" not in component.to_ical().decode()
    zone = zoneinfo.ZoneInfo(key)
    tz = component.to_tz(lookup_tzid=False)
    for day in _days(first, last):
        for time in DAILY_TIMES:
            wall = dt.datetime.combine(day, time)
            if _unambiguous(wall, zone):
                assert wall.replace(tzinfo=tz).utcoffset() == wall.replace(tzinfo=zone).utcoffset()


def test_unknown_zone() -> None:
    with pytest.raises(zoneinfo.ZoneInfoNotFoundError):
        vtimezone("Mars/Olympus_Mons", FIRST, LAST)


@functools.cache
def _tzinfo(key: str, first: dt.date) -> dt.tzinfo:
    return vtimezone(key, first, first + dt.timedelta(days=730)).to_tz(lookup_tzid=False)


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(COMMON_ZONES),
    wall=st.datetimes(
        min_value=dt.datetime.combine(FIRST, dt.time()),
        max_value=dt.datetime.combine(LAST, dt.time.max),
    ),
)
def test_property_offset_matches_zoneinfo(key: str, wall: dt.datetime) -> None:
    zone = zoneinfo.ZoneInfo(key)
    assume(_unambiguous(wall, zone))
    assert (
        wall.replace(tzinfo=_tzinfo(key, FIRST)).utcoffset()
        == wall.replace(tzinfo=zone).utcoffset()
    )


@settings(max_examples=150, deadline=None)
@given(
    key=st.sampled_from(COMMON_ZONES),
    first=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2036, 12, 31)),
    days=st.integers(min_value=0, max_value=730),
    minutes=st.integers(min_value=0, max_value=24 * 60 - 1),
)
def test_property_any_span(key: str, first: dt.date, days: int, minutes: int) -> None:
    """Spans in other years hit rule changes (and so the fallback) in many zones."""
    zone = zoneinfo.ZoneInfo(key)
    wall = dt.datetime.combine(first, dt.time()) + dt.timedelta(days=days, minutes=minutes)
    assume(_unambiguous(wall, zone))
    assert (
        wall.replace(tzinfo=_tzinfo(key, first)).utcoffset()
        == wall.replace(tzinfo=zone).utcoffset()
    )

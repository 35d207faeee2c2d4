"""Independent iCalendar parsers, each reading a plan.ics the way a calendar app would.

Every reader returns the events it sees as ``Seen`` values, with instants in UTC, so that
tests can compare them with what the plan meant:

- icalendar (khal's parser): TZIDs it knows are looked up in zoneinfo;
- icalendar with the file's own VTIMEZONE (``Timezone.to_tz(lookup_tzid=False)``);
- vobject (Radicale's parser), with the tzinfo it builds from the file's VTIMEZONE;
- libical (GNOME Evolution's parser; Debian's libical3, through ctypes), which resolves a
  TZID against the VTIMEZONE in the same file;
- ICAL.js (Thunderbird's parser; npm's ical.js run by node, see tests/icaljs), with the
  file's VTIMEZONE registered;
- khal itself: ``khal import --batch`` into a throwaway configuration, then ``khal list``.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from planner.model import Descriptions, Plan

ICALJS = Path(__file__).resolve().parent / "icaljs"
NPM_INSTALL = ["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"]
"""What .ci/run runs in tests/icaljs; the tests run it too when node_modules is missing."""


@dataclass(frozen=True)
class Seen:
    """One event as a parser read it."""

    uid: str
    summary: str
    start: dt.datetime | dt.date
    """A UTC datetime, or a date for an all-day event."""
    end: dt.datetime | dt.date
    description: str | None = None
    """None where the reader doesn't read descriptions."""
    alarms: tuple[dt.timedelta, ...] | None = None
    """Each alarm's trigger relative to the start; None where the reader doesn't read them."""


def expected(plan: Plan, style: Descriptions = Descriptions.FULL) -> list[Seen]:
    """What the plan's events should look like to any reader."""
    events = []
    for session in plan.sessions:
        start: dt.datetime | dt.date
        end: dt.datetime | dt.date
        if plan.all_day:
            start = session.start.date()
            end = start + dt.timedelta(days=1)
        else:
            start, end = session.start.astimezone(dt.UTC), session.end.astimezone(dt.UTC)
        alarms = (
            () if plan.remind_minutes is None else (-dt.timedelta(minutes=plan.remind_minutes),)
        )
        events.append(
            Seen(
                session.uid,
                session.title,
                start,
                end,
                session.description_for(style),
                alarms,
            )
        )
    return events


def assert_same_events(seen: Iterable[Seen], wanted: Sequence[Seen], reader: str) -> None:
    """Every event once, equal in every field the reader reads."""
    found = list(seen)
    by_uid = {event.uid: event for event in found}
    assert len(by_uid) == len(found), f"{reader}: a UID appears twice"
    assert set(by_uid) == {event.uid for event in wanted}, f"{reader}: different events"
    for event in wanted:
        got = by_uid[event.uid]
        if got.description is None:
            event = replace(event, description=None)
        if got.alarms is None:
            event = replace(event, alarms=None)
        assert got == event, f"{reader} read {got}\n  expected {event}"


def _utc(value: dt.datetime | dt.date, tz: dt.tzinfo | None = None) -> dt.datetime | dt.date:
    """A date stays a date; a datetime's wall time is read in ``tz`` (else its own zone)."""
    if not isinstance(value, dt.datetime):
        return value
    # A UTC time (the second pass of a repeated hour) stays UTC.
    if tz is not None and value.utcoffset() != dt.timedelta(0):
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.UTC)


def read_icalendar(
    data: bytes, *, own_vtimezone: bool = False, round_trip: bool = True
) -> list[Seen]:
    """With ``round_trip``, icalendar must also write the file back byte for byte."""
    from icalendar import Calendar

    calendar = Calendar.from_ical(data)
    if round_trip:
        # icalendar writes a reminder of 24 hours back as a calendar day, and zero as days:
        # planner writes the hours and minutes that --remind gives (-PT24H, PT0M).
        as_written = data.replace(b"TRIGGER:-PT24H\r\n", b"TRIGGER:-P1D\r\n").replace(
            b"TRIGGER:PT0M\r\n", b"TRIGGER:P0D\r\n"
        )
        assert calendar.to_ical() == as_written, "icalendar doesn't write the file back"
    tz = None
    if own_vtimezone:
        (vtimezone,) = calendar.timezones
        tz = vtimezone.to_tz(lookup_tzid=False)
    return [
        Seen(
            str(event["UID"]),
            str(event["SUMMARY"]),
            _utc(event.DTSTART, tz),
            _utc(event.DTEND, tz),
            str(event["DESCRIPTION"]),
            tuple(alarm.decoded("TRIGGER") for alarm in event.walk("VALARM")),
        )
        for event in calendar.events
    ]


def read_vobject(data: bytes) -> list[Seen]:
    import vobject

    calendar = vobject.readOne(data.decode("utf-8"))
    # vobject keeps one tzinfo per TZID for the whole process (the first VTIMEZONE it saw
    # wins), so use the one built from this file's VTIMEZONE.
    tz = calendar.vtimezone.gettzinfo() if hasattr(calendar, "vtimezone") else None
    return [
        Seen(
            event.uid.value,
            event.summary.value,
            _utc(event.dtstart.value, tz),
            _utc(event.dtend.value, tz),
            event.description.value if hasattr(event, "description") else None,
            tuple(alarm.trigger.value for alarm in getattr(event, "valarm_list", [])),
        )
        for event in calendar.vevent_list
    ]


# libical ------------------------------------------------------------------------------------


class _IcalTime(ctypes.Structure):
    _fields_ = [
        *((name, ctypes.c_int) for name in ("year", "month", "day", "hour", "minute", "second")),
        ("is_date", ctypes.c_int),
        ("is_daylight", ctypes.c_int),
        ("zone", ctypes.c_void_p),
    ]


class _IcalDuration(ctypes.Structure):
    _fields_ = [
        ("is_neg", ctypes.c_int),
        *((name, ctypes.c_uint) for name in ("days", "weeks", "hours", "minutes", "seconds")),
    ]


class _IcalTrigger(ctypes.Structure):
    _fields_ = [("time", _IcalTime), ("duration", _IcalDuration)]


@cache
def libical() -> Any:
    """libical 3 (Debian's libical3) with the signatures of the functions the tests use."""
    try:
        lib = ctypes.CDLL("libical.so.3")
    except OSError as err:
        raise AssertionError(
            f"libical is missing ({err}); install Debian's libical3 (.ci/run does)"
        ) from None
    pointer, text, number = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    for name, result, arguments in (
        ("icalparser_parse_string", pointer, [text]),
        ("icalcomponent_string_to_kind", number, [text]),
        ("icalproperty_string_to_kind", number, [text]),
        ("icalcomponent_get_first_component", pointer, [pointer, number]),
        ("icalcomponent_get_next_component", pointer, [pointer, number]),
        ("icalcomponent_get_first_property", pointer, [pointer, number]),
        ("icalcomponent_get_dtstart", _IcalTime, [pointer]),
        ("icalcomponent_get_dtend", _IcalTime, [pointer]),
        ("icalcomponent_get_uid", text, [pointer]),
        ("icalcomponent_get_summary", text, [pointer]),
        ("icalcomponent_get_description", text, [pointer]),
        ("icalcomponent_count_errors", number, [pointer]),
        ("icalcomponent_as_ical_string", text, [pointer]),
        ("icalrestriction_check", number, [pointer]),
        ("icalcomponent_free", None, [pointer]),
        ("icaltime_as_timet_with_zone", ctypes.c_int64, [_IcalTime, pointer]),
        ("icaltimezone_get_tzid", text, [pointer]),
        ("icalproperty_get_trigger", _IcalTrigger, [pointer]),
        ("icaldurationtype_as_int", number, [_IcalDuration]),
    ):
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = arguments
    return lib


def _decoded(text: bytes | None) -> str | None:
    """A text property libical read, None when the event has none (plan.private.ics)."""
    return text.decode() if text is not None else None


def _libical_when(lib: Any, time: _IcalTime, tzid: str | None) -> dt.datetime | dt.date:
    if time.is_date:
        return dt.date(time.year, time.month, time.day)
    # The zone must be the one the file's VTIMEZONE defines, not a built-in one.
    zone = lib.icaltimezone_get_tzid(time.zone).decode() if time.zone else None
    # A UTC time (the second pass of a repeated hour) has libical's UTC zone.
    assert zone in (tzid, "UTC"), f"libical resolved the TZID to {zone!r}"
    return dt.datetime.fromtimestamp(lib.icaltime_as_timet_with_zone(time, time.zone), dt.UTC)


def libical_errors(lib: Any, component: Any) -> list[str]:
    """The X-LIC-ERROR lines libical added to a parsed component."""
    text = lib.icalcomponent_as_ical_string(component).decode()
    unfolded = text.replace("\r\n ", "")
    return [line for line in unfolded.splitlines() if line.startswith("X-LIC-ERROR")]


def read_libical(data: bytes, tzid: str | None) -> list[Seen]:
    lib = libical()
    root = lib.icalparser_parse_string(data)
    assert root, "libical could not parse the file"
    try:
        assert lib.icalcomponent_count_errors(root) == 0, libical_errors(lib, root)
        vevent = lib.icalcomponent_string_to_kind(b"VEVENT")
        valarm = lib.icalcomponent_string_to_kind(b"VALARM")
        trigger = lib.icalproperty_string_to_kind(b"TRIGGER")
        events = []
        event = lib.icalcomponent_get_first_component(root, vevent)
        while event:
            alarms = []
            alarm = lib.icalcomponent_get_first_component(event, valarm)
            while alarm:
                value = lib.icalproperty_get_trigger(
                    lib.icalcomponent_get_first_property(alarm, trigger)
                )
                alarms.append(dt.timedelta(seconds=lib.icaldurationtype_as_int(value.duration)))
                alarm = lib.icalcomponent_get_next_component(event, valarm)
            events.append(
                Seen(
                    lib.icalcomponent_get_uid(event).decode(),
                    lib.icalcomponent_get_summary(event).decode(),
                    _libical_when(lib, lib.icalcomponent_get_dtstart(event), tzid),
                    _libical_when(lib, lib.icalcomponent_get_dtend(event), tzid),
                    _decoded(lib.icalcomponent_get_description(event)),
                    tuple(alarms),
                )
            )
            event = lib.icalcomponent_get_next_component(root, vevent)
        return events
    finally:
        lib.icalcomponent_free(root)


# ICAL.js ------------------------------------------------------------------------------------


def _node() -> str:
    node = shutil.which("node")
    assert node, "node is missing: ICAL.js (Thunderbird's parser) runs on Node 18 or later"
    return node


def install_icaljs() -> None:
    """npm ci in tests/icaljs when ical.js isn't there yet (.ci/run does it up front)."""
    if (ICALJS / "node_modules" / "ical.js" / "package.json").is_file():
        return
    npm = shutil.which("npm")
    assert npm, "npm is missing; it comes with node"
    done = subprocess.run(
        [npm, *NPM_INSTALL[1:]], cwd=ICALJS, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"npm ci in {ICALJS} failed:\n{done.stdout}{done.stderr}"


def read_icaljs(paths: Sequence[Path]) -> dict[Path, list[Seen]]:
    """Read several files in one node process (starting node takes most of the time)."""
    install_icaljs()
    done = subprocess.run(
        [_node(), str(ICALJS / "read_plan.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"ICAL.js could not read the files:\n{done.stderr}"
    result = json.loads(done.stdout)

    def when(value: int | str) -> dt.datetime | dt.date:
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
        return dt.datetime.fromtimestamp(value, dt.UTC)

    return {
        path: [
            Seen(
                event["uid"],
                event["summary"],
                when(event["start"]),
                when(event["end"]),
                event["description"],
                tuple(dt.timedelta(seconds=s) for s in event["alarms"]),
            )
            for event in result[str(path)]["events"]
        ]
        for path in paths
    }


# khal ---------------------------------------------------------------------------------------


def read_khal(data: bytes, timezone: str, folder: Path) -> list[Seen]:
    """`khal import --batch` the file into a new vdir calendar, then `khal list` its span.

    khal's [locale] is set to the plan's zone, so khal prints local wall times; they are
    turned into instants with zoneinfo here."""
    calendar = folder / "calendar"
    calendar.mkdir(parents=True)
    config = folder / "khal.conf"
    config.write_text(
        "[calendars]\n"
        "[[plan]]\n"
        f"path = {calendar}\n"
        "type = calendar\n"
        "[locale]\n"
        f"local_timezone = {timezone}\n"
        f"default_timezone = {timezone}\n"
        "timeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\n"
        "longdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\n"
        "[sqlite]\n"
        f"path = {folder / 'khal.db'}\n",
        encoding="utf-8",
    )
    ics = folder / "plan.ics"
    ics.write_bytes(data)
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_DATA_HOME": str(folder / "data"),
        "TZ": timezone,
    }
    khal = [sys.executable, "-m", "khal", "--config", str(config)]

    def run(*args: str) -> str:
        done = subprocess.run([*khal, *args], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, f"khal {args[0]} failed:\n{done.stdout}{done.stderr}"
        return done.stdout

    run("import", "--batch", "--include-calendar", "plan", str(ics))
    from icalendar import Calendar

    days = [e.DTSTART for e in Calendar.from_ical(data).events]
    first = min(d if not isinstance(d, dt.datetime) else d.date() for d in days)
    last = max(d if not isinstance(d, dt.datetime) else d.date() for d in days)
    fields = ("uid", "title", "start-long-full", "end-long-full", "all-day", "description")
    listing = run(
        "list",
        "--once",
        "--day-format",
        "",
        *(arg for field in fields for arg in ("--json", field)),
        first.isoformat(),
        (last + dt.timedelta(days=1)).isoformat(),
    )
    zone = zoneinfo.ZoneInfo(timezone)

    def when(text: str, all_day: bool) -> dt.datetime | dt.date:
        if all_day:
            return dt.date.fromisoformat(text[:10])
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone).astimezone(dt.UTC)

    seen = []
    for line in listing.splitlines():
        for item in json.loads(line) if line.strip() else []:
            all_day = item["all-day"] == "True"
            end = when(item["end-long-full"], all_day)
            if all_day:
                # khal shows an all-day event's last day; DTEND is the day after it.
                assert isinstance(end, dt.date)
                end += dt.timedelta(days=1)
            seen.append(
                Seen(
                    item["uid"],
                    item["title"],
                    when(item["start-long-full"], all_day),
                    end,
                    item["description"],
                )
            )
    return seen

"""Turn option text (from the command line or a plan file) into typed values.

Each parser raises InvalidOption naming the option, what it found and what it expects.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from decimal import Decimal
from functools import cache

from planner.errors import InvalidOption
from planner.model import WEEKDAYS

_DAY_ALIASES = {
    **{d: i for i, d in enumerate(WEEKDAYS)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}


def parse_weekday(text: str, option: str = "--long-run-day") -> int:
    key = text.strip().lower()
    if key not in _DAY_ALIASES:
        raise InvalidOption(option, f"expected a weekday like mon or sun, found {text!r}")
    return _DAY_ALIASES[key]


def parse_weekdays(text: str, option: str = "--run-days") -> tuple[int, ...]:
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise InvalidOption(option, f"expected weekdays like tue,thu,sat,sun, found {text!r}")
    days = [parse_weekday(p, option) for p in parts]
    if len(set(days)) != len(days):
        raise InvalidOption(option, f"lists a day twice: {text!r}")
    return tuple(sorted(days))


def parse_name(text: str, option: str = "--name") -> str:
    """The plan's name: one line, since it goes into calendar properties and UIDs."""
    if re.search("[\udc80-\udcff]", text):
        # Bytes that weren't UTF-8 in a file name or argument (Python keeps them as lone
        # surrogates, which can't be written out): read them as Windows-1252, like the CSV.
        text = text.encode("utf-8", "surrogateescape").decode("cp1252", "replace")
    if re.search(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]", text):
        raise InvalidOption(
            option, f"expected a name on one line without control characters, found {text!r}"
        )
    return text.strip()


EARLIEST_RACE_DATE = dt.date(1900, 1, 1)
LATEST_RACE_DATE = dt.date(2999, 12, 31)
"""Plans outside these years would run past the dates Python and calendars can hold."""


def parse_date(text: str, option: str = "--race-date") -> dt.date:
    try:
        date = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidOption(
            option, f"expected a real date as YYYY-MM-DD (e.g. 2027-04-18), found {text!r}"
        ) from None
    check_race_date(date, option)
    return date


def check_race_date(date: dt.date, option: str = "--race-date") -> None:
    if not EARLIEST_RACE_DATE <= date <= LATEST_RACE_DATE:
        raise InvalidOption(
            option,
            f"expected a date from {EARLIEST_RACE_DATE.year} to {LATEST_RACE_DATE.year},"
            f" found {date.isoformat()}",
        )


def parse_time(text: str, option: str) -> dt.time:
    match = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", text.strip())
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise InvalidOption(option, f"expected a 24-hour time like 07:00 or 18:30, found {text!r}")


def parse_pace(text: str, option: str = "--pace") -> Decimal:
    """Minutes per unit: "9:30" -> 9.5."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if match and int(match[2]) < 60:
        pace = Decimal(int(match[1])) + Decimal(int(match[2])) / 60
        if Decimal(2) <= pace <= Decimal(30):
            return pace
    raise InvalidOption(
        option, f"expected minutes:seconds per mile or km between 2:00 and 30:00, found {text!r}"
    )


def parse_remind(value: int | str, option: str = "--remind") -> int:
    if isinstance(value, str):
        if not re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
            raise InvalidOption(
                option, f"expected 0 to 1440 minutes before each event, found {value!r}"
            )
        value = int(value)
    if not 0 <= value <= 24 * 60:
        raise InvalidOption(option, f"expected 0 to 1440 minutes before each event, found {value}")
    return value


@cache
def _zone_names() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def parse_timezone(text: str, option: str = "--timezone") -> str:
    """An IANA zone name such as Europe/Berlin; suggests the closest names for a typo."""
    import zoneinfo

    name = text.strip()
    if not name:
        raise InvalidOption(option, "expected an IANA timezone like Europe/Berlin, found ''")
    names = _zone_names()
    if name in names:
        return name
    folded = {n.lower(): n for n in names}
    if name.lower() in folded:
        return folded[name.lower()]
    try:
        zoneinfo.ZoneInfo(name)  # zones outside the list, such as posix/Europe/Berlin
        return name
    # ZoneInfo looks the name up as a file: a folder ("Europe") or an over-long name fails
    # with OSError, not with ZoneInfoNotFoundError.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    close: list[str] = []
    probe = name.replace(" ", "_")  # "new york" -> America/New_York
    if len(probe) <= 64:  # the longest zone name is 32 characters; difflib is slow on long text
        close = difflib.get_close_matches(probe, sorted(names), n=3, cutoff=0.6)
        if len(probe) >= 3:
            close += [n for n in sorted(names) if probe.lower() in n.lower() and n not in close]
    hint = (
        f"; did you mean {', '.join(close[:3])}?"
        if close
        else "; use an IANA name like Europe/Berlin"
    )
    raise InvalidOption(option, f"unknown timezone {text!r}{hint}")


def local_timezone() -> str:
    """The machine's IANA zone (TZ, then the system setting), else UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        try:
            return parse_timezone(tz, "TZ")
        except InvalidOption:
            pass
    try:
        import tzlocal

        name = str(tzlocal.get_localzone_name() or "")
        return parse_timezone(name, "system timezone") if name else "UTC"
    except Exception:  # tzlocal raises several kinds for odd set-ups; UTC is a safe answer
        return "UTC"

"""Turn option text (from the command line or a plan file) into typed values.

Each parser raises InvalidOption naming the option, what it found and what it expects.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TypeVar

from planner.errors import InvalidOption
from planner.model import WEEKDAYS, Unit

DEFAULT_BEDTIME = dt.time(21, 30)
LONGEST_NAME = 200
SHORTEST_DISTANCE = Decimal("0.1")
"""Less than this (above 0) is a typo: no run is that short."""
MOST_DECIMALS = 4
"""Enough for 21.0975 km; more is a typo, and 1e-999999 would print a million digits."""

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
    # A byte-order mark (a name pasted from a file) is invisible, and calendar files drop
    # it: the name planner writes into plan.ics must be the one it reads back from there.
    name = text.replace("\ufeff", "").strip()
    if len(name) > LONGEST_NAME:
        # Every event carries the name: a longer one would make a plan.ics too big to read back.
        raise InvalidOption(
            option, f"expected a name of at most {LONGEST_NAME} characters, found {len(name):,}"
        )
    return name


def distance_problem(value: Decimal) -> str | None:
    """What is wrong with a finite distance above 0, or None: too short, or too precise."""
    if value < SHORTEST_DISTANCE:
        return f"is less than {SHORTEST_DISTANCE}; write 0 for no run"
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MOST_DECIMALS:
        return f"has more than {MOST_DECIMALS} decimals"
    return None


def shown(text: str, most: int = 40) -> str:
    """Text as an error message quotes it: cut short, so that the message stays a line."""
    return repr(text if len(text) <= most else text[: most - 3] + "...")


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


def zone_file_on_tzpath(name: str) -> bool:
    """Whether ``name`` is, case and all, a zone file that available_timezones() would list.

    Listing every zone reads hundreds of files (over 10 ms, as long as the rest of a small
    build); a correctly spelt name, the usual case, only needs its own folders listed.
    """
    import zoneinfo

    parts = name.split("/")
    if not all(parts) or parts[0] in ("right", "posix") or name == "posixrules":
        return False
    for root in zoneinfo.TZPATH:
        path = root
        for part in parts:
            try:
                if part not in os.listdir(path):
                    break
            except OSError:
                break
            path = os.path.join(path, part)
        else:
            try:
                with open(path, "rb") as zone_file:
                    if zone_file.read(4) == b"TZif":
                        return True
            except OSError:
                pass
    return False


def parse_timezone(text: str, option: str = "--timezone") -> str:
    """An IANA zone name such as Europe/Berlin; suggests the closest names for a typo."""
    import zoneinfo

    name = text.strip()
    if not name:
        raise InvalidOption(option, "expected an IANA timezone like Europe/Berlin, found ''")
    # The tz database's posix/ and right/ trees hold each zone again: posix/ the same rules,
    # right/ the same civil time counted with leap seconds, which a computer's clock and
    # an iCalendar VTIMEZONE don't count. Both mean the zone itself.
    while name.lower().startswith(("posix/", "right/")) and name[6:].strip("/"):
        name = name[6:]
    if zone_file_on_tzpath(name):
        return name
    names = _zone_names()
    if name in names:
        return name
    folded = {n.lower(): n for n in names}
    if name.lower() in folded:
        return folded[name.lower()]
    try:
        zoneinfo.ZoneInfo(name)  # zones outside the list, such as ones of a newer tzdata
        return name
    # ZoneInfo looks the name up as a file: a folder ("Europe") or an over-long name fails
    # with OSError, not with ZoneInfoNotFoundError.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    import difflib  # only for the error message

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


@dataclass(frozen=True)
class Settings:
    """`planner build` options as far as they were given, from the command line or a plan
    file (keys are the long option names with underscores); None means not given."""

    name: str | None = None
    race_date: dt.date | None = None
    timezone: str | None = None
    run_days: tuple[int, ...] | None = None
    long_run_day: int | None = None
    run_time: dt.time | None = None
    long_run_time: dt.time | None = None
    pace: Decimal | None = None
    race_distance: str | None = None
    remind: int | None = None
    yoga_only: bool | None = None
    gentle_inversion: bool | None = None
    all_day: bool | None = None
    bedtime: dt.time | None = None
    units: Unit | None = None
    templates: Path | None = None
    out: Path | None = None
    format: tuple[str, ...] | None = None

    def over(self, base: Settings) -> Settings:
        """These settings, with ``base`` filling in whatever these don't give."""
        given = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(base, **{key: value for key, value in given.items() if value is not None})


SETTING_KEYS = tuple(f.name for f in fields(Settings))

_T = TypeVar("_T")


def read_settings(raw: Mapping[str, object], where: Callable[[str], str]) -> Settings:
    """Typed settings from ``raw`` values as click or tomllib give them: strings, or TOML's
    own booleans, numbers, dates, times and lists. ``where(key)`` names the option in errors
    ("--run-time", or "club.toml: run_time"). Unknown keys are the caller's to report."""

    def get(key: str, convert: Callable[[object, str], _T]) -> _T | None:
        return convert(raw[key], where(key)) if raw.get(key) is not None else None

    return Settings(
        name=get("name", _name),
        race_date=get("race_date", _date),
        timezone=get("timezone", _zone),
        run_days=get("run_days", _weekdays),
        long_run_day=get("long_run_day", _weekday),
        run_time=get("run_time", _time),
        long_run_time=get("long_run_time", _time),
        pace=get("pace", _pace),
        race_distance=get("race_distance", _race_distance),
        remind=get("remind", _remind),
        yoga_only=get("yoga_only", _flag),
        gentle_inversion=get("gentle_inversion", _flag),
        all_day=get("all_day", _flag),
        bedtime=get("bedtime", _bedtime),
        units=get("units", _units),
        templates=get("templates", _path),
        out=get("out", _path),
        format=get("format", _formats),
    )


def _found(where: str, expected: str, value: object) -> InvalidOption:
    return InvalidOption(where, f"expected {expected}, found {value!r}")


def _text(value: object, where: str, expected: str) -> str:
    if not isinstance(value, str):
        raise _found(where, expected, value)
    return value


def _name(value: object, where: str) -> str:
    text = parse_name(_text(value, where, "the plan's name in quotes"), where)
    if not text:
        raise InvalidOption(where, "is empty; give the plan a name, or leave it out")
    return text


def _date(value: object, where: str) -> dt.date:
    # TOML has dates of its own (race_date = 2027-04-18); a datetime is not a race day.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    return parse_date(_text(value, where, "a date as YYYY-MM-DD"), where)


def _zone(value: object, where: str) -> str:
    return parse_timezone(_text(value, where, "an IANA timezone like Europe/Berlin"), where)


def _weekdays(value: object, where: str) -> tuple[int, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    return parse_weekdays(_text(value, where, 'weekdays like ["tue", "thu", "sun"]'), where)


def _weekday(value: object, where: str) -> int:
    return parse_weekday(_text(value, where, "a weekday like sun"), where)


def _time(value: object, where: str) -> dt.time:
    # TOML local times (run_time = 07:00:00) as well as "07:00".
    if isinstance(value, dt.time) and value.tzinfo is None and not value.second:
        return value.replace(microsecond=0)
    return parse_time(_text(value, where, "a 24-hour time like 07:00"), where)


def _pace(value: object, where: str) -> Decimal:
    return parse_pace(_text(value, where, 'minutes:seconds like "9:30"'), where)


def _race_distance(value: object, where: str) -> str:
    # The value itself is checked by the scheduler, which knows the plan's unit.
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return _text(value, where, "5k, 10k, half, marathon or a distance")


def _remind(value: object, where: str) -> int:
    if isinstance(value, str):  # from the command line
        return parse_remind(value, where)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _found(where, "a whole number of minutes", value)
    return parse_remind(value, where)


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _found(where, "true or false", value)
    return value


def _bedtime(value: object, where: str) -> dt.time | None:
    if value is True:
        return DEFAULT_BEDTIME
    if value is False:
        return None
    return _time(value, where)


def _units(value: object, where: str) -> Unit:
    text = _text(value, where, '"mi" or "km"').strip().lower()
    if text not in ("mi", "km"):
        raise _found(where, '"mi" or "km"', value)
    return Unit(text)


def _path(value: object, where: str) -> Path:
    if isinstance(value, Path):  # click gives paths as Path
        return value
    text = _text(value, where, "a path in quotes")
    if not text.strip():
        raise InvalidOption(where, "is empty; give a path, or leave it out")
    return Path(text)


def _formats(value: object, where: str) -> tuple[str, ...]:
    from planner.export import parse_formats

    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    return parse_formats(_text(value, where, 'formats like ["ics", "csv"]'), where)

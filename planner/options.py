"""Settings: everything a build can be told, in one record, and the text they are read from.

A value can come from several layers (planner's defaults, a plan file, a member's settings in a
roster row or a URL, the command line); ``layered`` stacks them, and the record remembers where
each value came from. Every parser raises SettingError with the setting's key, what it found
and what it expects; the face that read the value words where it was (``--pace``,
``club.toml: pace``, ``roster.csv, line 4, column pace``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from functools import cache
from pathlib import Path

from planner.errors import InvalidOption, SettingError
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


def parse_weekday(text: str, key: str = "long_run_day") -> int:
    day = text.strip().lower()
    if day not in _DAY_ALIASES:
        raise SettingError(key, f"expected a weekday like mon or sun, found {text!r}")
    return _DAY_ALIASES[day]


def parse_weekdays(text: str, key: str = "run_days") -> tuple[int, ...]:
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise SettingError(key, f"expected weekdays like tue,thu,sat,sun, found {text!r}")
    days = [parse_weekday(p, key) for p in parts]
    if len(set(days)) != len(days):
        raise SettingError(key, f"lists a day twice: {text!r}")
    return tuple(sorted(days))


def parse_name(text: str, key: str = "name") -> str:
    """The plan's name: one line, since it goes into calendar properties and UIDs."""
    if re.search("[\udc80-\udcff]", text):
        # Bytes that weren't UTF-8 in a file name or argument (Python keeps them as lone
        # surrogates, which can't be written out): read them as Windows-1252, like the CSV.
        text = text.encode("utf-8", "surrogateescape").decode("cp1252", "replace")
    if re.search(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]", text):
        raise SettingError(
            key, f"expected a name on one line without control characters, found {text!r}"
        )
    # A byte-order mark (a name pasted from a file) is invisible, and calendar files drop
    # it: the name planner writes into plan.ics must be the one it reads back from there.
    name = text.replace("\ufeff", "").strip()
    if len(name) > LONGEST_NAME:
        # Every event carries the name: a longer one would make a plan.ics too big to read back.
        raise SettingError(
            key, f"expected a name of at most {LONGEST_NAME} characters, found {len(name):,}"
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


def parse_date(text: str, key: str = "race_date") -> dt.date:
    try:
        date = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise SettingError(
            key, f"expected a real date as YYYY-MM-DD (e.g. 2027-04-18), found {text!r}"
        ) from None
    check_race_date(date, key)
    return date


def check_race_date(date: dt.date, key: str = "race_date") -> None:
    if not EARLIEST_RACE_DATE <= date <= LATEST_RACE_DATE:
        raise SettingError(
            key,
            f"expected a date from {EARLIEST_RACE_DATE.year} to {LATEST_RACE_DATE.year},"
            f" found {date.isoformat()}",
        )


def parse_time(text: str, key: str) -> dt.time:
    match = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", text.strip())
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise SettingError(key, f"expected a 24-hour time like 07:00 or 18:30, found {text!r}")


@dataclass(frozen=True)
class DayTimes:
    """A start time for every day, and other times on some weekdays: "06:15,sat=08:30".

    A setting that gives one time for every day stays a plain ``datetime.time``; read either
    with ``time_on``."""

    every: dt.time
    days: tuple[tuple[int, dt.time], ...] = ()
    """(weekday number, time) pairs, Monday = 0, in weekday order, each weekday once."""

    def on(self, weekday: int) -> dt.time:
        return dict(self.days).get(weekday, self.every)

    def __str__(self) -> str:
        """As the runner writes it: "06:15,sat=08:30"."""
        days = (f"{WEEKDAYS[day]}={time:%H:%M}" for day, time in self.days)
        return ",".join((f"{self.every:%H:%M}", *days))


def time_on(times: dt.time | DayTimes, weekday: int) -> dt.time:
    """The start time on ``weekday`` (Monday = 0) of a setting like run_time."""
    return times.on(weekday) if isinstance(times, DayTimes) else times


def parse_day_times(text: str, key: str) -> dt.time | DayTimes:
    """One time ("07:00"), or a time for every day and some weekdays' own ("06:15,sat=08:30")."""
    parts = [p.strip() for p in text.split(",")]
    every = [p for p in parts if "=" not in p]
    if len(every) != 1 or not every[0]:
        raise SettingError(
            key,
            "expected a time for every day, then any weekday's own, like 06:15 or"
            f" 06:15,sat=08:30; found {text!r}",
        )
    days: dict[int, dt.time] = {}
    for part in parts:
        if "=" not in part:
            continue
        name, _, time = part.partition("=")
        day = _weekday_of(name, key, text)
        if day in days:
            raise SettingError(key, f"gives {WEEKDAYS[day]} twice in {text!r}; give each day once")
        days[day] = parse_time(time, key)
    base = parse_time(every[0], key)
    if not days:
        return base
    return DayTimes(base, tuple(sorted(days.items())))


def _weekday_of(name: str, key: str, text: str) -> int:
    day = name.strip().lower()
    if day not in _DAY_ALIASES:
        raise SettingError(
            key, f"expected a weekday like sat before '=', found {name.strip()!r} in {text!r}"
        )
    return _DAY_ALIASES[day]


AwayDays = tuple[tuple[dt.date, dt.date], ...]
"""Days away as (first, last) ranges in date order; a single day is a range of one."""


def parse_away(items: Sequence[str | dt.date], key: str = "away") -> AwayDays:
    """Days away from text such as "2027-02-10..2027-02-14, 2027-03-01" (several texts, when
    the option is repeated or a plan file lists them; TOML may give dates as dates). "none"
    alone gives no days (to clear a plan file's). Ranges may not overlap or run backwards."""
    ranges: list[tuple[dt.date, dt.date]] = []
    words: list[str | dt.date] = []
    for item in items:
        if isinstance(item, dt.date):
            words.append(item)
        else:
            words += [w for w in re.split(r"[,;\s]+", item) if w]
    if [w.lower() if isinstance(w, str) else w for w in words] == ["none"]:
        return ()
    for word in words:
        if isinstance(word, dt.date):
            ranges.append((word, word))
            continue
        first_text, dots, last_text = word.partition("..")
        first = _away_date(first_text, key, word)
        last = _away_date(last_text, key, word) if dots else first
        if last < first:
            raise SettingError(key, f"{word!r} ends before it starts; write the earlier day first")
        ranges.append((first, last))
    ranges.sort()
    for (first, last), (after_first, after_last) in itertools.pairwise(ranges):
        if after_first <= last:
            raise SettingError(
                key,
                f"gives {after_first.isoformat()} twice ({_away_text(first, last)} and"
                f" {_away_text(after_first, after_last)}); give each day once",
            )
    return tuple(ranges)


def _away_date(text: str, key: str, word: str) -> dt.date:
    try:
        date = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        date = None
    if date is None:
        raise SettingError(
            key,
            f"expected days as YYYY-MM-DD or ranges as YYYY-MM-DD..YYYY-MM-DD, found {word!r}",
        )
    return date


def _away_text(first: dt.date, last: dt.date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"


def away_texts(away: AwayDays) -> tuple[str, ...]:
    """Days away as the runner writes them: "2027-02-10..2027-02-14", "2027-03-01"."""
    return tuple(_away_text(first, last) for first, last in away)


def away_days(away: AwayDays) -> frozenset[dt.date]:
    return frozenset(
        first + dt.timedelta(days=i) for first, last in away for i in range((last - first).days + 1)
    )


MAX_RECOVERY_DAYS = 14


def parse_pace(text: str, key: str = "pace") -> Decimal:
    """Minutes per unit: "9:30" -> 9.5."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if match and int(match[2]) < 60:
        pace = Decimal(int(match[1])) + Decimal(int(match[2])) / 60
        if Decimal(2) <= pace <= Decimal(30):
            return pace
    raise SettingError(
        key, f"expected minutes:seconds per mile or km between 2:00 and 30:00, found {text!r}"
    )


def parse_remind(value: int | str, key: str = "remind") -> int:
    if isinstance(value, str):
        if not re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
            raise SettingError(
                key, f"expected 0 to 1440 minutes before each event, found {value!r}"
            )
        value = int(value)
    if not 0 <= value <= 24 * 60:
        raise SettingError(key, f"expected 0 to 1440 minutes before each event, found {value}")
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


def parse_timezone(text: str, key: str = "timezone") -> str:
    """An IANA zone name such as Europe/Berlin; suggests the closest names for a typo."""
    import zoneinfo

    name = text.strip()
    if not name:
        raise SettingError(key, "expected an IANA timezone like Europe/Berlin, found ''")
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
    raise SettingError(key, f"unknown timezone {text!r}{hint}")


def local_timezone() -> str:
    """The machine's IANA zone (TZ, then the system setting), else UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        try:
            return parse_timezone(tz, "TZ")
        except SettingError:
            pass
    try:
        import tzlocal

        name = str(tzlocal.get_localzone_name() or "")
        return parse_timezone(name, "system timezone") if name else "UTC"
    except Exception:  # tzlocal raises several kinds for odd set-ups; UTC is a safe answer
        return "UTC"


@dataclass(frozen=True)
class Settings:
    """Everything a build can be told: one field per option, named as its plan-file key, its
    roster column and its URL parameter (the command line's flag is the key with dashes).

    ``planner.PlanOptions`` is this record too. ``origins`` says where each value came from,
    as the face that read it words it; errors about a value name it so.
    """

    name: str | None = None
    """The plan's name in calendars and its UIDs; None: the mileage CSV's file name."""
    race_date: dt.date | None = None
    """Race day; the last day of the plan. A build needs it."""
    timezone: str = "UTC"
    run_days: tuple[int, ...] | None = None
    """Weekday numbers (Monday = 0) the runner runs on; None picks a default."""
    long_run_day: int | None = None
    """Weekday number of the long run; None means the race's weekday."""
    run_time: dt.time | DayTimes = dt.time(7, 0)
    """Start of runs (and of strength on days without one); DayTimes for times per weekday."""
    long_run_time: dt.time | DayTimes = dt.time(8, 0)
    """Start of the long run and the race; DayTimes for times per weekday."""
    pace: Decimal | None = None
    """Minutes per unit (9.5 = 9:30); None means 10:00/mi or 6:15/km."""
    race_distance: str | None = None
    """5k, 10k, half, marathon or a number in the plan's unit."""
    remind: int | None = None
    """Minutes before each event for a reminder; None: no reminders."""
    yoga_only: bool = False
    gentle_inversion: bool = False
    all_day: bool = False
    bedtime: dt.time | None = None
    units: Unit | None = None
    """The unit of per-day columns; None: miles (miles/km columns name their own)."""
    templates: Path | None = None
    """A folder of the user's own routine templates; None: planner's."""
    out: Path | None = None
    """The plan's folder: where its files go and its previous plan.ics is read from."""
    format: tuple[str, ...] = ("ics", "csv")
    away: AwayDays = ()
    """Days with no session: runs are dropped, a long run moves within its week."""
    recovery_days: int = 0
    """Days after the race with a recovery routine each; the plan ends that many days later."""
    refresh_hours: int | None = None
    """How often a subscribed calendar should fetch the plan again (plan.ics's REFRESH-INTERVAL
    and X-PUBLISHED-TTL); None: no hint, each app keeps its own."""
    cards_url: str | None = None
    """Where the routine cards are published (a club site's or feed server's address, set by
    that face from its --base-url); each yoga event then links to its card."""
    mileage: Path | None = None
    """The weekly mileage CSV (a plan file's ``mileage`` key; the command's argument)."""
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Setting key -> where its value came from, worded by the face that read it."""

    def name_of(self, key: str) -> str:
        """How errors name a setting: where its value came from, else the key."""
        return self.origins.get(key, key)

    def words(self, err: SettingError) -> InvalidOption:
        """A SettingError raised about these settings, as the user reads it."""
        return err.worded(self.name_of)


PlanOptions = Settings
"""The name the library has always given the settings record."""

SETTING_KEYS = tuple(
    f.name for f in fields(Settings) if f.name not in ("mileage", "cards_url", "origins")
)
"""The options a build takes (`planner build`'s long options with underscores)."""


@dataclass(frozen=True)
class Layer:
    """Settings given at one level (a plan file, a member, the command line): the typed
    values of the keys it sets (None unsets a value below it), and how each is named."""

    values: Mapping[str, object]
    origins: Mapping[str, str]


def layered(
    *layers: Layer, name: Callable[[str], str] = str, defaults: Layer | None = None
) -> Settings:
    """The settings of ``layers`` stacked, lowest first, on planner's defaults (the record's,
    with ``defaults`` over them: the machine's timezone, say); a key that no layer sets keeps
    its default and is named ``name(key)`` in errors."""
    named = Settings(origins={key: name(key) for key in (*SETTING_KEYS, "mileage")})
    if defaults is not None:
        named = replace(named, **defaults.values)  # type: ignore[arg-type]
    return stack(named, *layers, defaults=defaults)


def stack(settings: Settings, *layers: Layer, defaults: Layer | None = None) -> Settings:
    """``settings`` with ``layers`` over them (a member's settings over a plan file's). A
    value of None unsets the key: back to planner's default (``defaults``', else the record's),
    whatever the layers below set (``--pace default`` over a plan file's pace)."""
    values: dict[str, object] = {}
    origins = dict(settings.origins)
    for layer in layers:
        values.update(layer.values)
        origins.update(layer.origins)
    record = Settings()
    for key, value in values.items():
        if value is None:  # unset: back to the default
            if defaults is not None and key in defaults.values:
                values[key] = defaults.values[key]
            else:
                values[key] = getattr(record, key)
    return replace(settings, **values, origins=origins)  # type: ignore[arg-type]


UNSET = "default"
"""The value that unsets a setting a layer below gave (``--pace default``, or a roster cell
``default``): back to planner's default."""


_READERS: dict[str, Callable[[object, str], object]] = {}


def read_layer(raw: Mapping[str, object], name: Callable[[str], str]) -> Layer:
    """Typed settings from ``raw`` values as click, tomllib, a roster cell or a URL give
    them: strings, or TOML's own booleans, numbers, dates, times and lists. ``name(key)``
    is how the face that read them names a setting ("--run-time", "club.toml: run_time");
    a bad value raises InvalidOption worded so. Keys that are not settings are the caller's
    to report; values of None are left out; the text ``default`` unsets the key (None in the
    layer: back to planner's default, over any layer below)."""
    values: dict[str, object] = {}
    for key, read in _READERS.items():
        if raw.get(key) is None:
            continue
        # Exactly the word (click gives --out and --templates as paths): a plan can still be
        # called "Default", and a folder named default be given by its full path.
        if isinstance(raw[key], str | Path) and str(raw[key]) == UNSET:
            values[key] = None
            continue
        try:
            values[key] = read(raw[key], key)
        except SettingError as err:
            raise err.worded(name) from None
    return Layer(values, {key: name(key) for key in values})


def _found(key: str, expected: str, value: object) -> SettingError:
    return SettingError(key, f"expected {expected}, found {value!r}")


def _text(value: object, key: str, expected: str) -> str:
    if not isinstance(value, str):
        raise _found(key, expected, value)
    return value


def _name(value: object, key: str) -> str:
    text = parse_name(_text(value, key, "the plan's name in quotes"), key)
    if not text:
        raise SettingError(key, "is empty; give the plan a name, or leave it out")
    return text


def _date(value: object, key: str) -> dt.date:
    # TOML has dates of its own (race_date = 2027-04-18); a datetime is not a race day.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    return parse_date(_text(value, key, "a date as YYYY-MM-DD"), key)


def _zone(value: object, key: str) -> str:
    return parse_timezone(_text(value, key, "an IANA timezone like Europe/Berlin"), key)


def _weekdays(value: object, key: str) -> tuple[int, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    return parse_weekdays(_text(value, key, 'weekdays like ["tue", "thu", "sun"]'), key)


def _weekday(value: object, key: str) -> int:
    return parse_weekday(_text(value, key, "a weekday like sun"), key)


def _time(value: object, key: str) -> dt.time:
    # TOML local times (run_time = 07:00:00) as well as "07:00".
    if isinstance(value, dt.time) and value.tzinfo is None and not value.second:
        return value.replace(microsecond=0)
    return parse_time(_text(value, key, "a 24-hour time like 07:00"), key)


def _day_times(value: object, key: str) -> dt.time | DayTimes:
    if isinstance(value, dt.time):
        return _time(value, key)
    return parse_day_times(
        _text(value, key, 'a 24-hour time like "07:00" or "06:15,sat=08:30"'), key
    )


def _away(value: object, key: str) -> AwayDays:
    expected = 'days like ["2027-02-10..2027-02-14", "2027-03-01"]'
    # A string (a roster cell, a URL), a TOML list, or click's tuple of a repeated option.
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(
        isinstance(v, str) or (isinstance(v, dt.date) and not isinstance(v, dt.datetime))
        for v in items
    ):
        raise _found(key, expected, value)
    return parse_away(items, key)


def _recovery_days(value: object, key: str) -> int:
    expected = f"0 to {MAX_RECOVERY_DAYS} days after the race"
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,3}\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _found(key, expected, value)
    if not 0 <= value <= MAX_RECOVERY_DAYS:
        raise SettingError(key, f"expected {expected}, found {value}")
    return value


def _pace(value: object, key: str) -> Decimal:
    return parse_pace(_text(value, key, 'minutes:seconds like "9:30"'), key)


def _race_distance(value: object, key: str) -> str:
    # The value itself is checked by the scheduler, which knows the plan's unit.
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return _text(value, key, "5k, 10k, half, marathon or a distance")


def _remind(value: object, key: str) -> int:
    if isinstance(value, str):  # from the command line
        return parse_remind(value, key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _found(key, "a whole number of minutes", value)
    return parse_remind(value, key)


def _flag(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise _found(key, "true or false", value)
    return value


def _bedtime(value: object, key: str) -> dt.time | None:
    if value is True:
        return DEFAULT_BEDTIME
    if value is False:
        return None
    return _time(value, key)


def _units(value: object, key: str) -> Unit:
    text = _text(value, key, '"mi" or "km"').strip().lower()
    if text not in ("mi", "km"):
        raise _found(key, '"mi" or "km"', value)
    return Unit(text)


def _path(value: object, key: str) -> Path:
    if isinstance(value, Path):  # click gives paths as Path
        return value
    text = _text(value, key, "a path in quotes")
    if not text.strip():
        raise SettingError(key, "is empty; give a path, or leave it out")
    return Path(text)


MAX_REFRESH_HOURS = 7 * 24
"""A week: the longest refresh any calendar app offers."""
PUBLISHED_REFRESH_HOURS = 12
"""The refresh hint of a published feed (a club site's, the feed server's) when the plan file
sets no refresh_hours: twice a day, so an edit reaches Apple and Outlook calendars by the next
morning's run (Google refreshes in 8-24 h anyway), and gentle on a free static host."""


def _refresh_hours(value: object, key: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _found(key, "a whole number of hours", value)
    if not 1 <= value <= MAX_REFRESH_HOURS:
        raise SettingError(key, f"expected 1 to {MAX_REFRESH_HOURS} hours, found {value}")
    return value


def _formats(value: object, key: str) -> tuple[str, ...]:
    from planner.export import parse_formats

    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    return parse_formats(_text(value, key, 'formats like ["ics", "csv"]'), key)


_READERS.update(
    {
        "name": _name,
        "race_date": _date,
        "timezone": _zone,
        "run_days": _weekdays,
        "long_run_day": _weekday,
        "run_time": _day_times,
        "long_run_time": _day_times,
        "pace": _pace,
        "race_distance": _race_distance,
        "remind": _remind,
        "yoga_only": _flag,
        "gentle_inversion": _flag,
        "all_day": _flag,
        "bedtime": _bedtime,
        "units": _units,
        "templates": _path,
        "out": _path,
        "format": _formats,
        "away": _away,
        "recovery_days": _recovery_days,
        "refresh_hours": _refresh_hours,
    }
)

"""Read the weekly mileage CSV: the only module that touches pandas.

It hands back a frozen `Mileage` at once; every problem becomes an `InvalidRow` that names the
file, the line and the column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from planner.csvfile import decode, header_names, numbered_lines, separator, split_rows
from planner.errors import InvalidRow, PlanError
from planner.files import read_input
from planner.model import WEEKDAYS, Mileage, Unit, Week
from planner.options import distance_problem, shown

MAX_WEEKS = 104
"""Two years of training: a longer file is refused before it is parsed."""
MAX_WEEK_DISTANCE = Decimal(500)
"""More than this in one week (in either unit) is a typo, not a plan."""
MAX_FILE_BYTES = 1_000_000
"""104 weeks with long notes fit in a few kilobytes; a bigger file is refused unread."""

_TOO_BIG = f"a plan has at most {MAX_WEEKS} weeks, one row each"
_KNOWN = {"week", "miles", "km", "long_run", "runs", "notes", *WEEKDAYS}


def read_mileage(path: Path, *, units: Unit | None = None) -> Mileage:
    """Read and validate a mileage CSV file."""
    try:
        data = read_input(path, MAX_FILE_BYTES, "a CSV file", too_big=_TOO_BIG)
    except PlanError as err:
        raise InvalidRow(str(path), None, None, err.message) from None
    return parse_mileage(data, str(path), units=units)


def parse_mileage(data: bytes, source: str, *, units: Unit | None = None) -> Mileage:
    """Parse the bytes of a mileage CSV (``source`` names it in error messages)."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidRow(
            source,
            None,
            None,
            f"is over {MAX_FILE_BYTES // 1_000_000} MB; {_TOO_BIG}",
        )
    text, warnings = decode(data, source)
    numbered = numbered_lines(text)
    if not numbered:
        raise InvalidRow(source, None, None, "is empty; expected a header line such as week,miles")
    if len(numbered) - 1 > MAX_WEEKS:
        raise InvalidRow(
            source,
            None,
            None,
            f"has {len(numbered) - 1} rows; a plan can have at most {MAX_WEEKS} weeks",
        )
    header_line, header = numbered[0]
    sep = separator(header)
    rows = split_rows(numbered, sep, source, example="week,miles")
    columns = header_names(rows[0])
    _check_header(columns, source, header_line)
    warnings += _unknown_columns(columns, source, header_line)
    per_day = any(day in columns for day in WEEKDAYS)
    unit = _unit(columns, per_day, units, source, header_line)
    weeks = tuple(
        _week(dict(zip(columns, cells, strict=False)), line, source, unit, per_day, sep != ",")
        for line, cells in zip([n for n, _ in numbered[1:]], rows[1:], strict=True)
    )
    if not weeks:
        raise InvalidRow(
            source, header_line + 1, None, "no weeks after the header; add one row per week"
        )
    for expected, week in enumerate(weeks, start=1):
        if 1 <= week.number < expected:  # weeks 1..expected-1 are all above it
            first = next(w for w in weeks if w.number == week.number)
            raise InvalidRow(
                source,
                week.line,
                "week",
                f"week {week.number} is listed twice (first on line {first.line});"
                " number the weeks 1, 2, 3... with no gaps",
            )
        if week.number != expected:
            raise InvalidRow(
                source,
                week.line,
                "week",
                f"expected week {expected} (weeks are numbered 1, 2, 3... with no gaps),"
                f" found {week.number}",
            )
    return Mileage(source=source, unit=unit, weeks=weeks, per_day=per_day, warnings=tuple(warnings))


def _check_header(columns: list[str], source: str, line: int) -> None:
    seen: set[str] = set()
    for column in columns:
        if not column:
            raise InvalidRow(source, line, None, "has an empty column name in the header")
        if column in seen:
            raise InvalidRow(source, line, column, "appears twice in the header")
        seen.add(column)
    if "week" not in columns:
        raise InvalidRow(
            source,
            line,
            None,
            "has no 'week' column; the header should start like week,miles"
            + _did_you_mean(columns, {"week"}),
        )


def _unknown_columns(columns: list[str], source: str, line: int) -> list[str]:
    """A warning naming the columns the reader ignores, with the closest known names."""
    unknown = [c for c in columns if c not in _KNOWN]
    if not unknown:
        return []
    named = []
    for column in unknown:
        close = _closest(column)
        named.append(f"{column!r} (did you mean {close}?)" if close else repr(column))
    return [
        f"{source}, line {line}: ignoring column{'s' if len(unknown) > 1 else ''}"
        f" {', '.join(named)}; planner reads week, miles or km, long_run, runs, notes"
        " and mon..sun"
    ]


def _closest(column: str, names: Iterable[str] = _KNOWN) -> str | None:
    import difflib  # only when a column name is unknown

    close = difflib.get_close_matches(column.replace(" ", "_"), sorted(names), n=1, cutoff=0.6)
    return close[0] if close else None


def _did_you_mean(columns: list[str], wanted: set[str]) -> str:
    for column in columns:
        if column not in _KNOWN and (close := _closest(column, wanted)):
            return f"; did you mean {close} for {column!r}?"
    return ""


def _unit(columns: list[str], per_day: bool, units: Unit | None, source: str, line: int) -> Unit:
    has_miles, has_km = "miles" in columns, "km" in columns
    if has_miles and has_km:
        raise InvalidRow(
            source, line, None, "has both 'miles' and 'km' columns; keep only the one you use"
        )
    if per_day:
        if has_miles or has_km:
            raise InvalidRow(
                source,
                line,
                "miles" if has_miles else "km",
                "per-day columns (mon..sun) give the week's distance; remove this column"
                " and pass --units mi or km",
            )
        return units or Unit.MILES
    if not (has_miles or has_km):
        raise InvalidRow(
            source,
            line,
            None,
            "needs a 'miles' or 'km' column with each week's distance (or mon..sun columns)"
            + _did_you_mean(columns, {"miles", "km"}),
        )
    return Unit.MILES if has_miles else Unit.KM


def _week(
    cells: dict[str, str],
    line: int,
    source: str,
    unit: Unit,
    per_day: bool,
    decimal_comma: bool,
) -> Week:
    def number(column: str, *, allow_blank: bool) -> Decimal | None:
        raw = cells.get(column, "").strip()
        if not raw:
            if allow_blank:
                return None
            raise InvalidRow(source, line, column, f"is empty; expected a distance in {unit.word}")
        text = raw.replace(",", ".") if decimal_comma else raw
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InvalidRow(
                source,
                line,
                column,
                f"expected a distance in {unit.word} like 12 or 12.5, found {shown(raw)}",
            ) from None
        if not value.is_finite():
            raise InvalidRow(
                source, line, column, f"expected a finite distance, found {shown(raw)}"
            )
        if value < 0:
            raise InvalidRow(source, line, column, f"expected 0 or more, found {raw}")
        if value > MAX_WEEK_DISTANCE:
            raise InvalidRow(
                source,
                line,
                column,
                f"{raw} {unit.word} is more than {MAX_WEEK_DISTANCE} in a week; check for a typo",
            )
        problem = distance_problem(value) if value else None
        if problem:
            raise InvalidRow(source, line, column, f"{shown(raw)} {unit.word} {problem}")
        return value

    raw_week = cells.get("week", "").strip()
    if not re.fullmatch(r"\d{1,4}", raw_week):
        raise InvalidRow(source, line, "week", f"expected a week number like 1, found {raw_week!r}")
    runs: int | None = None
    raw_runs = cells.get("runs", "").strip()
    if raw_runs:
        if not re.fullmatch(r"[1-7]", raw_runs):
            raise InvalidRow(source, line, "runs", f"expected 1 to 7 runs, found {raw_runs!r}")
        runs = int(raw_runs)
    notes = " ".join(cells.get("notes", "").split())
    long_run = number("long_run", allow_blank=True)
    if per_day:
        days = tuple(number(day, allow_blank=True) or Decimal(0) for day in WEEKDAYS)
        total = sum(days, Decimal(0))
        if total > MAX_WEEK_DISTANCE:
            raise InvalidRow(
                source,
                line,
                None,
                f"the days add up to {total} {unit.word}, more than {MAX_WEEK_DISTANCE}",
            )
        return Week(int(raw_week), line, None, long_run, runs, notes, days)
    distance = number(unit.word if unit is Unit.MILES else "km", allow_blank=False)
    assert distance is not None
    if long_run is not None and long_run > distance:
        raise InvalidRow(
            source,
            line,
            "long_run",
            f"the long run ({long_run}) is longer than the week's {distance} {unit.word}",
        )
    return Week(int(raw_week), line, distance, long_run, runs, notes, None)

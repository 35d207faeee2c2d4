"""plan.csv: one row per calendar event, for spreadsheets."""

from __future__ import annotations

import csv
import datetime as dt
import io

from planner.model import Plan
from planner.schedule import format_distance

COLUMNS = (
    "date",
    "start",
    "end",
    "timezone",
    "week",
    "weeks_to_race",
    "weekday",
    "activity",
    "title",
    "distance",
    "unit",
    "details",
    "uid",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def safe_cell(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (OWASP CSV injection advice)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


# Cell formats of the calendar apps' CSV imports (plan.google.csv and plan.outlook.csv).


def us_date(day: dt.date) -> str:
    """05/09/2027: en-US, month first."""
    return f"{day.month:02d}/{day.day:02d}/{day.year:04d}"


def us_time(time: dt.time | dt.datetime, seconds: bool = False) -> str:
    """7:05 AM, 12:00 PM (noon), 12:30 AM (just after midnight); 7:05:00 AM with seconds."""
    hour = time.hour % 12 or 12
    text = f"{hour}:{time.minute:02d}" + (f":{time.second:02d}" if seconds else "")
    return f"{text} {'AM' if time.hour < 12 else 'PM'}"


def true_false(value: bool) -> str:
    return "True" if value else "False"


def to_csv(plan: Plan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for s in plan.sessions:
        if s.cancelled:  # only plan.ics keeps them, so that calendars drop them
            continue
        start, end = s.start, s.end
        # Formatted from the fields: strftime takes a third of the export's time, and %a
        # would follow a locale that someone set.
        writer.writerow(
            [
                f"{start.year:04d}-{start.month:02d}-{start.day:02d}",
                f"{start.hour:02d}:{start.minute:02d}",
                f"{end.hour:02d}:{end.minute:02d}",
                plan.timezone,
                s.week,
                s.weeks_to_race,
                WEEKDAY_NAMES[start.weekday()],
                s.activity.value,
                safe_cell(s.title),
                format_distance(s.distance) if s.distance is not None else "",
                plan.unit.value if s.distance is not None else "",
                safe_cell(s.details),
                s.uid,
            ]
        )
    return out.getvalue()


def to_csv_bytes(plan: Plan) -> bytes:
    return to_csv(plan).encode("utf-8")

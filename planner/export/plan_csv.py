"""plan.csv: one row per calendar event, for spreadsheets."""

from __future__ import annotations

import csv
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


def safe_cell(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (OWASP CSV injection advice)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(plan: Plan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for s in plan.sessions:
        if s.cancelled:  # only plan.ics keeps them, so that calendars drop them
            continue
        writer.writerow(
            [
                s.start.strftime("%Y-%m-%d"),
                s.start.strftime("%H:%M"),
                s.end.strftime("%H:%M"),
                plan.timezone,
                s.week,
                s.weeks_to_race,
                s.start.strftime("%a"),
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

"""plan.csv: one row per calendar event, for spreadsheets."""

from __future__ import annotations

import csv
import io

from planner.export.cells import safe_cell
from planner.model import Plan, Session
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
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def to_csv(plan: Plan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for s in plan.sessions:
        # Only plan.ics keeps cancelled events, so that calendars drop them; a live event is
        # one the scheduler made, with its week and distance.
        if s.cancelled or not isinstance(s, Session):
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

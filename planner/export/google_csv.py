"""plan.google.csv: the columns of Google Calendar's CSV import, one row per session.

Google reads dates as MM/DD/YYYY and times like 7:05 AM, in the zone of the calendar the file
is imported into; the rows hold the plan's local wall-clock times. CSV carries no UID, so
importing the file twice makes every event twice, and no reminders (Google applies the
calendar's own). The descriptions are the ones plan.ics carries, in the style the build chose.
"""

from __future__ import annotations

import csv
import io

from planner.export.cells import safe_cell, true_false, us_date, us_time
from planner.model import Plan

COLUMNS = (
    "Subject",
    "Start Date",
    "Start Time",
    "End Date",
    "End Time",
    "All Day Event",
    "Description",
    "Location",
    "Private",
)


def to_google_csv(plan: Plan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for session in plan.sessions:
        if session.cancelled:  # a CSV can't cancel an event: it holds the live ones only
            continue
        if plan.all_day:
            # An all-day row names its one day as both start and end (End Date is inclusive
            # here, unlike DTEND in plan.ics), and has no times.
            day = us_date(session.start.date())
            times = [day, "", day, ""]
        else:
            start, end = session.start, session.end
            times = [us_date(start.date()), us_time(start), us_date(end.date()), us_time(end)]
        writer.writerow(
            [
                safe_cell(session.title),
                *times,
                true_false(plan.all_day),
                safe_cell(session.description),
                "",
                true_false(False),
            ]
        )
    return out.getvalue()


def to_google_csv_bytes(plan: Plan) -> bytes:
    return to_google_csv(plan).encode("utf-8")

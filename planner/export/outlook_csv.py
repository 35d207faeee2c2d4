"""plan.outlook.csv: Outlook's CSV import columns (as Outlook exports them), one row per session.

Values follow Outlook's own export: every field quoted, True/False, en-US dates (5/9/2027) and
times with seconds (7:05:00 AM), all-day events from midnight to the next midnight, "Show time
as" 2 (busy) or 0 (free, for all-day events, like TRANSP:TRANSPARENT in plan.ics). The times
are the plan's local wall-clock times, read in the zone of the computer that imports them.
The file starts with a UTF-8 byte order mark so that Outlook reads it as UTF-8, and lines
within a description end in CRLF, as in Outlook's own export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from planner.export.cells import safe_cell, true_false, us_time
from planner.model import CalendarEvent, Plan

COLUMNS = (
    "Subject",
    "Start Date",
    "Start Time",
    "End Date",
    "End Time",
    "All day event",
    "Reminder on/off",
    "Reminder Date",
    "Reminder Time",
    "Meeting Organizer",
    "Required Attendees",
    "Optional Attendees",
    "Meeting Resources",
    "Billing Information",
    "Categories",
    "Description",
    "Location",
    "Mileage",
    "Priority",
    "Private",
    "Sensitivity",
    "Show time as",
)
BUSY = "2"
FREE = "0"


def outlook_date(day: dt.date | dt.datetime) -> str:
    return f"{day.month}/{day.day}/{day.year:04d}"


def _span(plan: Plan, session: CalendarEvent) -> tuple[dt.datetime, dt.datetime]:
    if plan.all_day:
        midnight = dt.datetime.combine(session.start.date(), dt.time())
        return midnight, midnight + dt.timedelta(days=1)
    return session.start, session.end


def _before(start: dt.datetime, lead: dt.timedelta) -> dt.datetime:
    """The wall-clock time ``lead`` before ``start``: exact minutes, even across a clock
    change (Python's arithmetic on a zoned datetime would keep the wall-clock difference)."""
    if start.tzinfo is None:
        return start - lead  # an all-day event's midnight
    return (start.astimezone(dt.UTC) - lead).astimezone(start.tzinfo)


def to_outlook_csv(plan: Plan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    for session in plan.sessions:
        if session.cancelled:  # a CSV can't cancel an event: it holds the live ones only
            continue
        start, end = _span(plan, session)
        reminder = [true_false(False), "", ""]
        if plan.remind_minutes is not None:
            at = _before(start, dt.timedelta(minutes=plan.remind_minutes))
            reminder = [true_false(True), outlook_date(at), us_time(at, seconds=True)]
        writer.writerow(
            [
                safe_cell(session.title),
                outlook_date(start),
                us_time(start, seconds=True),
                outlook_date(end),
                us_time(end, seconds=True),
                true_false(plan.all_day),
                *reminder,
                "",
                "",
                "",
                "",
                "",
                safe_cell(";".join(session.categories)),
                # Outlook's own export breaks lines in a cell with CRLF, as Windows does.
                safe_cell(session.description.replace("\n", "\r\n")),
                "",
                "",
                "Normal",
                true_false(False),
                "Normal",
                FREE if plan.all_day else BUSY,
            ]
        )
    return out.getvalue()


def to_outlook_csv_bytes(plan: Plan) -> bytes:
    return to_outlook_csv(plan).encode("utf-8-sig")

"""Cell helpers shared by the CSV exporters (plan.csv, plan.google.csv, plan.outlook.csv)."""

from __future__ import annotations

import datetime as dt

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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

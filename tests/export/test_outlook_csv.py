"""plan.outlook.csv read back with the csv module: times, all-day events and reminders."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest

from planner.export.outlook_csv import COLUMNS, to_outlook_csv_bytes
from planner.model import Plan
from tests.conftest import TINY

OUTLOOK_HEADERS = (
    "Subject", "Start Date", "Start Time", "End Date", "End Time", "All day event",
    "Reminder on/off", "Reminder Date", "Reminder Time", "Meeting Organizer",
    "Required Attendees", "Optional Attendees", "Meeting Resources", "Billing Information",
    "Categories", "Description", "Location", "Mileage", "Priority", "Private", "Sensitivity",
    "Show time as",
)  # fmt: skip


@pytest.fixture
def tiny(make_plan: Callable[..., Plan]) -> Plan:
    return make_plan(TINY, race_date="2027-04-04", name="Tiny 5K", race_distance="5k", remind=15)


def rows(plan: Plan) -> list[dict[str, str]]:
    data = to_outlook_csv_bytes(plan)
    assert data.startswith(b'\xef\xbb\xbf"Subject","Start Date",')  # BOM, every field quoted
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS == OUTLOOK_HEADERS
    found = list(reader)
    assert len(found) == len(plan.sessions)
    return found


def when(date: str, time: str) -> dt.datetime:
    return dt.datetime.strptime(f"{date} {time}", "%m/%d/%Y %I:%M:%S %p")


def test_golden(tiny: Plan, golden: Callable[[str, bytes], None]) -> None:
    golden("tiny_5k/plan.outlook.csv", to_outlook_csv_bytes(tiny))


def test_every_event_with_its_reminder(tiny: Plan) -> None:
    for row, session in zip(rows(tiny), tiny.sessions, strict=True):
        start = session.start.replace(tzinfo=None)
        assert when(row["Start Date"], row["Start Time"]) == start
        assert when(row["End Date"], row["End Time"]) == session.end.replace(tzinfo=None)
        assert row["Reminder on/off"] == "True"
        assert when(row["Reminder Date"], row["Reminder Time"]) == start - dt.timedelta(minutes=15)
        assert row["Subject"] == session.title
        assert row["Description"] == session.description.replace("\n", "\r\n")
        assert row["Categories"] == ";".join(session.categories)
        assert (row["All day event"], row["Show time as"], row["Private"]) == (
            "False",
            "2",
            "False",
        )
        assert (row["Priority"], row["Sensitivity"]) == ("Normal", "Normal")
        empty = ("Meeting Organizer", "Required Attendees", "Optional Attendees",
                 "Meeting Resources", "Billing Information", "Location", "Mileage")  # fmt: skip
        assert all(row[column] == "" for column in empty)
    first = rows(tiny)[0]
    assert (first["Start Date"], first["Start Time"], first["Reminder Time"]) == (
        "3/22/2027", "7:00:00 AM", "6:45:00 AM",
    )  # fmt: skip


@pytest.mark.parametrize("remind", [None, 0, 1440])
def test_reminders(make_plan: Callable[..., Plan], remind: int | None) -> None:
    plan = make_plan(TINY, race_date="2027-04-04", remind=remind)
    for row, session in zip(rows(plan), plan.sessions, strict=True):
        if remind is None:
            assert (row["Reminder on/off"], row["Reminder Date"], row["Reminder Time"]) == (
                "False", "", "",
            )  # fmt: skip
            continue
        assert row["Reminder on/off"] == "True"
        at = when(row["Reminder Date"], row["Reminder Time"]).replace(tzinfo=session.start.tzinfo)
        # Exactly that many minutes before, even across the clock change of 28 Mar.
        instant = session.start.astimezone(dt.UTC) - dt.timedelta(minutes=remind)
        assert at.astimezone(dt.UTC) == instant


def test_all_day_events_run_midnight_to_midnight_and_show_as_free(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan(TINY, race_date="2027-04-04", all_day=True, remind=30)
    for row, session in zip(rows(plan), plan.sessions, strict=True):
        midnight = dt.datetime.combine(session.start.date(), dt.time())
        assert when(row["Start Date"], row["Start Time"]) == midnight
        assert when(row["End Date"], row["End Time"]) == midnight + dt.timedelta(days=1)
        assert (row["All day event"], row["Show time as"]) == ("True", "0")
        # As in plan.ics, the reminder is before the day starts: 23:30 the evening before.
        assert when(row["Reminder Date"], row["Reminder Time"]) == midnight - dt.timedelta(
            minutes=30
        )

"""plan.google.csv read back with the csv module: every event at its local date and time."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest

from planner.export.google_csv import COLUMNS, to_google_csv, to_google_csv_bytes
from planner.model import Descriptions, Plan
from planner.pipeline import with_descriptions
from tests.conftest import TINY


@pytest.fixture
def tiny(make_plan: Callable[..., Plan]) -> Plan:
    return make_plan(TINY, race_date="2027-04-04", name="Tiny 5K", race_distance="5k", remind=15)


def rows(plan: Plan) -> list[dict[str, str]]:
    data = to_google_csv_bytes(plan)
    assert not data.startswith(b"\xef\xbb\xbf")  # a BOM would hide the Subject header
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS == (
        "Subject", "Start Date", "Start Time", "End Date", "End Time", "All Day Event",
        "Description", "Location", "Private",
    )  # fmt: skip
    return list(reader)


def test_golden(tiny: Plan, golden: Callable[[str, bytes], None]) -> None:
    golden("tiny_5k/plan.google.csv", to_google_csv_bytes(tiny))


def test_every_event_at_its_local_date_and_time(tiny: Plan) -> None:
    found = rows(tiny)
    assert len(found) == len(tiny.sessions)
    for row, session in zip(found, tiny.sessions, strict=True):
        start = dt.datetime.strptime(
            f"{row['Start Date']} {row['Start Time']}", "%m/%d/%Y %I:%M %p"
        )
        end = dt.datetime.strptime(f"{row['End Date']} {row['End Time']}", "%m/%d/%Y %I:%M %p")
        assert start == session.start.replace(tzinfo=None)
        assert end == session.end.replace(tzinfo=None)
        assert row["Subject"] == session.title
        assert row["Description"] == session.description
        assert (row["All Day Event"], row["Location"], row["Private"]) == ("False", "", "False")
    # 7:05 AM style: no leading zero, a space, AM or PM.
    long_run = next(r for r in found if r["Subject"].startswith("Long run"))
    assert (long_run["Start Date"], long_run["Start Time"], long_run["End Time"]) == (
        "03/28/2027", "8:00 AM", "9:00 AM",
    )  # fmt: skip


def test_all_day_events_name_their_day_and_no_times(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(TINY, race_date="2027-04-04", race_distance="5k", all_day=True)
    for row, session in zip(rows(plan), plan.sessions, strict=True):
        day = session.start.strftime("%m/%d/%Y")
        assert (row["Start Date"], row["Start Time"], row["End Date"], row["End Time"]) == (
            day, "", day, "",
        )  # fmt: skip
        assert row["All Day Event"] == "True"


def test_descriptions_follow_the_plans_style(tiny: Plan) -> None:
    compact = with_descriptions(tiny, Descriptions.COMPACT)
    for row, session in zip(rows(compact), tiny.sessions, strict=True):
        assert row["Description"] == session.description_for(Descriptions.COMPACT)


def test_text_is_utf8(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan("week,miles,notes\n1,10,Köln: Läufe\n2,8,\n", name="Köln")
    assert "Notes: Köln: Läufe" in to_google_csv(plan)

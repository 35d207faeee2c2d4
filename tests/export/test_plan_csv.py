from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable

import pytest

from planner.export import FORMATS
from planner.export.cells import safe_cell, us_time
from planner.export.plan_csv import COLUMNS, to_csv
from planner.mileage import parse_mileage
from planner.model import Descriptions, Plan
from planner.routines import RoutineLibrary
from planner.schedule import PlanOptions, build_plan
from tests.conftest import TINY


@pytest.fixture
def tiny(make_plan: Callable[..., Plan]) -> Plan:
    return make_plan(TINY, race_date="2027-04-04", name="Tiny 5K", race_distance="5k", remind=15)


def test_golden(tiny: Plan, golden: Callable[[str, bytes], None]) -> None:
    golden("tiny_5k/plan.csv", to_csv(tiny).encode("utf-8"))


def test_columns_and_one_row_per_event_sorted_by_start(tiny: Plan) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(tiny))))
    assert tuple(rows[0].keys()) == COLUMNS
    assert len(rows) == len(tiny.sessions)
    assert [(r["date"], r["start"]) for r in rows] == sorted((r["date"], r["start"]) for r in rows)
    race = [r for r in rows if r["activity"] == "race"]
    assert race == [
        {
            "date": "2027-04-04",
            "start": "08:00",
            "end": "08:31",
            "timezone": "Europe/Berlin",
            "week": "2",
            "weeks_to_race": "0",
            "weekday": "Sun",
            "activity": "race",
            "title": "Race day: 5K (3.1 mi)",
            "distance": "3.1",
            "unit": "mi",
            "details": 'About 31 min at 10:00 per mi (3.1 mi). | Notes: =HYPERLINK("x") |'
            " Form focus this week: Lift and spread the toes. Before and after the run,"
            " barefoot: lift and spread your toes.",
            "uid": "tiny-5k-f10ab94392-race-t0@planner",
        }
    ]
    assert all(r["distance"] == r["unit"] == "" for r in rows if "run" not in r["activity"]
               and r["activity"] != "race")  # fmt: skip


@pytest.mark.parametrize(
    ("time", "text", "with_seconds"),
    [
        (dt.time(0, 0), "12:00 AM", "12:00:00 AM"),
        (dt.time(0, 30), "12:30 AM", "12:30:00 AM"),
        (dt.time(7, 5), "7:05 AM", "7:05:00 AM"),
        (dt.time(11, 59), "11:59 AM", "11:59:00 AM"),
        (dt.time(12, 0), "12:00 PM", "12:00:00 PM"),
        (dt.time(13, 5), "1:05 PM", "1:05:00 PM"),
        (dt.time(23, 59), "11:59 PM", "11:59:00 PM"),
    ],
)
def test_us_time(time: dt.time, text: str, with_seconds: str) -> None:
    assert us_time(time) == text
    assert us_time(time, seconds=True) == with_seconds


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell("Run 5 mi") == "Run 5 mi"


def test_no_cell_of_any_csv_begins_like_a_formula(routines: RoutineLibrary) -> None:
    """Every CSV the tool writes, with hostile notes and a coach's hostile templates."""
    # (A note can't hold a carriage return: it would end the mileage CSV's line.)
    notes = ['"=HYPERLINK(""http://x"",""y"")"', "+1", "-2", "@SUM(A1)", '"\tx"']
    mileage = parse_mileage(
        ("week,miles,notes\n" + "".join(f"{n},8,{t}\n" for n, t in enumerate(notes, 1))).encode(),
        "hostile.csv",
    )
    hostile = RoutineLibrary(
        {
            activity: dataclasses.replace(routine, title="=EVIL()", summary="-1+1")
            for activity, routine in routines.routines.items()
        },
        form_cues=(),
    )
    options = PlanOptions(race_date=dt.date(2027, 4, 18), name="@plan", remind=5)
    plan = build_plan(mileage, options, hostile, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    csv_formats = [f for f in FORMATS.values() if f.filename.endswith(".csv")]
    assert {f.name for f in csv_formats} == {"csv", "google-csv", "outlook-csv"}
    cells = 0
    for style in Descriptions:
        for form in csv_formats:
            data = form.render(dataclasses.replace(plan, descriptions=style))
            for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (form, cell)
                    cells += 1
    assert cells > 1000

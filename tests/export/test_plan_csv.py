from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from planner.export.plan_csv import COLUMNS, safe_cell, to_csv
from planner.model import Plan

TINY = 'week,miles,long_run,runs,notes\n1,10,6,2,"Easy, chatty pace"\n2,8.1,0,2,=HYPERLINK("x")\n'


@pytest.fixture
def tiny(make_plan: Callable[..., Plan]) -> Plan:
    return make_plan(
        TINY, race_date="2027-04-04", name="Tiny 5K", race_distance="5k", remind_minutes=15
    )


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


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell("Run 5 mi") == "Run 5 mi"

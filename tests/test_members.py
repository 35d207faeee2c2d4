"""Member settings (planner/members.py): read from text as a roster cell or URL gives them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from planner.errors import InvalidOption
from planner.members import MEMBER_KEYS, member_settings, read_member, scale_mileage
from planner.mileage import parse_mileage
from planner.options import DayTimes, Layer, layered


def roster_cell(key: str) -> str:
    return f"roster.csv, line 4, column {key}"


def test_blank_cells_keep_the_plan_and_given_ones_win() -> None:
    plan = layered(
        Layer({"run_time": dt.time(6, 0), "remind": 30}, {"run_time": "club.toml: run_time"})
    )
    member = read_member(
        {"race_date": "2027-05-02", "run_time": " ", "pace": "9:30", "yoga_only": "yes"},
        roster_cell,
    )
    settings = member_settings(plan, member)
    assert settings.race_date == dt.date(2027, 5, 2)
    assert settings.run_time == dt.time(6, 0)  # blank: the plan's
    assert settings.pace == Decimal("9.5")
    assert settings.yoga_only is True
    assert settings.remind == 30
    assert settings.name_of("pace") == "roster.csv, line 4, column pace"
    assert settings.name_of("run_time") == "club.toml: run_time"


def test_a_member_can_turn_off_the_plans_reminder_and_bedtime() -> None:
    plan = layered(Layer({"remind": 30, "bedtime": dt.time(21, 30)}, {}))
    member = read_member({"remind": "none", "bedtime": "no"}, roster_cell)
    settings = member_settings(plan, member)
    assert (settings.remind, settings.bedtime) == (None, None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"pace": "9.30"}, "roster.csv, line 4, column pace: expected minutes:seconds per mile"),
        ({"all_day": "maybe"}, "roster.csv, line 4, column all_day: expected true or false,"),
        ({"run_days": "tue,funday"}, "roster.csv, line 4, column run_days: expected a weekday"),
        ({"colour": "red"}, "roster.csv, line 4, column colour: not a member setting;"),
        ({"scale": "3"}, "roster.csv, line 4, column scale: expected a factor from 0.25 to 2"),
        ({"out": "elsewhere"}, "roster.csv, line 4, column out: not a member setting;"),
    ],
)
def test_a_bad_value_is_named_as_the_face_names_it(raw: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        read_member(raw, roster_cell, extra=("scale", "mileage"))
    assert str(caught.value).startswith(message), str(caught.value)


def test_scale_and_mileage_only_where_the_face_allows_them(tmp_path: Path) -> None:
    member = read_member(
        {"scale": "0,8", "mileage": "alex.csv"},
        roster_cell,
        extra=("scale", "mileage"),
        base=tmp_path,
    )
    assert (member.scale, member.mileage) == (Decimal("0.8"), tmp_path / "alex.csv")
    with pytest.raises(InvalidOption, match=r"^scale: not a member setting"):
        read_member({"scale": "0.8"}, str)
    assert set(MEMBER_KEYS) == {
        "race_date", "timezone", "run_days", "long_run_day", "run_time", "long_run_time",
        "pace", "remind", "bedtime", "gentle_inversion", "yoga_only", "all_day", "away",
        "recovery_days",
    }  # fmt: skip


def test_scaling_keeps_half_units_and_the_race() -> None:
    weeks = parse_mileage(b"week,miles,long_run\n1,20,7\n2,23,8.5\n3,18.5,13.1\n", "w.csv")
    scaled = scale_mileage(weeks, Decimal("0.8"), None)
    assert [(w.distance, w.long_run) for w in scaled.weeks] == [
        (Decimal("16.0"), Decimal("5.5")),  # 20 * 0.8 = 16; 7 * 0.8 = 5.6 -> 5.5
        (Decimal("18.5"), Decimal("7.0")),  # 18.4 -> 18.5; 6.8 -> 7
        (Decimal("15.0"), Decimal("13.1")),  # 14.8 -> 15; the race keeps its 13.1
    ]
    lighter = scale_mileage(weeks, Decimal("0.25"), None)
    assert lighter.weeks[-1].distance == Decimal("13.1")  # never below the race


def test_a_member_gives_times_per_weekday_days_away_and_recovery_days() -> None:
    plan = layered(Layer({"run_time": dt.time(6, 0)}, {"run_time": "club.toml: run_time"}))
    member = read_member(
        {
            "run_time": "06:15,sat=08:30",
            "long_run_time": "07:30",
            # A roster cell or URL parameter: spaces or semicolons need no CSV quoting.
            "away": "2027-02-10..2027-02-14 2027-03-01;2027-03-03",
            "recovery_days": "3",
        },
        roster_cell,
    )
    settings = member_settings(plan, member)
    assert settings.run_time == DayTimes(dt.time(6, 15), ((5, dt.time(8, 30)),))
    assert settings.long_run_time == dt.time(7, 30)
    assert settings.away == (
        (dt.date(2027, 2, 10), dt.date(2027, 2, 14)),
        (dt.date(2027, 3, 1), dt.date(2027, 3, 1)),
        (dt.date(2027, 3, 3), dt.date(2027, 3, 3)),
    )
    assert settings.recovery_days == 3
    assert settings.name_of("away") == "roster.csv, line 4, column away"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"run_time": "06:15,fun=08:30"}, "roster.csv, line 4, column run_time: expected a"
         " weekday like sat before '=', found 'fun' in '06:15,fun=08:30'"),
        ({"long_run_time": "07:00,sun=7am"}, "roster.csv, line 4, column long_run_time:"
         " expected a 24-hour time like 07:00 or 18:30, found '7am'"),
        ({"away": "2027-02-14..2027-02-10"}, "roster.csv, line 4, column away:"
         " '2027-02-14..2027-02-10' ends before it starts; write the earlier day first"),
        ({"recovery_days": "21"}, "roster.csv, line 4, column recovery_days: expected 0 to 14"
         " days after the race, found 21"),
    ],
)  # fmt: skip
def test_a_members_bad_times_or_days_are_named_by_the_roster(
    raw: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidOption) as caught:
        read_member(raw, roster_cell)
    assert str(caught.value) == message

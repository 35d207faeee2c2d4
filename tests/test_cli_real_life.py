"""Plans meet real life through the command: start times per weekday, days away, a private
copy, recovery days; from the command line, a plan file and `planner init`."""

from __future__ import annotations

import csv
import io
import tomllib
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import WEEKS, invoke

AWAY = "2027-04-08..2027-04-11"
"""Thu to Sun of week 2 (Mon 5 to Sun 11 Apr; runs Tue, Thu, Sat and the long run Sun)."""


@pytest.fixture
def spring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "spring.csv"
    path.write_text(WEEKS)
    return path


def build(*args: str) -> str:
    result = invoke(
        "build", "spring.csv", "--race-date", "2027-04-18", "--timezone", "Europe/Berlin",
        "--out", "out", *args,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_all_of_it_from_the_command_line(spring: Path) -> None:
    output = build(
        "--run-time", "06:15,sat=08:30", "--long-run-time", "07:30", "--away", AWAY,
        "--away", "2027-03-30", "--recovery-days", "2", "--format", "ics,csv,private-ics",
    )  # fmt: skip
    assert output.startswith(
        "Built 'spring': 3 weeks, Mon 29 Mar 2027 to race day Sun 18 Apr 2027, then 2 recovery"
        " days to Tue 20 Apr 2027 (Europe/Berlin).\n"
    )
    assert (
        "\nDays away (5 days):\n"
        "  week 1: dropped run 2.5 mi on Tue 30 Mar\n"
        "  week 2: dropped run 2.5 mi on Thu 08 Apr; dropped run 2.5 mi on Sat 10 Apr;"
        " moved long run 6 mi from Sun 11 Apr to Wed 07 Apr\n"
        "Wrote out/plan.ics ("
    ) in output
    assert "Wrote out/plan.private.ics (" in output
    planned = rows(Path("out/plan.csv"))
    when = {(r["date"], r["activity"]): r["start"] for r in planned}
    assert when["2027-04-03", "run"] == "08:30"  # Saturday's own time
    assert when["2027-04-15", "run"] == "06:15"
    assert when["2027-04-07", "long_run"] == "07:30"  # moved, at the long run's time
    assert when["2027-04-19", "post_run_recovery"] == "06:15"
    assert not any("2027-04-08" <= r["date"] <= "2027-04-11" for r in planned)
    assert not any(r["date"] == "2027-03-30" for r in planned)
    # plan.csv's distances add up to what is scheduled: the CSV's 12, 14 and 10 less the
    # dropped runs.
    weeks: dict[str, Decimal] = defaultdict(Decimal)
    for row in planned:
        weeks[row["week"]] += Decimal(row["distance"] or 0)
    assert dict(weeks) == {"1": Decimal("9.5"), "2": Decimal(9), "3": Decimal("10.0"), "4": 0}
    assert {r["weeks_to_race"] for r in planned if r["week"] == "4"} == {"-1"}
    private = Calendar.from_ical(Path("out/plan.private.ics").read_bytes()).walk("VEVENT")
    assert len(private) == len(planned)
    assert {str(e["SUMMARY"]) for e in private} == {"Training"}


def test_a_rebuild_with_days_away_updates_the_calendar_in_place(spring: Path) -> None:
    build()
    before = Calendar.from_ical(Path("out/plan.ics").read_bytes()).walk("VEVENT")
    # The Thu and Sat runs with their yoga (3 events each) and the Sunday long run with its
    # 4 go; the long run and its 4 come on Wed 7 Apr, whose strength goes.
    output = build("--away", AWAY)
    assert "Changes: moved 0, changed 0, added 4, cancelled 11, unchanged " in output
    events = Calendar.from_ical(Path("out/plan.ics").read_bytes()).walk("VEVENT")
    cancelled = [e for e in events if e.get("STATUS") == "CANCELLED"]
    assert len(cancelled) == 11 and len(events) == len(before) + 4
    assert {e.decoded("DTSTART").date().isoformat() for e in cancelled} == {
        "2027-04-07", "2027-04-08", "2027-04-10", "2027-04-11",
    }  # fmt: skip
    # Back home after all: the cancelled events come back, the moved long run is cancelled.
    output = build()
    assert "Changes: moved 0, changed 0, added 0, revived 11, cancelled 4, unchanged " in output


def test_the_same_from_a_plan_file_and_init_writes_it(spring: Path) -> None:
    flags = [
        "--run-time", "06:15,sat=08:30", "--long-run-time", "07:30,sun=07:00",
        "--away", f"{AWAY},2027-03-30", "--recovery-days", "2",
    ]  # fmt: skip
    result = invoke("init", "club.toml", "--mileage", "spring.csv", *flags)
    assert result.exit_code == 0, result.output
    text = Path("club.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text) | {"mileage": "x"} == {
        "mileage": "x",
        "run_time": "06:15,sat=08:30",
        "long_run_time": "07:30,sun=07:00",
        "away": ["2027-03-30", "2027-04-08..2027-04-11"],
        "recovery_days": 2,
    }
    from_file = invoke("build", "club.toml", "--race-date", "2027-04-18", "--timezone", "UTC",
                       "--out", "a")  # fmt: skip
    direct = invoke("build", "spring.csv", "--race-date", "2027-04-18", "--timezone", "UTC",
                    "--out", "b", *flags)  # fmt: skip
    assert from_file.exit_code == direct.exit_code == 0, from_file.output + direct.output
    assert from_file.output.replace("a/", "b/").replace("'club'", "'spring'") == direct.output
    # The plan's name (the input's file name) differs, so compare the schedules.
    a, b = rows(Path("a/plan.csv")), rows(Path("b/plan.csv"))
    assert [(r["date"], r["start"], r["activity"]) for r in a] == [
        (r["date"], r["start"], r["activity"]) for r in b
    ]
    # The command line beats the file: "none" clears its days away.
    cleared = invoke("build", "club.toml", "--race-date", "2027-04-18", "--timezone", "UTC",
                     "--out", "c", "--away", "none")  # fmt: skip
    assert cleared.exit_code == 0 and "Days away" not in cleared.output
    strength_only = invoke("build", "club.toml", "--race-date", "2027-04-18", "--timezone",
                           "UTC", "--out", "c", "--away", "2027-04-05")  # fmt: skip
    assert "\nDays away (1 day): no runs to drop or move.\n" in strength_only.output


def test_a_plan_files_mistake_names_the_file_and_key(spring: Path) -> None:
    Path("club.toml").write_text(
        'mileage = "spring.csv"\nrace_date = 2027-04-18\naway = ["2027-04-18"]\n'
    )
    result = invoke("build", "club.toml", "--timezone", "UTC")
    assert (result.exit_code, result.stderr) == (
        2,
        "planner: error: club.toml: away: includes race day (Sun 18 Apr 2027); a plan can't"
        " skip its race, so leave race day out\n",
    )
    Path("club.toml").write_text('mileage = "spring.csv"\nrun_time = "06:00,sat=8"\n')
    result = invoke("build", "club.toml", "--race-date", "2027-04-18")
    assert (result.exit_code, result.stderr) == (
        2,
        "planner: error: club.toml: run_time: expected a 24-hour time like 07:00 or 18:30,"
        " found '8'\n",
    )

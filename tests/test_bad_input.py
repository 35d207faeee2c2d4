"""Bad input never crashes and never loses a plan: every mistake through the real CLI.

Each case runs `planner build` in a folder that already holds a plan (out/plan.ics and
out/plan.csv) and asserts the exit status, the exact line on stderr, and that no file in the
folder was added, removed or changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import icalendar
import pytest
import vobject
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import planner.export.plan_csv
import planner.schedule
import planner.writer
from planner.cli import cli
from planner.errors import PlanError
from planner.export.cells import safe_cell
from planner.mileage import MAX_WEEKS, parse_mileage
from planner.pipeline import to_ics
from planner.routines import load_routines
from tests.conftest import GENERATED_AT, ROOT

VALID = b"week,miles,long_run,notes\n1,10,4,easy\n2,12,5,\n"


def _last_weeks_plan() -> dict[str, bytes]:
    """The plan m.csv gave when the race was a week earlier: what a runner has in out/."""
    mileage = parse_mileage(VALID, "m.csv")
    options = planner.schedule.PlanOptions(race_date=dt.date(2027, 4, 11), name="m", timezone="UTC")
    plan = planner.schedule.build_plan(mileage, options, load_routines(), GENERATED_AT)
    return {"plan.ics": to_ics(plan), "plan.csv": planner.export.plan_csv.to_csv_bytes(plan)}


OLD_PLAN = _last_weeks_plan()
BROKEN_TOML = b'activity = "legs_up_the_wall"\ntitle = \n'


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file and folder under root: bytes for files, the target for symlinks."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            found[name] = "folder"
        elif not path.is_file():
            found[name] = "special file"  # a pipe: reading it here would wait for ever
        else:
            found[name] = path.read_bytes()
    return found


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding m.csv and last week's plan in out/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.csv").write_bytes(VALID)
    (tmp_path / "out").mkdir()
    for name, content in OLD_PLAN.items():
        (tmp_path / "out" / name).write_bytes(content)
    return tmp_path


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def build(*extra: str, source: str = "m.csv", env: dict[str, str] | None = None) -> Result:
    return invoke(
        "build", source, "--race-date", "2027-04-18", "--timezone", "UTC", "--out", "out", *extra,
        env=env,
    )  # fmt: skip


def assert_refused(result: Result, message: str, *, prefix: bool = False) -> None:
    if prefix:
        assert result.stderr.startswith(f"planner: error: {message}")
        assert result.stderr.count("\n") == 1
    else:
        assert result.stderr == f"planner: error: {message}\n"
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.output


@dataclass(frozen=True)
class Case:
    id: str
    message: str
    csv: bytes = VALID
    args: tuple[str, ...] = ()
    source: str = "m.csv"
    setup: Callable[[Path], None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    prefix: bool = False
    """Match the start only: the rest depends on the timezone database or click's version."""
    needs: str = ""
    """"proc" or "symlinks" when the case needs what only some systems have."""


def _write(name: str, content: bytes) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)

    return setup


def _broken_template(content: bytes) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        shutil.copytree(ROOT / "templates", root / "mine")
        (root / "mine" / "routines" / "legs_up_the_wall.toml").write_bytes(content)

    return setup


def _input_in_the_out_folder(root: Path) -> None:
    (root / "out" / "plan.csv").write_bytes(VALID)


def _input_linked_from_the_out_folder(root: Path) -> None:
    (root / "out" / "plan.csv").unlink()
    (root / "out" / "plan.csv").symlink_to(root / "m.csv")


def _folder_in_the_way(root: Path) -> None:
    (root / "out" / "plan.csv").unlink()
    (root / "out" / "plan.csv").mkdir()


HUNDRED_THOUSAND_ROWS = b"week,miles\n" + b"".join(b"%d,10\n" % i for i in range(1, 100_001))
TOO_MANY = f"has {MAX_WEEKS + 1} rows; a plan can have at most {MAX_WEEKS} weeks"
WEEKS_LIKE = "(weeks are numbered 1, 2, 3... with no gaps)"

CASES = [
    # The mileage CSV.
    Case("empty file", "m.csv: is empty; expected a header line such as week,miles", csv=b""),
    Case(
        "header only",
        "m.csv, line 2: no weeks after the header; add one row per week",
        csv=b"week,miles\n",
    ),
    Case("binary", "m.csv: is not a text file; expected a CSV", csv=bytes(range(256))),
    Case(
        "a workbook",
        "m.csv: is a zip file (an Excel .xlsx or Numbers workbook?), not a CSV;"
        " save it from your spreadsheet as 'CSV UTF-8'",
        csv=b"PK\x03\x04\x14\x00\x06\x00",
    ),
    Case(
        "neither UTF-8 nor Windows-1252",
        "m.csv, line 2: is neither UTF-8 nor Windows-1252 text; save it from your spreadsheet"
        " as 'CSV UTF-8'",
        csv=b"week,miles,notes\n1,10,\x81\x8d\n",
    ),
    Case(
        "ragged row",
        "m.csv, line 3: has 3 fields but the header has 2; check for a stray ','",
        csv=b"week,miles\n1,10\n2,12,5\n",
    ),
    Case(
        "short row missing its distance",
        "m.csv, line 3, column miles: is empty; expected a distance in miles",
        csv=b"week,miles,long_run\n1,10,3\n2\n",
    ),
    Case(
        "unclosed quote",
        'm.csv, line 2: has a quote (") that is never closed; quote a whole cell, like'
        ' "easy, flat"',
        csv=b'week,miles,notes\n1,10,"easy\n2,12,\n',
    ),
    Case(
        "non-numeric distance",
        "m.csv, line 3, column miles: expected a distance in miles like 12 or 12.5, found 'ten'",
        csv=b"week,miles\n1,10\n2,ten\n",
    ),
    Case(
        "negative distance",
        "m.csv, line 2, column km: expected 0 or more, found -3",
        csv=b"week,km\n1,-3\n",
    ),
    Case(
        "NaN distance",
        "m.csv, line 2, column miles: expected a finite distance, found 'NaN'",
        csv=b"week,miles\n1,NaN\n",
    ),
    Case(
        "infinite distance",
        "m.csv, line 2, column long_run: expected a finite distance, found 'inf'",
        csv=b"week,miles,long_run\n1,10,inf\n",
    ),
    Case(
        "absurd distance",
        "m.csv, line 2, column miles: 501 miles is more than 500 in a week; check for a typo",
        csv=b"week,miles\n1,501\n",
    ),
    Case(
        "absurd days",
        "m.csv, line 2: the days add up to 510 miles, more than 500",
        csv=b"week,mon,sun\n1,255,255\n",
    ),
    Case(
        "duplicate week",
        "m.csv, line 3, column week: week 1 is listed twice (first on line 2); number the weeks"
        " 1, 2, 3... with no gaps",
        csv=b"week,miles\n1,10\n1,12\n",
    ),
    Case(
        "missing week",
        f"m.csv, line 3, column week: expected week 2 {WEEKS_LIKE}, found 3",
        csv=b"week,miles\n1,10\n3,12\n",
    ),
    Case(
        "long run longer than its week",
        "m.csv, line 2, column long_run: the long run (12) is longer than the week's 10 miles",
        csv=b"week,miles,long_run\n1,10,12\n",
    ),
    Case(
        "both miles and km",
        "m.csv, line 1: has both 'miles' and 'km' columns; keep only the one you use",
        csv=b"week,miles,km\n1,10,16\n",
    ),
    Case(
        "runs out of range",
        "m.csv, line 2, column runs: expected 1 to 7 runs, found '8'",
        csv=b"week,miles,runs\n1,10,8\n",
    ),
    Case(
        "100,000 rows",
        "m.csv: has 100000 rows; a plan can have at most 104 weeks",
        csv=HUNDRED_THOUSAND_ROWS,
    ),
    Case("one row too many", f"m.csv: {TOO_MANY}", csv=b"week,miles\n" + b"1,1\n" * 105),
    Case(
        "missing input file",
        "nope.csv: file not found",
        source="nope.csv",
    ),
    Case(
        "input is a folder",
        "out: is a folder; expected a CSV file",
        source="out",
    ),
    # Options.
    Case(
        "impossible date",
        "--race-date: expected a real date as YYYY-MM-DD (e.g. 2027-04-18), found '2027-02-30'",
        args=("--race-date", "2027-02-30"),
    ),
    Case(
        "date beyond the calendar",
        "--race-date: expected a date from 1900 to 2999, found 9999-12-31",
        args=("--race-date", "9999-12-31"),
    ),
    Case(
        "unknown timezone",
        "--timezone: unknown timezone 'Europe/Berln'; did you mean Europe/Berlin, ",
        args=("--timezone", "Europe/Berln"),
        prefix=True,
    ),
    Case(
        "timezone region only",
        "--timezone: unknown timezone 'Europe'; did you mean Europe/",
        args=("--timezone", "Europe"),
        prefix=True,
    ),
    Case(
        "bad run day",
        "--run-days: expected a weekday like mon or sun, found 'funday'",
        args=("--run-days", "tue,thu,funday"),
    ),
    Case(
        "run day twice",
        "--run-days: lists a day twice: 'tue,tuesday'",
        args=("--run-days", "tue,tuesday"),
    ),
    Case(
        "empty run days",
        "--run-days: expected weekdays like tue,thu,sat,sun, found ''",
        args=("--run-days", ""),
    ),
    Case(
        "bad long-run day",
        "--long-run-day: expected a weekday like mon or sun, found 'someday'",
        args=("--long-run-day", "someday"),
    ),
    Case(
        "long-run day not a run day",
        "--long-run-day: sat is not one of the run days (tue,thu,sun); add it to --run-days",
        args=("--run-days", "tue,thu,sun", "--long-run-day", "sat"),
    ),
    Case(
        "bad pace",
        "--pace: expected minutes:seconds per mile or km between 2:00 and 30:00, found '95'",
        args=("--pace", "95"),
    ),
    Case(
        "pace too slow",
        "--pace: expected minutes:seconds per mile or km between 2:00 and 30:00, found '45:00'",
        args=("--pace", "45:00"),
    ),
    Case(
        "bad run time",
        "--run-time: expected a 24-hour time like 07:00 or 18:30, found '7am'",
        args=("--run-time", "7am"),
    ),
    Case(
        "bad long-run time",
        "--long-run-time: expected a 24-hour time like 07:00 or 18:30, found '24:00'",
        args=("--long-run-time", "24:00"),
    ),
    Case(
        "bad bedtime",
        "--bedtime: expected a 24-hour time like 07:00 or 18:30, found '9.30pm'",
        args=("--bedtime", "9.30pm"),
    ),
    Case(
        "remind not a number",
        "--remind: expected 0 to 1440 minutes before each event, found 'soon'",
        args=("--remind", "soon"),
    ),
    Case(
        "remind negative",
        "--remind: expected 0 to 1440 minutes before each event, found -5",
        args=("--remind", "-5"),
    ),
    Case(
        "remind over a day",
        "--remind: expected 0 to 1440 minutes before each event, found 2000",
        args=("--remind", "2000"),
    ),
    Case(
        "bad race distance",
        "--race-distance: expected 5k, 10k, half, marathon or a distance in miles, found 'ultra'",
        args=("--race-distance", "ultra"),
    ),
    Case(
        "bad format",
        "--format: unknown format 'pdf'; expected a comma list of ics, csv, google-csv,"
        " outlook-csv, html, private-ics",
        args=("--format", "ics,pdf"),
    ),
    Case(
        "name on two lines",
        "--name: expected a name on one line without control characters,"
        " found 'Spring\\nBEGIN:VEVENT'",
        args=("--name", "Spring\nBEGIN:VEVENT"),
    ),
    Case(
        "a name of a million characters",
        "--name: expected a name of at most 200 characters, found 1,000,000",
        args=("--name", "x" * 1_000_000),
    ),
    Case(
        "bad units",
        "Invalid value for '--units': 'miles' is not one of 'mi', 'km', 'default'."
        " (see 'planner build --help')",
        args=("--units", "miles"),
    ),
    Case(
        "unknown option",
        # Click words this, and its wording changes between versions.
        "No such option",
        args=("--racedate", "2027-04-18"),
        prefix=True,
    ),
    Case(
        "runs overlap",
        "schedule: Run 2 mi on Tue 06 Apr ends at 21:50, after Bedtime legs up the wall (5 min)"
        " starts at 21:45; choose an earlier --run-time / --long-run-time or a later --bedtime",
        args=("--run-time", "21:30", "--bedtime", "21:45"),
    ),
    Case(
        "bad SOURCE_DATE_EPOCH",
        "SOURCE_DATE_EPOCH: expected whole seconds since 1970, found 'yesterday'",
        env={"SOURCE_DATE_EPOCH": "yesterday"},
    ),
    # Where the plan goes.
    Case(
        "--out is a file",
        "--out: m.csv is a file; name a folder for the plan",
        args=("--out", "m.csv"),
    ),
    Case(
        "--out under a file",
        "--out: can't create notes.txt/plan (Not a directory)",
        args=("--out", "notes.txt/plan"),
        setup=_write("notes.txt", b"not a folder"),
    ),
    Case(
        "--out in /proc, which no one can write",
        "--out: can't create /proc/self/plan (No such file or directory)",
        args=("--out", "/proc/self/plan"),
        needs="proc",
    ),
    Case(
        "a folder in the way of plan.csv",
        "--out: out/plan.csv is a folder; move it or choose another --out",
        setup=_folder_in_the_way,
    ),
    Case(
        "input named plan.csv in the out folder",
        "--out: out/plan.csv is the input file and would be overwritten; choose another --out"
        " folder",
        source="out/plan.csv",
        setup=_input_in_the_out_folder,
    ),
    Case(
        "input named plan.csv, reached by another path",
        "--out: out/../out/plan.csv is the input file and would be overwritten; choose another"
        " --out folder",
        source="out/plan.csv",
        args=("--out", "out/../out"),
        setup=_input_in_the_out_folder,
    ),
    Case(
        "out/plan.csv is a symlink to the input",
        "--out: out/plan.csv is the input file and would be overwritten; choose another --out"
        " folder",
        setup=_input_linked_from_the_out_folder,
        needs="symlinks",
    ),
    Case(
        "input named plan.ics with --format ics",
        "--out: out/plan.ics is the input file and would be overwritten; choose another --out"
        " folder",
        source="out/plan.ics",
        args=("--format", "ics"),
        setup=_write("out/plan.ics", VALID),
    ),
    Case(
        "mileage CSV over 1 MB",
        "m.csv: is over 1 MB; a plan has at most 104 weeks, one row each",
        csv=b"week,miles\n" + b"#" * 1_000_000,
    ),
    Case(
        "plan file over 1 MB",
        "p.toml: is over 1 MB; expected a TOML plan file",
        source="p.toml",
        setup=_write("p.toml", b"#" * 1_000_001),
    ),
    Case(
        "100,000 events in the previous plan.ics",
        "out/plan.ics: holds 100,028 events, more than a plan can have (11,984); move it away,"
        " or pass --out to build elsewhere",
        setup=_write(
            "out/plan.ics",
            OLD_PLAN["plan.ics"].replace(
                b"END:VCALENDAR",
                b"BEGIN:VEVENT\r\nUID:f@x\r\nX-PLANNER-PLAN:m\r\nEND:VEVENT\r\n" * 100_000
                + b"END:VCALENDAR",
            ),
        ),
    ),
    Case(
        "previous plan.ics over 10 MB",
        "out/plan.ics: is over 10 MB; expected a plan.ics file; move it away, or pass --out to"
        " build elsewhere",
        setup=_write("out/plan.ics", b" " * 10_000_001),
    ),
    # Hostile TOML, over-long names, distances no one runs.
    Case(
        "plan file nested 2,000 deep",
        "p.toml: not valid TOML: arrays or tables nested too deeply",
        source="p.toml",
        setup=_write("p.toml", b'mileage = "m.csv"\nrun_days = ' + b"[" * 2000 + b"]" * 2000),
    ),
    Case(
        "plan file number of 5,000 digits",
        "p.toml: not valid TOML: a number with thousands of digits",
        source="p.toml",
        setup=_write("p.toml", b'mileage = "m.csv"\nremind = ' + b"9" * 5000),
    ),
    Case(
        "plan file number beyond 64 bits",
        "p.toml: not valid TOML: a whole number beyond TOML's 64-bit integers",
        source="p.toml",
        setup=_write("p.toml", b'mileage = "m.csv"\nremind = 18446744073709551616'),
    ),
    Case(
        "template nested 2,000 deep",
        "mine/routines/legs_up_the_wall.toml: not valid TOML: arrays or tables nested too deeply",
        args=("--templates", "mine"),
        setup=_broken_template(b"poses = " + b"[" * 2000 + b"]" * 2000),
    ),
    Case(
        "a routine of ten hour-long holds on each side",
        "mine/routines/legs_up_the_wall.toml: poses: the routine takes 1,220 minutes at level 1;"
        " keep it within 240 (fewer poses, shorter holds or fewer sets)",
        args=("--templates", "mine"),
        setup=_broken_template(
            (ROOT / "templates" / "routines" / "legs_up_the_wall.toml").read_bytes()
            + b"\n[[poses]]\nname = 'Hold'\nsteps = ['Hold.']\nhold = 'an hour'\nseconds = 3600"
            b"\nsides = 2\ntext_only = true\n" * 10
        ),
    ),
    Case(
        "template number of 5,000 digits",
        "mine/routines/legs_up_the_wall.toml: not valid TOML: a number with thousands of digits",
        args=("--templates", "mine"),
        setup=_broken_template(b"seconds = " + b"1" * 5000),
    ),
    Case(
        "--out longer than the system allows",
        "--out: can't use this folder (File name too long)",
        args=("--out", "a" * 300),
    ),
    Case(
        "--templates longer than the system allows",
        f"{'a' * 48}...{'a' * 48}: File name too long",
        args=("--templates", "a" * 300),
    ),
    Case(
        "mileage name longer than the system allows",
        f"{'a' * 300}.csv: can't be read (File name too long)",
        source=f"{'a' * 300}.csv",
    ),
    Case(
        "a distance of 1e-999999 in the CSV",
        "m.csv, line 2, column miles: '1e-999999' miles is less than 0.1; write 0 for no run",
        csv=b"week,miles\n1,1e-999999\n",
    ),
    Case(
        "a distance with too many decimals in the CSV",
        "m.csv, line 2, column long_run: '3.00001' miles has more than 4 decimals",
        csv=b"week,miles,long_run\n1,10,3.00001\n",
    ),
    Case(
        "--race-distance 1e-999999",
        "--race-distance: expected 5k, 10k, half, marathon or a distance in miles, found"
        " '1e-999999'",
        args=("--race-distance", "1e-999999"),
    ),
    Case(
        "race_distance 1e-300 in a plan file",
        "p.toml: race_distance: expected 5k, 10k, half, marathon or a distance in miles,"
        " found '1e-300'",
        source="p.toml",
        setup=_write("p.toml", b'mileage = "m.csv"\nrace_distance = 1e-300\n'),
    ),
    Case(
        "a warning, then an error: the error alone",
        "m.csv, line 2, column miles: expected a distance in miles like 12 or 12.5, found 'ten'",
        csv=b"week,miles,pace\n1,ten,9:00\n",
    ),
    # Templates.
    Case(
        "broken template",
        "mine/routines/legs_up_the_wall.toml: not valid TOML: Invalid value (at line 2, column 9)",
        args=("--templates", "mine"),
        setup=_broken_template(BROKEN_TOML),
    ),
    # Start times per weekday, days away, recovery days (the plan runs Mon 5 to Sun 18 Apr).
    Case(
        "a weekday that isn't one",
        "--run-time: expected a weekday like sat before '=', found 'fun' in '06:15,fun=08:30'",
        args=("--run-time", "06:15,fun=08:30"),
    ),
    Case(
        "a weekday's time that isn't HH:MM",
        "--long-run-time: expected a 24-hour time like 07:00 or 18:30, found '7am'",
        args=("--long-run-time", "08:00,sun=7am"),
    ),
    Case(
        "a weekday's time given twice",
        "--run-time: gives sat twice in '06:15,sat=08:30,saturday=09:00'; give each day once",
        args=("--run-time", "06:15,sat=08:30,saturday=09:00"),
    ),
    Case(
        "only a weekday's time",
        "--run-time: expected a time for every day, then any weekday's own, like 06:15 or"
        " 06:15,sat=08:30; found 'sat=08:30'",
        args=("--run-time", "sat=08:30"),
    ),
    Case(
        "days away reversed",
        "--away: '2027-04-10..2027-04-08' ends before it starts; write the earlier day first",
        args=("--away", "2027-04-10..2027-04-08"),
    ),
    Case(
        "days away overlapping",
        "--away: gives 2027-04-09 twice (2027-04-06..2027-04-10 and 2027-04-09..2027-04-12);"
        " give each day once",
        args=("--away", "2027-04-06..2027-04-10", "--away", "2027-04-09..2027-04-12"),
    ),
    Case(
        "a day away given twice",
        "--away: gives 2027-04-09 twice (2027-04-09 and 2027-04-09); give each day once",
        args=("--away", "2027-04-09,2027-04-09"),
    ),
    Case(
        "a day away that isn't a date",
        "--away: expected days as YYYY-MM-DD or ranges as YYYY-MM-DD..YYYY-MM-DD,"
        " found '2027-04-31'",
        args=("--away", "2027-04-31"),
    ),
    Case(
        "days away before the plan",
        "--away: 2027-04-01 is outside the plan, which runs from Mon 05 Apr 2027 to"
        " Sun 18 Apr 2027",
        args=("--away", "2027-04-01..2027-04-06"),
    ),
    Case(
        "days away after the plan",
        "--away: 2027-04-20 is outside the plan, which runs from Mon 05 Apr 2027 to"
        " Mon 19 Apr 2027",
        args=("--away", "2027-04-20", "--recovery-days", "1"),
    ),
    Case(
        "race day away",
        "--away: includes race day (Sun 18 Apr 2027); a plan can't skip its race, so leave"
        " race day out",
        args=("--away", "2027-04-16..2027-04-19", "--recovery-days", "3"),
    ),
    Case(
        "too many recovery days",
        "--recovery-days: expected 0 to 14 days after the race, found 15",
        args=("--recovery-days", "15"),
    ),
    Case(
        "recovery days not a number",
        "--recovery-days: expected 0 to 14 days after the race, found 'a week'",
        args=("--recovery-days", "a week"),
    ),
    Case(
        "days away overlapping in a plan file",
        "club.toml: away: gives 2027-04-09 twice (2027-04-06..2027-04-10 and 2027-04-09);"
        " give each day once",
        source="club.toml",
        setup=_write(
            "club.toml",
            b'mileage = "m.csv"\naway = ["2027-04-06..2027-04-10", 2027-04-09]\n',
        ),
    ),
    Case(
        "race day away in a plan file",
        "club.toml: away: includes race day (Sun 18 Apr 2027); a plan can't skip its race, so"
        " leave race day out",
        source="club.toml",
        setup=_write("club.toml", b'mileage = "m.csv"\naway = "2027-04-18"\n'),
    ),
    Case(
        "a weekday's time in a plan file",
        "club.toml: long_run_time: gives sun twice in '08:00,sun=07:00,sunday=07:30'; give each"
        " day once",
        source="club.toml",
        setup=_write(
            "club.toml",
            b'mileage = "m.csv"\nlong_run_time = "08:00,sun=07:00,sunday=07:30"\n',
        ),
    ),
    Case(
        "recovery days in a plan file",
        "club.toml: recovery_days: expected 0 to 14 days after the race, found 3.0",
        source="club.toml",
        setup=_write("club.toml", b'mileage = "m.csv"\nrecovery_days = 3.0\n'),
    ),
    Case(
        "missing templates folder",
        "--templates: templates folder nowhere does not exist",
        args=("--templates", "nowhere"),
    ),
    Case(
        "templates folder without routines",
        "--templates: out has no routines/ folder; copy templates/routines from planner as a start",
        args=("--templates", "out"),
    ),
]


NEEDS = {
    "proc": pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc here"),
    "symlinks": pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges"),
}


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=[NEEDS[c.needs]] if c.needs else []) for c in CASES]
)
def test_bad_input_gets_one_line_and_changes_nothing(folder: Path, case: Case) -> None:
    (folder / "m.csv").write_bytes(case.csv)
    if case.setup:
        case.setup(folder)
    before = snapshot(folder)
    result = build(*case.args, source=case.source, env=case.env)
    assert_refused(result, case.message, prefix=case.prefix)
    assert snapshot(folder) == before


@pytest.mark.parametrize(
    ("csv_bytes", "warning"),
    [
        (
            "week,miles,notes\n1,10,café \u2013 easy\n2,12,\n".encode("cp1252"),
            "m.csv, line 2: not UTF-8, so read as Windows-1252 (what Excel saves as 'CSV');"
            " if a note looks wrong, save the file as 'CSV UTF-8'",
        ),
        (
            b"week,miles,longrun,pace\n1,10,4,9:00\n2,12,5,9:00\n",
            "m.csv, line 1: ignoring columns 'longrun' (did you mean long_run?), 'pace';"
            " planner reads week, miles or km, long_run, runs, notes and mon..sun",
        ),
    ],
    ids=["Windows-1252", "unknown columns"],
)
def test_a_warning_is_one_line_and_the_plan_is_built(
    folder: Path, csv_bytes: bytes, warning: str
) -> None:
    (folder / "m.csv").write_bytes(csv_bytes)
    result = build()
    assert result.exit_code == 0
    assert result.stderr == f"planner: warning: {warning}\n"
    assert result.stdout.startswith("Built 'm': 2 weeks")
    assert (folder / "out" / "plan.ics").read_bytes() != OLD_PLAN["plan.ics"]


def test_windows_1252_notes_reach_the_calendar_intact(folder: Path) -> None:
    (folder / "m.csv").write_bytes("week,miles,notes\n1,10,café \u2013 easy\n".encode("cp1252"))
    assert build().exit_code == 0
    calendar = icalendar.Calendar.from_ical((folder / "out" / "plan.ics").read_bytes())
    descriptions = [str(e["DESCRIPTION"]) for e in calendar.walk("VEVENT")]
    assert any("Notes: café \u2013 easy" in d for d in descriptions)


@pytest.mark.skipif(sys.platform != "linux", reason="other systems refuse such file names")
def test_a_file_name_that_is_not_utf8_still_builds(folder: Path) -> None:
    name = os.fsdecode(b"caf\xe9.csv")
    (folder / name).write_bytes(VALID)
    shutil.rmtree(folder / "out")  # out/ holds the plan 'm'; this is a new plan
    result = build(source=name)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Built 'café': 2 weeks")


# An unexpected error: one line that suggests --debug, which shows the traceback.


def _break_the_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the scheduler broke\nacross two lines")

    monkeypatch.setattr(planner.schedule, "build_plan", broken)


def test_an_internal_error_is_one_line_that_suggests_debug(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_the_scheduler(monkeypatch)
    before = snapshot(folder)
    result = build()
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "planner: internal error: RuntimeError: the scheduler broke\\nacross two lines"
        " (run again with --debug to see where; please report it)\n"
    )
    assert snapshot(folder) == before


@pytest.mark.parametrize("where", ["before the command", "after the command"])
def test_debug_shows_the_traceback_wherever_it_is_given(
    folder: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    _break_the_scheduler(monkeypatch)
    args = ["m.csv", "--race-date", "2027-04-18", "--out", "out"]
    if where == "before the command":
        result = invoke("--debug", "build", *args)
    else:
        result = invoke("build", *args, "--debug")
    assert result.exit_code == 1
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert "planner/cli.py" in result.stderr  # where it happened
    assert result.stderr.endswith("RuntimeError: the scheduler broke\nacross two lines\n")


# A build that fails while writing leaves the old plan exactly as it was.


def test_a_failing_exporter_leaves_the_old_plan(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(plan: object) -> bytes:
        raise RuntimeError("no csv today")

    monkeypatch.setattr(planner.export.plan_csv, "to_csv_bytes", broken)
    before = snapshot(folder)
    result = build()
    assert result.exit_code == 1
    assert result.stderr.startswith("planner: internal error: RuntimeError: no csv today")
    assert snapshot(folder) == before


@pytest.mark.parametrize("failing", ["write", "rename"])
def test_a_failure_writing_the_second_file_leaves_the_old_plan(
    folder: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    name = "fsync" if failing == "write" else "replace"
    real = getattr(os, name)
    calls: list[object] = []

    def second_fails(*args: object) -> object:
        calls.append(args)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(planner.writer.os, name, second_fails)
    before = snapshot(folder)
    result = build()
    monkeypatch.undo()
    assert_refused(result, "--out: can't write to out (No space left on device)")
    assert snapshot(folder) == before


def test_a_successful_build_replaces_both_files_and_leaves_nothing_else(folder: Path) -> None:
    (folder / "out" / "plan.ics").chmod(0o644)
    (folder / "out" / "plan.csv").unlink()
    umask = os.umask(0o022)
    try:
        result = build()
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["plan.csv", "plan.ics"]
    assert (folder / "out" / "plan.ics").read_bytes() != OLD_PLAN["plan.ics"]
    for name in ("plan.ics", "plan.csv"):  # replaced, and new: neither is mkstemp's 0600
        assert stat.S_IMODE((folder / "out" / name).stat().st_mode) == 0o644


# Output never lets input run as code elsewhere.

# A note can't hold a line break (the reader splits lines first), so it tries the escaped
# forms. (icalendar turns a literal backslash-capital-N into a line break when it writes: its
# documented normalisation, harmless here, so it is left out of the exact comparison.)
INJECTION = "BEGIN:VEVENT\\nUID:evil; X-INJECTED:1, \\; END:VCALENDAR"


def test_notes_cannot_inject_calendar_properties(folder: Path) -> None:
    quoted = '"' + INJECTION.replace('"', '""') + '"'
    (folder / "m.csv").write_bytes(f"week,miles,notes\n1,10,{quoted}\n".encode())
    shutil.rmtree(folder / "out")  # a new one-week plan, not an update of last week's
    assert build("--race-distance", "5k").exit_code == 0
    data = (folder / "out" / "plan.ics").read_bytes()
    sessions = len(list(csv.reader(io.StringIO((folder / "out" / "plan.csv").read_text())))) - 1
    parsed = icalendar.Calendar.from_ical(data)
    events = parsed.walk("VEVENT")
    assert len(events) == sessions
    assert all("X-INJECTED" not in event for event in events)
    runs = [e for e in events if str(e["X-PLANNER-ACTIVITY"]) in ("run", "long_run", "race")]
    assert runs and all(f"Notes: {INJECTION}" in str(e["DESCRIPTION"]) for e in runs)
    # An independent parser agrees.
    other = vobject.readOne(data.decode("utf-8"))
    assert len(other.vevent_list) == sessions
    assert all(f"Notes: {INJECTION}" in e.description.value for e in other.vevent_list if
               e.x_planner_activity.value in ("run", "long_run", "race"))  # fmt: skip


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://example.com","x")', "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_a_cell_a_spreadsheet_would_run_gets_a_quote(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell
    assert safe_cell("Run 5 mi") == "Run 5 mi"


def test_no_cell_of_plan_csv_starts_like_a_formula(folder: Path) -> None:
    templates = folder / "mine"
    shutil.copytree(ROOT / "templates", templates)
    path = templates / "routines" / "pre_run_activation.toml"
    formula = '"=HYPERLINK(\\"http://example.com\\",\\"x\\")"'  # a TOML string
    path.write_text(path.read_text().replace('"Single-leg balance"', formula, 1))
    (folder / "m.csv").write_bytes(b'week,miles,notes\n1,10,"=1+1, @x"\n2,12,-3\n')
    assert build("--templates", "mine").exit_code == 0
    rows = list(csv.reader(io.StringIO((folder / "out" / "plan.csv").read_text())))
    cells = [cell for row in rows for cell in row]
    assert any(cell.startswith("'=HYPERLINK(") for cell in cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


# Property tests: no input makes the reader or the build raise anything but PlanError.

FUZZ_SCALE = int(os.environ.get("PLANNER_FUZZ_SCALE", "1"))
"""CI runs a few seconds of fuzzing; PLANNER_FUZZ_SCALE=100 runs a hundred times as many."""
SAFE_TEXT = st.characters(blacklist_categories=["Cs"])
PRINTABLE = st.characters(blacklist_categories=["Cs", "Cc"])


def assert_one_line(message: str) -> None:
    assert message and "\n" not in message and "\r" not in message


@settings(max_examples=1000 * FUZZ_SCALE, deadline=None)
@given(st.binary(max_size=300))
def test_the_reader_takes_any_bytes(data: bytes) -> None:
    try:
        mileage = parse_mileage(data, "f.csv")
    except PlanError as err:
        assert_one_line(str(err))
    else:
        assert 1 <= len(mileage.weeks) <= MAX_WEEKS


@settings(max_examples=500 * FUZZ_SCALE, deadline=None)
@given(st.text(SAFE_TEXT, max_size=300), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_the_reader_takes_any_text(text: str, encoding: str) -> None:
    try:
        parse_mileage(("week,miles,notes\n" + text).encode(encoding, "replace"), "f.csv")
    except PlanError as err:
        assert_one_line(str(err))


BAD_DISTANCES = ["", "-1", "nan", "inf", "1e3", "501", "ten", "1,5", " 7 ", "1_0"]


@st.composite
def near_valid_csvs(draw: st.DrawFn) -> bytes:
    """CSVs shaped like the real thing: half of them valid, half with the mistakes people make."""
    mistakes = draw(st.booleans())

    def pick(good: st.SearchStrategy[str], bad: list[str]) -> str:
        if mistakes and draw(st.integers(0, 4)) == 0:
            return draw(st.sampled_from(bad))
        return draw(good)

    sep = draw(st.sampled_from([",", ";", "\t"]))
    distance = st.one_of(
        st.integers(0, 60).map(str),
        st.decimals(0, 60, places=1).map(
            lambda d: str(d) if sep == "," else str(d).replace(".", ",")
        ),
    )
    per_day = draw(st.booleans())
    unit = pick(st.sampled_from(["miles", "km", "Miles "]), ["mile", "distance"])
    columns = ["week", *(["mon", "tue", "wed", "thu", "fri", "sat", "sun"] if per_day else [unit])]
    extra = ["long_run", "runs", "notes", *(["pace", "km", "long_run"] if mistakes else [])]
    columns += draw(st.lists(st.sampled_from(extra), unique=True))
    lines = [sep.join(columns)]
    for number in range(1, draw(st.integers(0 if mistakes else 1, 10)) + 1):
        cells = []
        for column in columns:
            if column == "week":
                cells.append(pick(st.just(str(number)), ["0", "x", str(number + 1), "1"]))
            elif column == "runs":
                cells.append(pick(st.sampled_from(["", "1", "4", "7"]), ["0", "8", "four"]))
            elif column in ("notes", "pace"):
                chars = SAFE_TEXT if mistakes else PRINTABLE
                text = draw(st.text(chars, max_size=12).map(lambda t: " ".join(t.splitlines())))
                quoted = '"' + text.replace('"', '""') + '"'
                cells.append(quoted if sep in text or '"' in text or draw(st.booleans()) else text)
            elif column == "long_run":
                cells.append(pick(st.sampled_from(["", "0", "1", "2"]), BAD_DISTANCES))
            else:
                cells.append(pick(distance, BAD_DISTANCES))
        if mistakes and draw(st.integers(0, 9)) == 0:
            cells = cells[: draw(st.integers(0, len(cells)))] or [*cells, "extra"]
        lines.append(sep.join(cells))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "# a comment", "   "])))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = ending.join(lines) + draw(st.sampled_from([ending, ""]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, "replace")


@settings(
    max_examples=500 * FUZZ_SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(near_valid_csvs())
def test_the_reader_takes_any_near_valid_csv(data: bytes) -> None:
    try:
        mileage = parse_mileage(data, "f.csv")
    except PlanError as err:
        assert_one_line(str(err))
    else:
        assert [w.number for w in mileage.weeks] == list(range(1, len(mileage.weeks) + 1))


# What a runner might type for each option: values that work, and values that don't.
OPTION_TEXT: dict[str, tuple[list[str | None], list[str]]] = {
    "race_date": (["2027-04-18", "2027-10-31", "1900-01-01", "2999-12-31"], ["2027-02-30", "x"]),
    "timezone": (["UTC", "Europe/Berlin", "Australia/Lord_Howe", "america/new_york"], ["Europe"]),
    "run_days": ([None, "tue,thu,sat,sun", "mon tue wed thu fri sat sun", "sun"], ["x", ""]),
    "long_run_day": ([None, "sun", "saturday"], ["someday", "wed"]),
    "run_time": (["07:00", "18.30", "0:00", "22:00", "06:15,sat=08:30"], ["25:00", "7am"]),
    "pace": ([None, "2:00", "9:30", "30:00"], ["1:59", "fast"]),
    "race_distance": ([None, "5k", "marathon", "13.1", "21,1"], ["0", "nan", "1e9"]),
    "remind": ([None, "0", "15", "1440"], ["-1", "x"]),
    "bedtime": ([None, "21:30", "23:59"], ["24:00"]),
    "away": ([None, "2027-04-06..2027-04-08", "2027-10-26,2027-10-28"], ["2027-04-08..2027-04-06"]),
    "recovery_days": ([None, "0", "3", "14"], ["15", "x"]),
}


@st.composite
def option_texts(draw: st.DrawFn) -> dict[str, str | None]:
    mistakes = draw(st.booleans())
    chosen: dict[str, str | None] = {}
    for key, (good, bad) in OPTION_TEXT.items():
        wrong = mistakes and draw(st.integers(0, 3)) == 0
        chosen[key] = draw(st.sampled_from(bad if wrong else good))
    return chosen


OPTION_NAMES = {key: "--" + key.replace("_", "-") for key in OPTION_TEXT}


@settings(max_examples=60 * FUZZ_SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(near_valid_csvs(), option_texts(), st.sampled_from([[], ["--yoga-only"], ["--all-day"]]))
def test_the_whole_build_never_crashes_and_never_half_writes(
    tmp_path_factory: pytest.TempPathFactory,
    data: bytes,
    text: dict[str, str | None],
    flags: list[str],
) -> None:
    """`planner build` from any CSV and option text: a plan, or one error and the old plan."""
    root = tmp_path_factory.mktemp("fuzz")
    (root / "m.csv").write_bytes(data)
    (root / "out").mkdir()
    for name, content in OLD_PLAN.items():
        (root / "out" / name).write_bytes(content)
    args = [
        a for key, value in text.items() if value is not None for a in (OPTION_NAMES[key], value)
    ]
    result = invoke("build", root / "m.csv", "--units", "km", "--out", root / "out", *args, *flags)
    written = snapshot(root / "out")
    if result.exit_code == 0:
        assert set(written) == {"plan.ics", "plan.csv"}
        assert all(written[name] != OLD_PLAN[name] for name in OLD_PLAN)
        calendar = icalendar.Calendar.from_ical(written["plan.ics"])
        race_day = dt.date.fromisoformat(str(text["race_date"]))
        # The race day's first session (the race, or its yoga with --yoga-only) is on race day;
        # a very slow race's recovery may spill into the next day.
        race_days = [
            e.decoded("DTSTART")
            for e in calendar.walk("VEVENT")
            # Events the new plan dropped stay, cancelled, where they were (last week's plan).
            if e["X-PLANNER-DAYS-BEFORE-RACE"] == "0" and e.get("STATUS") != "CANCELLED"
        ]
        first = min(str(start) for start in race_days)  # ISO text sorts by time within a zone
        assert first[:10] == race_day.isoformat()
        event("built")
    else:
        assert result.exit_code == 2, result.stderr
        lines = result.stderr.splitlines()
        assert all(line.startswith("planner: warning: ") for line in lines[:-1])
        assert lines[-1].startswith("planner: error: ")
        assert written == OLD_PLAN
        event("refused")


# A previous plan.ics that planner would not have written: refused in one line naming the file,
# the event's line and what to do, by build and reschedule alike; nothing is written.

FIRST_UID = "m-62c66a7a5d-backside-strength-t13@planner"
"""The first event of OLD_PLAN, on line 18 of its plan.ics."""
MOVE_IT = "move it away, or pass --out to build elsewhere"
REBUILD = "rebuild the plan from its mileage CSV instead"


def _in_first_event(old: str, new: str) -> Callable[[Path], None]:
    """Edit the first event of out/plan.ics: replace ``old`` (a line's start) by ``new``."""

    def setup(root: Path) -> None:
        path = root / "out" / "plan.ics"
        text = path.read_bytes().decode()
        start = text.index("BEGIN:VEVENT")
        end = text.index("END:VEVENT", start)
        event = text[start:end]
        assert old in event
        path.write_bytes((text[:start] + event.replace(old, new, 1) + text[end:]).encode())

    return setup


def _event_refused(problem: str, advice: str = MOVE_IT) -> str:
    return f"out/plan.ics, line 18: event {FIRST_UID!r} {problem}; {advice}"


HOSTILE_PREVIOUS = [
    (
        "days before race twice",
        _in_first_event("UID:", "X-PLANNER-DAYS-BEFORE-RACE:999999999\r\nUID:"),
        "has X-PLANNER-DAYS-BEFORE-RACE twice",
    ),
    (
        "days before race beyond a plan",
        _in_first_event("X-PLANNER-DAYS-BEFORE-RACE:13", "X-PLANNER-DAYS-BEFORE-RACE:99999"),
        "has X-PLANNER-DAYS-BEFORE-RACE '99999'; expected -14 to 734",
    ),
    (
        "days before race further after it than recovery goes",
        _in_first_event("X-PLANNER-DAYS-BEFORE-RACE:13", "X-PLANNER-DAYS-BEFORE-RACE:-15"),
        "has X-PLANNER-DAYS-BEFORE-RACE '-15'; expected -14 to 734",
    ),
    (
        "days before race that don't match the UID",
        _in_first_event("X-PLANNER-DAYS-BEFORE-RACE:13", "X-PLANNER-DAYS-BEFORE-RACE:12"),
        "has a UID that doesn't match its X-PLANNER-ACTIVITY and -DAYS-BEFORE-RACE",
    ),
    (
        "SEQUENCE twice",
        _in_first_event("SEQUENCE:0", "SEQUENCE:0\r\nSEQUENCE:1"),
        "has SEQUENCE twice",
    ),
    (
        "DTSTART twice",
        _in_first_event("DTSTART:", "DTSTART:20270101T000000Z\r\nDTSTART:"),
        "has DTSTART twice",
    ),
    (
        "X-PLANNER-PLAN twice",
        _in_first_event("X-PLANNER-PLAN:m", "X-PLANNER-PLAN:m\r\nX-PLANNER-PLAN:m"),
        "has X-PLANNER-PLAN twice",
    ),
    (
        "SEQUENCE beyond 2^31",
        _in_first_event("SEQUENCE:0", "SEQUENCE:99999999999"),
        "has a SEQUENCE that can't be read (Integer 99999999999 is outside the RFC 5545 range"
        " [-2147483648, 2147483647])",
    ),
    (
        "SEQUENCE with no room for the next build",
        _in_first_event("SEQUENCE:0", "SEQUENCE:2147483647"),
        "has SEQUENCE '2147483647'; expected 0 to 2147483646",
    ),
    (
        "SEQUENCE below 0",
        _in_first_event("SEQUENCE:0", "SEQUENCE:-1"),
        "has SEQUENCE '-1'; expected 0 to 2147483646",
    ),
    (
        "unparseable DTSTART",
        _in_first_event("DTSTART:20270329T070000Z", "DTSTART:garbage"),
        "has a DTSTART that can't be read (Expected time, got: garbage)",
    ),
    (
        "duration-valued DTSTART",
        _in_first_event("DTSTART:20270329T070000Z", "DTSTART;VALUE=DURATION:P1D"),
        "has no DTSTART date or time",
    ),
    (
        "an event in year 1",
        _in_first_event("DTSTART:20270329", "DTSTART:00010329"),
        "starts on 0001-03-29, outside the years planner plans (1897 to 2999)",
    ),
    (
        "an event in year 9999",
        _in_first_event("DTSTART:20270329", "DTSTART:99991231"),
        "starts on 9999-12-31, outside the years planner plans (1897 to 2999)",
    ),
    (
        "an event that ends before it starts",
        _in_first_event("DTEND:20270329", "DTEND:19990329"),
        "ends before it starts",
    ),
    (
        "an event that lasts a year",
        _in_first_event("DTEND:20270329", "DTEND:20280329"),
        "lasts over 14 days",
    ),
    (
        "a line icalendar's parser can't take",
        _in_first_event("CATEGORIES:Yoga,Running", "CATEGORIES;VALUE=DATE:"),
        "not an iCalendar file planner can read (You must use datetime, date, timedelta, time or"
        " tuple (for periods))",
    ),
    (
        "a timezone folder",
        _in_first_event("DTSTART:20270329T070000Z", "DTSTART;TZID=Europe:20270329T070000"),
        None,  # icalendar looks the TZID up while it parses: no event to name yet
    ),
    (
        "a reminder a year before",
        _in_first_event(
            "X-PLANNER-PLAN:m",
            "X-PLANNER-PLAN:m\r\nBEGIN:VALARM\r\nACTION:DISPLAY"
            "\r\nTRIGGER:-P365D\r\nDESCRIPTION:x\r\nEND:VALARM",
        ),
        "has a reminder (TRIGGER '-P365D') that planner doesn't write; expected 0 to 1440"
        " minutes before the start",
    ),
]


@pytest.mark.parametrize(
    ("setup", "problem"),
    [pytest.param(setup, problem, id=name) for name, setup, problem in HOSTILE_PREVIOUS],
)
def test_a_hostile_previous_plan_is_refused_by_build(
    folder: Path, setup: Callable[[Path], None], problem: str | None
) -> None:
    setup(folder)
    before = snapshot(folder)
    result = build()
    if problem is None:
        message = f"out/plan.ics: has a TZID that names no timezone (Is a directory); {MOVE_IT}"
    elif problem.startswith("not an iCalendar file"):  # the parser stopped: no event to name
        message = f"out/plan.ics: {problem}; {MOVE_IT}"
    else:
        message = _event_refused(problem)
    assert_refused(result, message)
    assert snapshot(folder) == before


@pytest.mark.parametrize(
    ("setup", "problem"),
    [pytest.param(setup, problem, id=name) for name, setup, problem in HOSTILE_PREVIOUS[:6]],
)
def test_a_hostile_plan_is_refused_by_reschedule(
    folder: Path, setup: Callable[[Path], None], problem: str
) -> None:
    setup(folder)
    before = snapshot(folder)
    result = invoke("reschedule", "out/plan.ics", "--race-date", "2027-05-02")
    assert_refused(result, _event_refused(problem, REBUILD))
    assert snapshot(folder) == before


# Special files: a pipe or a device in place of any file planner reads is refused at once.
# The command runs as a subprocess with a time limit, so a reader that waits fails the test.


def run_planner(
    *args: str | Path, cwd: Path, timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planner", *[str(a) for a in args]],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(int(GENERATED_AT.timestamp()))},
    )


def _fifo(name: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        (root / name).unlink(missing_ok=True)
        os.mkfifo(root / name)

    return setup


def _zeros(name: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        (root / name).unlink(missing_ok=True)
        (root / name).symlink_to("/dev/zero")

    return setup


def _template(setup: Callable[[Path], None]) -> Callable[[Path], None]:
    def both(root: Path) -> None:
        shutil.copytree(ROOT / "templates", root / "mine")
        setup(root)

    return both


SPECIAL_FILES = [
    ("mileage CSV is a pipe", _fifo("m.csv"), [],
     "m.csv: is a pipe, not a file; expected a CSV file"),
    ("mileage CSV is /dev/zero", _zeros("m.csv"), [],
     "m.csv: is a device, not a file; expected a CSV file"),
    ("plan file is a pipe", _fifo("p.toml"), ["p.toml"],
     "p.toml: is a pipe, not a file; expected a TOML plan file"),
    ("plan file's mileage is /dev/zero",
     lambda root: (_zeros("z.csv")(root), (root / "p.toml").write_text('mileage = "z.csv"\n')),
     ["p.toml"], "z.csv: is a device, not a file; expected a CSV file"),
    ("previous plan.ics is a pipe", _fifo("out/plan.ics"), [],
     f"out/plan.ics: is a pipe, not a file; expected a plan.ics file; {MOVE_IT}"),
    ("previous plan.ics is /dev/zero", _zeros("out/plan.ics"), [],
     f"out/plan.ics: is a device, not a file; expected a plan.ics file; {MOVE_IT}"),
    ("a template is a pipe", _template(_fifo("mine/routines/legs_up_the_wall.toml")),
     ["--templates", "mine"],
     "mine/routines/legs_up_the_wall.toml: is a pipe, not a file; expected a TOML file"),
    ("form cues are /dev/zero", _template(_zeros("mine/form_cues.toml")), ["--templates", "mine"],
     "mine/form_cues.toml: is a device, not a file; expected a TOML file"),
]  # fmt: skip


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pipes and /dev/zero are POSIX")
@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [pytest.param(setup, args, message, id=name) for name, setup, args, message in SPECIAL_FILES],
)
def test_a_special_or_huge_file_is_refused_at_once(
    folder: Path, setup: Callable[[Path], None], args: list[str], message: str
) -> None:
    setup(folder)
    before = snapshot(folder)
    source = args[0] if args and args[0].endswith(".toml") else "m.csv"
    extra = args[1:] if source != "m.csv" else args
    result = run_planner(
        "build", source, "--race-date", "2027-04-18", "--timezone", "UTC", "--out", "out",
        *extra, cwd=folder,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"planner: error: {message}\n"
    assert snapshot(folder) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pipes and /dev/zero are POSIX")
@pytest.mark.parametrize("kind", ["pipe", "device"])
def test_reschedule_refuses_a_special_file_at_once(folder: Path, kind: str) -> None:
    (_fifo if kind == "pipe" else _zeros)("x.ics")(folder)
    result = run_planner("reschedule", "x.ics", "--race-date", "2027-05-02", cwd=folder)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"planner: error: x.ics: is a {kind}, not a file; expected a plan.ics file; {REBUILD}\n"
    )


# Wrong output, found by trying: each now right.


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_the_calendar_csv_files_hold_the_live_events_only(folder: Path) -> None:
    everything = ("--format", "ics,csv,google-csv,outlook-csv")
    assert build(*everything, "--bedtime").exit_code == 0
    result = build(*everything)  # without --bedtime: its 14 evenings are cancelled
    assert result.exit_code == 0, result.output
    assert "cancelled 14," in result.stdout
    out = folder / "out"
    calendar = icalendar.Calendar.from_ical((out / "plan.ics").read_bytes())
    live = [e for e in calendar.walk("VEVENT") if e.get("STATUS") != "CANCELLED"]
    assert len(calendar.walk("VEVENT")) - len(live) == 14
    titles = sorted(str(e["SUMMARY"]) for e in live)
    assert sorted(row["title"] for row in _rows(out / "plan.csv")) == titles
    assert sorted(row["Subject"] for row in _rows(out / "plan.google.csv")) == titles
    assert sorted(row["Subject"] for row in _rows(out / "plan.outlook.csv")) == titles
    assert not any("Bedtime" in title for title in titles)


def test_a_leap_second_zone_is_its_civil_zone(folder: Path) -> None:
    shutil.rmtree(folder / "out")
    assert build("--timezone", "Europe/Berlin", "--out", "civil").exit_code == 0
    for name in ("right/Europe/Berlin", "posix/Europe/Berlin"):
        result = build("--timezone", name, "--out", name.split("/")[0])
        assert result.exit_code == 0, result.output
        assert "(Europe/Berlin)." in result.stdout.splitlines()[0]
        written = (folder / name.split("/")[0] / "plan.ics").read_bytes()
        assert written == (folder / "civil" / "plan.ics").read_bytes()


def test_a_name_that_starts_with_a_byte_order_mark_rebuilds(folder: Path) -> None:
    shutil.rmtree(folder / "out")
    first = build("--name", "\ufeffSpring")
    assert first.stdout.startswith("Built 'Spring': 2 weeks")
    again = build("--name", "\ufeffSpring")
    assert again.exit_code == 0, again.output
    assert "Changes: moved 0, changed 0, added 0, cancelled 0, unchanged 28" in again.stdout


def test_init_never_overwrites_the_mileage_file_it_names(folder: Path) -> None:
    (folder / "m.toml").write_bytes(VALID)
    result = invoke("init", "m.toml", "--mileage", "m.toml", "--force")
    assert_refused(result, "m.toml: is the mileage file itself; name the plan file differently")
    assert (folder / "m.toml").read_bytes() == VALID


@pytest.mark.skipif(sys.platform != "linux", reason="other systems refuse such file names")
def test_init_refuses_a_file_name_that_is_not_utf8(folder: Path) -> None:
    name = os.fsdecode(b"caf\xe9.toml")
    result = invoke("init", name, "--mileage", "m.csv")
    assert_refused(
        result,
        "caf\\xe9.toml: the plan file's name is not UTF-8 text, so a plan file can't hold it;"
        " rename it",
    )
    assert not (folder / name).exists()


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_outputs_never_carry_setuid_setgid_or_sticky_bits(folder: Path) -> None:
    target = folder / "someone-elses"
    target.write_bytes(b"x")
    target.chmod(0o6755 | stat.S_ISVTX)
    (folder / "out" / "plan.csv").unlink()
    (folder / "out" / "plan.csv").symlink_to(target)
    assert build().exit_code == 0
    assert stat.S_IMODE((folder / "out" / "plan.csv").lstat().st_mode) == 0o755
    assert target.read_bytes() == b"x"  # replaced the link, not written through it


def test_a_killed_builds_temporary_files_are_removed_by_the_next(folder: Path) -> None:
    stale = folder / "out" / ".plan.ics.k7x_2q9a.tmp"
    stale.write_bytes(b"half a plan")
    mine = folder / "out" / "notes.tmp"
    mine.write_bytes(b"the runner's own")
    assert build().exit_code == 0
    assert not stale.exists()
    assert mine.read_bytes() == b"the runner's own"


def test_events_that_are_not_the_plans_own_are_left_out_with_a_warning(folder: Path) -> None:
    path = folder / "out" / "plan.ics"
    foreign = "".join(
        f"BEGIN:VEVENT\r\nUID:pasted-{n}@example.com\r\nX-PLANNER-PLAN:m\r\n"
        "DTSTART:20270401T070000Z\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"
        for n in range(500)
    )
    path.write_bytes(
        path.read_bytes().replace(b"END:VCALENDAR", foreign.encode() + b"END:VCALENDAR")
    )
    result = build()
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "planner: warning: out/plan.ics: left out 500 events with a UID that planner did not"
        " make for the plan 'm'\n"
    )
    written = path.read_bytes()
    assert b"pasted-" not in written
    again = build()
    assert (again.exit_code, again.stderr) == (0, "")
    assert path.read_bytes() == written


def test_the_folder_lock_waits_then_fails_in_one_line(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fcntl = pytest.importorskip("fcntl")
    monkeypatch.setattr(planner.writer, "LOCK_WAIT_SECONDS", 0.3)
    held = os.open(folder / "out", os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # as another build would
        before = snapshot(folder)
        result = build()
    finally:
        os.close(held)
    assert_refused(
        result,
        "out: another planner build is writing to it; waited 0.3 s, try again once it has finished",
    )
    assert snapshot(folder) == before
    assert build().exit_code == 0  # once it is free


def test_a_build_waits_for_the_one_writing_its_folder_and_then_reads_its_plan(
    folder: Path,
) -> None:
    """The lock spans reading plan.ics and writing: a build that starts while another holds
    the folder compares with what that one wrote, not with what was there before."""
    pytest.importorskip("fcntl")
    # This process takes the lock as a build does, so that its own build below goes ahead.
    with planner.writer.folder_lock(folder / "out"):
        waiting = subprocess.Popen(
            [sys.executable, "-m", "planner", "build", "m.csv", "--race-date", "2027-05-02",
             "--timezone", "UTC", "--out", "out"],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(2)  # it starts, and waits for the lock
        assert waiting.poll() is None
        # The build holding the folder moves the race a week: every event moves (SEQUENCE 1).
        assert build().exit_code == 0
    stdout, stderr = waiting.communicate(timeout=60)
    assert (waiting.returncode, stderr) == (0, "")
    assert "Changes: moved 28, changed 0, added 0, cancelled 0, unchanged 0" in stdout
    calendar = icalendar.Calendar.from_ical((folder / "out" / "plan.ics").read_bytes())
    assert {int(e["SEQUENCE"]) for e in calendar.walk("VEVENT")} == {2}


def test_builds_at_once_into_one_folder_leave_one_plan(folder: Path) -> None:
    builds = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "planner",
                "build",
                "m.csv",
                "--race-date",
                f"2027-05-{day}",
                "--timezone",
                "UTC",
                "--out",
                "out",
            ],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for day in ("02", "09", "16")
    ]
    for process in builds:
        _, stderr = process.communicate(timeout=120)
        assert (process.returncode, stderr) == (0, "")
    calendar = icalendar.Calendar.from_ical((folder / "out" / "plan.ics").read_bytes())
    live = {
        (str(e["UID"]), e.decoded("DTSTART").date().isoformat())
        for e in calendar.walk("VEVENT")
        if e.get("STATUS") != "CANCELLED"
    }
    assert live == {(row["uid"], row["date"]) for row in _rows(folder / "out" / "plan.csv")}
    # Each build compared with the one before it: three moves, whatever their order.
    assert {int(e["SEQUENCE"]) for e in calendar.walk("VEVENT")} == {3}
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["plan.csv", "plan.ics"]


# Loose ends: Ctrl-C, and a standard output that can't be written to.


def test_ctrl_c_during_a_command_is_one_line_and_exit_130(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(planner.schedule, "build_plan", interrupted)
    before = snapshot(folder)
    result = build()
    assert (result.exit_code, result.stdout, result.stderr) == (130, "", "planner: interrupted\n")
    assert snapshot(folder) == before


def test_ctrl_c_while_planner_starts_is_one_line_and_exit_130(tmp_path: Path) -> None:
    # A real KeyboardInterrupt, raised as planner.cli imports click: the audit hook sees the
    # import happen and interrupts it there, as Ctrl-C at that moment would.
    code = (
        "import sys\n"
        "def hook(event, args):\n"
        "    if event == 'import' and args[0] == 'click':\n"
        "        raise KeyboardInterrupt\n"
        "sys.addaudithook(hook)\n"
        "sys.argv = ['planner', '--version']\n"
        "from planner.__main__ import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=20
    )
    assert (result.returncode, result.stdout, result.stderr) == (130, "", "planner: interrupted\n")


@pytest.mark.parametrize("stdout", ["closed pipe", "full disk"])
def test_a_stdout_that_fails_does_not_fail_the_build(folder: Path, stdout: str) -> None:
    if stdout == "full disk" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    command = [sys.executable, "-m", "planner", "build", "m.csv", "--race-date", "2027-05-02",
               "--timezone", "UTC", "--out", "out"]  # fmt: skip
    if stdout == "closed pipe":
        read_end, write_end = os.pipe()
        os.close(read_end)  # no reader: every write to stdout fails with EPIPE
        try:
            result = subprocess.run(
                command, cwd=folder, stdout=write_end, stderr=subprocess.PIPE, text=True,
                timeout=60,
            )  # fmt: skip
        finally:
            os.close(write_end)
    else:
        with open("/dev/full", "w") as full:
            result = subprocess.run(
                command, cwd=folder, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60
            )
    assert (result.returncode, result.stderr) == (0, "")
    assert (folder / "out" / "plan.ics").read_bytes() != OLD_PLAN["plan.ics"]
    assert (folder / "out" / "plan.csv").read_bytes() != OLD_PLAN["plan.csv"]


# Any mutation of a real plan.ics, as a previous plan: a plan, or one error line; never an
# internal error.


def _berlin_plan_with_reminders() -> bytes:
    mileage = parse_mileage(VALID, "m.csv")
    options = planner.schedule.PlanOptions(
        race_date=dt.date(2027, 4, 11), name="m", timezone="Europe/Berlin", remind=15
    )
    plan = planner.schedule.build_plan(mileage, options, load_routines(), GENERATED_AT)
    return to_ics(plan)


MUTABLE = _berlin_plan_with_reminders().decode().split("\r\n")
EXTREMES = [
    "", "0", "-1", "735", "2147483646", "2147483647", "99999999999", "1" * 30, "00010101",
    "99991231", "00010101T000000Z", "99991231T235959", "20270405T070000Z", "P1D", "-P99999D",
    "PT0S", "garbage", "Europe", "right/Europe/Berlin", "../../../dev/zero", "\ufeffm", "m",
    "other", "CANCELLED", "run", "swim", "m-62c66a7a5d-run-t3@planner", "x@planner",
]  # fmt: skip
PARAMETERS = ["", ";TZID=Europe", ";TZID=Mars/Olympus", ";TZID=Europe/Berlin", ";VALUE=DATE",
              ";VALUE=DURATION", ";VALUE=PERIOD", ";RELATED=END"]  # fmt: skip


@st.composite
def mutated_plans(draw: st.DrawFn) -> bytes:
    lines = list(MUTABLE)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["duplicate", "drop", "garble", "extreme", "extreme"]))
        if how == "duplicate":
            lines.insert(at, lines[at])
        elif how == "drop":
            del lines[at]
        elif how == "garble":
            lines[at] = draw(st.text(SAFE_TEXT, max_size=30))
        else:
            name = lines[at].split(":")[0].split(";")[0]
            if not name or name.startswith(" "):  # a folded line's continuation
                continue
            value = draw(st.sampled_from(EXTREMES))
            lines[at] = f"{name}{draw(st.sampled_from(PARAMETERS))}:{value}"
    return "\r\n".join(lines).encode("utf-8", "surrogatepass")


def _one_error_line(result: Result) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("planner: error: ")
    assert result.stderr.count("\n") == 1


@settings(max_examples=40 * FUZZ_SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_plans())
def test_a_mutated_previous_plan_builds_or_is_refused(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    root = tmp_path_factory.mktemp("mutated")
    (root / "m.csv").write_bytes(VALID)
    (root / "out").mkdir()
    (root / "out" / "plan.ics").write_bytes(data)
    result = invoke(
        "build", root / "m.csv", "--race-date", "2027-04-18", "--timezone", "UTC", "--out",
        root / "out",
    )  # fmt: skip
    if result.exit_code == 0:
        icalendar.Calendar.from_ical((root / "out" / "plan.ics").read_bytes())
        event("built")
    else:
        _one_error_line(result)
        assert (root / "out" / "plan.ics").read_bytes() == data
        assert not (root / "out" / "plan.csv").exists()
        event("refused")
    (root / "x.ics").write_bytes(data)
    moved = invoke("reschedule", root / "x.ics", "--race-date", "2027-05-02", "--out", root / "r")
    if moved.exit_code == 0:
        icalendar.Calendar.from_ical((root / "r" / "plan.ics").read_bytes())
    else:
        _one_error_line(moved)
        assert not (root / "r").exists()

"""Plan files through the real command: errors name the file and key, flags beat the file,
and `planner init` writes a file that reads back and builds the same plan."""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from pathlib import Path

import pytest

from planner.cli import _setting_helps
from planner.planfile import parse_plan_file, render_plan_file
from tests.conftest import SAMPLES, WEEKS, invoke


@pytest.fixture
def club(tmp_path: Path) -> Path:
    """A folder with weeks.csv in it, for plan files to point at."""
    (tmp_path / "weeks.csv").write_text(WEEKS)
    return tmp_path


def plan_file(folder: Path, text: str) -> Path:
    path = folder / "club.toml"
    path.write_text('mileage = "weeks.csv"\n' + text, encoding="utf-8")
    return path


def rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "plan.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("racedate = 2027-04-18\n", "racedate", "not a plan-file key; did you mean race_date?"),
        (
            "colour = 'red'\n",
            "colour",
            "not a plan-file key; expected one of mileage, name, race_date, timezone, run_days,"
            " long_run_day, run_time, long_run_time, pace, race_distance, remind, yoga_only,"
            " gentle_inversion, all_day, bedtime, units, templates, out, format",
        ),
        ('remind = "ten"\n', "remind", "expected 0 to 1440 minutes before each event, found 'ten'"),
        ('yoga_only = "yes"\n', "yoga_only", "expected true or false, found 'yes'"),
        ("race_date = 20270418\n", "race_date", "expected a date as YYYY-MM-DD, found 20270418"),
        (
            'race_date = "2027-02-30"\n',
            "race_date",
            "expected a real date as YYYY-MM-DD (e.g. 2027-04-18), found '2027-02-30'",
        ),
        (
            'run_time = "25:00"\n',
            "run_time",
            "expected a 24-hour time like 07:00 or 18:30, found '25:00'",
        ),
        (
            'run_days = ["tue", "funday"]\n',
            "run_days",
            "expected a weekday like mon or sun, found 'funday'",
        ),
        (
            "run_days = [2, 4]\n",
            "run_days",
            """expected weekdays like ["tue", "thu", "sun"], found [2, 4]""",
        ),
        (
            'timezone = "Europe/Berln"\n',
            "timezone",
            "unknown timezone 'Europe/Berln'; did you mean Europe/Berlin",
        ),
        (
            'race_distance = "ultra"\n',
            "race_distance",
            "expected 5k, 10k, half, marathon or a distance in miles, found 'ultra'",
        ),
        ('format = ["ics", "pdf"]\n', "format", "unknown format 'pdf'; expected a comma list"),
        ('units = "furlongs"\n', "units", """expected "mi" or "km", found 'furlongs'"""),
        ("remind = 5000\n", "remind", "expected 0 to 1440 minutes before each event, found 5000"),
    ],
)
def test_a_bad_value_names_the_file_and_key(club: Path, text: str, key: str, message: str) -> None:
    path = plan_file(club, "race_date = 2027-04-18\n" if key != "race_date" else "")
    path.write_text(path.read_text() + text)
    result = invoke("build", str(path), "--out", str(club / "out"))
    assert result.exit_code == 2
    assert result.output.startswith(f"planner: error: {path}: {key}: {message}")
    assert result.output.count("\n") == 1
    assert not (club / "out").exists()


def test_missing_mileage_file(club: Path) -> None:
    path = club / "club.toml"
    path.write_text('mileage = "nope.csv"\nrace_date = 2027-04-18\n')
    result = invoke("build", str(path))
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {path}: mileage: no file {club / 'nope.csv'}"
        " (paths are relative to the plan file)\n",
    )


def test_missing_mileage_key(club: Path) -> None:
    path = club / "club.toml"
    path.write_text("race_date = 2027-04-18\n")
    result = invoke("build", str(path))
    assert (result.exit_code, result.output) == (
        2,
        f'planner: error: {path}: mileage: missing; add mileage = "weeks.csv"'
        " (relative to this file)\n",
    )


def test_bad_toml_gives_file_line_and_column(club: Path) -> None:
    path = plan_file(club, 'name = "Riverside\n')
    result = invoke("build", str(path))
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {path}: not valid TOML: Illegal character '\\n' (at line 2, column 18)\n",
    )


def test_missing_plan_file(tmp_path: Path) -> None:
    result = invoke("build", str(tmp_path / "club.toml"), "--race-date", "2027-04-18")
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {tmp_path / 'club.toml'}: file not found\n",
    )


def test_a_club_file_without_race_date_asks_for_one(club: Path) -> None:
    path = plan_file(club, 'name = "Riverside"\n')
    result = invoke("build", str(path))
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {path}: race_date: missing; pass --race-date YYYY-MM-DD,"
        " or add race_date = YYYY-MM-DD to the file\n",
    )
    # A CSV build says what it always said.
    result = invoke("build", str(club / "weeks.csv"))
    assert (result.exit_code, result.output) == (
        2,
        "planner: error: Missing option '--race-date'. (see 'planner build --help')\n",
    )


def test_flags_override_the_file_and_the_file_fills_in_the_rest(club: Path) -> None:
    path = plan_file(
        club,
        'name = "Riverside"\ntimezone = "Europe/Berlin"\nrun_time = 06:00:00\n'
        'long_run_time = "07:30"\nyoga_only = true\nout = "from-file"\n',
    )
    result = invoke(
        "build", str(path), "--race-date", "2027-04-18", "--timezone", "America/New_York",
        "--run-time", "18:00", "--with-runs",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Built 'Riverside': 3 weeks, Mon 29 Mar 2027 to race day Sun 18 Apr 2027"
        " (America/New_York).\n"
    )
    out = club / "from-file"  # relative to the plan file, not to the current folder
    starts = {(r["activity"], r["start"], r["timezone"]) for r in rows(out)}
    assert ("run", "18:00", "America/New_York") in starts
    assert ("long_run", "07:30", "America/New_York") in starts
    # The file's yoga_only = true lost to --with-runs; without the flag it holds.
    invoke("build", str(path), "--race-date", "2027-04-18")
    assert not {r["activity"] for r in rows(out)} & {"run", "long_run", "race"}


def test_a_plan_file_builds_the_same_plan_as_its_flags(club: Path) -> None:
    flags = [
        "--race-date", "2027-04-18", "--timezone", "Europe/London", "--name", "Riverside",
        "--run-days", "tue,thu,sun", "--long-run-time", "07:30", "--pace", "9:15",
        "--race-distance", "5k", "--remind", "20", "--bedtime", "21:45",
        "--gentle-inversion",
    ]  # fmt: skip
    path = plan_file(
        club,
        'name = "Riverside"\nrace_date = 2027-04-18\ntimezone = "Europe/London"\n'
        'run_days = ["tue", "thu", "sun"]\nlong_run_time = 07:30:00\npace = "9:15"\n'
        'race_distance = "5k"\nremind = 20\nbedtime = "21:45"\ngentle_inversion = true\n',
    )
    by_flags = invoke("build", str(club / "weeks.csv"), *flags, "--out", str(club / "a"))
    by_file = invoke("build", str(path), "--out", str(club / "b"))
    assert by_flags.exit_code == by_file.exit_code == 0, by_flags.output + by_file.output
    assert by_flags.output.replace("/a/", "/b/") == by_file.output
    for name in ("plan.ics", "plan.csv"):
        assert (club / "a" / name).read_bytes() == (club / "b" / name).read_bytes()


def test_init_writes_a_commented_file_that_reads_back_and_builds(
    club: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(club)
    flags = [
        "--name", "Riverside", "--run-days", "tue,thu,sun", "--long-run-day", "sun",
        "--long-run-time", "07:30", "--pace", "9:15", "--race-distance", "5k",
        "--remind", "20", "--bedtime", "--gentle-inversion", "--format", "ics",
        "--out", "plans/riverside",
    ]  # fmt: skip
    result = invoke("init", "shared/club.toml", "--mileage", "weeks.csv", *flags)
    assert (result.exit_code, result.output) == (
        0,
        "Wrote shared/club.toml. Build it with:"
        " planner build shared/club.toml --race-date YYYY-MM-DD\n",
    )
    text = Path("shared/club.toml").read_text(encoding="utf-8")
    assert text.startswith("# A planner plan file:")
    assert "# race_date = 2027-04-18\n" in text  # commented out: each runner brings theirs
    assert tomllib.loads(text) == {
        "name": "Riverside",
        "mileage": "../weeks.csv",
        "out": "../plans/riverside",
        "run_days": ["tue", "thu", "sun"],
        "long_run_day": "sun",
        "long_run_time": "07:30",
        "pace": "9:15",
        "race_distance": "5k",
        "remind": 20,
        "bedtime": "21:30",
        "gentle_inversion": True,
        "format": ["ics"],
    }
    # Built from the file, it is the plan the same flags build from the CSV.
    built = invoke("build", "shared/club.toml", "--race-date", "2027-04-18", "--timezone", "UTC")
    assert built.exit_code == 0, built.output
    direct = invoke(
        "build", "weeks.csv", "--race-date", "2027-04-18", "--timezone", "UTC",
        *flags[:-2], "--out", "direct",
    )  # fmt: skip
    assert direct.exit_code == 0, direct.output
    assert Path("plans/riverside/plan.ics").read_bytes() == Path("direct/plan.ics").read_bytes()
    assert not Path("plans/riverside/plan.csv").exists()


def test_init_does_not_overwrite_without_force(club: Path) -> None:
    path = club / "club.toml"
    path.write_text("# the coach's own file\n")
    result = invoke("init", str(path), "--mileage", str(club / "weeks.csv"))
    assert (result.exit_code, result.output) == (
        2,
        f"planner: error: {path}: already exists; pass --force to replace it\n",
    )
    assert path.read_text() == "# the coach's own file\n"
    result = invoke("init", str(path), "--mileage", str(club / "weeks.csv"), "--force")
    assert result.exit_code == 0, result.output
    assert tomllib.loads(path.read_text()) == {"mileage": "weeks.csv"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["club.txt", "--mileage", "weeks.csv"],
            "club.txt: name the plan file with .toml at the end",
        ),
        (["club.toml", "--mileage", "nope.csv"], "--mileage: no file nope.csv"),
        (
            ["club.toml", "--mileage", "weeks.csv", "--run-time", "25:00"],
            "--run-time: expected a 24-hour time like 07:00 or 18:30, found '25:00'",
        ),
    ],
)
def test_init_errors(
    club: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(club)
    result = invoke("init", *args)
    assert (result.exit_code, result.output) == (2, f"planner: error: {message}\n")
    assert not Path("club.toml").exists()


def test_sample_club_file_is_what_init_writes() -> None:
    """sample_plans/club_half.toml came from `planner init`; it stays in step with it."""
    path = SAMPLES / "club_half.toml"
    plan = parse_plan_file(tomllib.loads(path.read_text(encoding="utf-8")), path)
    written = render_plan_file(path, plan.mileage, plan.layer.values, _setting_helps())
    assert written == path.read_text(encoding="utf-8")


def test_toml_times_and_dates_read_as_the_flags_do(club: Path) -> None:
    path = plan_file(club, "race_date = 2027-04-18\nrun_time = 06:45:00\n")
    settings = parse_plan_file(tomllib.loads(path.read_text()), path).settings
    assert (settings.race_date, settings.run_time) == (dt.date(2027, 4, 18), dt.time(6, 45))

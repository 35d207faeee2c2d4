"""A plan file's values from the command line's side: each can be unset (back to planner's
default), and each mistake in one is reported as "FILE: key", never as the flag, including
the mistakes that only show when the plan is built."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.options import SETTING_KEYS, Layer, read_layer
from planner.pipeline import settings_for
from planner.planfile import KEYS
from tests.conftest import SAMPLES

EVERYTHING = """\
mileage = "weeks.csv"
name = "Club half"
race_date = 2027-04-18
timezone = "Europe/Berlin"
run_days = ["tue", "thu", "sat", "sun"]
long_run_day = "sat"
run_time = "06:15"
long_run_time = "07:30"
pace = "9:30"
race_distance = "half"
remind = 30
yoga_only = true
gentle_inversion = true
all_day = true
bedtime = "22:00"
units = "km"
templates = "my-templates"
out = "club-out"
format = ["html"]
away = ["2027-02-10"]
recovery_days = 3
refresh_hours = 6
"""
"""A plan file that sets every key to something other than planner's default."""


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    shutil.copy(SAMPLES / "half_marathon.csv", tmp_path / "weeks.csv")
    (tmp_path / "club.toml").write_text(EVERYTHING, encoding="utf-8")
    return tmp_path / "club.toml"


def test_the_plan_file_sets_every_key(plan_file: Path) -> None:
    """The cases below are worth something only if every value differs from the default."""
    assert {line.split(" = ")[0] for line in EVERYTHING.splitlines()} == set(KEYS)
    bare = plan_file.with_name("bare.toml")
    bare.write_text('mileage = "weeks.csv"\n', encoding="utf-8")
    given, default = settings_for(plan_file), settings_for(bare)
    for key in SETTING_KEYS:
        assert getattr(given, key) != getattr(default, key), key


@pytest.mark.parametrize("key", SETTING_KEYS)
def test_default_unsets_each_key_a_plan_file_sets(plan_file: Path, key: str) -> None:
    """`--KEY default` (and a roster cell or URL parameter "default"): planner's default,
    the machine's zone and <input>-plan folder included, whatever the file says."""
    # The same file name, for the same default out folder (club-plan).
    bare = plan_file.parent / "bare" / "club.toml"
    bare.parent.mkdir()
    bare.write_text('mileage = "../weeks.csv"\n', encoding="utf-8")
    flags = read_layer({key: "default"}, name=lambda k: f"--{k}")
    assert flags == Layer({key: None}, {key: f"--{key}"})
    unset = settings_for(plan_file, flags)
    assert getattr(unset, key) == getattr(settings_for(bare), key)
    assert unset.name_of(key) == f"--{key}"
    for other in SETTING_KEYS:
        if other != key:
            assert getattr(unset, other) == getattr(settings_for(plan_file), other), other


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (["--no-remind"], b"BEGIN:VALARM"),
        (["--remind", "default"], b"BEGIN:VALARM"),
        (["--no-bedtime"], b"Bedtime legs up the wall"),
        (["--bedtime", "default"], b"Bedtime legs up the wall"),
        (["--timed"], b"DTSTART;VALUE=DATE:"),
    ],
)
def test_the_command_line_unsets_what_the_file_sets(
    plan_file: Path, args: list[str], absent: bytes
) -> None:
    plan_file.write_text(
        'mileage = "weeks.csv"\nremind = 30\nbedtime = "21:30"\npace = "9:30"\n'
        'yoga_only = true\ngentle_inversion = true\nall_day = true\nformat = ["ics"]\n',
        encoding="utf-8",
    )
    folder = plan_file.parent
    base = ["build", str(plan_file), "--race-date", "2027-04-18", "--timezone", "UTC"]
    done = CliRunner().invoke(cli, [*base, "--out", str(folder / "with")])
    assert done.exit_code == 0, done.output
    assert absent in (folder / "with" / "plan.ics").read_bytes()
    done = CliRunner().invoke(cli, [*base, *args, "--out", str(folder / "without")])
    assert done.exit_code == 0, done.output
    assert absent not in (folder / "without" / "plan.ics").read_bytes()


def test_the_rest_of_the_file_stays(plan_file: Path) -> None:
    plan_file.write_text(
        'mileage = "weeks.csv"\nremind = 30\nbedtime = "21:30"\nformat = ["ics"]\n',
        encoding="utf-8",
    )
    out = plan_file.parent / "out"
    args = ["build", str(plan_file), "--race-date", "2027-04-18", "--no-remind", "--out", str(out)]
    done = CliRunner().invoke(cli, [*args, "--timezone", "UTC"])
    assert done.exit_code == 0, done.output
    data = (out / "plan.ics").read_bytes()
    assert b"BEGIN:VALARM" not in data and b"Bedtime legs up the wall" in data


def test_out_default_is_the_inputs_own_folder_name(
    plan_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_file.write_text('mileage = "weeks.csv"\nout = "elsewhere"\nformat = ["html"]\n')
    monkeypatch.chdir(plan_file.parent)
    args = ["build", "club.toml", "--race-date", "2027-04-18", "--out", "default"]
    args += ["--format", "default", "--dry-run"]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert "Would write club-plan/plan.ics" in done.output
    assert "Would write club-plan/plan.csv" in done.output


def test_a_switch_and_its_value_together_are_refused(plan_file: Path) -> None:
    args = ["build", str(plan_file), "--no-remind", "--remind", "10"]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 2
    assert done.output == (
        "planner: error: give --no-remind or --remind, not both (see 'planner build --help')\n"
    )


def test_help_tells_how_to_unset() -> None:
    done = CliRunner().invoke(cli, ["build", "--help"])
    assert "give the option the value 'default'" in done.output
    assert "--no-remind" in done.output and "--no-bedtime" in done.output


# Errors name the file and key --------------------------------------------------------------

ERRORS = {
    "mileage": (
        'mileage = "nope.csv"',
        "mileage: no file {dir}/nope.csv (paths are relative to the plan file)",
    ),
    "name": (
        'name = "a\\nb"',
        "name: expected a name on one line without control characters, found 'a\\nb'",
    ),
    "race_date": (
        'race_date = "2027-02-30"',
        "race_date: expected a real date as YYYY-MM-DD (e.g. 2027-04-18), found '2027-02-30'",
    ),
    "timezone": (
        'timezone = "Europe/Berln"',
        "timezone: unknown timezone 'Europe/Berln'; did you mean Europe/Berlin, "
        "Europe/Belfast, Europe/Helsinki?",
    ),
    "run_days": (
        'run_days = ["tue", "tue"]',
        "run_days: lists a day twice: 'tue,tue'",
    ),
    "long_run_day": (
        'long_run_day = "sunnday"',
        "long_run_day: expected a weekday like mon or sun, found 'sunnday'",
    ),
    "run_time": (
        'run_time = "7am"',
        "run_time: expected a 24-hour time like 07:00 or 18:30, found '7am'",
    ),
    "long_run_time": (
        'long_run_time = "25:00"',
        "long_run_time: expected a 24-hour time like 07:00 or 18:30, found '25:00'",
    ),
    "pace": (
        'pace = "9.30"',
        "pace: expected minutes:seconds per mile or km between 2:00 and 30:00, found '9.30'",
    ),
    "race_distance": (
        'race_distance = "ultra"',
        "race_distance: expected 5k, 10k, half, marathon or a distance in miles, found 'ultra'",
    ),
    "remind": (
        "remind = 2000",
        "remind: expected 0 to 1440 minutes before each event, found 2000",
    ),
    "yoga_only": (
        'yoga_only = "yes"',
        "yoga_only: expected true or false, found 'yes'",
    ),
    "gentle_inversion": (
        "gentle_inversion = 1",
        "gentle_inversion: expected true or false, found 1",
    ),
    "all_day": (
        'all_day = "no"',
        "all_day: expected true or false, found 'no'",
    ),
    "bedtime": (
        'bedtime = "late"',
        "bedtime: expected a 24-hour time like 07:00 or 18:30, found 'late'",
    ),
    "units": (
        'units = "furlongs"',
        'units: expected "mi" or "km", found \'furlongs\'',
    ),
    "format": (
        'format = ["ics", "pdf"]',
        "format: unknown format 'pdf'; expected a comma list of ics, csv, google-csv, "
        "outlook-csv, html, private-ics",
    ),
    "away": (
        'away = ["2027-02-14..2027-02-10"]',
        "away: '2027-02-14..2027-02-10' ends before it starts; write the earlier day first",
    ),
    "recovery_days": (
        "recovery_days = 20",
        "recovery_days: expected 0 to 14 days after the race, found 20",
    ),
    "refresh_hours": (
        "refresh_hours = 0",
        "refresh_hours: expected 1 to 168 hours, found 0",
    ),
    # Found only as the plan is built, from the values together or from the disk:
    "templates": (
        'templates = "missing-folder"',
        "templates: templates folder {dir}/missing-folder does not exist",
    ),
    "out": (
        'out = "a-file"',
        "out: {dir}/a-file is a file; name a folder for the plan",
    ),
    "long_run_day and run_days": (
        'run_days = ["tue", "thu", "sat"]\nlong_run_day = "sun"',
        "long_run_day: sun is not one of the run days (tue,thu,sat); add it to {file}: run_days",
    ),
    "run_days for a week's runs": (
        'run_days = ["sat", "sun"]',
        "run_days: lists 2 days, but {dir}/weeks.csv, line 4 asks for 4 runs; add days or lower"
        " that week's runs",
    ),
    "race_distance for race week": (
        'race_distance = "50"',
        "race_distance: the race (50 miles) is longer than race week's 20 miles "
        "({dir}/weeks.csv, line 15); give the race's distance or raise the week's total",
    ),
    "run_time and bedtime": (
        'run_time = "20:00"\nbedtime = "20:10"',
        "schedule: Run 4 mi on Tue 26 Jan ends at 20:40, after Bedtime legs up the "
        "wall (5 min) starts at 20:10; choose an earlier {file}: run_time / "
        "--long-run-time or a later {file}: bedtime",
    ),
    "long_run_time and bedtime": (
        'long_run_time = "21:00"\nbedtime = "21:30"',
        "schedule: Long run 5 mi on Sun 31 Jan ends at 21:50, after Bedtime legs up "
        "the wall (5 min) starts at 21:30; choose an earlier --run-time / {file}: "
        "long_run_time or a later {file}: bedtime",
    ),
}


def test_every_key_has_an_error_case() -> None:
    assert {case.split(" ")[0] for case in ERRORS} == set(KEYS)


@pytest.mark.parametrize("case", ERRORS)
def test_a_bad_value_is_named_by_its_file_and_key(tmp_path: Path, case: str) -> None:
    shutil.copy(SAMPLES / "half_marathon.csv", tmp_path / "weeks.csv")
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    lines, message = ERRORS[case]
    plan = tmp_path / "club.toml"
    text = lines if case == "mileage" else f'mileage = "weeks.csv"\n{lines}\n'
    plan.write_text(text, encoding="utf-8")
    args = ["build", str(plan), "--race-date", "2027-04-18", "--timezone", "UTC"]
    done = CliRunner().invoke(cli, [*args, "--dry-run"])
    assert done.exit_code == 2, done.output
    where = message.format(dir=tmp_path, file=plan)
    if not where.startswith("schedule"):
        where = f"{plan}: {where}"
    assert done.output == f"planner: error: {where}\n"
    assert "--" + case.split(" ")[0].replace("_", "-") not in done.output


def test_a_member_unsets_a_plan_file_value_the_same_way(plan_file: Path) -> None:
    """A roster cell or URL parameter "default", through the members module both faces use."""
    from planner.members import member_settings, read_member

    member = read_member({"pace": "default", "run_days": "default"}, lambda key: key)
    settings = member_settings(settings_for(plan_file), member)
    assert (settings.pace, settings.run_days) == (None, None)
    assert settings.run_time == settings_for(plan_file).run_time  # the rest of the file stays


def test_only_the_word_itself_unsets(plan_file: Path) -> None:
    layer = read_layer({"name": "Default", "out": Path("default ")}, name=str)
    assert layer.values == {"name": "Default", "out": Path("default ")}

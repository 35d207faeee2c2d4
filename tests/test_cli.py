from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner import __version__
from planner.cli import cli
from tests.conftest import ROOT, SAMPLES

HALF = str(SAMPLES / "half_marathon.csv")


def run(*args: str, env: dict[str, str] | None = None) -> object:
    runner = CliRunner()
    return runner.invoke(cli, list(args), env=env, catch_exceptions=False)


def test_build_writes_both_files_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "half"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            HALF,
            "--race-date",
            "2027-04-18",
            "--race-distance",
            "half",
            "--timezone",
            "America/New_York",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "Built 'half_marathon': 12 weeks, Mon 25 Jan 2027 to race day Sun 18 Apr 2027"
        " (America/New_York)."
    )
    assert lines[1:9] == [
        "  run                   40",
        "  long run              11",
        "  race                   1",
        "  pre run activation    52",
        "  post run recovery     52",
        "  legs up the wall      12",
        "  backside strength     22",
        "  events               190",
    ]
    assert lines[-2].startswith(f"Wrote {out / 'plan.ics'} (")
    assert lines[-1].startswith(f"Wrote {out / 'plan.csv'} (")
    assert (out / "plan.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert (out / "plan.csv").read_text().startswith("date,start,end,timezone,week,")


def test_out_defaults_to_csv_stem_plan_in_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    if True:
        Path("spring.csv").write_text("week,miles\n1,10\n2,12\n")
        result = runner.invoke(cli, ["build", "spring.csv", "--race-date", "2027-04-18"])
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in Path("spring-plan").iterdir()) == ["plan.csv", "plan.ics"]
        assert Path("spring.csv").read_text() == "week,miles\n1,10\n2,12\n"


def test_input_named_plan_csv_in_the_out_folder_is_never_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "plan.csv"
    source.write_text("week,miles\n1,10\n")
    result = CliRunner().invoke(
        cli, ["build", str(source), "--race-date", "2027-04-18", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"planner: error: --out: {tmp_path / 'plan.csv'} is the input file and would be"
        " overwritten; choose another --out folder\n"
    )
    assert source.read_text() == "week,miles\n1,10\n"
    assert not (tmp_path / "plan.ics").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--race-date", "2027-02-30"],
            "planner: error: --race-date: expected a real date as YYYY-MM-DD (e.g. 2027-04-18),"
            " found '2027-02-30'\n",
        ),
        (
            ["--race-date", "2027-04-18", "--timezone", "Europe/Berln"],
            "planner: error: --timezone: unknown timezone 'Europe/Berln'; did you mean"
            " Europe/Berlin",
        ),
        (
            ["--race-date", "2027-04-18", "--run-days", "tue,thu,funday"],
            "planner: error: --run-days: expected a weekday like mon or sun, found 'funday'\n",
        ),
        (
            ["--race-date", "2027-04-18", "--pace", "fast"],
            "planner: error: --pace: expected minutes:seconds per mile or km between 2:00 and"
            " 30:00, found 'fast'\n",
        ),
        (
            ["--race-date", "2027-04-18", "--run-time", "25:00"],
            "planner: error: --run-time: expected a 24-hour time like 07:00 or 18:30,"
            " found '25:00'\n",
        ),
        (
            ["--race-date", "2027-04-18", "--race-distance", "ultra"],
            "planner: error: --race-distance: expected 5k, 10k, half, marathon or a distance in"
            " miles, found 'ultra'\n",
        ),
        (
            ["--race-date", "2027-04-18", "--remind", "-5"],
            "planner: error: --remind: expected 0 to 1440 minutes before each event, found -5\n",
        ),
        (
            [],
            "planner: error: Missing option '--race-date'. (see 'planner build --help')\n",
        ),
    ],
)
def test_bad_options_give_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(cli, ["build", HALF, "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert result.output.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_bad_csv_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("week,miles\n1,10\n2,ten\n")
    result = CliRunner().invoke(
        cli, ["build", str(bad), "--race-date", "2027-04-18", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"planner: error: {bad}, line 3, column miles: expected a distance in miles like 12 or"
        " 12.5, found 'ten'\n"
    )
    assert not (tmp_path / "o").exists()


def test_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["build", str(tmp_path / "nope.csv"), "--race-date", "2027-04-18"]
    )
    assert result.exit_code == 2
    assert result.output == f"planner: error: {tmp_path / 'nope.csv'}: file not found\n"


def test_help_documents_every_build_option() -> None:
    result = CliRunner().invoke(cli, ["build", "--help"])
    assert result.exit_code == 0
    for option in (
        "--race-date", "--out", "--timezone", "--run-days", "--long-run-day", "--run-time",
        "--long-run-time", "--pace", "--race-distance", "--remind", "--yoga-only", "--name",
        "--units", "--templates",
    ):  # fmt: skip
        assert option in result.output
    top = CliRunner().invoke(cli, ["--help"])
    assert top.exit_code == 0 and "build" in top.output


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"planner {__version__}\n"


def test_python_m_planner_and_source_date_epoch_give_identical_files(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000", "PYTHONPATH": str(ROOT)}
    outputs = []
    for name in ("a", "b"):
        done = subprocess.run(
            [sys.executable, "-m", "planner", "build", HALF, "--race-date", "2027-04-18",
             "--timezone", "Europe/Berlin", "--out", str(tmp_path / name)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs.append((tmp_path / name / "plan.ics").read_bytes())
    assert outputs[0] == outputs[1]
    assert b"DTSTAMP:20260921T141320Z" in outputs[0]  # 1790000000 s = 2026-09-21 14:13:20 UTC


def test_a_plan_too_big_for_google_is_written_with_one_warning(tmp_path: Path) -> None:
    mileage = tmp_path / "two_years.csv"
    rows = "".join(f"{n},{20 + n % 10},{6 + n % 5},5\n" for n in range(1, 105))
    mileage.write_text("week,miles,long_run,runs\n" + rows)
    out = tmp_path / "plan"
    args = ["build", str(mileage), "--race-date", "2028-04-16", "--timezone", "Europe/London"]
    options = ["--bedtime", "--remind", "10", "--format", "ics", "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, *options])
    assert result.exit_code == 0, result.output
    size = (out / "plan.ics").stat().st_size
    assert size > 1_000_000
    assert result.stderr == (
        f"planner: warning: plan.ics is {size:,} bytes, over the 1 MB that Google Calendar"
        " imports; for Google, build without --bedtime (add one daily event in Google instead)"
        ' or --remind (Google drops reminders anyway), or see "Plan size" in the README\n'
    )
    assert result.stdout.splitlines()[-1] == (
        "Descriptions: brief, with no poses (full steps: planner routines show NAME): full ones"
        " would take plan.ics past 900 KB, and Google Calendar imports up to 1 MB."
    )
    assert [p.name for p in out.iterdir()] == ["plan.ics"]


def test_format_takes_a_comma_list_of_outputs(tmp_path: Path) -> None:
    args = ["build", HALF, "--race-date", "2027-04-18", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--format", "outlook-csv, google-csv,ics"])
    assert result.exit_code == 0, result.output
    written = [line.split()[1] for line in result.output.splitlines() if line.startswith("Wrote")]
    assert written == [
        str(tmp_path / name) for name in ("plan.outlook.csv", "plan.google.csv", "plan.ics")
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "plan.google.csv", "plan.ics", "plan.outlook.csv",
    ]  # fmt: skip
    bad = CliRunner().invoke(cli, [*args, "--format", "ics,gcal"])
    assert bad.exit_code == 2
    assert bad.output == (
        "planner: error: --format: unknown format 'gcal'; expected a comma list of ics, csv,"
        " google-csv, outlook-csv, html, private-ics\n"
    )


HEAVY_LIBRARIES = ("pandas", "numpy", "icalendar", "dateutil", "tzlocal")


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["build", "--help"], ["routines", "--help"]], ids=" ".join
)
def test_help_and_version_never_import_the_heavy_libraries(args: list[str]) -> None:
    """They should feel instant: only click and planner's thin CLI get imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "planner", *args],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(("Usage: planner", "planner "))
    # -X importtime writes "import time: self | cumulative | module" for every import.
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "click" in imported
    assert imported.isdisjoint(HEAVY_LIBRARIES), sorted(imported & set(HEAVY_LIBRARIES))

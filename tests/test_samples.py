"""Every file in sample_plans/ builds, through the real command."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from planner.cli import cli
from planner.pipeline import SIZE_BUDGET
from tests.conftest import SAMPLES

SAMPLE_FILES = sorted(SAMPLES.glob("*.csv"))
PLAN_FILES = sorted(SAMPLES.glob("*.toml"))


def build_command(sample: Path) -> list[str]:
    """The command in the sample's own '# Build with:' comment."""
    for line in sample.read_text(encoding="utf-8").splitlines():
        if line.startswith("# Build with: planner "):
            return line.removeprefix("# Build with: planner ").split()
    raise AssertionError(f"{sample.name} has no '# Build with:' comment")


def test_there_are_samples() -> None:
    assert {p.name for p in SAMPLE_FILES} >= {
        "five_week_lead_in.csv", "10k.csv", "half_marathon.csv", "marathon_km.csv",
    }  # fmt: skip
    assert {p.name for p in PLAN_FILES} >= {"club_half.toml", "berlin_marathon.toml"}


def check_outputs(folder: Path) -> Calendar:
    calendar = Calendar.from_ical((folder / "plan.ics").read_bytes())
    events = calendar.walk("VEVENT")
    rows = (folder / "plan.csv").read_text(encoding="utf-8").splitlines()
    assert len(events) == len(rows) - 1 > 20
    assert sum(1 for e in events if e["X-PLANNER-ACTIVITY"] == "race") == 1
    return calendar


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_builds(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sample.parents[1])
    args = build_command(sample)
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    check_outputs(tmp_path)
    # Well under Google Calendar's 1 MB import limit with every routine's full steps.
    assert (tmp_path / "plan.ics").stat().st_size < SIZE_BUDGET
    assert "Descriptions:" not in result.output


@pytest.mark.parametrize("plan_file", PLAN_FILES, ids=lambda p: p.name)
def test_sample_plan_file_builds(plan_file: Path, tmp_path: Path) -> None:
    """From any folder (its paths are relative to the file); a club file, which leaves the
    race date to each runner, with one given on the command line."""
    settings = tomllib.loads(plan_file.read_text(encoding="utf-8"))
    args = ["build", str(plan_file), "--out", str(tmp_path)]
    if "race_date" not in settings:
        args += ["--race-date", "2027-04-18"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    calendar = check_outputs(tmp_path)
    assert str(calendar["X-WR-CALNAME"]) == settings["name"]

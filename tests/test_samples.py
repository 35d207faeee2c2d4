"""Every file in sample_plans/ builds, through the real command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from planner.cli import cli
from planner.export.ics import SIZE_BUDGET
from tests.conftest import SAMPLES

SAMPLE_FILES = sorted(SAMPLES.glob("*.csv"))


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


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_builds(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sample.parents[1])
    args = build_command(sample)
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    calendar = Calendar.from_ical((tmp_path / "plan.ics").read_bytes())
    events = calendar.walk("VEVENT")
    rows = (tmp_path / "plan.csv").read_text(encoding="utf-8").splitlines()
    assert len(events) == len(rows) - 1 > 20
    assert sum(1 for e in events if e["X-PLANNER-ACTIVITY"] == "race") == 1
    # Well under Google Calendar's 1 MB import limit with every routine's full steps.
    assert (tmp_path / "plan.ics").stat().st_size < SIZE_BUDGET
    assert "Descriptions:" not in result.output

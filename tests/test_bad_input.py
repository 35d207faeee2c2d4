"""Bad input never crashes and never loses a plan: every mistake through the real CLI.

Each case asserts the exit status, the exact line on stderr (one line, no traceback) and that
the output folder is exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import planner.schedule
from planner.cli import cli
from tests.conftest import SAMPLES

TEN_K = SAMPLES / "10k.csv"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def build(*args: str | Path) -> Result:
    return invoke("build", TEN_K, "--race-date", "2027-04-18", "--timezone", "UTC", *args)


def test_an_internal_error_is_one_line_that_suggests_debug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the scheduler broke\nacross two lines")

    monkeypatch.setattr(planner.schedule, "build_plan", broken)
    result = build("--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "planner: internal error: RuntimeError: the scheduler broke\\nacross two lines"
        " (run again with --debug to see where; please report it)\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["before the command", "after the command"])
def test_debug_shows_the_traceback_wherever_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the scheduler broke")

    monkeypatch.setattr(planner.schedule, "build_plan", broken)
    args = [TEN_K, "--race-date", "2027-04-18", "--out", tmp_path / "out"]
    if where == "before the command":
        result = invoke("--debug", "build", *args)
    else:
        result = invoke("build", *args, "--debug")
    assert result.exit_code == 1
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert "planner/cli.py" in result.stderr  # where it happened
    assert result.stderr.endswith("RuntimeError: the scheduler broke\n")

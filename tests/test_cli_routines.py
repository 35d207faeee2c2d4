from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from planner.cli import cli
from planner.model import Descriptions, Plan
from tests.conftest import ROOT


def test_routines_lists_every_routine_and_pose() -> None:
    result = CliRunner().invoke(cli, ["routines"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "pre_run_activation: Pre-run activation (5 min)" in lines
    assert "legs_up_the_wall: Legs up the wall (15 min)" in lines
    assert "  - Squat calf pump: 20 reps" in lines
    assert "  - Single-leg balance: 5-10 breaths, each side" in lines
    assert "  - Legs on a pillow or bolster: 15 minutes (10-20)  [gentle]" in lines


def test_routines_show_prints_the_calendar_text() -> None:
    result = CliRunner().invoke(cli, ["routines", "show", "legs-up-the-wall", "--gentle"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Legs up the wall (15 min)\n")
    assert "1. Legs on a pillow or bolster: 15 minutes (10-20)" in result.output
    assert "Legs up the wall:" not in result.output
    assert "Source: Yoga for Runners: Miraculous Pose to Repair Your Body, Karli Taylor" in (
        result.output
    )


def test_routines_show_strength_levels_progress() -> None:
    easy = CliRunner().invoke(cli, ["routines", "show", "backside_strength", "--level", "1"])
    hard = CliRunner().invoke(cli, ["routines", "show", "backside_strength", "--level", "5"])
    assert easy.exit_code == hard.exit_code == 0
    assert "Locust, arms by your sides" in easy.output and "Reverse tabletop:" in easy.output
    assert "Reverse plank, leg lifted" in hard.output and "arms by your sides" not in hard.output


def test_routines_show_unknown_name_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["routines", "show", "foo"])
    assert result.exit_code == 2
    assert result.output == (
        "planner: error: NAME: no routine 'foo'; expected one of backside_strength,"
        " bedtime_legs_up_the_wall, legs_up_the_wall, post_run_recovery, pre_run_activation\n"
    )


def test_coach_templates_folder(tmp_path: Path) -> None:
    routines = tmp_path / "routines"
    routines.mkdir()
    for name in ("pre_run_activation", "post_run_recovery", "legs_up_the_wall"):
        text = (ROOT / "templates" / "routines" / f"{name}.toml").read_text(encoding="utf-8")
        (routines / f"{name}.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["routines", "--templates", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "backside_strength" not in result.output
    missing = CliRunner().invoke(cli, ["routines", "--templates", str(tmp_path / "nope")])
    assert missing.exit_code == 2
    assert missing.output == (
        f"planner: error: --templates: templates folder {tmp_path / 'nope'} does not exist\n"
    )


def test_broken_coach_template_is_one_line(tmp_path: Path) -> None:
    routines = tmp_path / "routines"
    routines.mkdir()
    text = (ROOT / "templates" / "routines" / "legs_up_the_wall.toml").read_text(encoding="utf-8")
    (routines / "legs_up_the_wall.toml").write_text(
        text.replace("seconds = 900", 'seconds = "long"', 1), encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli,
        ["build", str(ROOT / "sample_plans" / "10k.csv"), "--race-date", "2027-05-16",
         "--templates", str(tmp_path), "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output == (
        f"planner: error: {routines / 'legs_up_the_wall.toml'}: poses[1].seconds:"
        " expected a whole number, found 'long'\n"
    )
    assert not (tmp_path / "out").exists()


def test_every_pointer_in_the_calendar_text_is_a_working_command(
    make_plan: Callable[..., Plan],
) -> None:
    weeks = "week,miles,long_run\n" + "".join(f"{n},{20 + n % 4},8\n" for n in range(1, 31))
    commands = set()
    for gentle in (False, True):
        plan = make_plan(weeks, gentle_inversion=gentle, bedtime=dt.time(21, 30))
        for session in plan.sessions:
            for line in session.description_for(Descriptions.BRIEF).splitlines():
                if line.startswith("Full steps: planner "):
                    commands.add(line.removeprefix("Full steps: planner "))
    assert len(commands) >= 10  # five routines, strength at each level, gentle variants
    for command in sorted(commands):
        result = CliRunner().invoke(cli, command.split())
        assert result.exit_code == 0, (command, result.output)
        assert "\n1. " in result.output

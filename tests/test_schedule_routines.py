"""How the routines land in a plan: progression, variants, bedtime, form cues."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from planner.model import Activity, Plan
from planner.routines import RoutineLibrary

SIXTEEN = "week,miles\n" + "".join(
    f"{n},{d}\n"
    for n, d in enumerate([20, 22, 24, 18, 26, 28, 30, 22, 32, 34, 36, 26, 36, 30, 24, 20], 1)
)


POSE_LINE = re.compile(r"^\d+\. (.+?)(?: \([^()]*\))?: ", re.MULTILINE)


def level_of(description: str, routines: RoutineLibrary) -> int:
    """The strength level whose poses are exactly the numbered poses in the description."""
    shown = set(POSE_LINE.findall(description))
    strength = routines[Activity.BACKSIDE_STRENGTH]
    matching = [
        level
        for level in range(1, strength.levels + 1)
        if shown == {p.name for p in strength.poses_for(level)}
    ]
    assert matching, f"no level has exactly the poses {shown}"
    return max(matching)


def test_strength_gets_harder_and_eases_in_cutback_weeks(
    make_plan: Callable[..., Plan], routines: RoutineLibrary
) -> None:
    plan = make_plan(SIXTEEN, race_date="2027-10-31")
    levels: dict[int, int] = {}
    for s in plan.sessions:
        if s.activity is Activity.BACKSIDE_STRENGTH:
            levels[s.week] = level_of(s.description, routines)
    cutbacks = {w.number for w in plan.weeks if w.cutback}
    assert cutbacks == {4, 8, 12, 14, 15}
    assert levels[1] == 1
    assert max(levels.values()) == routines[Activity.BACKSIDE_STRENGTH].levels
    assert 16 not in levels  # none in race week
    for week in sorted(levels):
        previous = levels.get(week - 1)
        if previous is None:
            continue
        if week in cutbacks:
            assert levels[week] < max(levels[w] for w in levels if w < week) or levels[week] == 1
        elif week - 1 not in cutbacks:
            assert levels[week] >= previous
    # Longer sessions as the sets grow.
    lengths = {
        s.week: s.end - s.start for s in plan.sessions if s.activity is Activity.BACKSIDE_STRENGTH
    }
    assert lengths[13] > lengths[1]


def test_gentle_inversion_replaces_the_wall(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan("week,miles,long_run\n1,20,8\n2,20,0\n", gentle_inversion=True)
    walls = [s for s in plan.sessions if s.activity is Activity.LEGS_UP_THE_WALL]
    assert walls
    for wall in walls:
        assert "Legs on a pillow or bolster" in wall.description
        assert "Legs up the wall (Viparita Karani):" not in wall.description
        assert dt.timedelta(minutes=10) <= wall.end - wall.start <= dt.timedelta(minutes=20)
    plain = make_plan("week,miles,long_run\n1,20,8\n2,20,0\n")
    assert all(
        "1. Legs up the wall (Viparita Karani): 15 minutes" in s.description
        for s in plain.sessions
        if s.activity is Activity.LEGS_UP_THE_WALL
    )


def test_bedtime_adds_an_evening_session_every_day(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan("week,miles\n1,20\n2,20\n", bedtime=dt.time(21, 45))
    bedtime = [s for s in plan.sessions if s.activity is Activity.BEDTIME_LEGS_UP_THE_WALL]
    assert len(bedtime) == 14
    assert {s.start.time() for s in bedtime} == {dt.time(21, 45)}
    assert all(s.end - s.start >= dt.timedelta(minutes=5) for s in bedtime)
    assert len({s.start.date() for s in bedtime}) == 14


def test_one_form_cue_a_week_in_the_run_events(
    make_plan: Callable[..., Plan], routines: RoutineLibrary
) -> None:
    plan = make_plan("week,miles\n1,20\n2,20\n3,20\n4,20\n5,20\n")
    cues = routines.form_cues
    assert len(cues) == 4
    for s in plan.sessions:
        if s.activity in (Activity.RUN, Activity.LONG_RUN, Activity.RACE):
            expected = cues[(s.week - 1) % len(cues)]
            assert f"Form focus this week: {expected.name}. {expected.cue}" in s.description
            others = [c for c in cues if c is not expected]
            assert not any(f"Form focus this week: {c.name}." in s.description for c in others)

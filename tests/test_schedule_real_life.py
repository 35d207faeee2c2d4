"""The scheduler meets real life: start times per weekday, days away, recovery after the race."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import SettingError
from planner.mileage import parse_mileage
from planner.model import Activity, Adjustment, Plan
from planner.options import DayTimes, away_days
from planner.routines import RoutineLibrary
from planner.schedule import PlanOptions, build_plan
from tests.conftest import GENERATED_AT

RUNNING = (Activity.RUN, Activity.LONG_RUN, Activity.RACE)
THREE = "week,miles,long_run\n1,20,8\n2,20,8\n3,12,6.2\n"
"""Race on Sun 18 Apr 2027: week 1 is Mon 29 Mar to Sun 4 Apr; runs Tue, Thu, Sat, Sun."""


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def on(plan: Plan, date: str) -> list[tuple[str, Activity]]:
    return [(f"{s.start:%H:%M}", s.activity) for s in plan.sessions if s.start.date() == day(date)]


def test_each_weekday_can_have_its_own_start_time(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(
        THREE,
        run_time=DayTimes(dt.time(6, 15), ((5, dt.time(8, 30)),)),
        long_run_time=DayTimes(dt.time(8, 0), ((6, dt.time(7, 30)),)),
    )
    assert on(plan, "2027-03-30") == [  # Tuesday: the every-day time
        ("06:10", Activity.PRE_RUN_ACTIVATION), ("06:15", Activity.RUN),
        ("06:55", Activity.POST_RUN_RECOVERY),
    ]  # fmt: skip
    assert on(plan, "2027-04-03") == [  # Saturday's own time; the yoga follows its run
        ("08:25", Activity.PRE_RUN_ACTIVATION), ("08:30", Activity.RUN),
        ("09:10", Activity.POST_RUN_RECOVERY),
    ]  # fmt: skip
    assert on(plan, "2027-04-04")[:2] == [  # Sunday's long run
        ("07:25", Activity.PRE_RUN_ACTIVATION),
        ("07:30", Activity.LONG_RUN),
    ]
    assert on(plan, "2027-04-18")[1] == ("07:30", Activity.RACE)


def test_strength_starts_at_the_days_run_time(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(
        THREE, run_days=(5, 6), run_time=DayTimes(dt.time(6, 15), ((0, dt.time(12, 0)),))
    )
    strength = {
        f"{s.start:%a %H:%M}" for s in plan.sessions if s.activity is Activity.BACKSIDE_STRENGTH
    }
    assert strength == {"Mon 12:00", "Wed 06:15"}


def test_runs_on_days_away_are_dropped_and_the_long_run_moves(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan(THREE, away=((day("2027-04-01"), day("2027-04-04")),))
    assert plan.adjustments == (
        Adjustment(1, Activity.RUN, day("2027-04-01"), Decimal("4.0")),
        Adjustment(1, Activity.RUN, day("2027-04-03"), Decimal("4.0")),
        # The nearest day of the week without a run (Tuesday has one).
        Adjustment(1, Activity.LONG_RUN, day("2027-04-04"), Decimal(8), day("2027-03-31")),
    )
    for date in ("2027-04-01", "2027-04-02", "2027-04-03", "2027-04-04"):
        assert on(plan, date) == []
    assert [a for _, a in on(plan, "2027-03-31")] == [
        Activity.PRE_RUN_ACTIVATION, Activity.LONG_RUN, Activity.POST_RUN_RECOVERY,
        Activity.LEGS_UP_THE_WALL,
    ]  # fmt: skip
    # No strength the day before the moved long run; the week counts what is scheduled.
    assert [a for _, a in on(plan, "2027-03-30")] == [
        Activity.PRE_RUN_ACTIVATION, Activity.RUN, Activity.POST_RUN_RECOVERY,
    ]  # fmt: skip
    assert plan.weeks[0].distance == Decimal(12)
    assert not plan.weeks[1].cutback  # by its plan, week 2 is no easier than week 1
    # Nothing changes in the other weeks.
    plain = make_plan(THREE)
    assert [s for s in plan.sessions if s.week > 1] == [s for s in plain.sessions if s.week > 1]


def test_a_long_run_with_no_free_day_is_dropped_too(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(THREE, run_days=tuple(range(7)), away=((day("2027-04-11"),) * 2,))
    assert plan.adjustments == (
        Adjustment(2, Activity.LONG_RUN, day("2027-04-11"), Decimal(8), None),
    )
    assert plan.weeks[1].distance == Decimal(12)


def test_of_two_days_as_near_the_long_run_takes_the_earlier(
    make_plan: Callable[..., Plan],
) -> None:
    # Runs Mon, Wed and the long run Thu (days 0, 2, 3): away Thu, Fri and Tue are both free.
    plan = make_plan(
        "week,miles,long_run\n1,12,6\n2,10,5\n",
        race_date="2027-04-15",
        run_days=(0, 2, 3),
        away=((day("2027-04-08"),) * 2,),
    )
    assert plan.adjustments[0].moved_to == day("2027-04-06")


@pytest.mark.parametrize(
    ("away", "message"),
    [
        (("2027-04-17", "2027-04-18"), "away: includes race day (Sun 18 Apr 2027); a plan"
         " can't skip its race, so leave race day out"),
        (("2027-03-28", "2027-03-29"), "away: 2027-03-28 is outside the plan, which runs from"
         " Mon 29 Mar 2027 to Sun 18 Apr 2027"),
        (("2027-04-19", "2027-04-19"), "away: 2027-04-19 is outside the plan, which runs from"
         " Mon 29 Mar 2027 to Sun 18 Apr 2027"),
    ],
)  # fmt: skip
def test_days_away_must_be_in_the_plan_and_not_race_day(
    make_plan: Callable[..., Plan], away: tuple[str, str], message: str
) -> None:
    with pytest.raises(SettingError) as err:
        make_plan(THREE, away=((day(away[0]), day(away[1])),))
    assert str(err.value) == message


def test_recovery_days_follow_the_race(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(
        THREE, recovery_days=3, gentle_inversion=True, away=((day("2027-04-20"),) * 2,)
    )
    assert plan.last_day == day("2027-04-21")
    after = [s for s in plan.sessions if s.start.date() > plan.race_date]
    assert [(f"{s.start:%a %H:%M}", s.title) for s in after] == [
        ("Mon 07:00", "Post-run recovery (5 min)"),
        ("Mon 07:35", "Legs up the wall (15 min)"),
        # Tuesday is away.
        ("Wed 07:00", "Post-run recovery (5 min)"),
        ("Wed 07:35", "Legs up the wall (15 min)"),
    ]
    assert "Legs on a pillow or bolster" in after[1].description  # the gentle variant
    assert [s.days_before_race for s in after] == [-1, -1, -3, -3]
    assert {s.weeks_to_race for s in after} == {-1}
    assert after[0].uid == "test-plan-a582942a92-post-run-recovery-t-1@planner"
    assert after[0].description.endswith("\n\nRecovery after the race.\nPlan: Test plan")
    recovery = plan.weeks[-1]
    assert (recovery.number, recovery.weeks_to_race, recovery.first_day, recovery.last_day) == (
        4, -1, day("2027-04-19"), day("2027-04-21"),
    )  # fmt: skip
    # The race's own sessions and the weeks before it are as without recovery days.
    plain = make_plan(THREE, gentle_inversion=True)
    assert plan.sessions[: len(plain.sessions)] == plain.sessions


def test_two_weeks_of_recovery(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(THREE, recovery_days=10)
    assert [(w.weeks_to_race, w.first_day, w.last_day) for w in plan.weeks[-2:]] == [
        (-1, day("2027-04-19"), day("2027-04-25")),
        (-2, day("2027-04-26"), day("2027-04-28")),
    ]
    last = plan.sessions[-1]
    assert (last.start.date(), last.weeks_to_race, last.days_before_race) == (
        day("2027-04-28"), -2, -10,
    )  # fmt: skip
    assert last.description.endswith("\n\nRecovery after the race, week 2.\nPlan: Test plan")
    assert len({s.uid for s in plan.sessions}) == len(plan.sessions)
    with pytest.raises(SettingError, match=r"^recovery_days: expected 0 to 14 days after the"):
        make_plan(THREE, recovery_days=15)


WEEKS = "week,miles,long_run,runs\n1,20,8,4\n2,24,9,5\n3,16,,3\n4,26,10,\n5,18,0,2\n6,12,6.2,\n"
PER_DAY = (
    "week,mon,tue,wed,thu,fri,sat,sun\n1,0,4,0,5,0,3,8\n2,3,4,0,5,0,3,9\n3,0,4,4,0,4,0,4\n"
    "4,0,5,0,5,3,0,10\n5,0,4,0,4,0,3,6\n6,0,3,0,3,0,0,6.2\n"
)
"""The same six weeks with a distance per weekday (week 3 has no long run: its runs are equal)."""
RACE_DAY = dt.date(2027, 4, 18)
FIRST_DAY = RACE_DAY - dt.timedelta(days=41)


@st.composite
def away_ranges(draw: st.DrawFn) -> tuple[tuple[dt.date, dt.date], ...]:
    """Ranges of days away in a six-week plan with up to a week after the race, not race day."""
    days = sorted(draw(st.sets(st.integers(0, 48).filter(lambda n: n != 41), max_size=20)))
    ranges: list[tuple[dt.date, dt.date]] = []
    for number in days:
        date = FIRST_DAY + dt.timedelta(days=number)
        if ranges and ranges[-1][1] == date - dt.timedelta(days=1) and draw(st.booleans()):
            ranges[-1] = (ranges[-1][0], date)  # sometimes a range, sometimes single days
        else:
            ranges.append((date, date))
    return tuple(ranges)


times = st.builds(dt.time, st.integers(5, 11), st.sampled_from([0, 15, 30, 45]))
day_times = st.one_of(
    times,
    st.builds(
        lambda every, days: DayTimes(every, tuple(sorted(days.items()))),
        times,
        st.dictionaries(st.integers(0, 6), times, max_size=4),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    csv_text=st.sampled_from([WEEKS, PER_DAY]),
    away=away_ranges(),
    run_time=day_times,
    long_run_time=day_times,
    recovery=st.integers(0, 7),
    run_days=st.one_of(st.none(), st.just((1, 2, 3, 5, 6)), st.just(tuple(range(7)))),
)
def test_any_days_away_and_times_give_a_sound_plan(
    routines: RoutineLibrary,
    csv_text: str,
    away: tuple[tuple[dt.date, dt.date], ...],
    run_time: dt.time | DayTimes,
    long_run_time: dt.time | DayTimes,
    recovery: int,
    run_days: tuple[int, ...] | None,
) -> None:
    mileage = parse_mileage(csv_text.encode(), "p.csv")
    away = tuple((a, b) for a, b in away if b <= RACE_DAY + dt.timedelta(days=recovery))
    options = PlanOptions(
        race_date=RACE_DAY,
        name="p",
        timezone="Europe/Berlin",
        run_days=run_days,
        run_time=run_time,
        long_run_time=long_run_time,
        away=away,
        recovery_days=recovery,
    )
    plan = build_plan(mileage, options, routines, GENERATED_AT)
    sessions = plan.sessions
    off = away_days(away)
    for before, after in itertools.pairwise(sessions):
        assert before.end <= after.start  # nothing overlaps
    assert not {s.start.date() for s in sessions} & off  # nothing on a day away
    assert all(plan.first_day <= s.start.date() <= plan.last_day for s in sessions)
    by_day: dict[dt.date, set[Activity]] = {}
    for s in sessions:
        by_day.setdefault(s.start.date(), set()).add(s.activity)
    for s in sessions:
        if s.activity in RUNNING:  # every run keeps its yoga
            assert any(
                p.activity is Activity.PRE_RUN_ACTIVATION and p.end == s.start for p in sessions
            )
            assert any(
                p.activity is Activity.POST_RUN_RECOVERY and p.start == s.end for p in sessions
            )
            if s.activity is not Activity.RUN:
                assert Activity.LEGS_UP_THE_WALL in by_day[s.start.date()]
            assert s.start.date() <= plan.race_date
        if s.activity is Activity.BACKSIDE_STRENGTH:
            next_day = by_day.get(s.start.date() + dt.timedelta(days=1), set())
            assert not next_day & {Activity.LONG_RUN, Activity.RACE}
            assert s.weeks_to_race > 0
    for date in (plan.race_date + dt.timedelta(days=n) for n in range(1, recovery + 1)):
        expected = set() if date in off else {Activity.POST_RUN_RECOVERY, Activity.LEGS_UP_THE_WALL}
        assert by_day.get(date, set()) == expected
    # Each week's distance is what is scheduled: the CSV's, less what days away dropped.
    for week, planned in zip(plan.weeks, mileage.weeks, strict=False):
        scheduled = sum(
            (s.distance for s in sessions if s.week == week.number and s.distance), Decimal(0)
        )
        dropped = sum(
            (
                a.distance
                for a in plan.adjustments
                if a.week == week.number and a.moved_to is None and a.distance
            ),
            Decimal(0),
        )
        assert week.distance == scheduled == planned.total - dropped
    for change in plan.adjustments:
        assert change.day in off
        if change.moved_to is not None:
            assert change.activity is Activity.LONG_RUN and change.moved_to not in off
            week = plan.weeks[change.week - 1]
            assert week.first_day <= change.moved_to <= week.last_day
    assert len({s.uid for s in sessions}) == len(sessions)

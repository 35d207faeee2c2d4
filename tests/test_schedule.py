from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InvalidRow, PlanError, SettingError
from planner.mileage import parse_mileage
from planner.model import Activity, Plan
from planner.routines import RoutineLibrary
from planner.schedule import PlanOptions, _split, build_plan, session_uid
from tests.conftest import GENERATED_AT

RUNNING = (Activity.RUN, Activity.LONG_RUN, Activity.RACE)


def runs_of(plan: Plan) -> list:
    return [s for s in plan.sessions if s.activity in RUNNING]


def test_week_k_ends_7_times_n_minus_k_days_before_race(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan("week,miles\n1,10\n2,12\n3,14\n", race_date="2027-04-18")
    assert [(w.first_day, w.last_day) for w in plan.weeks] == [
        (dt.date(2027, 3, 29), dt.date(2027, 4, 4)),
        (dt.date(2027, 4, 5), dt.date(2027, 4, 11)),
        (dt.date(2027, 4, 12), dt.date(2027, 4, 18)),
    ]
    assert [w.weeks_to_race for w in plan.weeks] == [2, 1, 0]


def test_split_adds_up_in_half_units() -> None:
    assert _split(Decimal(11), 3) == [Decimal("4.0"), Decimal("3.5"), Decimal("3.5")]
    assert _split(Decimal("7.8"), 3) == [Decimal("2.8"), Decimal("2.5"), Decimal("2.5")]
    assert sum(_split(Decimal("13.1"), 4)) == Decimal("13.1")


def test_default_week_has_four_runs_with_long_run_on_race_weekday(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan("week,miles,long_run\n1,20,8\n2,20,0\n", race_date="2027-04-18")
    week1 = [s for s in runs_of(plan) if s.week == 1]
    assert [(s.start.strftime("%a"), s.activity, s.distance) for s in week1] == [
        ("Tue", Activity.RUN, Decimal("4.0")),
        ("Thu", Activity.RUN, Decimal("4.0")),
        ("Sat", Activity.RUN, Decimal("4.0")),
        ("Sun", Activity.LONG_RUN, Decimal(8)),
    ]


def test_run_days_and_long_run_day_options(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(
        "week,miles,long_run\n1,18,9\n2,20,0\n",
        run_days=(0, 2, 5),
        long_run_day=5,
        run_time=dt.time(6, 15),
        long_run_time=dt.time(9, 0),
    )
    week1 = [s for s in runs_of(plan) if s.week == 1]
    assert [(s.start.strftime("%a %H:%M"), s.activity, s.distance) for s in week1] == [
        ("Mon 06:15", Activity.RUN, Decimal("4.5")),
        ("Wed 06:15", Activity.RUN, Decimal("4.5")),
        ("Sat 09:00", Activity.LONG_RUN, Decimal(9)),
    ]


def test_long_run_day_must_be_a_run_day(make_plan: Callable[..., Plan]) -> None:
    with pytest.raises(SettingError, match=r"^long_run_day: sun is not one of the run days"):
        make_plan("week,miles\n1,10\n", run_days=(1, 3), long_run_day=6)


def test_race_distance_counts_in_race_week(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan("week,miles\n1,20\n2,20\n", race_distance="half")
    race = [s for s in plan.sessions if s.activity is Activity.RACE]
    assert len(race) == 1 and race[0].distance == Decimal("13.1")
    assert race[0].start.date() == dt.date(2027, 4, 18)
    assert race[0].title == "Race day: Half marathon (13.1 mi)"
    week2 = sum(s.distance for s in runs_of(plan) if s.week == 2)
    assert week2 == Decimal(20)


def test_a_race_distance_longer_than_race_week_is_the_settings_error(
    make_plan: Callable[..., Plan],
) -> None:
    """The race_distance setting is what to fix (or the week): named as the setting."""
    with pytest.raises(SettingError) as caught:
        make_plan("week,miles\n1,20\n2,10\n", race_distance="marathon")
    assert caught.value.key == "race_distance"
    assert caught.value.template.startswith(
        "the race (26.2 miles) is longer than race week's 10 miles ("
    )
    assert caught.value.template.endswith(
        ", line 3); give the race's distance or raise the week's total"
    )


def test_pace_sets_run_length_and_yoga_wraps_the_run(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan("week,miles,long_run\n1,10,10\n2,5,5\n", pace=Decimal("9.5"))
    day = [s for s in plan.sessions if s.start.date() == dt.date(2027, 4, 11)]
    kinds = [s.activity for s in day]
    assert kinds == [
        Activity.PRE_RUN_ACTIVATION,
        Activity.LONG_RUN,
        Activity.POST_RUN_RECOVERY,
        Activity.LEGS_UP_THE_WALL,
    ]
    pre, run, post, wall = day
    assert run.start.time() == dt.time(8, 0)
    assert run.end - run.start == dt.timedelta(minutes=95)
    assert pre.end == run.start and post.start == run.end
    assert wall.start >= post.end + dt.timedelta(minutes=30)
    assert dt.timedelta(minutes=10) <= wall.end - wall.start <= dt.timedelta(minutes=20)


def test_times_stay_local_across_daylight_saving(make_plan: Callable[..., Plan]) -> None:
    # Europe/Berlin moves its clocks on 28 March 2027; a 07:00 run stays at 07:00.
    plan = make_plan("week,miles\n1,20\n2,20\n3,20\n4,20\n", timezone="Europe/Berlin")
    runs = [s for s in runs_of(plan) if s.activity is Activity.RUN]
    assert {s.start.strftime("%H:%M") for s in runs} == {"07:00"}
    offsets = {s.start.utcoffset() for s in runs}
    assert offsets == {dt.timedelta(hours=1), dt.timedelta(hours=2)}


def test_yoga_only_keeps_the_yoga_where_the_runs_would_be(make_plan: Callable[..., Plan]) -> None:
    full = make_plan("week,miles\n1,20\n2,20\n", race_distance="10k")
    yoga = make_plan("week,miles\n1,20\n2,20\n", race_distance="10k", yoga_only=True)
    assert not runs_of(yoga)
    assert [(s.activity, s.start) for s in yoga.sessions] == [
        (s.activity, s.start) for s in full.sessions if s.activity not in RUNNING
    ]


def test_uid_is_stable_per_plan_activity_and_days_before_race(
    make_plan: Callable[..., Plan],
) -> None:
    a = make_plan("week,miles\n1,20\n2,20\n", race_date="2027-04-18")
    b = make_plan("week,miles\n1,20\n2,20\n", race_date="2027-05-02")
    assert [s.uid for s in a.sessions] == [s.uid for s in b.sessions]
    assert len({s.uid for s in a.sessions}) == len(a.sessions)
    other = make_plan("week,miles\n1,20\n2,20\n", name="Test plan!")
    assert not {s.uid for s in a.sessions} & {s.uid for s in other.sessions}
    assert session_uid("x", Activity.RUN, 3) != session_uid("x", Activity.RUN, 4)


def test_overlapping_times_are_refused(make_plan: Callable[..., Plan]) -> None:
    with pytest.raises(PlanError, match="choose an earlier"):
        make_plan(
            "week,miles,long_run\n1,40,20\n2,10,0\n",
            run_days=(5, 6),
            run_time=dt.time(22, 0),
            long_run_time=dt.time(1, 0),
        )


def test_routine_uses_name_each_routine_level_and_its_weeks(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(
        "week,miles,long_run\n1,16,5\n2,20,7\n3,14,5\n4,24,9\n5,20,0\n", gentle_inversion=True
    )
    uses = {(u.routine.activity, u.level): u for u in plan.routine_uses}
    done = {(s.activity, s.week) for s in plan.sessions if not s.activity.is_running}
    assert done == {(activity, week) for (activity, _), u in uses.items() for week in u.weeks}
    # Each (activity, week) is done at one level only, and strength levels rise but ease
    # off in the cutback week (week 3).
    assert len(done) == sum(len(u.weeks) for u in plan.routine_uses)
    strength = {
        week: level
        for (activity, level), use in uses.items()
        for week in use.weeks
        if activity is Activity.BACKSIDE_STRENGTH
    }
    assert strength == {1: 1, 2: 2, 3: 2, 4: 4}
    assert [u.routine.activity for u in plan.routine_uses][:3] == [
        Activity.PRE_RUN_ACTIVATION,
        Activity.POST_RUN_RECOVERY,
        Activity.LEGS_UP_THE_WALL,
    ]
    assert {u.variant for u in plan.routine_uses} == {"gentle"}


# --- properties over any valid CSV -------------------------------------------------------

halves = st.integers(min_value=0, max_value=120).map(lambda n: Decimal(n) / 2)


@st.composite
def totals_csv(draw: st.DrawFn) -> str:
    weeks = draw(st.integers(min_value=1, max_value=20))
    rows = []
    for number in range(1, weeks + 1):
        total = draw(halves)
        long_run = draw(st.one_of(st.just(""), st.just("0"), halves.map(str)))
        long_run = str(min(Decimal(long_run), total)) if long_run else long_run
        runs = draw(st.one_of(st.just(""), st.integers(min_value=1, max_value=7).map(str)))
        rows.append(f"{number},{total},{long_run},{runs}")
    return "week,miles,long_run,runs\n" + "\n".join(rows) + "\n"


@st.composite
def per_day_csv(draw: st.DrawFn) -> str:
    weeks = draw(st.integers(min_value=1, max_value=12))
    rows = [
        ",".join([str(n), *(str(draw(st.sampled_from([0, 0, 3, 4.5, 6, 10]))) for _ in range(7))])
        for n in range(1, weeks + 1)
    ]
    return "week,mon,tue,wed,thu,fri,sat,sun\n" + "\n".join(rows) + "\n"


def check_plan(plan: Plan, csv_text: str) -> None:
    mileage = parse_mileage(csv_text.encode(), "p.csv")
    sessions = plan.sessions
    race_day = plan.race_date
    # Nothing overlaps, and race day is the last day.
    for before, after in itertools.pairwise(sessions):
        assert before.end <= after.start
    assert max(s.start.date() for s in sessions) <= race_day if sessions else True
    races = [s for s in sessions if s.activity is Activity.RACE]
    assert len(races) == 1 and races[0].start.date() == race_day
    assert all(s.start.date() <= race_day for s in sessions)
    assert all(s.start.date() >= plan.first_day for s in sessions)
    by_day: dict[dt.date, list[Activity]] = defaultdict(list)
    for s in sessions:
        by_day[s.start.date()].append(s.activity)
    for s in sessions:
        if s.activity in RUNNING:
            pre = [
                p
                for p in sessions
                if p.activity is Activity.PRE_RUN_ACTIVATION and p.end == s.start
            ]
            post = [
                p for p in sessions if p.activity is Activity.POST_RUN_RECOVERY and p.start == s.end
            ]
            assert len(pre) == 1 and len(post) == 1, s
            if s.activity is not Activity.RUN:
                walls = [
                    w
                    for w in sessions
                    if w.activity is Activity.LEGS_UP_THE_WALL
                    and w.start > post[0].end
                    and w.start.date() == s.start.date()
                ]
                assert len(walls) == 1, s
        if s.activity is Activity.BACKSIDE_STRENGTH:
            next_day = by_day[s.start.date() + dt.timedelta(days=1)]
            assert Activity.LONG_RUN not in next_day and Activity.RACE not in next_day
            assert s.weeks_to_race > 0
            assert not set(by_day[s.start.date()]) & set(RUNNING)
    # Weekly distances add up exactly to the CSV (race week: the race counts in it).
    for week in mileage.weeks:
        ran = sum(
            (s.distance for s in sessions if s.week == week.number and s.distance is not None),
            Decimal(0),
        )
        assert ran == week.total, (week, ran)
    # Half units: every easy run is a whole number of half miles, but for one remainder.
    assert all(s.distance is None or s.distance > 0 for s in sessions)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_text=totals_csv(), long_day=st.one_of(st.none(), st.integers(0, 6)))
def test_any_valid_totals_csv_gives_a_sound_plan(
    routines: RoutineLibrary, csv_text: str, long_day: int | None
) -> None:
    mileage = parse_mileage(csv_text.encode(), "p.csv")
    options = PlanOptions(
        race_date=dt.date(2027, 4, 18), name="p", timezone="America/New_York", long_run_day=long_day
    )
    try:
        plan = build_plan(mileage, options, routines, GENERATED_AT)
    except InvalidRow as err:
        # The only refusals: race week can't hold its distance besides the race.
        assert err.line == mileage.weeks[-1].line
        return
    check_plan(plan, csv_text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_text=per_day_csv(), race=st.sampled_from([None, "5k", "10k"]))
def test_any_valid_per_day_csv_gives_a_sound_plan(
    routines: RoutineLibrary, csv_text: str, race: str | None
) -> None:
    mileage = parse_mileage(csv_text.encode(), "p.csv")
    options = PlanOptions(
        race_date=dt.date(2027, 10, 31), name="p", timezone="Europe/London", race_distance=race
    )
    plan = build_plan(mileage, options, routines, GENERATED_AT)
    if race is None:
        check_plan(plan, csv_text)
    else:
        # The race's own distance replaces race day's column.
        race_session = next(s for s in plan.sessions if s.activity is Activity.RACE)
        assert race_session.distance == {"5k": Decimal("3.1"), "10k": Decimal("6.2")}[race]


@pytest.mark.parametrize("race_date", ["0001-01-09", "9999-12-31"])
def test_race_dates_beyond_the_calendar_are_refused_not_crashed(
    make_plan: Callable[..., Plan], race_date: str
) -> None:
    with pytest.raises(SettingError, match="race_date: expected a date from 1900 to 2999"):
        make_plan("week,miles\n1,10\n", race_date=race_date)


@pytest.mark.parametrize(
    ("race", "title"),
    [
        ("half", "Race day: Half marathon (13.1 mi)"),
        ("Half Marathon", "Race day: Half marathon (13.1 mi)"),
        ("21k", "Race day: Half marathon (13.1 mi)"),
        ("full", "Race day: Marathon (26.2 mi)"),
        ("15", "Race day: Race 15 mi"),
    ],
)
def test_race_title_names_the_race_however_it_was_written(
    make_plan: Callable[..., Plan], race: str, title: str
) -> None:
    plan = make_plan("week,miles\n1,30\n2,30\n", race_distance=race)
    assert [s.title for s in plan.sessions if s.activity is Activity.RACE] == [title]

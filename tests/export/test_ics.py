from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Alarm, Calendar, Event, vDuration
from icalendar.parser import Contentline

from planner.export import IMPORT_LIMIT, ics
from planner.export import lines as shared
from planner.model import Descriptions, Plan
from planner.pipeline import SIZE_BUDGET, choose_descriptions, least_size, to_ics
from planner.previous import parse_previous
from planner.regenerate import reconcile
from tests.conftest import SAMPLES, TINY


@pytest.fixture
def tiny(make_plan: Callable[..., Plan]) -> Plan:
    return make_plan(TINY, race_date="2027-04-04", name="Tiny 5K", race_distance="5k", remind=15)


def test_golden(tiny: Plan, golden: Callable[[str, bytes], None]) -> None:
    golden("tiny_5k/plan.ics", to_ics(tiny))


def test_every_session_is_one_event_at_the_right_instant(tiny: Plan) -> None:
    data = to_ics(tiny)
    assert b"\n" not in data.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == "Tiny 5K"
    events = calendar.walk("VEVENT")
    assert len(events) == len(tiny.sessions)
    berlin = ZoneInfo("Europe/Berlin")
    for event, session in zip(events, tiny.sessions, strict=True):
        assert str(event["UID"]) == session.uid
        assert event.decoded("DTSTART") == session.start
        assert event.decoded("DTEND") == session.end
        assert str(event["SUMMARY"]) == session.title
        assert str(event["DESCRIPTION"]) == session.description
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert event.decoded("DTSTAMP") == dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
        alarms = event.walk("VALARM")
        assert len(alarms) == 1 and alarms[0].decoded("TRIGGER") == -dt.timedelta(minutes=15)
    # The long run on the day the clocks change still starts at 08:00 local (06:00 UTC).
    long_run = next(e for e in events if str(e["X-PLANNER-ACTIVITY"]) == "long_run")
    start = long_run.decoded("DTSTART")
    assert start.astimezone(dt.UTC) == dt.datetime(2027, 3, 28, 6, 0, tzinfo=dt.UTC)
    assert start.astimezone(berlin).hour == 8


def test_all_day_events_have_an_exclusive_end(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(TINY, race_date="2027-04-04", race_distance="5k", all_day=True)
    calendar = Calendar.from_ical(to_ics(plan))
    assert not calendar.walk("VTIMEZONE")
    for event in calendar.walk("VEVENT"):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is dt.date and end == start + dt.timedelta(days=1)


def weeks_csv(count: int) -> str:
    """A plan of ``count`` weeks with five runs a week, as long plans have."""
    rows = "".join(f"{n},{20 + n % 10},{6 + n % 5},5\n" for n in range(1, count + 1))
    return "week,miles,long_run,runs\n" + rows


EVENT_PROPERTIES = {
    "UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "CATEGORIES",
    "X-PLANNER-PLAN", "X-PLANNER-ACTIVITY", "X-PLANNER-DAYS-BEFORE-RACE",
}  # fmt: skip


@pytest.mark.parametrize(
    ("weeks", "style", "richer"),
    [
        (12, Descriptions.FULL, None),
        (30, Descriptions.COMPACT, Descriptions.FULL),
        (104, Descriptions.BRIEF, Descriptions.COMPACT),  # MAX_WEEKS
    ],
)
def test_descriptions_are_the_richest_that_keep_the_file_under_budget(
    make_plan: Callable[..., Plan],
    weeks: int,
    style: Descriptions,
    richer: Descriptions | None,
) -> None:
    plan = make_plan(weeks_csv(weeks), race_date="2028-04-16", timezone="America/New_York")
    fitted = fit_descriptions(plan)
    assert fitted.descriptions is style
    data = to_ics(fitted)
    assert len(data) <= SIZE_BUDGET < IMPORT_LIMIT
    if richer is not None:
        assert len(to_ics(dataclasses.replace(plan, descriptions=richer))) > SIZE_BUDGET
    events = Calendar.from_ical(data).events
    assert len(events) == len(plan.sessions)
    for event, session in zip(events, plan.sessions, strict=True):
        assert set(event) == EVENT_PROPERTIES
        assert str(event["DESCRIPTION"]) == session.description_for(style)


def test_the_choice_is_a_pure_function_of_the_plan(make_plan: Callable[..., Plan]) -> None:
    plan = make_plan(weeks_csv(30), race_date="2028-04-16", timezone="America/New_York")
    assert to_ics(plan) == to_ics(plan) == to_ics(fit_descriptions(plan))
    assert plan.descriptions is None  # the plan itself is left as it was


def test_a_chosen_style_is_kept(tiny: Plan) -> None:
    brief = dataclasses.replace(tiny, descriptions=Descriptions.BRIEF)
    assert description_style(brief) is Descriptions.BRIEF
    for event, session in zip(Calendar.from_ical(to_ics(brief)).events, tiny.sessions, strict=True):
        assert str(event["DESCRIPTION"]) == session.description_for(Descriptions.BRIEF)
        text = str(event["DESCRIPTION"])
        if session.activity.is_running:
            # Runs keep their pace and form cue; the repeated title and the plan's name go.
            assert text.startswith("About ") and "Form focus this week: " in text
            assert text.endswith(f"Week {session.week} of 2.")
        else:
            assert text.startswith("Full steps: planner routines show ")


def fit_descriptions(plan: Plan) -> Plan:
    return choose_descriptions(plan)[0]


def description_style(plan: Plan) -> Descriptions | None:
    return fit_descriptions(plan).descriptions


def written_by_icalendar(plan: Plan) -> bytes:
    """The plain way: an icalendar Event object per session and Calendar.to_ical()."""
    plan = fit_descriptions(plan)
    calendar = ics._calendar(plan)
    stamp = plan.generated_at.astimezone(dt.UTC)
    for session in plan.sessions:
        event = Event()
        for name, value in ics._event(plan, session, stamp):
            event.add(name, value)
        for properties in ics._alarms(plan, session):
            alarm = Alarm()
            for name, value in properties:
                alarm.add(name, value)
            event.add_component(alarm)
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def test_a_refresh_hint_is_written_both_ways_that_apps_read(
    make_plan: Callable[..., Plan],
) -> None:
    plan = make_plan(TINY, refresh_hours=6)
    calendar = Calendar.from_ical(to_ics(plan))
    assert calendar.decoded("REFRESH-INTERVAL") == dt.timedelta(hours=6)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    # An X- property is text to icalendar: Outlook reads it as a duration.
    assert vDuration.from_ical(str(calendar["X-PUBLISHED-TTL"])) == dt.timedelta(hours=6)
    assert b"REFRESH-INTERVAL" not in to_ics(make_plan(TINY))  # no hint unless asked for


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"remind": 15, "gentle_inversion": True, "bedtime": dt.time(21, 30)},
        {"all_day": True, "yoga_only": True, "remind": 0},
        {"timezone": "UTC", "name": "Ça va; a \\N, b\\"},
        {"timezone": "Australia/Lord_Howe", "race_distance": "half"},
        {"refresh_hours": 6},
    ],
    ids=["defaults", "remind-gentle-bedtime", "all-day", "utc-odd-name", "lord-howe", "refresh"],
)
@pytest.mark.parametrize("sample", ["half_marathon.csv", "marathon_km.csv", "10k.csv"])
def test_same_bytes_as_icalendar_writing_each_event(
    make_plan: Callable[..., Plan], sample: str, options: dict[str, object]
) -> None:
    """Serializing each distinct property once must not change a byte of the file."""
    plan = make_plan((SAMPLES / sample).read_text(encoding="utf-8"), **options)
    assert to_ics(plan) == written_by_icalendar(plan)


@pytest.mark.parametrize("style", list(Descriptions))
def test_same_bytes_in_every_description_style(
    make_plan: Callable[..., Plan], style: Descriptions
) -> None:
    plan = make_plan(weeks_csv(30), race_date="2028-04-16", remind=10)
    assert to_ics(plan) == written_by_icalendar(plan)  # the style that fits: compact
    styled = dataclasses.replace(plan, descriptions=style)
    assert to_ics(styled) == written_by_icalendar(styled)


def test_same_bytes_with_cancelled_events_kept_by_a_regeneration(
    make_plan: Callable[..., Plan],
) -> None:
    longer = make_plan("week,miles,long_run\n1,16,6\n2,18,7\n3,16,6.2\n")
    shorter = make_plan("week,miles,long_run\n1,18,7\n2,16,6.2\n")
    plan, changes = reconcile(shorter, parse_previous(to_ics(longer), "plan.ics"))
    assert changes.cancelled > 0
    assert to_ics(plan) == written_by_icalendar(plan)


# Paragraphs of text with what escaping and folding treat specially: multi-byte characters,
# backslashes, carets, commas, semicolons and lone line breaks.
_CHARACTERS = st.sampled_from("ab é😀\\^,;:\r\nN")
_PARAGRAPH = st.one_of(
    st.text(_CHARACTERS, max_size=40), st.text(_CHARACTERS, min_size=150, max_size=400)
)


def icalendar_line(name: str, text: str) -> bytes:
    """The property's line(s) in what icalendar writes for an event holding only it."""
    event = Event()
    event.add(name, text)
    data: bytes = event.to_ical()
    return data[len(b"BEGIN:VEVENT\r\n") : -len(b"END:VEVENT\r\n")]


@pytest.mark.parametrize("octets", range(72, 79))
@pytest.mark.parametrize("last", ["a", "é", "😀", ","])
def test_lines_of_about_75_octets_fold_as_icalendar_folds_them(octets: int, last: str) -> None:
    text = "a" * (octets - len("SUMMARY:") - len(last.encode())) + last
    assert shared.serialize(Event, "summary", text) == icalendar_line("summary", text)


@given(text=st.text(st.sampled_from("ab é😀\\^,;:N"), min_size=50, max_size=80))
def test_lines_near_the_fold_width_are_icalendars(text: str) -> None:
    lines = shared.PropertyLines()
    for name in ("summary", "uid", "x-planner-plan", "description"):
        assert shared.serialize(Event, name, text) == icalendar_line(name, text)
        # Made directly for a text property, after the first is checked against icalendar.
        lines._line(Event, name, "Easy run")
        assert lines._line(Event, name, text) == icalendar_line(name, text)


@settings(deadline=None)  # icalendar's folding is slow on a busy machine; time is not the point
@given(heads=st.lists(_PARAGRAPH, min_size=1, max_size=3), tails=st.lists(_PARAGRAPH, max_size=4))
def test_text_folded_from_its_heads_folding_is_icalendars(
    heads: list[str], tails: list[str]
) -> None:
    lines = shared.PropertyLines()  # one plan's cache, shared by every text below
    for head in ["\n\n".join(heads), "\n".join(heads), *heads]:
        for tail in ["", *tails]:
            for text in (f"{head}\n\n{tail}", f"{head}\n{tail}", head + tail):
                assert lines._line(Event, "description", text) == icalendar_line(
                    "description", text
                )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab ,;:\\^"NÄ€😀'), max_size=400))
def test_folding_is_icalendars(text: str) -> None:
    """The quick fold of ASCII lines gives icalendar's bytes, escapes and all."""
    line = "DESCRIPTION:" + text
    expected: bytes = Contentline(line).to_ical()
    assert shared.fold(line).encode("utf-8") == expected


@pytest.mark.parametrize("style", list(Descriptions))
@pytest.mark.parametrize(
    "options",
    [{}, {"bedtime": dt.time(21, 30), "remind": 10}, {"all_day": True, "name": "X"}],
)
def test_the_least_size_never_passes_the_file_it_bounds(
    make_plan: Callable[..., Plan], style: Descriptions, options: dict[str, object]
) -> None:
    plan = make_plan(weeks_csv(12), race_date="2028-04-16", **options)
    size = len(to_ics(dataclasses.replace(plan, descriptions=style)))
    assert 0.6 * size < least_size(plan, style) <= size  # a bound, and a close one


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(_PARAGRAPH, min_size=1, max_size=6))
def test_the_least_size_holds_for_any_description(tiny: Plan, texts: list[str]) -> None:
    sessions = tuple(
        dataclasses.replace(s, description=texts[i % len(texts)], compact_description="")
        for i, s in enumerate(tiny.sessions)
    )
    plan = dataclasses.replace(tiny, sessions=sessions, descriptions=Descriptions.FULL)
    assert least_size(plan, Descriptions.FULL) <= len(to_ics(plan))

"""The shipped routine templates: their content, holds and progression, that they are
written in our own words, and the error a coach sees when a template is broken."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import InvalidTemplate, PlanError, UnknownRoutine
from planner.mileage import parse_mileage
from planner.model import Activity
from planner.routines import (
    Pose,
    Routine,
    default_templates_dir,
    load_routines,
    render_brief,
    render_compact,
    render_description,
)
from planner.schedule import PlanOptions, build_plan
from tests.conftest import GENERATED_AT

TEMPLATES = default_templates_dir()
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
"""The source articles, kept beside the project root (not shipped with it)."""

COPY_LIMIT = 10
"""A run of this many words in a row shared with an article counts as copied."""

EXPECTED_POSES = {
    Activity.PRE_RUN_ACTIVATION: [
        "Single-leg balance",
        "Chair pose with hands on glutes",
        "Crossed-legs side bend",
        "Chest opener",
    ],
    Activity.POST_RUN_RECOVERY: [
        "Point-and-flex calf pump",
        "Squat calf pump",
        "Chest stretch",
        "Crossed-legs side bend",
    ],
    Activity.LEGS_UP_THE_WALL: ["Legs up the wall", "Legs on a pillow or bolster"],
    Activity.BEDTIME_LEGS_UP_THE_WALL: ["Legs up the wall", "Legs on a pillow or bolster"],
    Activity.BACKSIDE_STRENGTH: [
        "Locust, arms by your sides",
        "Locust, goal-post arms",
        "Locust, airplane arms",
        "Locust, opposite arm and leg lifts",
        "Full bow",
        "Bow, no hands",
        "Reverse tabletop",
        "Reverse tabletop, leg lifted",
        "Reverse plank",
        "Reverse plank, knee to chest",
        "Reverse plank, leg lifted",
    ],
}

WALL_ROUTINES = [Activity.LEGS_UP_THE_WALL, Activity.BEDTIME_LEGS_UP_THE_WALL]


@pytest.fixture(scope="module")
def library() -> dict[Activity, Routine]:
    return dict(load_routines().routines)


def pose(routine: Routine, name: str) -> Pose:
    matches = [p for p in routine.poses if p.name == name]
    assert len(matches) == 1, f"{routine.path}: expected one pose named {name!r}"
    return matches[0]


def sessions(routine: Routine) -> Iterator[tuple[int, str]]:
    """Every (level, variant) a plan can ask this routine for."""
    variants = ["", *sorted({p.variant for p in routine.poses if p.variant})]
    for level in range(1, routine.levels + 1):
        for variant in variants:
            yield level, variant


# --- What ships ----------------------------------------------------------------------


def test_every_yoga_activity_has_a_template_named_after_it(
    library: dict[Activity, Routine],
) -> None:
    yoga = {a for a in Activity if not a.is_running}
    assert set(library) == yoga
    for activity, routine in library.items():
        assert Path(routine.path).stem == activity.value


@pytest.mark.parametrize("activity", list(EXPECTED_POSES), ids=lambda a: a.value)
def test_every_pose_from_the_articles_is_present(
    library: dict[Activity, Routine], activity: Activity
) -> None:
    names = [p.name for p in library[activity].poses]
    assert sorted(names) == sorted(EXPECTED_POSES[activity])


@pytest.mark.parametrize("activity", list(EXPECTED_POSES), ids=lambda a: a.value)
def test_every_routine_credits_its_source(
    library: dict[Activity, Routine], activity: Activity
) -> None:
    routine = library[activity]
    assert routine.title and routine.summary and routine.why
    assert "\n" not in routine.summary
    assert routine.source.title and routine.source.author and routine.source.site
    for p in routine.poses:
        assert 3 <= len(p.steps) <= 6, f"{p.name}: {len(p.steps)} steps"
        assert p.why and p.hold


# --- Holds and counts stay in the articles' ranges -----------------------------------


@pytest.mark.parametrize("name", ["Legs up the wall", "Legs on a pillow or bolster"])
def test_long_run_legs_up_the_wall_lasts_10_to_20_minutes(
    library: dict[Activity, Routine], name: str
) -> None:
    routine = library[Activity.LEGS_UP_THE_WALL]
    p = pose(routine, name)
    assert 10 * 60 <= p.seconds <= 20 * 60
    assert p.seconds == 15 * 60
    assert "15 minutes" in p.hold and "10-20" in p.hold
    assert 10 <= routine.minutes(1, p.variant) <= 20


@pytest.mark.parametrize("name", ["Legs up the wall", "Legs on a pillow or bolster"])
def test_bedtime_legs_up_the_wall_lasts_at_least_5_minutes(
    library: dict[Activity, Routine], name: str
) -> None:
    routine = library[Activity.BEDTIME_LEGS_UP_THE_WALL]
    p = pose(routine, name)
    assert p.seconds >= 5 * 60
    assert "5+ minutes" in p.hold
    assert routine.minutes(1, p.variant) >= 5


def test_strength_holds_are_30_to_60_seconds(library: dict[Activity, Routine]) -> None:
    for p in library[Activity.BACKSIDE_STRENGTH].poses:
        assert 30 <= p.seconds <= 60, f"{p.name}: {p.seconds} s"
        assert "5-8 breaths" in p.hold, p.name


def test_strength_sets_are_1_to_3(library: dict[Activity, Routine]) -> None:
    sets = library[Activity.BACKSIDE_STRENGTH].sets_by_level
    assert sets[0] == 1 and max(sets) == 3
    assert list(sets) == sorted(sets)


def test_calf_pumps_give_their_counts(library: dict[Activity, Routine]) -> None:
    post = library[Activity.POST_RUN_RECOVERY]
    assert "20 reps" in pose(post, "Squat calf pump").hold
    point_flex = pose(post, "Point-and-flex calf pump")
    assert point_flex.seconds == 30 and point_flex.sides == 2


@pytest.mark.parametrize(
    ("activity", "name", "hold", "sides"),
    [
        (Activity.PRE_RUN_ACTIVATION, "Single-leg balance", "5-10 breaths", 2),
        (Activity.PRE_RUN_ACTIVATION, "Chair pose with hands on glutes", "5+ breaths", 1),
        (Activity.PRE_RUN_ACTIVATION, "Crossed-legs side bend", "5-10 breaths", 2),
        (Activity.PRE_RUN_ACTIVATION, "Chest opener", "5+ breaths", 1),
        (Activity.POST_RUN_RECOVERY, "Chest stretch", "5+ breaths", 1),
        (Activity.POST_RUN_RECOVERY, "Crossed-legs side bend", "5-10 breaths", 2),
    ],
)
def test_breath_counts_match_the_articles(
    library: dict[Activity, Routine], activity: Activity, name: str, hold: str, sides: int
) -> None:
    p = pose(library[activity], name)
    assert p.hold == hold
    assert p.sides == sides


@pytest.mark.parametrize("activity", [Activity.PRE_RUN_ACTIVATION, Activity.POST_RUN_RECOVERY])
def test_quick_routines_fit_in_a_few_minutes(
    library: dict[Activity, Routine], activity: Activity
) -> None:
    assert library[activity].minutes() == 5


# --- The gentle variant ----------------------------------------------------------------


@pytest.mark.parametrize("activity", WALL_ROUTINES, ids=lambda a: a.value)
def test_gentle_variant_replaces_the_wall(
    library: dict[Activity, Routine], activity: Activity
) -> None:
    routine = library[activity]
    gentle = [p.name.lower() for p in routine.poses_for(variant="gentle")]
    assert not any("wall" in name for name in gentle)
    assert any("pillow" in name or "bolster" in name for name in gentle)
    plain = [p.name.lower() for p in routine.poses_for()]
    assert plain == ["legs up the wall"]


@pytest.mark.parametrize("activity", WALL_ROUTINES, ids=lambda a: a.value)
def test_gentle_variant_says_who_it_is_for(
    library: dict[Activity, Routine], activity: Activity
) -> None:
    routine = library[activity]
    (gentle,) = routine.poses_for(variant="gentle")
    (wall,) = routine.poses_for()
    for p in (gentle, wall):
        cautions = " ".join(p.cautions).lower()
        assert "glaucoma" in cautions and "blood-pressure medication" in cautions, p.name
    assert gentle.seconds == wall.seconds
    assert any("towel" in c for c in wall.cautions)


# --- Strength progresses ---------------------------------------------------------------


def test_strength_changes_from_first_level_to_top(library: dict[Activity, Routine]) -> None:
    routine = library[Activity.BACKSIDE_STRENGTH]
    first = {p.group: p for p in routine.poses_for(1)}
    top = {p.group: p for p in routine.poses_for(routine.levels)}
    assert set(first) == set(top) == {"locust", "bow", "reverse_table_plank"}
    for group in first:
        assert first[group].level == 1
        assert top[group].level > first[group].level, group


def test_strength_never_gets_easier_as_the_level_rises(library: dict[Activity, Routine]) -> None:
    routine = library[Activity.BACKSIDE_STRENGTH]
    previous: dict[str, int] = {}
    for level in range(1, routine.levels + 1):
        chosen = routine.poses_for(level)
        groups = [p.group for p in chosen]
        assert len(groups) == len(set(groups)), f"level {level}: two versions of one pose"
        for p in chosen:
            assert p.level >= previous.get(p.group, 1), f"{p.group} eases off at level {level}"
            previous[p.group] = p.level


def test_strength_orders_versions_as_the_article_does(library: dict[Activity, Routine]) -> None:
    routine = library[Activity.BACKSIDE_STRENGTH]
    level = {p.name: p.level for p in routine.poses}
    # "For a bigger challenge than Reverse Tabletop, move to Reverse Plank"
    assert level["Reverse tabletop, leg lifted"] < level["Reverse plank"]
    # the no-hands bow "is actually more difficult"
    assert level["Full bow"] < level["Bow, no hands"]
    assert pose(routine, "Full bow").sanskrit == "Dhanurasana"
    assert any("low back" in c for c in pose(routine, "Bow, no hands").cautions)


def test_strength_session_stays_10_to_20_minutes_at_the_top(
    library: dict[Activity, Routine],
) -> None:
    routine = library[Activity.BACKSIDE_STRENGTH]
    lengths = [routine.minutes(level) for level in range(1, routine.levels + 1)]
    assert lengths == sorted(lengths)
    assert 10 <= lengths[-1] <= 20


# --- Descriptions ----------------------------------------------------------------------


@pytest.mark.parametrize("activity", list(EXPECTED_POSES), ids=lambda a: a.value)
def test_descriptions_carry_holds_and_counts(
    library: dict[Activity, Routine], activity: Activity
) -> None:
    routine = library[activity]
    for level, variant in sessions(routine):
        text = render_description(routine, level, variant)
        assert f"About {routine.minutes(level, variant)} min" in text
        sets = routine.sets_at(level)
        if sets > 1:
            assert f"{sets} sets" in text
        for number, p in enumerate(routine.poses_for(level, variant), start=1):
            each = ", each side" if p.sides == 2 else ""
            assert f"{number}. " in text and f"{p.hold}{each}\n" in text, (level, variant, p.name)
            for step in p.steps:
                assert step in text
        assert routine.source.author in text


# --- Our own words -------------------------------------------------------------------


def _words_stripped(text: str) -> list[str]:
    """Lowercase, punctuation deleted ("hip's" -> "hips", "5-10" -> "510")."""
    return re.sub(r"[^\w\s]", "", text.lower()).split()


def _words_spaced(text: str) -> list[str]:
    """Lowercase, punctuation read as a gap, so dash- or slash-joined words stay apart."""
    return re.sub(r"[^\w\s]", " ", text.lower().replace("'", "").replace("\u2019", "")).split()


def _template_texts(path: Path) -> list[str]:
    """What a template says, in file order: its strings (but not the [source] citation,
    which must quote the article's title) and its comments."""
    raw = path.read_text(encoding="utf-8")
    comments = [line.strip() for line in raw.splitlines() if line.strip().startswith("#")]
    strings: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key != "source":
                    walk(item)

    walk(tomllib.loads(raw))
    # joined so that a run spread over two consecutive steps is caught too
    return [" ".join(strings), *comments]


def _copied_runs(words: list[str], grams: dict[tuple[str, ...], str]) -> Iterator[tuple[str, str]]:
    """(article, copied words) for each longest run of COPY_LIMIT+ words shared with an article."""
    i = 0
    while i + COPY_LIMIT <= len(words):
        key = tuple(words[i : i + COPY_LIMIT])
        if key not in grams:
            i += 1
            continue
        end = i + 1
        while end + COPY_LIMIT <= len(words) and tuple(words[end : end + COPY_LIMIT]) in grams:
            end += 1
        yield grams[key], " ".join(words[i : end + COPY_LIMIT - 1])
        i = end + COPY_LIMIT - 1


def test_templates_copy_no_run_of_ten_words_from_the_articles() -> None:
    articles = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    # The project's checkout always has shared/ beside it (CI too): a missing folder is a bug.
    assert len(articles) == 5, f"expected the five source articles in {SEEDS}"
    templates = sorted(TEMPLATES.rglob("*.toml"))
    assert templates, f"no templates under {TEMPLATES}"
    problems = []
    for split in (_words_stripped, _words_spaced):
        grams: dict[tuple[str, ...], str] = {}
        for article in articles:
            words = split(article.read_text(encoding="utf-8"))
            for i in range(len(words) - COPY_LIMIT + 1):
                grams.setdefault(tuple(words[i : i + COPY_LIMIT]), article.name)
        for template in templates:
            for text in _template_texts(template):
                for article_name, copied in _copied_runs(split(text), grams):
                    problem = f"{template.relative_to(TEMPLATES)} copies {article_name}: {copied!r}"
                    if problem not in problems:
                        problems.append(problem)
    assert not problems, "\n".join(problems)


def test_the_copy_check_catches_a_copied_sentence() -> None:
    """Guards the guard: a step lifted from an article must trip it."""
    grams = {
        tuple(_words_stripped("Lift the head, chest and legs off of the mat now")[:10]): "a.txt"
    }
    words = _words_stripped("Then: lift the head, chest and legs off of the mat!")
    assert list(_copied_runs(words, grams)) == [
        ("a.txt", "lift the head chest and legs off of the mat")
    ]


# --- Form cues (no loader yet: check the file's shape) ---------------------------------


def test_form_cues_have_one_short_line_each() -> None:
    data = tomllib.loads((TEMPLATES / "form_cues.toml").read_text(encoding="utf-8"))
    assert set(data) == {"source", "cues"}
    assert set(data["source"]) == {"title", "author", "site"}
    names = [cue["name"] for cue in data["cues"]]
    assert names == [
        "Feet parallel",
        "Lift and spread the toes",
        "Glide, don't bounce",
        "Lift the low belly",
    ]
    for cue in data["cues"]:
        assert set(cue) == {"name", "cue", "why"}
        assert "\n" not in cue["cue"] and len(cue["cue"]) <= 80, cue["name"]
        assert 1 <= cue["why"].count(".") <= 2, cue["name"]


# --- Broken templates --------------------------------------------------------------------

VALID = """\
activity = "pre_run_activation"
title = "Test"
summary = "One line."
why = "Because."

[source]
title = "T"
author = "A"
site = "S"

[[poses]]
name = "First"
figure = "chair_hands_on_glutes"
steps = ["Do it."]
hold = "5 breaths"
seconds = 30

[[poses]]
name = "Second"
text_only = true
steps = ["Do it again."]
hold = "5 breaths"
seconds = 30
sides = 2
"""


def _write(folder: Path, text: str, name: str = "pre_run_activation.toml") -> Path:
    routines = folder / "routines"
    routines.mkdir(exist_ok=True)
    path = routines / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_valid_example_loads(tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    routine = load_routines(tmp_path)[Activity.PRE_RUN_ACTIVATION]
    assert [p.name for p in routine.poses] == ["First", "Second"]


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        (
            "seconds = 30\nsides = 2",
            'seconds = "30"\nsides = 2',
            "poses[2].seconds",
            "whole number",
        ),
        (
            "seconds = 30\nsides = 2",
            "seconds = 30.5\nsides = 2",
            "poses[2].seconds",
            "whole number",
        ),
        ("sides = 2", "sides = 3", "poses[2].sides", "1 or 2"),
        ('steps = ["Do it."]', 'steps = "Do it."', "poses[1].steps", "list"),
        ('steps = ["Do it."]', "steps = []", "poses[1].steps", "at least one step"),
        ('title = "Test"', "title = 1", "title", "text"),
        ('hold = "5 breaths"\nseconds = 30\n\n', "seconds = 30\n\n", "poses[1].hold", "missing"),
        ('author = "A"\n', "", "source.author", "missing"),
        ('summary = "One line."\n', "", "summary", "missing"),
        ('name = "First"', 'name = "First"\nduration = 30', "poses[1].duration", "unknown key"),
        ('why = "Because."', 'why = "Because."\ncolour = "red"', "colour", "unknown key"),
        ('"pre_run_activation"', '"stretching"', "activity", "unknown activity"),
        ('why = "Because."', 'why = "Because."\nsets_by_level = [0]', "sets_by_level", "1 to 10"),
        (
            'why = "Because."',
            'why = "Because."\nsets_by_level = [1, 1000000000000000000]',
            "sets_by_level",
            "1 to 10",
        ),
    ],
)
def test_a_broken_template_names_its_file_and_key(
    tmp_path: Path, old: str, new: str, key: str, says: str
) -> None:
    assert old in VALID
    path = _write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(InvalidTemplate) as caught:
        load_routines(tmp_path)
    err = caught.value
    message = str(err)
    assert err.source == str(path)
    assert err.key == key
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: ")
    assert says in message


def test_bad_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID.replace("seconds = 30\nsides = 2", "seconds = \nsides = 2"))
    with pytest.raises(InvalidTemplate) as caught:
        load_routines(tmp_path)
    message = str(caught.value)
    assert caught.value.key is None
    assert "\n" not in message
    assert message.startswith(f"{path}: not valid TOML")
    assert "line 23" in message


# Mistakes the loader must reject.


def test_unknown_key_in_source_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, VALID.replace('site = "S"', 'site = "S"\nhomepage = "https://example.org"'))
    with pytest.raises(InvalidTemplate, match=r"source\.homepage"):
        load_routines(tmp_path)


def test_running_activity_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, VALID.replace('"pre_run_activation"', '"long_run"'))
    with pytest.raises(InvalidTemplate, match="activity"):
        load_routines(tmp_path)


def test_level_below_one_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, VALID.replace('name = "First"', 'name = "First"\nlevel = 0'))
    with pytest.raises(InvalidTemplate, match=r"poses\[1\]\.level"):
        load_routines(tmp_path)


def test_activity_must_match_the_file_name(tmp_path: Path) -> None:
    _write(tmp_path, VALID, "post_run_recovery.toml")
    with pytest.raises(InvalidTemplate, match="activity"):
        load_routines(tmp_path)


def test_compact_and_brief_descriptions(library: dict[Activity, Routine]) -> None:
    pre_run = library[Activity.PRE_RUN_ACTIVATION]
    assert render_compact(pre_run) == (
        "Wake up your glutes, core and chest before you head out.\n"
        "1. Single-leg balance: 5-10 breaths, each side\n"
        "2. Chair pose with hands on glutes: 5+ breaths\n"
        "3. Crossed-legs side bend: 5-10 breaths, each side\n"
        "4. Chest opener: 5+ breaths\n"
        "Full steps: planner routines show pre_run_activation"
    )
    assert render_brief(pre_run) == "Full steps: planner routines show pre_run_activation"
    strength = library[Activity.BACKSIDE_STRENGTH]
    top = strength.levels
    compact = render_compact(strength, top).splitlines()
    assert compact[1] == f"{strength.sets_at(top)} sets of:"
    assert compact[-1] == f"Full steps: planner routines show backside_strength --level {top}"
    assert render_brief(library[Activity.LEGS_UP_THE_WALL], 1, "gentle") == (
        "Full steps: planner routines show legs_up_the_wall --gentle"
    )
    # No --gentle for a routine that has no gentle variant: the command would show the same.
    assert render_brief(pre_run, 1, "gentle").endswith("show pre_run_activation")


def test_a_folder_named_like_a_template_is_reported_not_crashed(tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    (tmp_path / "routines" / "extra.toml").mkdir()
    with pytest.raises(InvalidTemplate) as caught:
        load_routines(tmp_path)
    assert (
        str(caught.value)
        == f"{tmp_path / 'routines' / 'extra.toml'}: is a folder; expected a TOML file"
    )


def test_templates_must_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(PlanError) as caught:
        load_routines(tmp_path / "notes.txt")
    assert (
        str(caught.value)
        == f"templates: {tmp_path / 'notes.txt'} is a file; expected a templates folder"
    )


def test_a_missing_routine_names_the_file_to_add(tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    with pytest.raises(UnknownRoutine) as caught:
        load_routines(tmp_path)[Activity.LEGS_UP_THE_WALL]
    assert str(caught.value) == (
        "templates: no routine template for 'legs_up_the_wall';"
        f" add {tmp_path / 'routines' / 'legs_up_the_wall.toml'}"
    )


TOML_VALUES = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(str(f), repr(f))
    ),
    st.booleans().map(lambda b: str(b).lower()),
    st.text(max_size=8).map(
        lambda t: '"' + t.encode("unicode_escape").decode().replace('"', r"\"") + '"'
    ),
    st.lists(st.integers(-5, 2**63 - 1).map(str), max_size=4).map(
        lambda v: "[" + ", ".join(v) + "]"
    ),
    st.sampled_from(['["a", 1]', "[]", "{ x = 1 }", "1979-05-27", '""', "0", "3601"]),
    # The largest TOML integer, alone and in a list.
    st.sampled_from(["9223372036854775807", "[1, 9223372036854775807]"]),
)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_value_in_a_template_is_built_or_reported(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Change some values of a template: a plan still builds, or the error says what is wrong."""
    lines = VALID.replace('why = "Because."', 'why = "Because."\nsets_by_level = [1]', 1)
    lines = lines.splitlines()
    values = [i for i, line in enumerate(lines) if " = " in line]
    for index in data.draw(st.sets(st.sampled_from(values), max_size=3)):
        key = lines[index].partition(" = ")[0]
        lines[index] = f"{key} = {data.draw(TOML_VALUES)}"
    folder = tmp_path_factory.mktemp("templates")
    shutil.copytree(TEMPLATES, folder, dirs_exist_ok=True)
    _write(folder, "\n".join(lines) + "\n")
    mileage = parse_mileage(b"week,miles\n1,10\n2,12\n", "m.csv")
    options = PlanOptions(race_date=dt.date(2027, 4, 18), name="Templates")
    try:
        build_plan(mileage, options, load_routines(folder), GENERATED_AT)
    except PlanError as err:
        assert "\n" not in str(err)

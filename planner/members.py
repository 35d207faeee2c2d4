"""Member settings: one runner's own values over a shared plan file.

A club's plan file says what everyone shares; each member differs in race date, zone, run days,
times, pace and load. Those values come as text, from a roster cell (`planner club`) or a URL
parameter (`planner serve`), under the plan file's keys. This module reads, checks and applies
them, for both faces; each face says how a setting is named in its errors.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from planner.errors import SettingError
from planner.model import Mileage
from planner.options import Layer, Settings, read_layer, stack

MEMBER_KEYS = (
    "race_date",
    "timezone",
    "run_days",
    "long_run_day",
    "run_time",
    "long_run_time",
    "pace",
    "remind",
    "bedtime",
    "gentle_inversion",
    "yoga_only",
    "all_day",
    "away",
    "recovery_days",
)
"""The settings a member may give, named as the plan file's keys."""

_FLAGS = ("gentle_inversion", "yoga_only", "all_day")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_NONE = {"none", "no", "off", "false"}
"""Words that turn off a setting with no value (a reminder, the bedtime session)."""

MIN_SCALE = Decimal("0.25")
MAX_SCALE = Decimal(2)
HALF = Decimal("0.5")


@dataclass(frozen=True)
class Member:
    """One member's settings, read and checked, to lay over a plan file's."""

    layer: Layer
    scale: Decimal | None = None
    """A factor for every week's distance and long run (0.8: a lighter load)."""
    mileage: Path | None = None
    """The member's own weekly mileage CSV (a roster's ``mileage`` column)."""


def read_member(
    raw: Mapping[str, str | None],
    name: Callable[[str], str],
    *,
    extra: tuple[str, ...] = (),
    base: Path | None = None,
) -> Member:
    """A member's settings from text values (blank or missing: the plan's value).

    ``raw`` holds MEMBER_KEYS and, where the face allows them, the ``extra`` keys ``scale``
    and ``mileage`` (a path relative to ``base``). Any other key, and any bad value, raises
    InvalidOption named by ``name(key)``, the face's way to say where it was.
    """
    allowed = (*MEMBER_KEYS, *extra)
    for key in raw:
        if key not in allowed:
            raise SettingError(
                key, f"not a member setting; expected one of {', '.join(allowed)}"
            ).worded(name)
    given = {key: text.strip() for key, text in raw.items() if text is not None and text.strip()}
    typed: dict[str, object] = {}
    unset: list[str] = []
    for key, text in given.items():
        if key in _FLAGS:
            typed[key] = _flag(text, key, name)
        elif key in ("remind", "bedtime") and text.lower() in _NONE:
            unset.append(key)  # the plan's reminder or bedtime session, turned off
        elif key in MEMBER_KEYS:
            typed[key] = text
    layer = read_layer(typed, name)
    layer = Layer(
        {**layer.values, **dict.fromkeys(unset)},
        {**layer.origins, **{key: name(key) for key in unset}},
    )
    scale = _scale(given["scale"], name) if "scale" in given else None
    mileage = None
    if "mileage" in given:
        mileage = Path(given["mileage"])
        if base is not None:
            mileage = base / mileage
    return Member(layer, scale, mileage)


def member_settings(plan: Settings, member: Member) -> Settings:
    """The plan file's settings with the member's over them."""
    settings = stack(plan, member.layer)
    if member.mileage is not None:
        settings = stack(settings, Layer({"mileage": member.mileage}, {}))
    return settings


def scale_mileage(mileage: Mileage, factor: Decimal, race_distance: Decimal | None) -> Mileage:
    """Every week's distance and long run times ``factor``, each in half units, so that a week
    still adds up exactly; race week keeps its race (its long run, or ``race_distance``), so it
    never falls below it."""
    weeks = []
    last = len(mileage.weeks) - 1
    for index, week in enumerate(mileage.weeks):
        is_race_week = index == last
        long_run = week.long_run
        if long_run is not None and not is_race_week:
            long_run = _half_units(long_run * factor)
        days = week.days
        if days is not None:
            race_day = days.index(max(days)) if is_race_week else -1
            days = tuple(
                d if i == race_day else _half_units(d * factor) for i, d in enumerate(days)
            )
        distance = week.distance
        if distance is not None:
            distance = _half_units(distance * factor)
            if is_race_week:
                floor = max(long_run or Decimal(0), race_distance or Decimal(0))
                distance = max(distance, floor)
        weeks.append(dataclasses.replace(week, distance=distance, long_run=long_run, days=days))
    return dataclasses.replace(mileage, weeks=tuple(weeks))


def _half_units(value: Decimal) -> Decimal:
    return (value / HALF).to_integral_value(ROUND_HALF_UP) * HALF


def _flag(text: str, key: str, name: Callable[[str], str]) -> bool:
    word = text.lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise SettingError(key, f"expected true or false, found {text!r}").worded(name)


def _scale(text: str, name: Callable[[str], str]) -> Decimal:
    try:
        value = Decimal(text.replace(",", ".")) if re.fullmatch(r"\d+([.,]\d+)?", text) else None
    except InvalidOperation:
        value = None
    if value is None or not MIN_SCALE <= value <= MAX_SCALE:
        raise SettingError(
            "scale",
            f"expected a factor from {MIN_SCALE} to {MAX_SCALE} like 0.8, found {text!r}",
        ).worded(name)
    return value

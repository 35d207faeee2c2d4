"""Routine cards: one printable page per routine, level and variant, with big pose figures.

A card is a self-contained HTML page (its stylesheet inline, its figures inline SVG, no
script and nothing fetched), laid out for A4 portrait, so a runner can print tonight's
routine and do it from the pictures. ``templates/page/card.html.j2`` holds the markup.

Published cards live at one relative path each, so a calendar event can link to its card::

    cards/<routine>[-level-N][-gentle].html

``-level-N`` is left out at level 1 and ``-gentle`` when the routine has no gentle version:
``cards/pre_run_activation.html``, ``cards/backside_strength-level-3.html``,
``cards/legs_up_the_wall-gentle.html``. ``card_url`` puts a site's base URL in front.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.figures import render_svg
from planner.model import Activity, Plan
from planner.pages import page_environment
from planner.routines import Pose, Routine, RoutineLibrary

if TYPE_CHECKING:
    import jinja2

CARD_TEMPLATE = "card.html.j2"
"""In ``templates/page/``, beside the plan overview's template."""
CARDS_FOLDER = "cards"


@dataclass(frozen=True)
class CardPose:
    number: int
    pose: Pose
    picture: str
    """Inline SVG markup of the pose's figure ("" for a text-only pose)."""


def card_filename(activity: Activity, level: int = 1, variant: str = "") -> str:
    """``backside_strength-level-2.html``: the level from 2 up, then the variant if any."""
    name = activity.value
    if level > 1:
        name += f"-level-{level}"
    if variant:
        name += f"-{variant}"
    return f"{name}.html"


def card_path(routine: Routine, level: int = 1, variant: str = "") -> str:
    """Where the card of this session is published: ``cards/`` + its file name.

    A level past the routine's top is the top, and a variant the routine doesn't have is
    dropped, as they are when the session is built, so every session maps onto a card.
    """
    level, variant = _session(routine, level, variant)
    return f"{CARDS_FOLDER}/{card_filename(routine.activity, level, variant)}"


def card_url(base_url: str, routine: Routine, level: int = 1, variant: str = "") -> str:
    """The card's address under a published site: ``https://club.example/plans/`` + path."""
    return f"{base_url.rstrip('/')}/{card_path(routine, level, variant)}"


def plan_cards(plan: Plan) -> dict[str, bytes]:
    """Every card the plan's sessions use, keyed by ``card_path``, ready to publish."""
    template = _card_template()  # compiled once for all the plan's cards
    cards: dict[str, bytes] = {}
    for use in plan.routine_uses:
        path = card_path(use.routine, use.level, use.variant)
        if path not in cards:
            context = card_context(use.routine, use.level, use.variant)
            cards[path] = template.render(**context).encode("utf-8")
    return cards


def library_cards(routines: RoutineLibrary) -> dict[str, bytes]:
    """Every card the routines can make (each level, plain and gentle), keyed by
    ``card_path``: what a site publishes when its members' plans differ in level and variant."""
    template = _card_template()
    cards: dict[str, bytes] = {}
    for routine in routines.routines.values():
        for level in range(1, routine.levels + 1):
            for variant in ("", "gentle"):
                path = card_path(routine, level, variant)
                if path not in cards:
                    context = card_context(routine, level, variant)
                    cards[path] = template.render(**context).encode("utf-8")
    return cards


def render_card(routine: Routine, level: int = 1, variant: str = "") -> bytes:
    """The card as UTF-8 HTML bytes."""
    page = _card_template().render(**card_context(routine, level, variant))
    return page.encode("utf-8")


def _card_template() -> jinja2.Template:
    return page_environment().get_template(CARD_TEMPLATE)


def card_context(routine: Routine, level: int = 1, variant: str = "") -> dict[str, object]:
    level, variant = _session(routine, level, variant)
    poses = routine.poses_for(level, variant)
    each_side = any(p.sides == 2 for p in poses)
    return {
        "routine": routine,
        "level": level,
        "levels": routine.levels,
        "gentle": variant == "gentle",
        "sets": routine.sets_at(level),
        "minutes": routine.minutes(level, variant),
        "each_side": each_side,
        "poses": tuple(
            CardPose(
                number,
                pose,
                render_svg(pose.figure.load(), f"pose-{number}-figure", pose.name)
                if pose.figure is not None
                else "",
            )
            for number, pose in enumerate(poses, start=1)
        ),
    }


def _session(routine: Routine, level: int, variant: str) -> tuple[int, str]:
    level = min(max(level, 1), routine.levels)
    has_variant = bool(variant) and any(p.variant == variant for p in routine.poses)
    return level, variant if has_variant else ""

"""The club's pages: the coach's page of every member, and each member's own page.

Both are self-contained like plan.html (Jinja2 templates in ``templates/page/`` with the plan
overview's stylesheet inline, autoescaping on). On a published site each member's page holds
the links to subscribe to their plan and a QR code of the subscribe link (segno, as inline
SVG); the coach's page lists every member with the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from planner.export import FORMATS
from planner.export.html import chart_bars, long_date
from planner.model import Activity, Plan
from planner.pages import page_environment
from planner.schedule import format_distance

CLUB_TEMPLATE = "club.html.j2"
MEMBER_TEMPLATE = "member.html.j2"
GOOGLE_ADD = "https://calendar.google.com/calendar/render?cid="
"""Opens Google Calendar's "add calendar from URL" with the address filled in."""


@dataclass(frozen=True)
class Links:
    """Where one member's plan can be fetched."""

    files: tuple[tuple[str, str], ...]
    """(file name, link) for each file of the member's plan."""
    page: str = ""
    """The member's own page ("" when the club is not published)."""
    feed: str = ""
    """The https address of plan.ics."""
    subscribe: str = ""
    """The same as webcal://, which opens a calendar app's subscribe dialog."""
    google: str = ""
    qr: str = ""
    """The subscribe link as an inline SVG QR code."""


def member_links(
    folder: str, formats: Sequence[str], base_url: str | None, *, prefix: str = ""
) -> Links:
    """A member's links: relative to the club page (after ``prefix``) without a site,
    absolute with one."""
    names = [FORMATS[name].filename for name in formats]
    if base_url is None:
        return Links(tuple((name, f"{prefix}{quote(folder)}/{name}") for name in names))
    folder_url = f"{base_url}{quote(folder)}/"
    feed = folder_url + FORMATS["ics"].filename
    subscribe = "webcal://" + feed.split("://", 1)[1]
    return Links(
        tuple((name, folder_url + name) for name in names),
        page=folder_url,
        feed=feed,
        subscribe=subscribe,
        google=GOOGLE_ADD + quote(subscribe, safe=""),
        qr=qr_svg(subscribe),
    )


def qr_svg(text: str) -> str:
    """``text`` as a QR code: an <svg> element to put in a page."""
    import segno  # only a published club draws QR codes

    code = segno.make(text, error="m")
    svg: str = code.svg_inline(scale=3, border=2, dark="#1b1f24", light="#ffffff")
    return svg


@dataclass(frozen=True)
class MemberRow:
    name: str
    folder: str
    race_date: str
    race_iso: str
    zone: str
    load: str
    events: int
    links: Links
    error: str = ""


def member_page(member_name: str, plan: Plan, links: Links, generated_at: dt.datetime) -> bytes:
    """A member's own page on the site: their plan's links, to subscribe, and the QR code."""
    return _render(
        MEMBER_TEMPLATE,
        member=member_name,
        plan=plan,
        club_name=_club_name(plan.name, member_name),
        race_date=long_date(plan.race_date),
        zone="all-day events" if plan.all_day else plan.timezone,
        links=links,
        weeks=len(plan.weeks),
        generated_on=generated_at.date().isoformat(),
    )


def club_page(
    club_name: str,
    reference: Plan | None,
    rows: Sequence[MemberRow],
    *,
    published: bool,
    generated_at: dt.datetime,
) -> bytes:
    """The coach's page: the plan, its weeks, and every member with their links."""
    weeks = reference.weeks if reference is not None else ()
    race = (
        next((s for s in reference.sessions if s.activity is Activity.RACE), None)
        if reference is not None
        else None
    )
    dates = sorted(row.race_iso for row in rows if row.race_iso)
    return _render(
        CLUB_TEMPLATE,
        club_name=club_name,
        race_title=race.title if race is not None else "Race day",
        first_race=long_date(dt.date.fromisoformat(dates[0])) if dates else "",
        last_race=long_date(dt.date.fromisoformat(dates[-1])) if dates else "",
        weeks=len(weeks),
        unit=reference.unit.value if reference is not None else "",
        bars=tuple(chart_bars(weeks)),
        total_distance=format_distance(sum((w.distance for w in weeks), Decimal(0))),
        largest_week=format_distance(max((w.distance for w in weeks), default=Decimal(0))),
        rows=rows,
        built=sum(1 for row in rows if not row.error),
        events=sum(row.events for row in rows),
        published=published,
        generated_on=generated_at.date().isoformat(),
    )


def _club_name(plan_name: str, member_name: str) -> str:
    suffix = f" - {member_name}"
    return plan_name.removesuffix(suffix)


def load_text(scale: Decimal | None) -> str:
    return "" if scale is None else f"{(scale * 100).normalize():f}%"


def _render(template: str, **context: Any) -> bytes:
    import markupsafe

    if isinstance(context.get("links"), Links):
        context["qr"] = markupsafe.Markup(context["links"].qr)  # segno's own markup
    rows = context.get("rows")
    if rows is not None:
        context["qrs"] = {row.folder: markupsafe.Markup(row.links.qr) for row in rows}
    return page_environment().get_template(template).render(**context).encode("utf-8")


def relative_prefix(page: Path, out: Path) -> str:
    """How a page at ``page`` reaches the member folders inside ``out``."""
    import os

    folder = os.path.relpath(out, page.parent)
    return "" if folder == "." else Path(folder).as_posix() + "/"


__all__ = [
    "Links",
    "MemberRow",
    "club_page",
    "load_text",
    "member_links",
    "member_page",
    "qr_svg",
    "relative_prefix",
]

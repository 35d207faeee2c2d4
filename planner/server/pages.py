"""The server's two HTML pages: the plans served, and a plan's members' page.

Jinja2 renders ``server/templates/*.html.j2`` with autoescaping on: a plan name, a note, a
parameter echoed back can't inject markup. The stylesheet is inline and allowed by its hash
in the Content-Security-Policy; the pages run no script and work without one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import jinja2
import segno
from markupsafe import Markup
from starlette.responses import HTMLResponse

from planner.members import MEMBER_KEYS
from planner.model import WEEKDAYS, Activity, Plan
from planner.options import Settings, away_texts
from planner.schedule import format_distance, format_pace
from planner.server.plans import Served, Version

_HERE = Path(__file__).resolve().parent / "templates"
_STYLE = (_HERE / "page.css").read_text(encoding="utf-8")
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode("utf-8")).digest()).decode()
SECURITY = {
    "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    # A member's settings are in the page's URL: no other site needs to see them.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_HERE),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

LABELS = {
    "race_date": ("Race date", "YYYY-MM-DD"),
    "timezone": ("Time zone", "e.g. Europe/London"),
    "run_days": ("Run days", "e.g. tue,thu,sat,sun"),
    "long_run_day": ("Long run day", ""),
    "run_time": ("Run time", "HH:MM"),
    "long_run_time": ("Long run time", "HH:MM"),
    "pace": ("Pace per mile or km", "MM:SS"),
    "remind": ("Reminder, minutes before", "30, or none"),
    "bedtime": ("Bedtime legs up the wall", "21:30, or none"),
    "gentle_inversion": ("Legs on a pillow instead of up the wall", ""),
    "yoga_only": ("Yoga only, no runs", ""),
    "all_day": ("All-day events", ""),
    "away": ("Days away", "2027-02-10..2027-02-14 2027-03-01"),
    "recovery_days": ("Recovery days after the race", "0 to 14"),
}
"""Each member setting's label and example, in MEMBER_KEYS order."""
_CHOICES = {
    "long_run_day": WEEKDAYS,
    "gentle_inversion": ("yes", "no"),
    "yoga_only": ("yes", "no"),
    "all_day": ("yes", "no"),
}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    example: str
    value: str
    plans: str
    """The plan's own value, shown as what a blank field keeps."""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    week: str
    dates: str
    distance: str
    notes: str


class Pages:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def index(self, plans: Mapping[str, Served]) -> HTMLResponse:
        listed = []
        for stem, served in plans.items():
            good = served.good
            listed.append(
                {
                    "stem": stem,
                    "name": _name(good) if good else stem,
                    "race_date": good.settings.race_date if good else None,
                    "weeks": good.weeks if good else None,
                    "problem": served.problem is not None,
                }
            )
        return self._render("index.html.j2", 200, plans=listed)

    def plan(
        self,
        served: Served,
        version: Version | None,
        query: Mapping[str, str],
        plan: Plan | None,
        *,
        error: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        context: dict[str, object] = {
            "stem": served.stem,
            "name": _name(version) if version else served.stem,
            "problem": served.problem,
            "available": version is not None,
            "error": error,
            "fields": _fields(version.settings, query) if version else [],
            "rows": [],
            "summary": None,
            "links": None,
        }
        if version is not None:
            context["rows"] = _rows(version, plan)
        if plan is not None:
            context["summary"] = _summary(plan)
            context["links"] = self._links(served.stem, query)
        return self._render("plan.html.j2", status, **context)

    def _links(self, stem: str, query: Mapping[str, str]) -> dict[str, str]:
        given = [(key, query[key].strip()) for key in MEMBER_KEYS if query.get(key, "").strip()]
        params = urlencode(given, safe=":,/", quote_via=quote)
        path = quote(stem)
        https = f"{self.base_url}/{path}.ics" + (f"?{params}" if params else "")
        webcal = "webcal://" + https.split("://", 1)[1]
        qr = segno.make(webcal, error="m").svg_inline(scale=4, border=2)
        return {
            "https": https,
            "webcal": webcal,
            "google": "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
            "download": f"/{path}.ics" + (f"?{params}" if params else ""),
            "filename": f"{stem}.ics",
            "html": f"/{path}.html" + (f"?{params}" if params else ""),
            "qr": Markup(qr),  # segno's own SVG: markup it made, not text from the request
        }

    def _render(self, template: str, status: int, **context: object) -> HTMLResponse:
        html = _ENV.get_template(template).render(style=Markup(_STYLE), **context)
        return HTMLResponse(html, status_code=status, headers=SECURITY)


def _name(version: Version) -> str:
    return version.settings.name or Path(version.mileage.source).stem


def _fields(settings: Settings, query: Mapping[str, str]) -> list[Field]:
    return [
        Field(
            key,
            LABELS[key][0],
            LABELS[key][1],
            query.get(key, ""),
            _shown(settings, key),
            _CHOICES.get(key, ()),
        )
        for key in MEMBER_KEYS
    ]


def _shown(settings: Settings, key: str) -> str:
    """A plan setting as a member would type it."""
    value = getattr(settings, key)
    if value is None:
        return {"remind": "none", "bedtime": "none", "race_date": "not set"}.get(key, "planner's")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "run_days":
        return ",".join(WEEKDAYS[day] for day in value)
    if key == "long_run_day":
        return WEEKDAYS[value]
    if key == "away":
        return " ".join(away_texts(value)) or "none"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    if key == "pace":
        return format_pace(value)
    return str(value)


def _rows(version: Version, plan: Plan | None) -> list[Row]:
    unit = version.mileage.unit.value
    if plan is not None:
        return [
            Row(
                str(week.number),
                f"{week.first_day:%a %d %b} to {week.last_day:%a %d %b %Y}",
                f"{format_distance(week.distance)} {unit}",
                week.notes,
            )
            for week in plan.weeks
        ]
    return [
        Row(str(week.number), "", f"{format_distance(week.total)} {unit}", week.notes)
        for week in version.mileage.weeks
    ]


def _summary(plan: Plan) -> dict[str, object]:
    counts = Counter(session.activity for session in plan.sessions if not session.cancelled)
    return {
        "first_day": f"{plan.first_day:%a %d %b %Y}",
        "race_day": f"{plan.race_date:%a %d %b %Y}",
        "zone": "all-day events" if plan.all_day else plan.timezone,
        "counts": [
            (activity.value.replace("_", " "), counts[activity])
            for activity in Activity
            if counts[activity]
        ],
        "events": sum(counts.values()),
    }

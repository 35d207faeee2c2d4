"""One module per output format, each a function Plan -> bytes.

FORMATS maps a --format name to the file it writes and the exporter that makes it; exporters
are imported only when used, so a build loads just what it writes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from planner.errors import SettingError
from planner.model import Plan

IMPORT_LIMIT = 1_000_000
"""Google Calendar imports a file (.ics or .csv) of up to about 1 MB."""


@dataclass(frozen=True)
class Format:
    name: str
    filename: str
    exporter: str
    """"module:function" of a function Plan -> bytes."""
    help: str
    descriptions: bool = False
    """Carries the events' descriptions, in the style plan.ics's size allows (fit_descriptions)."""
    limit: int | None = None
    """The largest file the app it is for imports; the build warns above it."""

    def render(self, plan: Plan) -> bytes:
        module, function = self.exporter.split(":")
        render: Callable[[Plan], bytes] = getattr(importlib.import_module(module), function)
        return render(plan)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "ics",
            "plan.ics",
            "planner.export.ics:to_ics",
            "iCalendar for any calendar app",
            descriptions=True,
            limit=IMPORT_LIMIT,
        ),
        Format("csv", "plan.csv", "planner.export.plan_csv:to_csv_bytes", "one row per event"),
        Format(
            "google-csv",
            "plan.google.csv",
            "planner.export.google_csv:to_google_csv_bytes",
            "Google Calendar's CSV import",
            descriptions=True,
            limit=IMPORT_LIMIT,
        ),
        Format(
            "outlook-csv",
            "plan.outlook.csv",
            "planner.export.outlook_csv:to_outlook_csv_bytes",
            "Outlook's CSV import",
            descriptions=True,
        ),
        Format("html", "plan.html", "planner.export.html:to_html", "a printable overview page"),
        Format(
            "private-ics",
            "plan.private.ics",
            "planner.export.private_ics:to_private_ics",
            "the same times titled Training, for a work calendar",
            limit=IMPORT_LIMIT,
        ),
    )
}
DEFAULT_FORMATS = ("ics", "csv")


def parse_formats(text: str, key: str = "format") -> tuple[str, ...]:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    if not names:
        raise SettingError(key, f"expected one or more of {', '.join(FORMATS)}")
    for name in names:
        if name not in FORMATS:
            raise SettingError(
                key, f"unknown format {name!r}; expected a comma list of {', '.join(FORMATS)}"
            )
    return tuple(dict.fromkeys(names))


def render(plan: Plan, formats: tuple[str, ...]) -> dict[str, bytes]:
    """File name -> content for each format asked for."""
    return {FORMATS[name].filename: FORMATS[name].render(plan) for name in formats}

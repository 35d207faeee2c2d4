"""planner: a race date and a weekly mileage CSV in, a training calendar out.

    import planner
    settings = planner.settings_for(Path("half.csv"), planner.Layer({"race_date": ...}, {}))
    built = planner.build(settings, generated_at=now)   # files' bytes and changes, unwritten

or step by step:

    mileage = planner.read_mileage(Path("half.csv"))
    plan = planner.build_plan(mileage, planner.PlanOptions(race_date=..., name="Half"),
                              planner.load_routines(), generated_at=now)
    Path("plan.ics").write_bytes(planner.to_ics(plan))

The names below load their modules on first use, so `import planner` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "build": "planner.pipeline",
    "settings_for": "planner.pipeline",
    "Build": "planner.pipeline",
    "build_plan": "planner.schedule",
    "PlanOptions": "planner.options",
    "Settings": "planner.options",
    "Layer": "planner.options",
    "DayTimes": "planner.options",
    "read_mileage": "planner.mileage",
    "parse_mileage": "planner.mileage",
    "load_routines": "planner.routines",
    "to_ics": "planner.pipeline",
    "to_csv": "planner.export.plan_csv",
    "to_html": "planner.export.html",
    "Plan": "planner.model",
    "Session": "planner.model",
    "Activity": "planner.model",
    "Unit": "planner.model",
    "PlanError": "planner.errors",
}

__all__ = [
    "Activity",
    "Build",
    "DayTimes",
    "Layer",
    "Plan",
    "PlanError",
    "PlanOptions",
    "Session",
    "Settings",
    "Unit",
    "__version__",
    "build",
    "build_plan",
    "load_routines",
    "parse_mileage",
    "read_mileage",
    "settings_for",
    "to_csv",
    "to_html",
    "to_ics",
]

if TYPE_CHECKING:
    from planner.errors import PlanError
    from planner.export.html import to_html
    from planner.export.plan_csv import to_csv
    from planner.mileage import parse_mileage, read_mileage
    from planner.model import Activity, Plan, Session, Unit
    from planner.options import DayTimes, Layer, PlanOptions, Settings
    from planner.pipeline import Build, build, settings_for, to_ics
    from planner.routines import load_routines
    from planner.schedule import build_plan


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")

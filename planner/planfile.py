"""Plan files: the mileage CSV and the build options in one TOML file, to keep or to share.

    name = "Riverside RC spring half"
    mileage = "half_marathon.csv"      # relative to this file, like every path in it
    run_days = ["tue", "thu", "sat", "sun"]
    long_run_time = "07:30"

Keys are `planner build`'s long option names with underscores. A club leaves out race_date
(and timezone) and each runner passes their own on the command line; any option given on
the command line beats the file. Mistakes are reported as one line naming the file and key.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from planner.errors import PlanError
from planner.files import TOML_BYTES, load_toml, read_input
from planner.model import WEEKDAYS
from planner.options import SETTING_KEYS, DayTimes, Layer, Settings, away_texts, layered, read_layer
from planner.schedule import format_pace

SUFFIX = ".toml"
KEYS = ("mileage", *SETTING_KEYS)
EXAMPLES = {
    "name": '"Spring half"',
    "race_date": "2027-04-18",
    "timezone": '"Europe/Berlin"',
    "run_days": '["tue", "thu", "sat", "sun"]',
    "long_run_day": '"sun"',
    "run_time": '"07:00"',
    "long_run_time": '"08:00"',
    "pace": '"10:00"',
    "race_distance": '"half"',
    "remind": "30",
    "yoga_only": "false",
    "gentle_inversion": "false",
    "all_day": "false",
    "bedtime": '"21:30"',
    "units": '"mi"',
    "templates": '"my-templates"',
    "out": '"my-plan"',
    "format": '["ics", "csv"]',
    "away": '["2027-02-10..2027-02-14", "2027-03-01"]',
    "recovery_days": "3",
}
"""What a commented-out key shows in a file that `planner init` writes."""


class InvalidPlanFile(PlanError):
    """A plan file that can't be used: says which file and which key."""

    def __init__(self, source: str, key: str | None, message: str) -> None:
        super().__init__(message, where=f"{source}: {key}" if key else source)
        self.source = source
        self.key = key


@dataclass(frozen=True)
class PlanFile:
    path: Path
    layer: Layer
    """Its settings, each named "FILE: key" in errors; the paths in it (mileage, templates,
    out) are made relative to the plan file's folder."""

    @property
    def mileage(self) -> Path:
        mileage = self.layer.values["mileage"]
        assert isinstance(mileage, Path)
        return mileage

    @property
    def settings(self) -> Settings:
        """The file's settings alone, over planner's defaults."""
        return layered(self.layer)


def is_plan_file(path: Path) -> bool:
    return path.suffix.lower() == SUFFIX


def read_plan_file(path: Path) -> PlanFile:
    try:
        data = load_toml(read_input(path, TOML_BYTES, "a TOML plan file"), str(path))
    except PlanError as err:
        raise InvalidPlanFile(str(path), None, err.message) from None
    return parse_plan_file(data, path)


def parse_plan_file(data: Mapping[str, Any], path: Path) -> PlanFile:
    source = str(path)
    for key in data:
        if key not in KEYS:
            import difflib  # only for the error message

            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean {close[0]}?" if close else f"expected one of {', '.join(KEYS)}"
            raise InvalidPlanFile(source, key, f"not a plan-file key; {hint}")
    if "mileage" not in data:
        raise InvalidPlanFile(
            source, "mileage", 'missing; add mileage = "weeks.csv" (relative to this file)'
        )
    if not isinstance(data["mileage"], str) or not data["mileage"].strip():
        raise InvalidPlanFile(
            source, "mileage", f"expected the CSV's path in quotes, found {data['mileage']!r}"
        )
    base = path.parent
    # normpath keeps the path as the user would write it (no "club/../"), still relative.
    mileage = Path(os.path.normpath(base / data["mileage"]))
    if not mileage.exists():  # what else it is, read_mileage says
        raise InvalidPlanFile(
            source, "mileage", f"no file {mileage} (paths are relative to the plan file)"
        )
    layer = read_layer(data, name=lambda key: f"{source}: {key}")
    # A value only the build can check (race_distance needs the CSV's unit) is named by its
    # origin when the build raises about it: "club.toml: race_distance".
    values = dict(layer.values)
    values["mileage"] = mileage
    for key in ("templates", "out"):
        if key in values:
            values[key] = base / str(values[key])
    return PlanFile(
        path=path, layer=Layer(values, {**layer.origins, "mileage": f"{source}: mileage"})
    )


def render_plan_file(
    path: Path, mileage: Path, given: Mapping[str, object], helps: Mapping[str, str]
) -> str:
    """The text of a plan file for `planner init`: every key in ``helps`` (in its order) with
    its help as a comment, set where ``given`` (typed settings) gives it and commented out
    otherwise.
    Paths are written relative to the plan file's folder."""
    base = path.parent
    _check_utf8(path.name, str(path), "the plan file's name")
    for key, value in (("--mileage", mileage), ("--templates", given.get("templates")),
                       ("--out", given.get("out"))):  # fmt: skip
        if value is not None:
            _check_utf8(str(value), key, "the path")
    command = f"planner build {path.name}"
    if given.get("race_date") is None:
        command += " --race-date YYYY-MM-DD"
    lines = [
        "# A planner plan file: the weekly mileage CSV and how to turn it into a calendar.",
        f"# Build it with:  {command}",
        "# Options given on the command line override this file, so each runner can add",
        "# their own --race-date and --timezone. Paths are relative to this file.",
        "# Lines starting with '#' are comments: remove the '#' before a key to set it.",
    ]
    # The plan's identity and its weeks first, then the options in `planner build --help` order.
    keys = {
        "name": helps["name"] + " Every event's UID is made from it: once runners have"
        " imported the plan, keep it, or their calendars get a second copy.",
        "mileage": "The weekly mileage CSV.",
        **{key: text for key, text in helps.items() if key != "name"},
    }
    for key, text in keys.items():
        value = mileage if key == "mileage" else given.get(key)
        lines += ["", *textwrap.wrap(text, 88, initial_indent="# ", subsequent_indent="# ")]
        if value is None:
            lines.append(f"# {key} = {EXAMPLES[key]}")
        else:
            lines.append(f"{key} = {_toml(value, key, base)}")
    return "\n".join(lines) + "\n"


def _check_utf8(text: str, where: str, what: str) -> None:
    """A file name is written into the plan file, which is UTF-8: it must be UTF-8 itself."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(where).decode("utf-8", "backslashreplace")
        raise PlanError(
            f"{what} is not UTF-8 text, so a plan file can't hold it; rename it", where=shown
        ) from None


def _toml(value: object, key: str, base: Path) -> str:
    """A typed setting as the TOML that read_settings turns back into the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "run_days" and isinstance(value, tuple):
        return "[" + ", ".join(_quote(WEEKDAYS[d]) for d in value) + "]"
    if key == "long_run_day" and isinstance(value, int):
        return _quote(WEEKDAYS[value])
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return _quote(f"{value:%H:%M}")
    if isinstance(value, Decimal):
        return _quote(format_pace(value))
    if isinstance(value, Path):
        return _quote(_relative(value, base))
    if isinstance(value, DayTimes):
        return _quote(str(value))
    if key == "away" and isinstance(value, tuple):
        return "[" + ", ".join(_quote(text) for text in away_texts(value)) + "]"
    if isinstance(value, tuple):
        return "[" + ", ".join(_quote(str(v)) for v in value) + "]"
    return _quote(str(value))


def _relative(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(path.absolute(), base.absolute())).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return path.absolute().as_posix()


def _quote(text: str) -> str:
    # JSON string escapes are TOML basic-string escapes, except that TOML also wants DEL
    # escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")

"""Shared fixtures: the shipped routines, a quick way to build a plan, golden-file checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from planner.cli import cli
from planner.mileage import parse_mileage
from planner.model import Plan
from planner.routines import RoutineLibrary, load_routines
from planner.schedule import PlanOptions, build_plan
from tests.caldav_server import RadicaleServer, radicale_server

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_plans"
GOLDEN = Path(__file__).resolve().parent / "golden"
GENERATED_AT = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
ENV = {"SOURCE_DATE_EPOCH": "1790000000"}
"""The clock of command-line builds in tests, so their files are the same each run."""
TINY = 'week,miles,long_run,runs,notes\n1,10,6,2,"Easy, chatty pace"\n2,8.1,0,2,=HYPERLINK("x")\n'
"""Two weeks with a note that needs quoting and one that looks like a spreadsheet formula."""
WEEKS = "week,miles,long_run\n1,12,5\n2,14,6\n3,10,3.1\n"
"""Three weeks, the last one race week."""


def invoke(*args: str) -> Result:
    """`planner ARGS` in-process, with the tests' clock."""
    return CliRunner().invoke(cli, list(args), env=ENV)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current output (review the diff before committing).",
    )


@pytest.fixture(scope="session")
def routines() -> RoutineLibrary:
    return load_routines()


@pytest.fixture
def make_plan(routines: RoutineLibrary) -> Callable[..., Plan]:
    def make(csv_text: str, race_date: str = "2027-04-18", **options: Any) -> Plan:
        mileage = parse_mileage(csv_text.encode("utf-8"), "test.csv")
        opts = PlanOptions(
            race_date=dt.date.fromisoformat(race_date),
            name=options.pop("name", "Test plan"),
            timezone=options.pop("timezone", "Europe/Berlin"),
            **options,
        )
        return build_plan(mileage, opts, routines, GENERATED_AT)

    return make


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, bytes], None]:
    """Compare bytes with tests/golden/NAME; --update-golden rewrites the file instead."""

    def check(name: str, actual: bytes) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual)
            return
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review it"
        expected = path.read_bytes()
        assert actual == expected, f"{name} differs from its golden file (pytest --update-golden)"

    return check


@pytest.fixture(scope="session")
def caldav_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    """A real Radicale CalDAV server on 127.0.0.1 for the whole session (tests/caldav_server.py);
    give each test its own calendar with ``make_calendar``."""
    with radicale_server(tmp_path_factory.mktemp("radicale")) as server:
        yield server

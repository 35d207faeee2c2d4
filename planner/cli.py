"""The `planner` command: parse options, call the library, write files, report.

Heavy libraries (pandas, icalendar) are imported inside the commands so that
`planner --help` and `planner --version` stay quick.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import click

from planner import __version__
from planner.errors import PlanError

EXIT_INPUT = 2
EXIT_INTERNAL = 1
# Kept in step with planner.export.FORMATS (a test checks); listed here so --help needn't
# import the exporters.
_FORMAT_NAMES = ("ics", "csv")


class PlannerGroup(click.Group):
    """Turns every error into one line on stderr: the single place errors are reported."""

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(argv, "planner", complete_var, False, **extra)
        try:
            result = super().main(argv, "planner", complete_var, False, **extra)
        except PlanError as err:
            _say("error", str(err))
            sys.exit(EXIT_INPUT)
        except click.UsageError as err:
            command = err.ctx.command_path if err.ctx else "planner"
            _say("error", f"{err.format_message()} (see '{command} --help')")
            sys.exit(EXIT_INPUT)
        except click.ClickException as err:
            _say("error", err.format_message())
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("planner: aborted", err=True)
            sys.exit(EXIT_INTERNAL)
        except Exception as err:  # the last resort: one line, and the traceback on --debug
            if "--debug" in argv:
                traceback.print_exc()
            else:
                _say(
                    "internal error",
                    f"{type(err).__name__}: {err}"
                    " (run again with --debug to see where; please report it)",
                )
            sys.exit(EXIT_INTERNAL)
        sys.exit(result if isinstance(result, int) else 0)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # `planner build ... --debug` works as well as `planner --debug build ...`: main()
        # looks for the flag in the arguments wherever it is.
        if not any(param.name == "debug" for param in cmd.params):
            cmd.params.append(
                click.Option(
                    ["--debug"],
                    is_flag=True,
                    expose_value=False,
                    help="Show the full traceback of an internal error.",
                )
            )
        super().add_command(cmd, name)


def _say(kind: str, message: str) -> None:
    """One line on stderr, whatever the message holds (a file name can contain a newline)."""
    escaped = re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", lambda m: repr(m[0])[1:-1], message)
    click.echo(f"planner: {kind}: {escaped}", err=True)


@click.group(cls=PlannerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="planner", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
def cli(debug: bool) -> None:
    """Turn a race date and a weekly mileage CSV into a training calendar:
    the runs, and the yoga that keeps a running body in balance around them.

    Start with:  planner build MILEAGE.csv --race-date 2027-04-18
    """


@cli.command()
@click.argument("mileage", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--race-date", required=True, metavar="YYYY-MM-DD", help="Race day; the last day of the plan."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Folder for plan.ics and plan.csv (created if missing). Default: <csv name>-plan.",
)
@click.option(
    "--timezone",
    metavar="ZONE",
    help="IANA timezone of the events, e.g. Europe/Berlin. Default: this machine's zone.",
)
@click.option(
    "--run-days",
    metavar="DAYS",
    help="Weekdays you run, e.g. tue,thu,sat,sun. Default: spread to suit each week's runs.",
)
@click.option(
    "--long-run-day", metavar="DAY", help="Weekday of the long run. Default: the race's weekday."
)
@click.option(
    "--run-time", default="07:00", show_default=True, metavar="HH:MM", help="Start of runs."
)
@click.option(
    "--long-run-time",
    default="08:00",
    show_default=True,
    metavar="HH:MM",
    help="Start of the long run and the race.",
)
@click.option(
    "--pace",
    metavar="MM:SS",
    help="Minutes per mile or km, for how long runs take. Default: 10:00/mi or 6:15/km.",
)
@click.option(
    "--race-distance",
    metavar="DIST",
    help="5k, 10k, half, marathon, or a number in the plan's unit."
    " Default: race day's distance or race week's long_run.",
)
@click.option("--remind", metavar="MIN", help="Add a reminder MIN minutes before each event.")
@click.option(
    "--yoga-only", is_flag=True, help="Leave out the runs; keep the yoga timed around them."
)
@click.option("--name", help="The plan's name in your calendar. Default: the CSV's file name.")
@click.option(
    "--units",
    type=click.Choice(["mi", "km"]),
    help="Unit of per-day (mon..sun) columns. Default: mi. (miles/km columns set it themselves.)",
)
@click.option(
    "--templates",
    type=click.Path(path_type=Path),
    help="Folder with your own routines/ templates (same schema as planner's).",
)
@click.option(
    "--bedtime",
    is_flag=False,
    flag_value="21:30",
    metavar="[HH:MM]",
    help="Add a short legs-up-the-wall every evening (default time 21:30).",
)
@click.option(
    "--gentle-inversion",
    is_flag=True,
    help="Legs on a pillow instead of up the wall (for glaucoma or blood-pressure medication).",
)
@click.option("--all-day", is_flag=True, help="Write all-day events instead of timed ones.")
@click.option(
    "--format",
    "formats",
    default="ics,csv",
    show_default=True,
    metavar="LIST",
    help="Comma list of outputs: " + ", ".join(_FORMAT_NAMES) + ".",
)
def build(
    mileage: Path,
    race_date: str,
    out: Path | None,
    timezone: str | None,
    run_days: str | None,
    long_run_day: str | None,
    run_time: str,
    long_run_time: str,
    pace: str | None,
    race_distance: str | None,
    remind: str | None,
    yoga_only: bool,
    name: str | None,
    units: str | None,
    templates: Path | None,
    bedtime: str | None,
    gentle_inversion: bool,
    all_day: bool,
    formats: str,
) -> None:
    """Build plan.ics and plan.csv from a weekly MILEAGE csv and a race date."""
    from planner import options as parse
    from planner.export import parse_formats, render
    from planner.mileage import read_mileage
    from planner.model import Unit
    from planner.routines import load_routines
    from planner.schedule import PlanOptions, build_plan
    from planner.writer import write_files

    plan_options = PlanOptions(
        race_date=parse.parse_date(race_date, "--race-date"),
        name=parse.parse_name(name if name and name.strip() else mileage.stem),
        timezone=parse.parse_timezone(timezone) if timezone is not None else parse.local_timezone(),
        run_days=parse.parse_weekdays(run_days) if run_days is not None else None,
        long_run_day=parse.parse_weekday(long_run_day) if long_run_day is not None else None,
        run_time=parse.parse_time(run_time, "--run-time"),
        long_run_time=parse.parse_time(long_run_time, "--long-run-time"),
        pace=parse.parse_pace(pace) if pace is not None else None,
        race_distance=race_distance,
        remind_minutes=parse.parse_remind(remind) if remind is not None else None,
        yoga_only=yoga_only,
        gentle_inversion=gentle_inversion,
        bedtime=parse.parse_time(bedtime, "--bedtime") if bedtime is not None else None,
        all_day=all_day,
    )
    chosen = parse_formats(formats)
    folder = out if out is not None else Path(f"{mileage.stem}-plan")
    weeks = read_mileage(mileage, units=Unit(units) if units else None)
    for warning in weeks.warnings:
        _say("warning", warning)
    routines = load_routines(templates)
    plan = build_plan(weeks, plan_options, routines, generated_at=_clock())
    written = write_files(folder, render(plan, chosen), keep=[mileage])
    _summary(plan, written)


def _clock() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so that builds can be reproduced byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise PlanError(
                f"expected whole seconds since 1970, found {epoch!r}", where="SOURCE_DATE_EPOCH"
            ) from None
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _summary(plan: Any, written: list[Path]) -> None:
    from planner.model import Activity

    counts = Counter(s.activity for s in plan.sessions)
    click.echo(
        f"Built {plan.name!r}: {len(plan.weeks)} weeks,"
        f" {plan.first_day:%a %d %b %Y} to race day {plan.last_day:%a %d %b %Y}"
        f" ({plan.timezone})."
    )
    width = max(len(a.value) for a in counts) if counts else 0
    for activity in Activity:
        if counts[activity]:
            label = activity.value.replace("_", " ")
            click.echo(f"  {label:<{width}}  {counts[activity]:>4}")
    click.echo(f"  {'events':<{width}}  {len(plan.sessions):>4}")
    for path in written:
        click.echo(f"Wrote {path} ({path.stat().st_size:,} bytes)")


def main() -> None:
    cli.main(prog_name="planner")

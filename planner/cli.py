"""The `planner` command: parse options, call the library, write files, report.

Heavy libraries (pandas, icalendar) are imported inside the commands so that
`planner --help` and `planner --version` stay quick.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from planner import __version__
from planner.errors import PlanError, PlanErrors, SettingError

if TYPE_CHECKING:  # for annotations only: the commands import these when they run
    from planner.club import ClubResult
    from planner.model import Plan
    from planner.options import Layer, Settings
    from planner.routines import Routine, RoutineLibrary

EXIT_INPUT = 2
EXIT_INTERNAL = 1
# Kept in step with planner.export.FORMATS (a test checks); listed here so --help needn't
# import the exporters.
_FORMAT_NAMES = ("ics", "csv", "google-csv", "outlook-csv", "html", "private-ics")


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
        except SettingError as err:
            # Not worded by a build's own settings: named as the command line names them.
            _say("error", str(err.worded(_flag)))
            sys.exit(EXIT_INPUT)
        except PlanErrors as err:
            for each in err.errors:
                _say("error", str(each))
            _say("error", str(err))
            sys.exit(EXIT_INPUT)
        except PlanError as err:
            _say("error", str(err))
            sys.exit(EXIT_INPUT)
        except _Interrupted:
            interrupted()
        except click.UsageError as err:
            command = err.ctx.command_path if err.ctx else "planner"
            _say("error", f"{err.format_message()} (see '{command} --help')")
            sys.exit(EXIT_INPUT)
        except click.ClickException as err:
            _say("error", err.format_message())
            sys.exit(err.exit_code)
        except click.Abort as err:
            if isinstance(err.__cause__, KeyboardInterrupt):
                interrupted()
            click.echo("planner: aborted", err=True)
            sys.exit(EXIT_INTERNAL)
        except KeyboardInterrupt:
            interrupted()
        except Exception as err:  # the last resort: one line, and the traceback on --debug
            if isinstance(err, OSError) and err.filename is not None and "--debug" not in argv:
                # A path the system refused (too long, a folder planner may not enter) that
                # no reader turned into its own message: still the user's input.
                _say("error", f"{_short_path(err.filename)}: {err.strerror or err}")
                sys.exit(EXIT_INPUT)
            if "--debug" in argv:
                import traceback

                traceback.print_exc()
            else:
                _say(
                    "internal error",
                    f"{type(err).__name__}: {err}"
                    " (run again with --debug to see where; please report it)",
                )
            sys.exit(EXIT_INTERNAL)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Past click, which would print a blank line and turn it into Abort.
            raise _Interrupted from None

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


class _Interrupted(Exception):
    """Ctrl-C while a command runs."""


EXIT_INTERRUPTED = 130
"""What a shell reports for a command that SIGINT ended (128 + 2)."""


def interrupted() -> NoReturn:
    """Ctrl-C: one line, exit 130. Files are written all-or-nothing, so none is half-done."""
    # On a terminal, the ^C the terminal echoed is on the current line: start a new one.
    newline = "\n" if sys.stderr is not None and sys.stderr.isatty() else ""
    click.echo(f"{newline}planner: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _short_path(name: str | bytes | int) -> str:
    text = os.fsdecode(name) if isinstance(name, str | bytes) else str(name)
    return text if len(text) <= 100 else f"{text[:48]}...{text[-48:]}"


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
@click.argument("mileage", metavar="MILEAGE.csv|PLAN.toml", type=click.Path(path_type=Path))
@click.option(
    "--race-date",
    metavar="YYYY-MM-DD",
    help="Race day; the last day of the plan. Required unless the plan file has race_date.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Folder for plan.ics and plan.csv (created if missing). Default: <input name>-plan.",
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
    "--run-time",
    default="07:00",
    show_default=True,
    metavar="HH:MM[,DAY=HH:MM]",
    help="Start of runs, or times per weekday: 06:15,sat=08:30 (06:15, but 08:30 on Saturdays).",
)
@click.option(
    "--long-run-time",
    default="08:00",
    show_default=True,
    metavar="HH:MM[,DAY=HH:MM]",
    help="Start of the long run and the race, or times per weekday: 08:00,sat=07:30.",
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
@click.option(
    "--remind",
    metavar="MIN",
    help="Add a reminder MIN minutes before each event (0: as it starts).",
)
@click.option("--no-remind", is_flag=True, help="No reminders, even if the plan file sets remind.")
@click.option(
    "--yoga-only/--with-runs", help="Leave out the runs; keep the yoga timed around them."
)
@click.option("--name", help="The plan's name in your calendar. Default: the CSV's file name.")
@click.option(
    "--units",
    type=click.Choice(["mi", "km", "default"]),
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
    "--no-bedtime", is_flag=True, help="No evening legs-up-the-wall, even if the plan file sets it."
)
@click.option(
    "--gentle-inversion/--wall",
    help="Legs on a pillow instead of up the wall (for glaucoma or blood-pressure medication).",
)
@click.option("--all-day/--timed", help="Write all-day events instead of timed ones.")
@click.option(
    "--away",
    multiple=True,
    metavar="DAYS",
    help="Days with no session: days and ranges like 2027-02-10..2027-02-14,2027-03-01, as"
    " a list or one at a time ('none' clears a plan file's). Runs on them are dropped; a"
    " long run moves to the nearest free day of its week.",
)
@click.option(
    "--recovery-days",
    metavar="N",
    help="Days (0-14) after the race with the post-run recovery and legs up the wall each;"
    " no runs, no strength. Default: 0, the plan ends on race day.",
)
@click.option(
    "--format",
    "formats",
    default="ics,csv",
    show_default=True,
    metavar="LIST",
    help="Comma list of outputs: " + ", ".join(_FORMAT_NAMES) + ".",
)
@click.option(
    "--dry-run", is_flag=True, help="Print what the build would do and change; write nothing."
)
def build(mileage: Path, dry_run: bool, **options: Any) -> None:
    """Build plan.ics and plan.csv from a weekly MILEAGE csv and a race date, or from a plan
    file (PLAN.toml, see 'planner init'; options given here override it).

    \b
    To drop a value the plan file sets, give the option the value 'default'
    (--pace default, --run-days default, --out default): planner's own default
    applies. The switches have an off side: --with-runs, --wall, --timed,
    --no-remind, --no-bedtime.

    Building into a folder that holds this plan's plan.ics updates it in place: moved and
    changed events get a higher SEQUENCE, and events the new plan drops stay as cancelled,
    so calendars that re-import or subscribe to it follow.
    """
    from planner.export import FORMATS
    from planner.pipeline import build as build_files
    from planner.pipeline import settings_for
    from planner.planfile import InvalidPlanFile, is_plan_file
    from planner.writer import folder_lock

    ctx = click.get_current_context()
    if options["race_date"] is None and not is_plan_file(mileage):
        raise click.MissingParameter(ctx=ctx, param_type="option", param_hint="'--race-date'")
    settings = settings_for(mileage, _given(ctx), name=_flag)
    if settings.race_date is None:
        raise InvalidPlanFile(
            str(mileage),
            "race_date",
            "missing; pass --race-date YYYY-MM-DD, or add race_date = YYYY-MM-DD to the file",
        )
    assert settings.mileage is not None and settings.out is not None  # settings_for sets them
    inputs = [settings.mileage, *([mileage] if is_plan_file(mileage) else [])]
    # From reading the folder's plan.ics until the files are written: no other build meanwhile.
    ctx.with_resource(folder_lock(settings.out))
    built = build_files(settings, generated_at=_clock(), keep=inputs)
    try:
        written = _write(settings.out, built.files, dry_run, keep=inputs)
    except SettingError as err:
        raise settings.words(err) from None
    # Reported once the files are written, so a failed build prints only its error.
    for warning in built.warnings:
        _say("warning", warning)
    _summary(built.plan)  # the new plan's own events, not the cancelled ones kept from before
    for line in _away_lines(built.plan, settings):
        click.echo(line)
    for change in built.plan.clock_changes:
        click.echo(f"Clock change: {change}.")
    if built.changes is not None:
        click.echo(f"Changes: {built.changes}")
    for line in written:
        click.echo(line)
    _descriptions_note(built.written)
    for name in settings.format:
        size = len(built.files[FORMATS[name].filename])
        _warn_over_limit(FORMATS[name].filename, size, FORMATS[name].limit, settings)


# `planner init` takes every build option (the same objects, so one definition and one help
# text each) and writes them into a plan file instead of building.
_NOT_SETTINGS = ("dry_run", "debug")
_UNSETS = {"no_remind": "remind", "no_bedtime": "bedtime"}
"""Switches that unset a setting a plan file gives (--no-remind, --no-bedtime)."""


@cli.command()
@click.argument("plan_file", metavar="PLAN.toml", type=click.Path(path_type=Path))
@click.option(
    "--mileage",
    required=True,
    metavar="CSV",
    type=click.Path(path_type=Path),
    help="The weekly mileage CSV the plan is built from.",
)
@click.option("--force", is_flag=True, help="Replace PLAN.toml if it exists.")
def init(plan_file: Path, mileage: Path, force: bool, **options: Any) -> None:
    """Write a plan file from build options, with every option explained in a comment,
    for a coach or a club to share. Each runner adds their own race date when they build it.
    """
    from planner.planfile import SUFFIX, is_plan_file, render_plan_file
    from planner.writer import write_files

    if not is_plan_file(plan_file):
        raise PlanError(f"name the plan file with {SUFFIX} at the end", where=str(plan_file))
    if plan_file.exists() and not force:
        raise PlanError("already exists; pass --force to replace it", where=str(plan_file))
    if not mileage.is_file():
        raise PlanError(f"no file {mileage}", where="--mileage")
    if plan_file.exists() and os.path.samefile(plan_file, mileage):
        raise PlanError(
            "is the mileage file itself; name the plan file differently", where=str(plan_file)
        )
    given = _given(click.get_current_context()).values
    text = render_plan_file(plan_file, mileage, given, _setting_helps())
    write_files(plan_file.parent, {plan_file.name: text.encode("utf-8")}, keep=[mileage])
    command = f"planner build {plan_file}"
    if given.get("race_date") is None:
        command += " --race-date YYYY-MM-DD"
    click.echo(f"Wrote {plan_file}. Build it with: {command}")


init.params += [
    p for p in build.params if isinstance(p, click.Option) and p.name not in _NOT_SETTINGS
]


@cli.command()
@click.argument("plan_ics", metavar="PLAN.ics", type=click.Path(path_type=Path))
@click.option("--race-date", required=True, metavar="YYYY-MM-DD", help="The new race day.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Folder for the re-timed plan.ics. Default: PLAN.ics's own folder (updated in place).",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
def reschedule(plan_ics: Path, race_date: str, out: Path | None, dry_run: bool) -> None:
    """Move an exported PLAN.ics to a new race date when its mileage CSV is not at hand.

    Every event keeps its time of day, its length and its number of days before race day.
    Moved events get a higher SEQUENCE, so calendars update them in place. Writes plan.ics
    only: rebuild from the CSV to update plan.csv.
    """
    from planner.options import parse_date
    from planner.pipeline import reschedule as reschedule_plan
    from planner.writer import folder_lock

    # From reading the folder's plan.ics until it is written: no other build meanwhile.
    click.get_current_context().with_resource(
        folder_lock(out if out is not None else plan_ics.parent)
    )
    built = reschedule_plan(plan_ics, parse_date(race_date), out=out, generated_at=_clock())
    plan, folder = built.plan, built.settings.out
    assert folder is not None
    was = built.previous.race_date if built.previous is not None else None
    old = f"{was:%a %d %b %Y}" if was else "race day"
    zone = "all-day events" if plan.all_day else plan.timezone
    click.echo(
        f"Rescheduled {plan.name!r}: race day {old} -> {plan.race_date:%a %d %b %Y} ({zone})."
    )
    click.echo(f"Changes: {built.changes}")
    for line in _write(folder, built.files, dry_run):
        click.echo(line)
    for warning in built.warnings:
        _say("warning", warning)
    if not dry_run and (folder / "plan.csv").exists():
        click.echo(
            f"Left {folder / 'plan.csv'} as it was (old dates); rebuild from the mileage CSV"
            " to update it."
        )


@cli.command()
@click.argument("plans", metavar="PLANS", type=click.Path(path_type=Path))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 for every network (put a TLS proxy in front).",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes; one per core serves the most members.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="The address members reach the server at, for their subscribe links,"
    " e.g. https://runs.example.org. Default: http://HOST:PORT.",
)
def serve(plans: Path, host: str, port: int, workers: int, base_url: str | None) -> None:
    """Serve live calendar feeds of a plan file (PLAN.toml) or a folder of them.

    Each plan gets a members' page at /PLAN/ where a member picks their race date and
    settings and subscribes; every edit of the plan file reaches their calendar at its
    next refresh. Stops with Ctrl-C or SIGTERM, finishing the requests in flight.
    """
    from planner.server import serve as serve_plans

    serve_plans(plans, host=host, port=port, workers=workers, base_url=base_url, echo=click.echo)


@cli.command()
@click.argument("roster", metavar="ROSTER.csv", type=click.Path(path_type=Path))
@click.option(
    "--plan",
    "plan_file",
    required=True,
    metavar="PLAN.toml",
    type=click.Path(path_type=Path),
    help="The club's plan file (see 'planner init'); each roster row is built over it.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Folder for the club: one folder per member, and the club page."
    " Default: <roster name>-club.",
)
@click.option(
    "--format",
    "formats",
    metavar="LIST",
    help="Comma list of each member's outputs: " + ", ".join(_FORMAT_NAMES) + "."
    " Default: the plan file's format, else ics,csv.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="The address the folder will be published at (https://...): makes it a site members"
    " subscribe to, with private member folders and subscribe links and QR codes.",
)
@click.option(
    "--public-index",
    is_flag=True,
    help="With --base-url, put the page of every member's links in the folder as index.html"
    " (it is written beside the folder otherwise, to keep it private).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Build N members at once, in N processes. Default: this machine's cores.",
)
@click.option(
    "--dry-run", is_flag=True, help="Build every member and print what would change; write nothing."
)
def club(
    roster: Path,
    plan_file: Path,
    out: Path | None,
    formats: str | None,
    base_url: str | None,
    public_index: bool,
    jobs: int | None,
    dry_run: bool,
) -> int:
    """Build every member's plan from a ROSTER csv (one row per member: name, then their own
    race_date, timezone, run_days, pace, scale, ... over the plan file's), into one folder per
    member and a club page.

    Rebuilding updates every member's folder in place, as 'planner build' does. With
    --base-url the folder is a site to upload as it is: members subscribe to their plan, and
    the coach's later changes reach their calendars on their own.
    """
    from planner import club as clubs
    from planner.options import read_layer
    from planner.planfile import is_plan_file
    from planner.writer import folder_lock

    if not is_plan_file(plan_file):
        raise PlanError("expected a plan file ending in .toml (see 'planner init')", where="--plan")
    given = read_layer({"format": formats}, name=_flag)
    plan = clubs.club_settings(plan_file, given)
    folder = out if out is not None else Path(f"{roster.stem}-club")
    url = clubs.parse_base_url(base_url) if base_url is not None else None
    clubs.check_formats(plan, published=url is not None)
    members = clubs.read_roster(roster, plan)
    site = None
    key_created = None
    if url is not None:  # made only once the roster is known to be good
        key_file = clubs.key_path(roster)
        key, made = clubs.read_or_make_key(key_file, folder, create=not dry_run)
        site = clubs.Site(url, key)
        key_created = key_file if made else None
    assert plan.mileage is not None
    keep = [roster, plan_file, plan.mileage, *clubs.member_mileages(members)]
    # From reading the members' plan.ics until the last is written: no other club build of
    # the folder meanwhile (each member's folder is locked as it is written, too).
    click.get_current_context().with_resource(folder_lock(folder))
    with _progress(len(members.members), "Building members") as advance:
        result = clubs.build_club(
            members,
            plan,
            out=folder,
            site=site,
            generated_at=_clock(),
            jobs=jobs or _cores(),
            dry_run=dry_run,
            public_index=public_index,
            keep=keep,
            on_member=lambda _: advance(),
        )
    for warning in result.warnings:
        _say("warning", warning)
    _club_summary(result, folder, dry_run)
    if key_created is not None:
        verb = "Would make" if dry_run else "Made"
        click.echo(
            f"{verb} the club's key {key_created}: keep it, and don't upload it; every member's"
            " address is made from it."
        )
    for report in result.failed:
        _say("error", f"{report.name} (line {report.line}) not built: {report.error}")
    return EXIT_INPUT if result.failed else 0


def _club_summary(result: ClubResult, folder: Path, dry_run: bool) -> None:
    verb = "would write" if dry_run else "wrote"
    for member in result.members:
        if member.error is not None:
            continue
        what = f"changes: {member.changes}" if member.changes is not None else "new"
        click.echo(
            f"  {member.name}: {folder / member.folder}/, {member.events} events,"
            f" {member.bytes:,} bytes ({what})"
        )
    for name in result.left:
        click.echo(
            f"  Kept {folder / name}/: not in the roster any more; it stays published until"
            " you delete the folder."
        )
    for page in result.pages:
        click.echo(f"  Club page: {verb} {page}")
    for page in result.removed_pages:
        click.echo(f"  Removed {page}: it listed every member and the folder is published")
    if result.cards:
        click.echo(
            f"  Routine cards: {verb} {len(result.cards)} pages in {result.cards[0].parent}/,"
            " which every yoga event links to"
        )
    built = len(result.members) - len(result.failed)
    click.echo(
        f"Club: {built} members, {result.events:,} events, {result.bytes:,} bytes"
        f" {'to write' if dry_run else 'written'} in {result.seconds:.1f} s"
        f" ({result.jobs} job{'s' if result.jobs != 1 else ''})"
        + ("; dry run, nothing written." if dry_run else ".")
    )


def _cores() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than the
    machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def _progress(length: int, label: str) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr when it is a terminal; else nothing to see."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda: bar.update(1)


def _setting_key(param: click.Parameter) -> str | None:
    """The plan-file key of a build option: its long name with underscores."""
    from planner.options import SETTING_KEYS

    if not isinstance(param, click.Option):
        return None
    key = param.opts[0].removeprefix("--").replace("-", "_")
    return key if key in SETTING_KEYS else None


def _setting_helps() -> dict[str, str]:
    """Plan-file key -> the help of its build option, in `planner build --help` order."""
    return {
        key: param.help or "" for param in build.params if (key := _setting_key(param)) is not None
    }


def _given(ctx: click.Context) -> Layer:
    """The build options the user typed (not click's defaults), as a layer of typed settings."""
    from planner.options import UNSET, read_layer

    given = {}
    for param in ctx.command.params:
        key = _setting_key(param)
        if key is None or param.name is None:
            continue
        if ctx.get_parameter_source(param.name) not in (None, ParameterSource.DEFAULT):
            given[key] = ctx.params[param.name]
    for switch, key in _UNSETS.items():
        if ctx.params.get(switch):
            if key in given:
                raise click.UsageError(
                    f"give --{switch.replace('_', '-')} or {_flag(key)}, not both"
                )
            given[key] = UNSET
    return read_layer(given, name=_flag)


def _flag(key: str) -> str:
    """How the command line names a setting: its option."""
    return "--" + key.replace("_", "-")


@cli.group(invoke_without_command=True)
@click.option(
    "--templates",
    type=click.Path(path_type=Path),
    help="Folder with your own routines/ templates instead of planner's.",
)
@click.pass_context
def routines(ctx: click.Context, templates: Path | None) -> None:
    """List the yoga routines and their poses."""
    from planner.routines import load_routines

    ctx.obj = load_routines(templates)
    if ctx.invoked_subcommand is not None:
        return
    library = ctx.obj
    for activity, routine in sorted(library.routines.items(), key=lambda item: item[0].value):
        levels = f", levels 1-{routine.levels}" if routine.levels > 1 else ""
        click.echo(f"{activity.value}: {routine.title} ({routine.minutes()} min{levels})")
        for pose in routine.poses:
            tags = [t for t in (f"level {pose.level}" if pose.group else "", pose.variant) if t]
            extra = f"  [{', '.join(tags)}]" if tags else ""
            each = ", each side" if pose.sides == 2 else ""
            click.echo(f"  - {pose.name}: {pose.hold}{each}{extra}")
    click.echo("\nShow one as it appears in the calendar: planner routines show NAME")
    click.echo("Print one with pictures of every pose: planner routines card NAME")


@routines.command("show")
@click.argument("name")
@click.option("--level", type=int, default=1, show_default=True, help="Difficulty level to show.")
@click.option("--gentle", is_flag=True, help="Show the gentle variant where there is one.")
@click.pass_obj
def routines_show(library: RoutineLibrary, name: str, level: int, gentle: bool) -> None:
    """Print routine NAME (e.g. pre_run_activation) as it will appear in the calendar."""
    from planner.routines import render_description

    routine = _routine_named(library, name, level)
    variant = "gentle" if gentle else ""
    minutes = routine.minutes(level, variant)
    click.echo(f"{routine.title} ({minutes} min)")
    click.echo(render_description(routine, level, variant))


@routines.command("card")
@click.argument("name")
@click.option("--level", type=int, default=1, show_default=True, help="Difficulty level to show.")
@click.option("--gentle", is_flag=True, help="Show the gentle variant where there is one.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="File to write, or a folder to write it in. Default: NAME[-level-N][-gentle]-card.html.",
)
@click.pass_obj
def routines_card(
    library: RoutineLibrary, name: str, level: int, gentle: bool, out: Path | None
) -> None:
    """Write a printable card of routine NAME: one A4 page with a big figure, the hold and
    the steps of every pose, to print and do from the pictures."""
    from planner.cards import card_path, render_card
    from planner.errors import InvalidOption

    routine = _routine_named(library, name, level)
    variant = "gentle" if gentle else ""
    default = Path(card_path(routine, level, variant)).stem + "-card.html"
    target = out if out is not None else Path(default)
    if target.is_dir():
        target = target / default
    if target.parent.exists() and not target.parent.is_dir():
        raise InvalidOption("--out", f"{target.parent} is a file, not a folder")
    for line in _write(target.parent, {target.name: render_card(routine, level, variant)}, False):
        click.echo(line)
    click.echo("Print it on A4 (or Letter), portrait.")


def _routine_named(library: RoutineLibrary, name: str, level: int) -> Routine:
    """The routine a user named on the command line, checked against its levels."""
    from planner.errors import InvalidOption, UnknownRoutine
    from planner.model import Activity

    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        activity = Activity(key)
        routine = library[activity]
    except (ValueError, UnknownRoutine):
        known = ", ".join(sorted(a.value for a in library.routines))
        raise InvalidOption("NAME", f"no routine {name!r}; expected one of {known}") from None
    if not 1 <= level <= routine.levels:
        raise InvalidOption("--level", f"{routine.title} has levels 1 to {routine.levels}")
    return routine


@cli.command()
@click.argument("plan", metavar="PLAN", type=click.Path(path_type=Path))
@click.option(
    "--url",
    required=True,
    metavar="URL",
    help="Your server's CalDAV address (e.g. https://caldav.icloud.com/), or one calendar's own.",
)
@click.option(
    "--user", metavar="NAME", help="User name on the server. Default: from the URL or ~/.netrc."
)
@click.option(
    "--calendar",
    "calendar_name",
    metavar="NAME",
    help="The calendar to write into, made if missing. Default: the plan's name."
    " (Not needed when --url is a calendar's own address.)",
)
@click.option(
    "--dry-run", is_flag=True, help="Say what would change in the calendar; write nothing."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1, max=600),
    default=30,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for each answer from the server.",
)
@click.option(
    "--ca-bundle",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Trust the server's certificate if signed by this CA (PEM); for a private server.",
)
def sync(
    plan: Path,
    url: str,
    user: str | None,
    calendar_name: str | None,
    dry_run: bool,
    timeout: float,
    ca_bundle: Path | None,
) -> None:
    """Write a built PLAN (its folder, or its plan.ics) into your CalDAV calendar: iCloud,
    Fastmail, Nextcloud, Radicale...; sync again after each rebuild.

    New events are created, changed ones updated and events the plan dropped removed; other
    events in the calendar are left alone, and so is an event you edited there. The password
    comes from PLANNER_CALDAV_PASSWORD, else the system keyring (service: the server's host
    name) or ~/.netrc, else a hidden prompt on a terminal.
    """
    import logging

    from planner import sync as caldav_sync

    # The caldav and HTTP libraries log their own oddities and retries as warnings; the
    # command reports what matters in one line.
    for library in ("caldav", "niquests", "urllib3", "urllib3_future"):
        logging.getLogger(library).addHandler(logging.NullHandler())
        logging.getLogger(library).propagate = False
    url, user_in_url = caldav_sync.server_url(url)
    if caldav_sync.is_plain_http_elsewhere(url):
        _say(
            "warning",
            f"--url: {url} is plain http, so your password and plan cross the network"
            " unencrypted; use https",
        )
    events = caldav_sync.read_plan(plan)
    name = calendar_name or events.name
    user, password = _caldav_login(url, user or user_in_url)
    stderr_is_tty = sys.stderr.isatty()
    bar: Any = None

    def started(count: int) -> None:
        nonlocal bar
        if stderr_is_tty and count:
            bar = click.progressbar(length=count, label="Syncing", file=sys.stderr)
            bar.__enter__()

    def progress() -> None:
        if bar is not None:
            bar.update(1)

    try:
        client = caldav_sync.connect(url, user, password, timeout=timeout, ca_bundle=ca_bundle)
        with client:
            target = caldav_sync.find_calendar(client, url, name, create=not dry_run)
            summary = caldav_sync.sync(
                client, events, target, dry_run=dry_run, started=started, progress=progress
            )
    except caldav_sync.ServerError as err:
        raise click.ClickException(str(err)) from None
    except KeyboardInterrupt:
        raise click.ClickException(
            "sync interrupted; run planner sync again to finish (nothing is duplicated)"
        ) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    where = f"{target.name!r} ({target.url})"
    counts = (
        f"created {summary.created}, updated {summary.updated}, removed {summary.removed},"
        f" unchanged {summary.unchanged}"
    )
    if dry_run:
        made = "" if target.exists else " (the calendar would be created)"
        click.echo(f"Would sync {events.name!r} into {where}{made}: {counts}; dry run.")
    elif summary.up_to_date:
        click.echo(f"Calendar {where} is up to date: {summary.unchanged} events unchanged.")
    else:
        click.echo(f"Synced {events.name!r} into {where}: {counts}.")
    if summary.kept:
        click.echo(
            f"Kept {len(summary.kept)} event(s) as you edited them in your calendar; delete one"
            " there and sync again to get the plan's version back:"
        )
        for event in summary.kept[:10]:
            when = f"{event.start:%a %d %b %Y %H:%M}" if event.start is not None else ""
            click.echo(f"  {when}  {event.title}".rstrip())
        if len(summary.kept) > 10:
            click.echo(f"  ... and {len(summary.kept) - 10} more")
    if summary.conflicts:
        _say(
            "warning",
            f"{len(summary.conflicts)} event(s) changed in the calendar during the sync and"
            " were left as they are; sync again to bring them in line",
        )


def _caldav_login(url: str, user: str | None) -> tuple[str | None, str | None]:
    """The user name and password for the server: never an option, never printed or kept."""
    import netrc
    from urllib.parse import urlsplit

    from planner import sync as caldav_sync
    from planner.errors import InvalidOption

    host = urlsplit(url).hostname or ""
    password = os.environ.get(caldav_sync.PASSWORD_VARIABLE) or None
    if password is None and user is not None:
        try:
            import keyring

            password = keyring.get_password(host, user)
        except Exception:  # no usable keyring on this machine (a server, a container): go on
            password = None
    if password is None or user is None:
        try:
            entry = netrc.netrc().authenticators(host)
        except FileNotFoundError:
            entry = None
        except (netrc.NetrcParseError, OSError) as err:
            raise PlanError(f"can't read it ({err})", where="~/.netrc") from None
        if entry is not None and (user is None or entry[0] in (user, "")):
            user = user or entry[0] or None
            password = password or entry[2] or None
    if user is None:
        raise InvalidOption("--user", f"give your user name on {host}")
    if password is None:
        if not sys.stdin.isatty():
            raise PlanError(
                f"no password for {user} on {host}: set {caldav_sync.PASSWORD_VARIABLE}, store"
                f" it with 'keyring set {host} {user}', or add it to ~/.netrc",
                where="login",
            )
        password = click.prompt(f"Password for {user} on {host}", hide_input=True, err=True)
    return user, password


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


def _summary(plan: Plan) -> None:
    from planner.model import Activity

    counts = Counter(s.activity for s in plan.sessions)
    weeks = sum(1 for week in plan.weeks if week.weeks_to_race >= 0)
    after = ""
    if plan.recovery_days:
        days = f"{plan.recovery_days} recovery day{'s' if plan.recovery_days != 1 else ''}"
        after = f", then {days} to {plan.last_day:%a %d %b %Y}"
    click.echo(
        f"Built {plan.name!r}: {weeks} weeks,"
        f" {plan.first_day:%a %d %b %Y} to race day {plan.race_date:%a %d %b %Y}{after}"
        f" ({plan.timezone})."
    )
    width = max(len(a.value) for a in counts) if counts else 0
    for activity in Activity:
        if counts[activity]:
            label = activity.value.replace("_", " ")
            click.echo(f"  {label:<{width}}  {counts[activity]:>4}")
    click.echo(f"  {'events':<{width}}  {len(plan.sessions):>4}")


def _away_lines(plan: Plan, settings: Settings) -> list[str]:
    """How many days away, and per week the runs they dropped and the long runs they moved."""
    from planner.options import away_days
    from planner.schedule import format_distance

    if not settings.away:
        return []
    days = len(away_days(settings.away))
    header = f"Days away ({days} day{'s' if days != 1 else ''})"

    by_week: dict[int, list[str]] = {}
    for change in plan.adjustments:
        what = change.activity.value.replace("_", " ")
        if change.distance is not None:
            what += f" {format_distance(change.distance)} {plan.unit.value}"
        day = f"{change.day:%a %d %b}"
        if change.moved_to is None:
            text = f"dropped {what} on {day}"
        else:
            text = f"moved {what} from {day} to {change.moved_to:%a %d %b}"
        by_week.setdefault(change.week, []).append(text)
    if not by_week:
        return [f"{header}: no runs to drop or move."]
    return [f"{header}:"] + [
        f"  week {week}: {'; '.join(texts)}" for week, texts in sorted(by_week.items())
    ]


def _descriptions_note(plan: Plan) -> None:
    from planner.model import Descriptions

    if plan.descriptions in (Descriptions.COMPACT, Descriptions.BRIEF):
        what = "the poses and holds" if plan.descriptions is Descriptions.COMPACT else "no poses"
        click.echo(
            f"Descriptions: {plan.descriptions.value}, with {what} (full steps: planner routines"
            " show NAME): full ones would take plan.ics past 900 KB, and Google Calendar"
            " imports up to 1 MB."
        )


def _warn_over_limit(filename: str, size: int, limit: int | None, options: Settings) -> None:
    """One line when a file is too big for the app that imports it, and what to leave out."""
    if limit is None or size <= limit:
        return
    drop = [
        option
        for option, used in (
            ("--bedtime (add one daily event in Google instead)", options.bedtime is not None),
            ("--remind (Google drops reminders anyway)", options.remind is not None),
        )
        if used
    ]
    advice = f"build without {' or '.join(drop)}, or " if drop else ""
    click.echo(
        f"planner: warning: {filename} is {size:,} bytes, over the {limit / 1e6:g} MB that"
        f' Google Calendar imports; for Google, {advice}see "Plan size" in the README',
        err=True,
    )


def _write(
    folder: Path, files: Mapping[str, bytes], dry_run: bool, keep: Sequence[Path] = ()
) -> list[str]:
    """Write the files (unless dry_run); the lines that report it, for the caller to print."""
    from planner.writer import write_files

    if dry_run:
        return [
            f"Would write {folder / name} ({len(content):,} bytes); dry run"
            for name, content in files.items()
        ]
    return [
        f"Wrote {path} ({path.stat().st_size:,} bytes)"
        for path in write_files(folder, files, keep=keep)
    ]


class _DropFailedWrites(io.RawIOBase):
    """A file descriptor whose failed writes are dropped, the first failure ending them."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.failed = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def write(self, data: Any) -> int:
        if not self.failed:
            try:
                return os.write(self.fd, data)
            except OSError:
                self.failed = True
        return len(data)


def _forgiving(stream: Any) -> Any:
    """Standard output that can't fail the command: what planner prints there reports work
    already done, so a closed pipe (`planner build ... | head -1`) or a full disk loses the
    report, not the work, and is no internal error."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # None (no stdout at all), or in-memory
        return stream
    return io.TextIOWrapper(
        io.BufferedWriter(_DropFailedWrites(fd)),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
    )


def main() -> None:
    # The command runs for well under a second and exits; its objects (pandas and icalendar
    # as they import, then a plan's sessions and lines) hold few reference cycles, so the
    # cycle collector would only rescan them, a dozen times: about 35 ms of a 400 ms build.
    gc.disable()
    sys.stdout = _forgiving(sys.stdout)
    try:
        cli.main(prog_name="planner")
    finally:
        # Python still runs one full collection as it shuts down, over every object pandas
        # and numpy made (about 45 ms). Its files written and closed, the process exits next
        # and the system takes the memory back at once: frozen objects are left out of it.
        gc.freeze()

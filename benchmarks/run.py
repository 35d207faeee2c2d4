"""The benchmark suite: `python benchmarks/run.py` prints a table of medians and ratios.

Whole-process times are measured from outside, a fresh interpreter per run started with
subprocess and timed with time.perf_counter; the commands of a round run in shuffled order,
rounds repeat after a warm-up, and every figure is a median. Exporter throughput is measured in
this process. See benchmarks/README.md for what each row means and the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import functools
import importlib.metadata
import itertools
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.model import Mileage, Plan
    from planner.routines import RoutineLibrary

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import floor  # noqa: E402  (benchmarks/ and the checkout are put on the path just above)
import plans  # noqa: E402

FLOOR_IMPORTS = "import pandas, icalendar, click, dateutil.relativedelta"
# The same imports as planner's process runs them (planner.cli.main): the cycle collector off
# before the heavy imports and everything frozen at exit, so that Python's shutdown skips its
# last collection. Planner's own work is measured against this, not against work it skips.
FLOOR_AS_PLANNER = f"import gc; gc.disable(); {FLOOR_IMPORTS}; gc.freeze()"
SCALING_WEEKS = (16, 32, 52, 104)
SOURCE_DATE_EPOCH = "1800000000"
LIBRARIES = ("pandas", "numpy", "icalendar", "click", "python-dateutil", "tzdata")


@dataclass
class Case:
    """One command timed as a whole process; ``argv`` is called before each run."""

    key: str
    argv: Callable[[], list[str]]
    times: list[float] = field(default_factory=list)
    cpu_times: list[float] = field(default_factory=list)
    """User + system time: what the command cost, however busy the machine was."""

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_times)

    @property
    def spread(self) -> float:
        """Half the interquartile range: how far a typical run is from the median."""
        if len(self.times) < 4:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.times, n=4)
        return (q3 - q1) / 2


@dataclass
class Row:
    measure: str
    value: str
    spread: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first")
    parser.add_argument("--quick", action="store_true", help="5 runs, 1 warm-up: a smoke test")
    parser.add_argument("--output", type=Path, help="also write the report (markdown) here")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a pyinstrument profile of the 104-week build (pip install '.[bench]')",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.warmup = 5, 1

    work = Path(tempfile.mkdtemp(prefix="planner-bench-"))
    try:
        report = run(args.runs, args.warmup, work, profile=args.profile)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report)
    if args.output:
        args.output.write_text(report + "\n", encoding="utf-8")
    return 0


def run(runs: int, warmup: int, work: Path, *, profile: bool) -> str:
    env = _child_env()
    _check_planner_is_this_checkout(env)
    generated = plans.write_plans(work / "plans", SCALING_WEEKS)
    sample, sample_args, sample_size = _largest_sample()
    counter = iter(range(1_000_000))

    def build(
        csv: Path, options: Sequence[str], out: Callable[[], Path]
    ) -> Callable[[], list[str]]:
        return lambda: [*_planner(), "build", str(csv), *options, "--out", str(out())]

    def new_folder() -> Path:
        return work / "out" / f"new-{next(counter)}"

    regenerate_into = work / "out" / "existing"
    cases = [
        Case("python", lambda: [sys.executable, "-c", "pass"]),
        Case("click", lambda: [sys.executable, "-c", "import click"]),
        Case("pandas", lambda: [sys.executable, "-c", "import pandas"]),
        Case("floor", lambda: [sys.executable, "-c", FLOOR_IMPORTS]),
        Case("floor_as_planner", lambda: [sys.executable, "-c", FLOOR_AS_PLANNER]),
        Case("help", lambda: [*_planner(), "--help"]),
        Case("version", lambda: [*_planner(), "--version"]),
        Case("sample", build(sample, sample_args, new_folder)),
        Case("regenerate", build(sample, sample_args, lambda: regenerate_into)),
        *(
            Case(f"weeks{weeks}", build(generated[weeks], plans.BUILD_OPTIONS, new_folder))
            for weeks in SCALING_WEEKS
        ),
    ]
    by_key = {c.key: c for c in cases}
    # The folder to regenerate into holds the plan from a first build.
    _run(by_key["regenerate"].argv(), env)

    shuffle = random.Random(7)
    started = time.perf_counter()
    for round_number in range(warmup + runs):
        order = list(cases)
        shuffle.shuffle(order)
        for case in order:
            elapsed, cpu = _run(case.argv(), env)
            if round_number >= warmup:
                case.times.append(elapsed)
                case.cpu_times.append(cpu)
        for stale in (work / "out").glob("new-*"):
            shutil.rmtree(stale, ignore_errors=True)
    wall = time.perf_counter() - started

    peak = _peak_rss(build(generated[104], plans.BUILD_OPTIONS, new_folder)(), env)
    peak_floor = _peak_rss([sys.executable, "-c", FLOOR_IMPORTS], env)
    exporters = _exporter_throughput(generated[104], max(runs, 5))
    stages = _stages(generated[104], max(runs, 5))
    stages.append(_new_plan_name(generated[16], max(runs, 20)))

    rows = _process_rows(by_key, sample.name, sample_size)
    rows.append(
        Row(
            "peak memory, 104-week build (max RSS)",
            f"{peak / 1024:.1f} MiB",
            ratio=f"{peak / peak_floor:.2f}x floor ({peak_floor / 1024:.1f} MiB)",
            target="report",
        )
    )
    rows += exporters
    lines = [
        "# planner benchmarks",
        "",
        _machine(runs, warmup, wall),
        "",
        _table(rows),
        "",
        "In-process stages of the 104-week build (median ms):",
        "",
        _table(stages),
    ]
    if profile:
        lines += ["", _profile(generated[104], env, work)]
    return "\n".join(lines)


def _process_rows(by: dict[str, Case], sample: str, size: tuple[int, int]) -> list[Row]:
    floor_time = by["floor"].median

    like = by["floor_as_planner"]

    def row(measure: str, key: str, reference_key: str = "", limit: float = 0.0) -> Row:
        case = by[key]
        reference = by[reference_key].median if reference_key else None
        result = Row(measure, _ms(case.median), f"±{case.spread * 1e3:.1f}")
        if reference is not None:
            ratio = case.median / reference
            result.ratio = f"{ratio:.2f}x (cpu {case.cpu / by[reference_key].cpu:.2f}x)"
            if reference_key == "floor":
                result.ratio += f"; like for like {case.median / like.median:.2f}x"
            result.target = f"<= {limit}x"
            result.verdict = "ok" if ratio <= limit else "MISSED"
        return result

    weeks, events = size
    rows = [
        row("python -c pass (interpreter start)", "python"),
        row("import click", "click"),
        row("import pandas", "pandas"),
        row(f"floor: {FLOOR_IMPORTS}", "floor"),
        row("floor as planner runs it: collector off, frozen at exit", "floor_as_planner"),
        row("planner --help", "help", "click", 2.5),
        row("planner --version", "version", "click", 2.5),
        row(
            f"build {sample} ({weeks} weeks, {events} events), new folder",
            "sample",
            "floor",
            1.2,
        ),
        row(f"build {sample} again into its folder (regenerate)", "regenerate", "floor", 1.4),
    ]
    per_week, cpu_per_week = {}, {}
    for weeks in SCALING_WEEKS:
        case = by[f"weeks{weeks}"]
        own = case.median - like.median
        per_week[weeks] = own / weeks
        cpu_per_week[weeks] = (case.cpu - like.cpu) / weeks
        rows.append(
            Row(
                f"build {weeks} weeks: own work (build - floor as planner runs it)",
                _ms(own),
                f"±{case.spread * 1e3:.1f}",
                f"{own / floor_time:.2f}x floor; {per_week[weeks] * 1e3:.2f} ms/week"
                f" (less the plain floor: {(case.median - floor_time) / weeks * 1e3:.2f})",
            )
        )
    flatness = max(per_week.values()) / min(per_week.values())
    cpu_flatness = max(cpu_per_week.values()) / min(cpu_per_week.values())
    plain = [(by[f"weeks{w}"].median - floor_time) / w for w in SCALING_WEEKS]
    plain_flatness = f"{max(plain) / min(plain):.2f}x" if min(plain) > 0 else "n/a"
    first, last = SCALING_WEEKS[0], SCALING_WEEKS[-1]
    rows.append(
        Row(
            f"own work per week, max/min over {first}-{last} weeks",
            f"{flatness:.2f}x",
            ratio=f"(cpu {cpu_flatness:.2f}x; less the plain floor {plain_flatness})",
            target="<= 1.5x",
            verdict="ok" if flatness <= 1.5 else "MISSED",
        )
    )
    # What one more week costs, between each pair of lengths: flat when the work is linear.
    segments = list(itertools.pairwise(SCALING_WEEKS))
    slopes = [(by[f"weeks{b}"].median - by[f"weeks{a}"].median) / (b - a) for a, b in segments]
    cpu_slopes = [(by[f"weeks{b}"].cpu - by[f"weeks{a}"].cpu) / (b - a) for a, b in segments]
    rows.append(
        Row(
            "one more week: cost per week between lengths, max/min",
            f"{max(slopes) / min(slopes):.2f}x" if min(slopes) > 0 else "n/a",
            ratio=", ".join(
                f"{a}-{b}: {slope * 1e3:.2f} ms"
                for (a, b), slope in zip(segments, slopes, strict=True)
            )
            + (f" (cpu {max(cpu_slopes) / min(cpu_slopes):.2f}x)" if min(cpu_slopes) > 0 else ""),
            target="linear: for reference",
        )
    )
    return rows


def _exporter_throughput(csv: Path, runs: int) -> list[Row]:
    """Events per second of each exporter on the 104-week plan, against its floor."""
    from planner.export.ics import to_ics
    from planner.export.plan_csv import to_csv_bytes
    from planner.export.vtimezone import vtimezone
    from planner.model import Descriptions
    from planner.pipeline import choose_descriptions, with_descriptions

    plan = _plan(csv)
    first, last = plan.span
    zone_block = vtimezone(plan.timezone, first - dt.timedelta(days=1), last).to_ical()
    fitted = choose_descriptions(plan)[0]
    assert fitted.descriptions is not None
    # The style the 104-week plan is built with, and the full one, whose long descriptions
    # are what icalendar's folding spends its time on.
    styles = list(dict.fromkeys([fitted.descriptions, Descriptions.FULL]))
    pairs: list[tuple[str, Plan, Callable[[Plan], bytes], Callable[[Plan], bytes]]] = [
        (
            f"ics exporter, {style} descriptions" + (" (as built)" if style is styles[0] else ""),
            with_descriptions(plan, style),
            to_ics,
            functools.partial(floor.ics, vtimezone=zone_block, style=style),
        )
        for style in styles
    ]
    pairs.append(("csv exporter", fitted, to_csv_bytes, floor.plan_csv))
    rows = []
    events = len(plan.sessions)
    for name, styled, exporter, hand_written in pairs:
        if exporter(styled) != hand_written(styled):
            raise SystemExit(f"the floor of the {name} no longer gives the exporter's bytes")
        real = _median_call(exporter, styled, runs)
        least = _median_call(hand_written, styled, runs)
        rows.append(
            Row(
                f"{name}, 104 weeks ({events} events), in process",
                f"{events / real:,.0f} ev/s",
                f"{real * 1e3:.1f} ms",
                f"{real / least:.1f}x floor ({events / least:,.0f} ev/s)",
                "report, push down",
            )
        )
    return rows


def _stages(csv: Path, runs: int) -> list[Row]:
    from planner.export.plan_csv import to_csv_bytes
    from planner.mileage import read_mileage
    from planner.pipeline import choose_descriptions
    from planner.routines import load_routines

    mileage = read_mileage(csv)
    routines = load_routines()
    plan = _plan(csv)
    steps: list[tuple[str, Callable[[Plan], object]]] = [
        ("read_mileage", lambda _: read_mileage(csv)),
        ("load_routines", lambda _: load_routines()),
        ("build_plan", lambda _: _plan(csv, mileage, routines)),
        ("choose_descriptions (renders plan.ics), as a build", choose_descriptions),
        ("to_csv", to_csv_bytes),
    ]
    rows = []
    for name, step in steps:
        seconds = _median_call(step, plan, runs)
        rows.append(Row(name, _ms(seconds), ratio=f"{seconds / len(plan.weeks) * 1e3:.3f} ms/week"))
    return rows


def _new_plan_name(csv: Path, runs: int) -> Row:
    """build_plan + to_ics of a 16-week plan under a name the process has not built before (a
    club member's, a feed server's new member): what a build costs beyond the lines it shares
    with the plans before it."""
    from planner.mileage import read_mileage
    from planner.pipeline import to_ics
    from planner.routines import load_routines

    mileage, routines = read_mileage(csv), load_routines()
    to_ics(_plan(csv, mileage, routines))  # the lines every plan shares, made once
    times = []
    for n in range(runs):
        started = time.perf_counter()
        to_ics(_plan(csv, mileage, routines, name=f"Member {n}"))
        times.append(time.perf_counter() - started)
    seconds = statistics.median(times)
    return Row(
        "build_plan + to_ics, 16 weeks, a new plan name", _ms(seconds), target="at most 15 ms"
    )


def _plan(
    csv: Path,
    mileage: Mileage | None = None,
    routines: RoutineLibrary | None = None,
    name: str = "",
) -> Plan:
    from planner.mileage import read_mileage
    from planner.routines import load_routines
    from planner.schedule import PlanOptions, build_plan

    options = PlanOptions(
        race_date=dt.date.fromisoformat(plans.RACE_DATE),
        name=name or csv.stem,
        timezone="Europe/Berlin",
        race_distance="marathon",
    )
    return build_plan(
        mileage or read_mileage(csv),
        options,
        routines or load_routines(),
        dt.datetime.fromtimestamp(int(SOURCE_DATE_EPOCH), dt.UTC),
    )


def _median_call(call: Callable[[Plan], object], plan: Plan, runs: int) -> float:
    """Median time of ``call(plan)``, each call on a copy of the plan from another build.

    The ics exporter keeps a memo of serialized lines keyed by their content; a copy made a
    second later has its own DTSTAMP, so each call writes that line anew, as a build does.
    """
    copies = [
        dataclasses.replace(plan, generated_at=plan.generated_at + dt.timedelta(seconds=n))
        for n in range(1, runs + 2)
    ]
    call(copies[0])
    times = []
    for copy in copies[1:]:
        started = time.perf_counter()
        call(copy)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _largest_sample() -> tuple[Path, list[str], tuple[int, int]]:
    """The sample plan with the most weeks (then events), and its '# Build with:' options."""
    from click.testing import CliRunner

    from planner.cli import cli

    best: tuple[tuple[int, int], Path, list[str]] | None = None
    with tempfile.TemporaryDirectory() as folder:
        for sample in sorted((ROOT / "sample_plans").glob("*.csv")):
            command = next(
                (
                    line.removeprefix("# Build with: planner build ").split()
                    for line in sample.read_text(encoding="utf-8").splitlines()
                    if line.startswith("# Build with: planner build ")
                ),
                None,
            )
            if command is None:  # not a mileage CSV (the club's roster)
                continue
            options = command[1:]  # the first word is the CSV's path
            out = Path(folder) / sample.stem
            result = CliRunner().invoke(cli, ["build", str(sample), *options, "--out", str(out)])
            if result.exit_code != 0:
                raise SystemExit(f"{sample.name} does not build: {result.output}")
            size = (_count(result.output, "weeks"), _count(result.output, "events"))
            if best is None or size > best[0]:
                best = (size, sample, options)
    assert best is not None, "no sample plans"
    return best[1], best[2], best[0]


def _count(summary: str, word: str) -> int:
    """A number from the build summary: "... 16 weeks, ..." or "  events   238"."""
    for line in summary.splitlines():
        words = line.replace(",", " ").split()
        for before, after in itertools.pairwise(words):
            if after == word and before.isdigit():
                return int(before)
            if before == word and after.isdigit():
                return int(after)
    raise SystemExit(f"no {word!r} in the build summary:\n{summary}")


def _planner() -> list[str]:
    return [sys.executable, "-m", "planner"]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # Like an installed package, the checkout gets cached bytecode after the warm-up.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for setting in ("PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "PYTHONTRACEMALLOC"):
        env.pop(setting, None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    return env


def _check_planner_is_this_checkout(env: dict[str, str]) -> None:
    found = subprocess.run(
        [sys.executable, "-c", "import planner; print(planner.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(ROOT):
        raise SystemExit(f"the children import planner from {found}, not from {ROOT}")


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``argv``, in seconds."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed:\n{errors.read().decode(errors='replace')}")
    return elapsed, usage.ru_utime + usage.ru_stime


def _peak_rss(argv: list[str], env: dict[str, str], runs: int = 3) -> int:
    """Median over ``runs`` of the child's maximum resident set size, in KiB (Linux)."""
    peaks = []
    for _ in range(runs):
        child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed")
        peaks.append(usage.ru_maxrss)
    return int(statistics.median(peaks))


def _profile(csv: Path, env: dict[str, str], work: Path) -> str:
    if shutil.which("pyinstrument", path=str(Path(sys.executable).parent)) is None:
        return "(--profile needs pyinstrument: pip install '.[bench]')"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyinstrument",
            "--interval",
            "0.0005",
            "-m",
            "planner",
            "build",
            str(csv),
            *plans.BUILD_OPTIONS,
            "--out",
            str(work / "profiled"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return "Profile of the 104-week build:\n\n```\n" + done.stdout.strip() + "\n```"


def _machine(runs: int, warmup: int, wall: float) -> str:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for name in LIBRARIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{name} {importlib.metadata.version(name)}")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return "\n".join(
        [
            f"- date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; planner at {commit}",
            f"- machine: {cores} cores (nproc), {model}, {platform.platform()}",
            f"- Python {platform.python_version()} ({sys.executable}); {', '.join(versions)}",
            f"- {runs} timed runs of each command after {warmup} warm-up rounds, shuffled"
            f" within each round ({wall:.0f} s); load average after: {load}",
        ]
    )


def _table(rows: Sequence[Row]) -> str:
    header = Row("measure", "median", "spread", "ratio", "target", "")
    cells = [[r.measure, r.value, r.spread, r.ratio, r.target, r.verdict] for r in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(6)]
    lines = []
    for number, row in enumerate(cells):
        lines.append(
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            + " |"
        )
        if number == 0:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


if __name__ == "__main__":
    sys.exit(main())

"""The club benchmarks (issue 13): `python benchmarks/club.py` prints a markdown report.

1. `planner club` with 1,000 members on the 16-week sample (marathon_km.csv, --format ics),
   the whole command as a fresh process: wall time with the default --jobs (the machine's
   cores) and with --jobs 1, the speed-up, and peak memory (the main process's and the
   largest worker's). Each run builds into a new folder. Members differ as in a real club:
   race dates over ten Sundays, four zones, their own paces, one in five on a lighter load.
2. In-process, one member's build_plan + to_ics for a name the process has not seen (and for
   a new race date too), after a warm-up: what a worker spends on each member.
3. In-process, planner's own work per week (build_plan + to_ics, a new plan name each time,
   no process start-up) for 16 to 104 weeks, and the max/min ratio of the per-week figures.

Every figure is a median; ratios divide medians from the same run. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import plans  # noqa: E402  (benchmarks/ is put on the path just above)

MEMBERS = 1000
WEEKS = (16, 32, 52, 104)
ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "Australia/Sydney")
FIRST_RACE = dt.date(2027, 10, 3)  # a Sunday, like the sample's race week
SOURCE_DATE_EPOCH = "1800000000"
PLAN_FILE = """name = "Autumn marathon"
mileage = "{mileage}"
timezone = "Europe/Berlin"
race_distance = "marathon"
"""


def roster_csv(members: int) -> str:
    rows = ["name,race_date,timezone,pace,scale"]
    for number in range(members):
        race = FIRST_RACE + dt.timedelta(weeks=number % 10)
        pace = f"{5 + number % 2}:{(number * 7) % 60:02d}"
        scale = "0.8" if number % 5 == 0 else ""
        rows.append(f"Runner {number:04d},{race},{ZONES[number % 4]},{pace},{scale}")
    return "\n".join(rows) + "\n"


def run_club(work: Path, jobs: int | None, label: str) -> tuple[float, float, int, int]:
    """One `planner club` as a fresh process: wall seconds, CPU seconds (user + system, its
    workers' included), the main process's and the largest process's peak memory (KiB)."""
    out = work / f"club-{label}"
    shutil.rmtree(out, ignore_errors=True)
    argv = [
        sys.executable,
        "-m",
        "planner",
        "club",
        str(work / "roster.csv"),
        "--plan",
        str(work / "plan.toml"),
        "--out",
        str(out),
        "--format",
        "ics",
        *(["--jobs", str(jobs)] if jobs is not None else []),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    assert child.stderr is not None
    errors = child.stderr.read().decode()
    child.stderr.close()
    if status != 0:
        raise SystemExit(f"planner club failed ({status}): {errors}")
    import resource

    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    shutil.rmtree(out, ignore_errors=True)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, largest


def in_process(runs: int) -> dict[str, tuple[float, float]]:
    """Medians in ms (wall, and CPU time of this process) of one member's build_plan + to_ics,
    and of each plan length's."""
    from planner.mileage import read_mileage
    from planner.options import Settings
    from planner.pipeline import to_ics
    from planner.routines import load_routines
    from planner.schedule import build_plan

    routines = load_routines()
    clock = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    settings = Settings(
        race_date=dt.date(2027, 10, 31), timezone="Europe/Berlin", race_distance="marathon"
    )
    names = iter(range(10**9))

    def timed(mileage_path: Path, **changes: object) -> Callable[[], tuple[float, float]]:
        mileage = read_mileage(mileage_path)

        def once() -> tuple[float, float]:
            member = dataclasses.replace(
                settings, name=f"Autumn marathon - Runner {next(names)}", **changes
            )
            started, cpu = time.perf_counter(), time.process_time()
            to_ics(build_plan(mileage, member, routines, clock))
            return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000

        return once

    def median(measure: Callable[[], tuple[float, float]]) -> tuple[float, float]:
        for _ in range(3):
            measure()  # warm-up: the first plans fill the shared line memo
        times = [measure() for _ in range(runs)]
        return statistics.median(w for w, _ in times), statistics.median(c for _, c in times)

    sample = ROOT / "sample_plans" / "marathon_km.csv"
    results = {"new name": median(timed(sample))}
    dates = iter(range(1, 10**6))
    mileage = read_mileage(sample)

    def new_date() -> tuple[float, float]:
        member = dataclasses.replace(
            settings,
            name=f"Autumn marathon - Runner {next(names)}",
            race_date=dt.date(2027, 10, 31) + dt.timedelta(weeks=next(dates)),
            pace=Decimal(6) + Decimal(next(dates) % 60) / 60,
        )
        started, cpu = time.perf_counter(), time.process_time()
        to_ics(build_plan(mileage, member, routines, clock))
        return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000

    results["new name, race date and pace"] = median(new_date)
    with tempfile.TemporaryDirectory() as folder:
        paths = plans.write_plans(Path(folder), WEEKS)
        for weeks in WEEKS:
            results[f"{weeks} weeks"] = median(timed(paths[weeks]))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each club command")
    parser.add_argument("--inner", type=int, default=40, help="in-process runs per figure")
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--output", type=Path, help="also write the report here")
    parser.add_argument(
        "--in-process-only", action="store_true", help="skip the whole-command runs"
    )
    args = parser.parse_args(argv)

    lines = [
        "## Club (benchmarks/club.py)",
        "",
        f"- {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores;"
        f" Python {platform.python_version()}; load average before:"
        f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
    ]
    ms = in_process(args.inner)
    if args.in_process_only:
        for key, (wall, cpu) in ms.items():
            print(f"{key}: {wall:.1f} ms (cpu {cpu:.1f} ms)")
        return 0
    with tempfile.TemporaryDirectory(prefix="planner-club-bench-") as folder:
        work = Path(folder)
        (work / "roster.csv").write_text(roster_csv(args.members), encoding="utf-8")
        sample = ROOT / "sample_plans" / "marathon_km.csv"
        (work / "plan.toml").write_text(PLAN_FILE.format(mileage=sample), encoding="utf-8")
        run_club(work, None, "warm-up")
        default, single = [], []
        for index in range(args.runs):  # alternate, so a burst of load lands on both alike
            default.append(run_club(work, None, f"default-{index}"))
            single.append(run_club(work, 1, f"one-{index}"))
    wall = statistics.median(w for w, _, _, _ in default)
    wall_one = statistics.median(w for w, _, _, _ in single)
    cpu = statistics.median(c for _, c, _, _ in default)
    cpu_one = statistics.median(c for _, c, _, _ in single)
    cores = os.cpu_count() or 1
    main_peak = max(m for _, _, m, _ in default) / 1024
    largest = max(p for _, _, _, p in default + single) / 1024
    lines += [
        "| measure | median | ratio | target | |",
        "| --- | --- | --- | --- | --- |",
        f"| planner club, {args.members} members, 16 weeks, --format ics, --jobs default"
        f" ({os.cpu_count()}) | {wall:.2f} s | {wall_one / wall:.2f}x faster than --jobs 1"
        f" | <= 10 s | {'ok' if wall <= 10 else 'MISSED'} |",
        f"| the same, --jobs 1 | {wall_one:.2f} s | | | |",
        f"| CPU time (user + system, workers included), --jobs default / --jobs 1 |"
        f" {cpu:.2f} s / {cpu_one:.2f} s | {cpu / cores:.2f} s of work per core | | |",
        f"| peak memory: main process / largest process | {main_peak:.0f} MiB /"
        f" {largest:.0f} MiB | | report | |",
        f"| in process: build_plan + to_ics, new name | {ms['new name'][0]:.1f} ms"
        f" | cpu {ms['new name'][1]:.1f} ms | <= 10 ms |"
        f" {'ok' if ms['new name'][0] <= 10 else 'MISSED'} |",
        f"| in process: the same, new name, race date and pace |"
        f" {ms['new name, race date and pace'][0]:.1f} ms |"
        f" cpu {ms['new name, race date and pace'][1]:.1f} ms | report | |",
    ]
    per_week = {weeks: ms[f"{weeks} weeks"][0] / weeks for weeks in WEEKS}
    cpu_week = {weeks: ms[f"{weeks} weeks"][1] / weeks for weeks in WEEKS}
    for weeks in WEEKS:
        lines.append(
            f"| in process: {weeks} weeks, build_plan + to_ics | {ms[f'{weeks} weeks'][0]:.1f} ms"
            f" | {per_week[weeks]:.3f} ms/week (cpu {cpu_week[weeks]:.3f}) | | |"
        )
    spread = max(per_week.values()) / min(per_week.values())
    cpu_spread = max(cpu_week.values()) / min(cpu_week.values())
    lines.append(
        f"| own work per week, max/min over 16-104 weeks | {spread:.2f}x |"
        f" cpu {cpu_spread:.2f}x | <= 1.5x | {'ok' if spread <= 1.5 else 'MISSED'} |"
    )
    report = "\n".join(lines)
    print(report)
    if args.output:
        args.output.write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

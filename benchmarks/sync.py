"""How long `planner sync` takes against a local Radicale: `python benchmarks/sync.py`.

The 16-week sample marathon plan (sample_plans/marathon_km.csv, 268 events) is built once;
then each round, in a fresh calendar, times three whole `planner sync` processes from outside
(time.perf_counter around subprocess.run):

- first sync: the calendar is made and every event created (target: at most 10 s);
- up-to-date sync: the same plan again, nothing to write (target: at most 2 s);
- race moved: the plan rebuilt two weeks later, every event updated (for reference).

The server is Radicale on 127.0.0.1 with htpasswd logins and its storage in /dev/shm
(tests/caldav_server.py), as in the tests. Beside them, the floor: a process that only
imports what the sync imports. Figures are medians over the rounds; spread is half the
interquartile range. *planner's own CPU* is the user + system time of the planner process
alone (getrusage of the reaped child): the rest of the wall time is the server's work and
the waits for it. A busy shared machine disturbs it much less than the wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.caldav_server import USER, radicale_server  # noqa: E402  (the checkout, just above)

SAMPLE = ROOT / "sample_plans" / "marathon_km.csv"
OPTIONS = ("--timezone", "Europe/Berlin", "--race-distance", "marathon")
RACE_DATE, MOVED_RACE_DATE = "2027-10-31", "2027-11-14"
PASSWORD = "benchmark"
FLOOR = "import planner.cli, planner.sync, caldav.davclient, icalendar, keyring"
TARGETS = {"first sync": 10.0, "up-to-date sync": 2.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument("--output", type=Path, help="also write the report (markdown) here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="planner-sync-bench-"))
    try:
        report = run(args.rounds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report)
    if args.output:
        args.output.write_text(report + "\n", encoding="utf-8")
    return 0


def run(rounds: int, work: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLANNER_CALDAV_PASSWORD": PASSWORD}
    env["SOURCE_DATE_EPOCH"] = "1800000000"
    first, moved = work / "first", work / "moved"
    events = _build(first, RACE_DATE, env)
    _build(moved, MOVED_RACE_DATE, env)
    times: dict[str, list[tuple[float, float]]] = {
        "floor": [], "first sync": [], "up-to-date sync": [], "race moved": []
    }  # fmt: skip
    started = time.perf_counter()
    with radicale_server(work / "radicale", password=PASSWORD) as server:
        sync = [sys.executable, "-m", "planner", "sync", "--url", server.url, "--user", USER]
        _timed([sys.executable, "-c", FLOOR], env)  # warm-up: bytecode caches, the disk
        for round_number in range(rounds):
            calendar = ["--calendar", f"Benchmark {round_number}"]
            times["floor"].append(_timed([sys.executable, "-c", FLOOR], env))
            out = _timed([*sync, str(first), *calendar], env, expect="created 268,")
            times["first sync"].append(out)
            out = _timed([*sync, str(first), *calendar], env, expect="is up to date")
            times["up-to-date sync"].append(out)
            out = _timed([*sync, str(moved), *calendar], env, expect="updated 268,")
            times["race moved"].append(out)
    elapsed = time.perf_counter() - started
    floor = statistics.median(wall for wall, _ in times["floor"])
    lines = [
        "| measure | median | spread | less the floor | planner's own CPU | target | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, measured in times.items():
        values = [wall for wall, _ in measured]
        median = statistics.median(values)
        cpu = statistics.median(cpu for _, cpu in measured)
        target = TARGETS.get(name)
        verdict = "" if target is None else ("ok" if median <= target else "MISSED")
        lines.append(
            f"| {_label(name, events)} | {median:.2f} s | ±{_spread(values):.2f} |"
            f" {'' if name == 'floor' else f'{median - floor:.2f} s'} | {cpu:.2f} s |"
            f" {'' if target is None else f'<= {target:g} s'} | {verdict} |"
        )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    head = [
        f"- machine: {os.cpu_count()} cores, {platform.platform()}; Python"
        f" {platform.python_version()}",
        f"- {rounds} rounds ({elapsed:.0f} s), Radicale on 127.0.0.1 with its storage in"
        f" /dev/shm; load average after: {load}",
        "",
    ]
    return "\n".join(head + lines)


def _build(out: Path, race_date: str, env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "planner", "build", str(SAMPLE), "--race-date", race_date,
               *OPTIONS, "--out", str(out)]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    counts = [line.split() for line in result.stdout.splitlines() if "events" in line]
    return int(counts[0][-1])


def _timed(command: list[str], env: dict[str, str], expect: str = "") -> tuple[float, float]:
    """Wall time, and the process's own CPU time (user + system), in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # children reaped so far
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0 or expect not in result.stdout:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def _label(name: str, events: int) -> str:
    if name == "floor":
        return f"floor: python -c '{FLOOR}'"
    return f"{name}, 16 weeks ({events} events)"


def _spread(values: list[float]) -> float:
    if len(values) < 4:
        return 0.0
    q1, _, q3 = statistics.quantiles(values, n=4)
    return (q3 - q1) / 2


if __name__ == "__main__":
    raise SystemExit(main())

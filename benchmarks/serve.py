"""Load on `planner serve` over 127.0.0.1: how fast a repeated feed and a new member's first
feed come back (issue 14). Prints a markdown report; --output also writes it to a file.

    python benchmarks/serve.py [--rate 500] [--connections 50] [--seconds 10] [--output FILE]

It starts the server of this checkout on a free port of 127.0.0.1 (the plan is
sample_plans/club_half.toml, 12 weeks, and a 16-week copy built from marathon_km.csv), sends
it load from a small asyncio HTTP/1.1 client in this process, and stops it (SIGTERM, by pid).
Every phase is bounded in requests and in seconds; nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
"""The only address this script sends to."""
MEMBER = "race_date=2027-04-18&timezone=Europe/Berlin&run_days=mon,tue,thu,sat,sun&pace=9:30"
PLAN_16_WEEKS = """name = "Sixteen weeks"
mileage = "marathon_km.csv"
race_distance = "marathon"
remind = 30
"""


@dataclass
class Phase:
    name: str
    latencies: list[float]
    """Seconds, per request answered 200."""
    seconds: float
    errors: int
    settings: str
    server_cpu: float = 0.0
    """Seconds of CPU (user + system) the server process used during the phase."""

    def row(self) -> str:
        if not self.latencies:
            return f"| {self.name} | no answers | | | | | | {self.errors} | {self.settings} |"
        ms = sorted(x * 1000 for x in self.latencies)
        rate = len(ms) / self.seconds
        cpu = self.server_cpu * 1000 / (len(ms) + self.errors)
        return (
            f"| {self.name} | {len(ms):,} | {rate:,.0f} | {_pct(ms, 50):.2f} | {_pct(ms, 90):.2f}"
            f" | {_pct(ms, 99):.2f} | {cpu:.2f} | {self.errors} | {self.settings} |"
        )


def _pct(values: Sequence[float], pct: float) -> float:
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]


class Connection:
    """One keep-alive HTTP/1.1 connection that reads each response whole."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def get(self, path: str, gzip: bool = True) -> int:
        accept = "Accept-Encoding: gzip\r\n" if gzip else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n{accept}\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def paced(port: int, path: str, rate: float, connections: int, seconds: float) -> Phase:
    """Requests at a fixed total rate, spread over the connections (open loop): each latency
    runs from when the request was due, so a slow answer also counts against those queued
    behind it."""
    pool = [await Connection.open(port) for _ in range(connections)]
    count = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + 0.05

    async def run(index: int, connection: Connection) -> None:
        nonlocal errors
        for n in range(index, count, connections):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            status = await connection.get(path)
            if status == 200:
                latencies.append(time.perf_counter() - due)
            else:
                errors += 1

    await asyncio.wait_for(
        asyncio.gather(*(run(i, c) for i, c in enumerate(pool))), timeout=seconds * 3 + 30
    )
    elapsed = time.perf_counter() - start
    for connection in pool:
        connection.close()
    settings = f"open loop, {rate:g} req/s due, {connections} connections, {seconds:g} s, gzip"
    return Phase("repeated feed, paced", latencies, elapsed, errors, settings)


async def flat_out(port: int, path: str, connections: int, seconds: float, gzip: bool) -> Phase:
    """Each connection sends its next request as soon as the last is answered (closed loop)."""
    pool = [await Connection.open(port) for _ in range(connections)]
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def run(connection: Connection) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            status = await connection.get(path, gzip)
            if status == 200:
                latencies.append(time.perf_counter() - sent)
            else:
                errors += 1

    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(run(c) for c in pool)), timeout=seconds + 30)
    elapsed = time.perf_counter() - began
    for connection in pool:
        connection.close()
    encoding = "gzip" if gzip else "identity"
    settings = f"closed loop, {connections} connections, {seconds:g} s, {encoding}"
    return Phase(f"repeated feed, flat out ({encoding})", latencies, elapsed, errors, settings)


async def first_feeds(port: int, plan: str, members: int, first: int) -> Phase:
    """New members one after another: every URL is new (paces from 8:00 + ``first`` seconds),
    so each feed is built."""
    connection = await Connection.open(port)
    latencies: list[float] = []
    errors = 0
    began = time.perf_counter()
    for n in range(first, first + members):
        minutes, seconds = divmod(n, 60)
        pace = f"{8 + minutes}:{seconds:02d}"
        path = f"/{plan}.ics?race_date=2027-10-03&timezone=Europe/Berlin&pace={pace}"
        sent = time.perf_counter()
        status = await connection.get(path)
        if status == 200:
            latencies.append(time.perf_counter() - sent)
        else:
            errors += 1
    elapsed = time.perf_counter() - began
    connection.close()
    settings = f"{members} new member URLs one at a time, 1 connection, gzip"
    return Phase(f"a new member's first feed, {plan}", latencies, elapsed, errors, settings)


def cpu_seconds(pid: int) -> float:
    """User + system time of the process so far (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500, help="paced requests per second")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10, help="length of each load phase")
    parser.add_argument("--members", type=int, default=60, help="new members, one at a time")
    parser.add_argument("--many", type=int, default=1000, help="distinct URLs for the RSS row")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every phase")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        plans = Path(folder) / "plans"
        plans.mkdir()
        for name in ("club_half.toml", "half_marathon.csv", "marathon_km.csv"):
            shutil.copy(ROOT / "sample_plans" / name, plans)
        (plans / "sixteen.toml").write_text(PLAN_16_WEEKS, encoding="utf-8")
        port = free_port()
        log = Path(folder) / "serve.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "planner", "serve", str(plans), "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
            )
        try:
            report = asyncio.run(measure(port, process.pid, args))
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
        report += f"\nThe server exited {code} on SIGTERM.\n"
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")


async def measure(port: int, pid: int, args: argparse.Namespace) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=5):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
    feed = f"/club_half.ics?{MEMBER}"
    warm = await Connection.open(port)
    for _ in range(200):  # the feed built and cached, the server's code paths warm
        await warm.get(feed)
    warm.close()
    rss_start = rss_mib(pid)
    fresh = itertools.count(0, args.members)  # no URL asked for twice
    runs = [
        lambda: paced(port, feed, args.rate, args.connections, args.seconds),
        lambda: flat_out(port, feed, args.connections, args.seconds, gzip=True),
        lambda: flat_out(port, feed, args.connections, args.seconds, gzip=False),
        lambda: first_feeds(port, "sixteen", args.members, next(fresh)),
        lambda: first_feeds(port, "club_half", args.members, next(fresh)),
    ]
    # Rounds of every phase: a shared machine's bursts of load land on one round, and the
    # report's row is the round with the median p99 (every round is listed below it).
    rounds: list[list[Phase]] = [[] for _ in runs]
    for _ in range(args.rounds):
        for index, run in enumerate(runs):
            before = cpu_seconds(pid)
            phase = await run()
            phase.server_cpu = cpu_seconds(pid) - before
            rounds[index].append(phase)
    phases = [
        sorted(done, key=lambda p: _pct(sorted(p.latencies), 99))[len(done) // 2] for done in rounds
    ]
    rss_loaded = rss_mib(pid)
    connection = await Connection.open(port)
    began = time.perf_counter()
    for n in range(args.many):
        await connection.get(f"/club_half.ics?race_date=2027-04-18&timezone=UTC&remind={n % 1440}")
        if time.perf_counter() - began > 600:
            break
    connection.close()
    rss_many = rss_mib(pid)
    load = os.getloadavg()
    lines = [
        "| phase | answered | req/s | p50 ms | p90 ms | p99 ms | server CPU ms/request | errors"
        " | load tool settings |",
        "|---|---|---|---|---|---|---|---|---|",
        *(phase.row() for phase in phases),
    ]
    every = [
        "| phase | answered | req/s | p50 ms | p90 ms | p99 ms | server CPU ms/request | errors"
        " | load tool settings |",
        "|---|---|---|---|---|---|---|---|---|",
        *(phase.row() for done in rounds for phase in done),
    ]
    return "\n".join(
        [
            f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            f"- machine: {os.cpu_count()} cores, {platform.platform()}; Python"
            f" {platform.python_version()}; load average after: "
            + " ".join(f"{x:.2f}" for x in load),
            "- server: `planner serve PLANS` (1 worker, uvicorn with h11), on 127.0.0.1;"
            " client: benchmarks/serve.py (asyncio, HTTP/1.1 keep-alive) in one process on"
            " the same 2 cores",
            "",
            f"Median round of {args.rounds} (by p99) for each phase:",
            "",
            *lines,
            "",
            f"Every round ({args.rounds}):",
            "",
            *every,
            "",
            f"Server memory (RSS): {rss_start:.1f} MiB warm, {rss_loaded:.1f} MiB after the"
            f" phases above, {rss_many:.1f} MiB after {args.many:,} more distinct member URLs"
            " (the feed cache is bounded at 64 MiB of bodies).",
        ]
    )


if __name__ == "__main__":
    main()

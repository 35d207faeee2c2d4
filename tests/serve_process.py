"""`planner serve` as a real subprocess on 127.0.0.1, for the tests and the benchmarks.

    with feed_server(plans_folder) as server:
        response = server.get("/club_half.ics?race_date=2027-04-18")

It listens on a free port, is waited for until /healthz answers, and is stopped with SIGTERM
(by its own pid) when the block ends; ``stopped`` holds its exit code then.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes


@dataclass
class FeedServer:
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    """The server's stderr."""
    out: Path
    """The server's stdout."""
    stopped: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def get(self, path: str, method: str = "GET", **headers: str) -> Reply:
        """One request as sent: the path is not normalized, nothing is decompressed."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name.replace("_", "-"), value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        finally:
            connection.close()

    def raw(self, data: bytes) -> bytes:
        """Bytes sent as they are, and what the server answers before it closes (a server
        that refuses a request may close before reading all of it, resetting the connection:
        what it sent first is still read)."""
        chunks = []
        with socket.create_connection((self.host, self.port), timeout=30) as connection:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.sendall(data)
                connection.shutdown(socket.SHUT_WR)
            with contextlib.suppress(ConnectionResetError):
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
        return b"".join(chunks)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM (or ``how``), and the exit code once it has finished."""
        if not self.stopped:
            self.process.send_signal(how)
            try:
                self.stopped.append(self.process.wait(timeout=30))
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return self.stopped[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def feed_server(
    plans: Path,
    *args: str,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[FeedServer]:
    port = free_port()
    log = log or plans.parent / f"serve-{port}.log"
    out = log.with_suffix(".out")
    with log.open("wb") as stderr, out.open("wb") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "planner", "serve", str(plans), "--port", str(port), *args],
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, **(env or {})},
        )
    server = FeedServer("127.0.0.1", port, process, log, out)
    try:
        _wait_until_up(server)
        yield server
    finally:
        if process.poll() is None:
            server.stop()


def _wait_until_up(server: FeedServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"planner serve exited at start:\n{server.log_text()}")
        try:
            if server.get("/healthz").status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"planner serve did not answer in {START_TIMEOUT} s:\n{server.log_text()}")

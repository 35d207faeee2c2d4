"""`planner serve` starts where it says and stops cleanly: the requests in flight when SIGTERM
or Ctrl-C arrives are answered in full, and the process exits 0."""

from __future__ import annotations

import http.client
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, invoke
from tests.serve_process import FeedServer, Reply, feed_server


def test_prints_the_address_to_open(tmp_path: Path) -> None:
    with feed_server(SAMPLES / "club_half.toml", log=tmp_path / "serve.log") as server:
        printed = server.out.read_text(encoding="utf-8")
        assert printed == (
            f"Serving the plan {SAMPLES / 'club_half.toml'} at {server.url}/"
            f" (public address {server.url}/); Ctrl-C stops.\n"
        )
        assert server.stop() == 0


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_requests_in_flight_are_answered_before_it_exits_0(
    tmp_path: Path, how: signal.Signals
) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    for name in ("club_half.toml", "half_marathon.csv"):
        shutil.copy(SAMPLES / name, plans)
    with feed_server(plans, log=tmp_path / "serve.log") as server:
        # New members: each feed is built when asked for, one at a time (some 25 ms each),
        # so that most are still waiting to be built when the signal comes.
        members = range(10, 40)
        replies: dict[int, Reply] = {}
        sent = threading.Semaphore(0)

        def ask(seconds: int, server: FeedServer = server) -> None:
            connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
            # A connection the server has accepted (a request that comes before a server
            # accepts its connection is refused by a stopping server, as by any).
            connection.request("GET", "/healthz")
            assert connection.getresponse().read() == b"ok\n"
            connection.request("GET", f"/club_half.ics?race_date=2027-04-18&pace=9:{seconds:02d}")
            sent.release()
            response = connection.getresponse()
            headers = {k.lower(): v for k, v in response.getheaders()}
            replies[seconds] = Reply(response.status, headers, response.read())
            connection.close()

        askers = [threading.Thread(target=ask, args=(seconds,)) for seconds in members]
        for asker in askers:
            asker.start()
        for _ in members:
            assert sent.acquire(timeout=30)
        time.sleep(0.1)  # for the server to read the requests that the system holds for it
        code = server.stop(how)
        for asker in askers:
            asker.join(30)
        assert code == 0
        assert sorted(replies) == list(members)
        for seconds, reply in replies.items():
            assert reply.status == 200, seconds
            assert int(reply.headers["content-length"]) == len(reply.body)
            assert reply.body.endswith(b"END:VCALENDAR\r\n")
        assert "Waiting for connections to close" in server.log_text()
        assert "Traceback" not in server.log_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nothing"], "nothing: no such file or folder"),
        (
            [str(SAMPLES / "half_marathon.csv")],
            f"{SAMPLES / 'half_marathon.csv'}: expected a plan file (.toml, see 'planner init')"
            " or a folder of them",
        ),
        (
            [str(SAMPLES), "--base-url", "runs.example.org"],
            "--base-url: expected the public address like https://runs.example.org,"
            " found 'runs.example.org'",
        ),
        ([str(SAMPLES), "--host", "nowhere.invalid"], "--host: can't listen on 'nowhere.invalid'"),
    ],
)
def test_what_it_cant_serve_is_one_line(args: list[str], message: str) -> None:
    result = invoke("serve", *args)
    assert result.exit_code == 2
    assert result.output.startswith(f"planner: error: {message}"), result.output
    assert result.output.count("\n") == 1


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with feed_server(SAMPLES / "club_half.toml", log=tmp_path / "serve.log") as server:
        result = invoke("serve", str(SAMPLES), "--port", str(server.port))
    assert result.exit_code == 2
    assert result.output == (
        f"planner: error: --port: can't listen on 127.0.0.1 port {server.port} (Address already"
        " in use); choose another --port\n"
    )


def test_worker_processes_serve_and_stop_together(tmp_path: Path) -> None:
    with feed_server(SAMPLES / "club_half.toml", "--workers", "2", log=tmp_path / "serve.log") as s:
        feeds = {s.get("/club_half.ics?race_date=2027-04-18&timezone=UTC").body for _ in range(6)}
        assert len(feeds) == 1  # the same bytes, whichever process answers
        (feed,) = feeds
        assert feed.startswith(b"BEGIN:VCALENDAR\r\n")
        assert s.stop() == 0
    assert s.log_text().count("Finished server process") == 2

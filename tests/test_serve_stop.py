"""`planner serve` starts where it says and stops cleanly: the requests in flight when SIGTERM
or Ctrl-C arrives are answered in full, and the process exits 0."""

from __future__ import annotations

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
        # New members: each feed is built when asked for, one at a time, so that several
        # are still being built when the signal comes.
        replies: dict[int, Reply] = {}

        def ask(seconds: int, server: FeedServer = server) -> None:
            url = f"/club_half.ics?race_date=2027-04-18&pace=9:{seconds:02d}"
            replies[seconds] = server.get(url)

        askers = [threading.Thread(target=ask, args=(seconds,)) for seconds in range(10, 18)]
        for asker in askers:
            asker.start()
        time.sleep(0.15)
        code = server.stop(how)
        for asker in askers:
            asker.join(30)
        assert code == 0
        assert sorted(replies) == list(range(10, 18))
        for seconds, reply in replies.items():
            assert reply.status == 200, seconds
            assert int(reply.headers["content-length"]) == len(reply.body)
            assert reply.body.endswith(b"END:VCALENDAR\r\n")
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

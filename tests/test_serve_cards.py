"""`planner serve --base-url`: every yoga event links to its routine card, which the server
makes from the plan's routines at /cards/ (the real server, a subprocess on 127.0.0.1)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from icalendar import Calendar

from tests.conftest import SAMPLES
from tests.serve_process import FeedServer, feed_server

PUBLIC = "https://runs.example.org/club"
"""The public address the coach gives; the tests only ever talk to 127.0.0.1."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedServer]:
    folder = tmp_path_factory.mktemp("cards") / "plans"
    folder.mkdir()
    shutil.copy(SAMPLES / "half_marathon.csv", folder)
    shutil.copy(SAMPLES / "club_half.toml", folder)
    with feed_server(folder, "--base-url", PUBLIC) as running:
        yield running


def test_each_yoga_event_links_to_its_card_and_the_card_is_served(server: FeedServer) -> None:
    query = urlencode({"race_date": "2027-04-18", "timezone": "UTC", "gentle_inversion": "yes"})
    reply = server.get(f"/club_half.ics?{query}")
    assert reply.status == 200
    events = Calendar.from_ical(reply.body).events
    cards: set[str] = set()
    for event in events:
        activity = str(event["X-PLANNER-ACTIVITY"])
        if activity in ("run", "long_run", "race"):
            assert "URL" not in event
            continue
        url = str(event["URL"])
        assert url.startswith(f"{PUBLIC}/cards/") and url.endswith(".html")
        assert str(event["DESCRIPTION"]).endswith(f"\nPictures: {url}")
        cards.add(url.removeprefix(f"{PUBLIC}/"))
    # The gentle variant where a routine has one; the strength levels as the plan climbs.
    assert "cards/legs_up_the_wall-gentle.html" in cards
    assert "cards/backside_strength-level-2.html" in cards
    for path in sorted(cards):
        card = server.get(f"/{path}")
        assert card.status == 200, path
        assert card.headers["content-type"] == "text/html; charset=utf-8"
        assert "default-src 'none'" in card.headers["content-security-policy"]
        page = card.body.decode("utf-8")
        assert page.count("<svg") >= 1 and "<script" not in page
        for svg in page.split("<svg")[1:]:  # every figure is well-formed SVG
            ET.fromstring("<svg" + svg[: svg.index("</svg>") + len("</svg>")])


@pytest.mark.parametrize(
    "path",
    ["/cards/nope.html", "/cards/backside_strength-level-9.html", "/cards/../club_half.toml",
     "/cards/%2e%2e%2fclub_half.toml", "/cards/pre_run_activation.html?x=1"],
)  # fmt: skip
def test_only_the_routines_cards_are_served(server: FeedServer, path: str) -> None:
    reply = server.get(path)
    assert reply.status in (400, 404), (path, reply.status)
    assert b"mileage" not in reply.body and b"week," not in reply.body


def test_without_a_public_address_events_link_to_no_card(tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    folder.mkdir()
    shutil.copy(SAMPLES / "half_marathon.csv", folder)
    shutil.copy(SAMPLES / "club_half.toml", folder)
    with feed_server(folder) as plain:
        body = plain.get("/club_half.ics?race_date=2027-04-18").body
        assert b"\r\nURL:" not in body and b"Pictures:" not in body
        assert plain.get("/cards/pre_run_activation.html").status == 404

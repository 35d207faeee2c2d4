"""`planner serve` (planner/server/): the real server as a subprocess on 127.0.0.1, one for the
module, serving a folder of plan files that the tests edit as a coach would."""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import gzip
import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from planner.cli import cli
from tests.conftest import SAMPLES
from tests.ics_clients import (
    assert_same_events,
    read_icalendar,
    read_icaljs,
    read_libical,
    read_vobject,
)
from tests.serve_process import FeedServer, feed_server

MEMBER = {
    "race_date": "2027-04-18",
    "timezone": "Europe/Berlin",
    "run_days": "mon,tue,thu,sat,sun",
    "pace": "9:30",
    "remind": "15",
    "bedtime": "21:30",
}
"""A member's settings, as the members' page puts them in the feed's URL."""
FEED = "/club_half.ics?" + urlencode(MEMBER)


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve") / "plans"
    folder.mkdir()
    shutil.copy(SAMPLES / "half_marathon.csv", folder)
    for stem in ("club_half", "edited", "broken"):
        shutil.copy(SAMPLES / "club_half.toml", folder / f"{stem}.toml")
    return folder


@pytest.fixture(scope="module")
def server(plans: Path) -> Iterator[FeedServer]:
    with feed_server(plans) as running:
        yield running


def modified(*paths: Path) -> int:
    """The plan's last change in whole seconds: its feeds' DTSTAMP."""
    return max(int(p.stat().st_mtime) for p in paths)


def planner_build(plans: Path, stem: str, out: Path, stamp: int, **member: str) -> Path:
    """`planner build PLAN.toml` with the member's settings as options, at the plan's clock."""
    options = [f"--{key.replace('_', '-')}={value}" for key, value in member.items()]
    result = CliRunner().invoke(
        cli,
        ["build", str(plans / f"{stem}.toml"), *options, "--format=ics,csv,html", f"--out={out}"],
        env={"SOURCE_DATE_EPOCH": str(stamp)},
    )
    assert result.exit_code == 0, result.output
    return out


def without_refresh_hint(feed: bytes) -> bytes:
    return re.sub(rb"(REFRESH-INTERVAL|X-PUBLISHED-TTL)[;:][^\r]*\r\n", b"", feed)


def uids(feed: bytes) -> list[bytes]:
    return re.findall(rb"^UID:(.*)\r$", feed, flags=re.MULTILINE)


# The feeds are planner build's files -------------------------------------------------------


def test_a_members_feed_is_what_planner_build_writes_with_the_same_settings(
    server: FeedServer, plans: Path, tmp_path: Path
) -> None:
    reply = server.get(FEED)
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/calendar; charset=utf-8"
    stamp = modified(plans / "club_half.toml", plans / "half_marathon.csv")
    built = planner_build(plans, "club_half", tmp_path / "built", stamp, **MEMBER)
    # The same bytes, DTSTAMP included (the plan's last change), and the refresh hints.
    assert without_refresh_hint(reply.body) == (built / "plan.ics").read_bytes()
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT12H\r\nX-PUBLISHED-TTL:PT12H\r\n" in reply.body
    for kind in ("csv", "html"):
        other = server.get(FEED.replace(".ics?", f".{kind}?"))
        assert other.status == 200
        assert other.body == (built / f"plan.{kind}").read_bytes(), kind


def test_every_parser_reads_the_feed_as_the_built_plan(
    server: FeedServer, plans: Path, tmp_path: Path
) -> None:
    feed = server.get(FEED).body
    stamp = modified(plans / "club_half.toml", plans / "half_marathon.csv")
    built = planner_build(plans, "club_half", tmp_path / "built", stamp, **MEMBER)
    wanted = read_icalendar((built / "plan.ics").read_bytes())
    assert len(wanted) > 100
    assert_same_events(read_icalendar(feed), wanted, "icalendar")
    assert_same_events(read_vobject(feed), wanted, "vobject")
    assert_same_events(read_libical(feed, "Europe/Berlin"), wanted, "libical")
    (tmp_path / "feed.ics").write_bytes(feed)
    (seen,) = read_icaljs([tmp_path / "feed.ics"]).values()
    assert_same_events(seen, wanted, "ICAL.js")


def test_an_unchanged_plan_gives_the_same_bytes_and_parameters_in_any_order(
    server: FeedServer,
) -> None:
    first = server.get(FEED)
    reordered = server.get("/club_half.ics?" + urlencode(dict(reversed(MEMBER.items()))))
    assert first.body == server.get(FEED).body == reordered.body
    assert first.headers["etag"] == reordered.headers["etag"]


# HTTP as calendar apps and caches expect ----------------------------------------------------


def test_etag_last_modified_and_304(server: FeedServer, plans: Path) -> None:
    reply = server.get(FEED)
    etag, last_modified = reply.headers["etag"], reply.headers["last-modified"]
    stamp = modified(plans / "club_half.toml", plans / "half_marathon.csv")
    assert email.utils.parsedate_to_datetime(last_modified) == dt.datetime.fromtimestamp(
        stamp, dt.UTC
    )
    assert reply.headers["cache-control"] == "public, max-age=43200"  # the 12 h refresh hint
    assert reply.headers["vary"] == "Accept-Encoding"
    again = server.get(FEED, if_none_match=f'"other", {etag}')
    assert (again.status, again.body, again.headers["etag"]) == (304, b"", etag)
    assert server.get(FEED, if_none_match='"other"').status == 200
    assert server.get(FEED, if_modified_since=last_modified).status == 304
    earlier = email.utils.formatdate(stamp - 1, usegmt=True)
    assert server.get(FEED, if_modified_since=earlier).status == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    assert server.get(FEED, if_none_match='"x"', if_modified_since=last_modified).status == 200


def test_gzip_when_the_client_takes_it(server: FeedServer) -> None:
    plain = server.get(FEED)
    zipped = server.get(FEED, accept_encoding="br;q=1.0, gzip;q=0.8")
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) * 5 < len(plain.body)
    assert zipped.headers["etag"] != plain.headers["etag"]
    assert server.get(FEED, accept_encoding="gzip").body == zipped.body  # compressed once
    assert "content-encoding" not in server.get(FEED, accept_encoding="gzip;q=0").headers
    # Either form's tag says the client has the content.
    tag = zipped.headers["etag"]
    assert server.get(FEED, if_none_match=tag).status == 304


def test_head_answers_the_headers_of_get(server: FeedServer) -> None:
    get, head = server.get(FEED), server.get(FEED, method="HEAD")
    assert (head.status, head.body) == (200, b"")
    assert head.headers["content-length"] == str(len(get.body))
    assert head.headers["etag"] == get.headers["etag"]
    assert server.get("/club_half/", method="HEAD").status == 200


# Live: edits reach the next request ---------------------------------------------------------


def edit(path: Path, old: str, new: str) -> None:
    """Save the file with a change, as an editor would (a later modification time)."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    before = path.stat().st_mtime_ns
    path.write_text(text.replace(old, new), encoding="utf-8")
    if path.stat().st_mtime_ns == before:  # saved within the file system's clock tick
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def race_day(feed: bytes) -> dt.date:
    calendar = Calendar.from_ical(feed)
    (race,) = [e for e in calendar.events if e["X-PLANNER-ACTIVITY"] == "race"]
    start: dt.datetime = race.DTSTART
    return start.date()


def test_a_race_date_edit_is_seen_on_the_next_request_with_the_same_uids(
    server: FeedServer, plans: Path
) -> None:
    plan = plans / "edited.toml"
    edit(plan, "# race_date = 2027-04-18", "race_date = 2027-04-18")
    url = "/edited.ics?timezone=Europe/Berlin"
    before = server.get(url)
    assert before.status == 200
    assert race_day(before.body) == dt.date(2027, 4, 18)
    edit(plan, "race_date = 2027-04-18", "race_date = 2027-05-02")
    after = server.get(url)
    assert after.status == 200
    assert race_day(after.body) == dt.date(2027, 5, 2)
    assert sorted(uids(after.body)) == sorted(uids(before.body))
    assert after.headers["etag"] != before.headers["etag"]
    stamp = email.utils.parsedate_to_datetime(after.headers["last-modified"])
    assert stamp == dt.datetime.fromtimestamp(int(plan.stat().st_mtime), dt.UTC)
    assert "edited.toml: read again" in server.log_text()


def week_distance(plan_csv: bytes, week: str) -> float:
    rows = csv.DictReader(io.StringIO(plan_csv.decode("utf-8")))
    return sum(float(row["distance"]) for row in rows if row["week"] == week and row["distance"])


def test_a_mileage_edit_is_seen_on_the_next_request(server: FeedServer, plans: Path) -> None:
    # Its own CSV, so that the other plans keep theirs.
    shutil.copy(plans / "half_marathon.csv", plans / "own.csv")
    shutil.copy(plans / "club_half.toml", plans / "own_miles.toml")
    edit(plans / "own_miles.toml", '"half_marathon.csv"', '"own.csv"')
    url = "/own_miles.csv?" + urlencode(MEMBER)
    assert week_distance(server.get(url).body, "1") == 16
    edit(plans / "own.csv", "\n1,16,5,4,", "\n1,18,5,4,")
    after = server.get(url)
    assert after.status == 200
    assert week_distance(after.body, "1") == 18


def test_an_invalid_edit_keeps_the_last_good_feed_and_the_page_says_why(
    server: FeedServer, plans: Path
) -> None:
    plan = plans / "broken.toml"
    url = "/broken.ics?" + urlencode(MEMBER)
    good = server.get(url)
    assert good.status == 200
    edit(plan, 'run_days = ["tue", "wed", "thu", "sat", "sun"]', 'run_days = ["tue", "funday"]')
    kept = server.get(url)
    assert (kept.status, kept.body) == (200, good.body)
    page = server.get("/broken/").body.decode()
    assert "members get the last good version" in page
    assert "broken.toml: run_days: expected a weekday" in page
    assert str(plans) not in page  # no path of the server's own
    problems = [line for line in server.log_text().splitlines() if "broken.toml: run_days" in line]
    assert len(problems) == 1, problems  # one line, however many requests follow
    assert problems[0].endswith("still serving the last good version")
    server.get(url)
    assert server.log_text().count("broken.toml: run_days") == 1
    edit(plan, 'run_days = ["tue", "funday"]', 'run_days = ["tue", "thu", "sun"]')
    fixed = server.get(url)
    assert fixed.status == 200 and fixed.body != good.body
    assert "members get the last good version" not in server.get("/broken/").body.decode()


def test_a_plan_that_never_read_well_is_not_served_and_its_page_says_why(
    server: FeedServer, plans: Path
) -> None:
    (plans / "never.toml").write_text('name = "Never"\nmileage = "missing.csv"\n', "utf-8")
    feed = server.get("/never.ics?" + urlencode(MEMBER))
    assert (feed.status, feed.body) == (
        503,
        b"never: not available now; the plan's page says why\n",
    )
    page = server.get("/never/")
    assert page.status == 503
    text = page.body.decode()
    assert "its calendar can't be served until it is fixed" in text
    assert "never.toml: mileage: no file missing.csv (paths are relative to the plan file)" in text
    assert "<form" not in text
    assert "(the plan file has a problem; its page says what)" in server.get("/").body.decode()
    (plans / "never.toml").unlink()


def test_new_and_removed_plan_files_are_seen(server: FeedServer, plans: Path) -> None:
    assert server.get("/newcomer/").status == 404
    shutil.copy(plans / "club_half.toml", plans / "newcomer.toml")
    assert 'href="/newcomer/"' in server.get("/").body.decode()
    assert server.get("/newcomer.ics?" + urlencode(MEMBER)).status == 200
    (plans / "newcomer.toml").unlink()
    assert server.get("/newcomer.ics?" + urlencode(MEMBER)).status == 404
    assert "newcomer" not in server.get("/").body.decode()


# Safe on the open internet ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/../club_half.toml",
        "/%2e%2e/club_half.toml",
        "/..%2fclub_half.toml",
        "/club_half/../half_marathon.csv",
        "/club_half/..%2F..%2Fetc%2Fpasswd",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd.ics",
        "/../../../../etc/passwd",
        "/club_half.toml",
        "/club_half.toml/",
        "/half_marathon.csv",
        "/half_marathon.ics",
        "/club_half.toml.ics",
        "/club_half.ics/",
        "/.club_half.ics",
        "/club_half/index.html",
    ],
)
def test_no_url_returns_a_file_as_it_is(server: FeedServer, path: str) -> None:
    reply = server.get(path)
    assert reply.status == 404, reply.body[:200]
    assert reply.body == b"not found\n"


def test_a_plans_name_leads_to_its_page(server: FeedServer) -> None:
    reply = server.get("/club_half")
    assert (reply.status, reply.headers["location"]) == (308, "/club_half/")


def test_only_get_and_head(server: FeedServer) -> None:
    for method in ("POST", "PUT", "DELETE"):
        reply = server.get(FEED, method=method)
        assert (reply.status, reply.body) == (405, b"method not allowed\n")


def test_oversized_requests_are_refused(server: FeedServer) -> None:
    long_query = server.get("/club_half.ics?race_date=" + "9" * 2000)
    assert (long_query.status, long_query.body) == (
        414,
        b"the query is longer than 1024 characters\n",
    )
    big_header = server.get("/healthz", x_padding="a" * 9000)
    assert big_header.status == 431
    many_headers = server.raw(
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: 1\r\n" % i for i in range(100))
        + b"\r\n"
    )
    assert many_headers.startswith(b"HTTP/1.1 431 ")
    # A head larger than h11's bound, arriving in pieces as a slow client sends it.
    huge = server.raw(b"GET /" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert huge.startswith(b"HTTP/1.1 400 ")
    assert server.get("/healthz").status == 200  # still serving


BAD = [
    ("race_date=2027-04-18&pace=9.30", "pace"),
    ("race_date=2027-02-30", "race_date"),
    ("race_date=2027-04-18&timezone=Mars/Base", "timezone"),
    ("race_date=2027-04-18&run_days=tue,funday", "run_days"),
    ("race_date=2027-04-18&remind=soon", "remind"),
]


@pytest.mark.parametrize(("query", "key"), BAD)
def test_a_bad_value_gets_400_with_the_line_the_command_line_prints(
    server: FeedServer, plans: Path, query: str, key: str
) -> None:
    reply = server.get("/club_half.ics?" + query)
    assert reply.status == 400
    options = [f"--{k.replace('_', '-')}={v}" for k, v in parse_qsl(query)]
    result = CliRunner().invoke(cli, ["build", str(plans / "club_half.toml"), *options])
    assert result.exit_code == 2
    flag = f"--{key.replace('_', '-')}: "
    assert result.output.startswith(f"planner: error: {flag}"), result.output
    # The same line, the setting named by its bare key.
    assert reply.body.decode() == f"{key}: " + result.output.removeprefix(f"planner: error: {flag}")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("race_date=2027-04-18&all_day=maybe", "all_day: expected true or false, found 'maybe'"),
        (
            "race_date=2027-04-18&colour=red",
            "colour: not a member setting; expected one of race_date, timezone, run_days,"
            " long_run_day, run_time, long_run_time, pace, remind, bedtime, gentle_inversion,"
            " yoga_only, all_day, away, recovery_days",
        ),
        (
            "race_date=2027-04-18&out=/tmp",
            "out: not a member setting; expected one of race_date, timezone, run_days,"
            " long_run_day, run_time, long_run_time, pace, remind, bedtime, gentle_inversion,"
            " yoga_only, all_day, away, recovery_days",
        ),
        ("timezone=Europe/Berlin", "race_date: missing; choose your race date (YYYY-MM-DD)"),
        ("race_date=2027-04-18&race_date=2027-05-02", "race_date: given twice; give it once"),
        ("a=1&" * 30, "more than 28 parameters"),
    ],
)
def test_an_unknown_parameter_gets_400_naming_it(
    server: FeedServer, query: str, message: str
) -> None:
    reply = server.get("/club_half.ics?" + query)
    assert (reply.status, reply.body.decode()) == (400, message + "\n")


def test_pages_escape_what_the_request_holds_and_forbid_scripts(server: FeedServer) -> None:
    reply = server.get('/club_half/?race_date=2027-04-18&pace=<script>alert("x")</script>')
    assert reply.status == 400
    page = reply.body.decode()
    assert "<script" not in page
    assert "pace: expected minutes:seconds" in page
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in page
    policy = reply.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert reply.headers["x-content-type-options"] == "nosniff"
    for path in ("/", "/club_half/", FEED.replace(".ics", ".html")):
        headers = server.get(path).headers
        assert "default-src 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path


def test_no_version_path_or_server_name_in_responses(server: FeedServer, plans: Path) -> None:
    for path in ("/", "/club_half/", FEED, "/nothing", "/club_half.ics?pace=1"):
        reply = server.get(path)
        assert "server" not in reply.headers, path
        for secret in (str(plans), "uvicorn", "starlette", "Traceback"):
            assert secret.encode() not in reply.body, (path, secret)


def test_the_members_page_makes_the_subscribe_links(server: FeedServer) -> None:
    page = server.get("/club_half/?" + urlencode({**MEMBER, "run_time": "", "all_day": ""}))
    assert page.status == 200
    text = page.body.decode()
    query = "race_date=2027-04-18&amp;timezone=Europe/Berlin&amp;run_days=mon,tue,thu,sat,sun" + (
        "&amp;pace=9:30&amp;remind=15&amp;bedtime=21:30"
    )
    https = f"{server.url}/club_half.ics?{query}"
    assert f'id="https" href="{https}"' in text
    webcal = "webcal://" + https.removeprefix("http://").replace("&amp;", "&")
    assert f'id="webcal" href="{webcal.replace("&", "&amp;")}"' in text
    google = "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
    assert f'id="google" href="{google.replace("&", "&amp;")}"' in text
    assert f'id="download" href="/club_half.ics?{query}" download="club_half.ics"' in text
    assert "<svg" in text  # the QR code, inline
    assert "Sun 18 Apr 2027" in text
    assert server.get(https.removeprefix(server.url).replace("&amp;", "&")).status == 200


def test_the_index_lists_the_plans(server: FeedServer) -> None:
    page = server.get("/").body.decode()
    assert 'href="/club_half/"' in page and "Riverside Runners spring half" in page
    assert server.get("/?x=1").status == 400
    assert server.get("/healthz").body == b"ok\n"

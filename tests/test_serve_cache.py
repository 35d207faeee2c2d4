"""The feed server's cache (planner/server/plans.py): bounded by bytes, least recently used
out first, whatever the number of member URLs."""

from __future__ import annotations

import datetime as dt
import gzip
import os

from planner.server.plans import Feed, FeedCache

WHEN = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def feed(size: int) -> Feed:
    body = os.urandom(size)
    return Feed(body, gzip.compress(body), "tag", WHEN, "text/calendar; charset=utf-8", 12)


def test_ten_thousand_member_urls_stay_within_the_limit() -> None:
    one = feed(20_000)
    cache = FeedCache(limit=1_000_000)
    for member in range(10_000):
        cache.put(("club_half", (), "ics", f"race_date=2027-04-18&pace=9:{member}"), one)
        assert cache.bytes <= 1_000_000
    assert len(cache) == 1_000_000 // one.size
    assert cache.bytes == len(cache) * one.size
    assert cache.get(("club_half", (), "ics", "race_date=2027-04-18&pace=9:9999")) is one
    assert cache.get(("club_half", (), "ics", "race_date=2027-04-18&pace=9:0")) is None


def test_the_least_recently_used_goes_first() -> None:
    a, b, c = feed(100), feed(100), feed(100)
    cache = FeedCache(limit=2 * a.size)
    cache.put(("a",), a)
    cache.put(("b",), b)
    assert cache.get(("a",)) is a  # a is now the most recent
    cache.put(("c",), c)
    assert (cache.get(("a",)), cache.get(("b",)), cache.get(("c",))) == (a, None, c)
    cache.put(("a",), c)  # replacing one counts its bytes once
    assert cache.bytes == 2 * a.size


def test_a_feed_larger_than_the_whole_cache_is_not_kept() -> None:
    cache = FeedCache(limit=1000)
    cache.put(("big",), feed(5000))
    assert (len(cache), cache.bytes) == (0, 0)

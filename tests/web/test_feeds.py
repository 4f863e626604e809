"""Atom feeds over the July/August 2023 archive: they parse as a feed reader reads them,
hold the series the home page lists for the same filters, link each entry to its page
and to the archive, and change when a state is set."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from reviewbot.web.atom import xml_text
from tests.conftest import LIST, diff_body, mail, make_token, write_mbox

pytestmark = pytest.mark.sqlite_only(
    "rendering: every read a page makes is tested on both backends in tests/read/, and "
    "tests/read/test_read_only.py fetches every page on both"
)

MONTHS = [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"]
BASE = "http://testserver"


@pytest.fixture(scope="module")
def client(module_db_url: str) -> Iterator[TestClient]:
    """The app over the archive imported once per backend, for the tests that only read."""
    engine = open_engine(module_db_url)
    import_paths(engine, MONTHS)
    yield TestClient(create_app(engine))
    engine.dispose()


def feed(client: TestClient, url: str, **params: str) -> Any:
    """The feed at `url`, parsed; it must be well-formed Atom."""
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def series_ids(parsed: Any) -> list[int]:
    return [int(e.id.rsplit("/", 1)[1]) for e in parsed.entries]


def home_ids(client: TestClient, **params: str) -> list[int]:
    html = client.get("/", params=params).text
    return [int(x) for x in re.findall(r'<td><a href="/series/(\d+)"', html)]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"state": "accepted"},
        {"state": "superseded"},
        {"submitter": "backports"},
        {"q": "VIR_LOCK_GUARD"},
        {"q": "nosuchwordanywhere"},
        {"path": "src/conf/**"},
        {"path": "src/qemu/qemu_process.c"},
        {"path": "docs/**"},
        {"month": "2023-07"},
        {"open": "1"},
    ],
)
def test_the_series_feed_lists_what_the_home_page_lists(
    client: TestClient, params: dict[str, str]
) -> None:
    parsed = feed(client, "/feeds/series.atom", **params)
    assert series_ids(parsed) == home_ids(client, **params)


def test_series_entries_link_their_page_with_state_and_submitter(client: TestClient) -> None:
    parsed = feed(client, "/feeds/series.atom")
    assert parsed.feed.title == "All series"
    assert {(link.rel, link.href) for link in parsed.feed.links} == {
        ("self", f"{BASE}/feeds/series.atom"),
        ("alternate", f"{BASE}/"),
    }
    v2, v1 = parsed.entries
    assert v2.title == "qemu: backport fixes for 9.0.0 v2 [accepted]"
    assert v1.title == "qemu: backport fixes for 9.0.0 v1 [superseded]"
    assert [(link.rel, link.href) for link in v2.links] == [("alternate", f"{BASE}/series/2")]
    assert v2.author_detail.email == "backports@example.org"
    content = v2.content[0]
    assert content.type == "text/plain"
    assert "State: accepted" in content.value and "Patches: 10 of 10" in content.value
    assert v2.published.startswith("2023-08-02")


def test_a_filtered_feed_is_named_after_its_filters(client: TestClient) -> None:
    parsed = feed(client, "/feeds/series.atom", state="accepted", path="src/conf/**")
    assert parsed.feed.title == "Series state accepted, touching src/conf/**"
    self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
    assert self_link == f"{BASE}/feeds/series.atom?path=src%2Fconf%2F%2A%2A&state=accepted"


def test_a_persons_series_and_a_watched_path(client: TestClient) -> None:
    mine = feed(client, "/feeds/person.atom", email="<Backports@Example.org>")
    assert mine.feed.title == "Series by backports@example.org"
    assert series_ids(mine) == [2, 1]
    assert series_ids(feed(client, "/feeds/person.atom", email="nobody@example.org")) == []
    watched = feed(client, "/feeds/path.atom", path="src/qemu/*.c")
    assert watched.feed.title == "Series touching src/qemu/*.c"
    assert series_ids(watched) == [2, 1]
    assert series_ids(feed(client, "/feeds/path.atom", path="src/*.c")) == []
    assert client.get("/feeds/path.atom").status_code == 422  # which path?


def test_one_series_feed_has_its_mail_and_its_changes(client: TestClient) -> None:
    parsed = feed(client, "/feeds/series/2.atom")
    assert parsed.feed.title == "qemu: backport fixes for 9.0.0 v2"
    ids = [e.id for e in parsed.entries]
    assert len(ids) == len(set(ids))
    mail = [e for e in parsed.entries if "/message/" in e.id]
    changes = [e for e in parsed.entries if "/api/v1/events/" in e.id]
    assert mail and changes
    cover = next(
        e for e in mail if e.title == "[libvirt] [PATCH v2 00/10] qemu: backport fixes for 9.0.0"
    )
    assert cover.link == f"{BASE}/message/cover.1689665402.git.backports@example.org"
    patch8 = next(
        e for e in mail if "[PATCH v2 08/10]" in e.title and not e.title.startswith("Re:")
    )
    assert re.fullmatch(rf"{BASE}/patch/\d+", patch8.link)
    assert "VIR_LOCK_GUARD" in patch8.content[0].value  # the start of its body
    assert "series v2 state: under-review → accepted" in [e.title for e in changes]
    # newest first
    times = [e.updated_parsed for e in parsed.entries]
    assert times == sorted(times, reverse=True)


def test_unknown_series_is_404(client: TestClient) -> None:
    assert client.get("/feeds/series/999.atom").status_code == 404
    assert client.get("/feeds/series/0.atom").status_code == 404


def test_feeds_are_sent_with_their_own_policy_and_an_etag(client: TestClient) -> None:
    response = client.get("/feeds/series.atom")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    again = client.get("/feeds/series.atom", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_pages_announce_their_feeds(client: TestClient) -> None:
    home = client.get("/", params={"state": "accepted", "path": "src/qemu/**"}).text
    feed_url = "/feeds/series.atom?state=accepted&amp;path=src%2Fqemu%2F%2A%2A"
    alternate = '<link rel="alternate" type="application/atom+xml" title="Series (these filters)"'
    assert f'{alternate} href="{feed_url}">' in home
    assert f'<a class="feed" href="{feed_url}">Atom feed</a>' in home
    series = client.get("/series/2").text
    assert 'title="This series: mail and changes" href="/feeds/series/2.atom"' in series
    assert 'href="/feeds/person.atom?email=backports%40example.org"' in series
    assert '<a class="feed" href="/feeds/series/2.atom">Atom feed</a>' in series


def test_a_feed_changes_when_a_state_is_set(engine: Engine) -> None:
    import_paths(engine, MONTHS)
    client = TestClient(create_app(engine))
    before = client.get("/feeds/series.atom")
    v1_before = feedparser.parse(before.content).entries[1]
    events_before = len(feedparser.parse(client.get("/feeds/series/1.atom").content).entries)
    token = make_token(engine, "alice")
    response = client.patch(
        "/api/v1/series/1", json={"state": "rejected"}, headers={"Authorization": f"Token {token}"}
    )
    assert response.status_code == 200, response.text
    after = client.get("/feeds/series.atom", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    v1 = feedparser.parse(after.content).entries[1]
    assert v1.id == v1_before.id and v1.title == "qemu: backport fixes for 9.0.0 v1 [rejected]"
    # to the microsecond: the import and the PATCH may fall in one second
    assert datetime.fromisoformat(v1.updated) > datetime.fromisoformat(v1_before.updated)
    assert "State: rejected" in v1.content[0].value
    series1 = feedparser.parse(client.get("/feeds/series/1.atom").content).entries
    assert len(series1) == events_before + 1
    assert series1[0].title == "series v1 state: superseded → rejected"
    assert series1[0].author == "alice" and "(via api)" in series1[0].content[0].value


def test_entries_link_the_archive_and_only_a_safe_one(engine: Engine) -> None:
    import_paths(engine, MONTHS)
    archive = "https://lists.example.org/archives/msg00001.html"
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE message SET archive_url = :u WHERE msgid = :m"),
            {"u": archive, "m": "cover.1689665402.git.backports@example.org"},
        )
        conn.execute(
            text("UPDATE message SET archive_url = 'javascript:alert(1)' WHERE kind = 'patch'")
        )
    client = TestClient(create_app(engine))
    v2 = feedparser.parse(client.get("/feeds/series.atom").content).entries[0]
    assert [(link.rel, link.href) for link in v2.links] == [
        ("alternate", f"{BASE}/series/2"),
        ("related", archive),
    ]
    entries = feedparser.parse(client.get("/feeds/series/2.atom").content).entries
    cover = next(
        e for e in entries if e.id.endswith("/message/cover.1689665402.git.backports@example.org")
    )
    assert ("related", archive) in [(link.rel, link.href) for link in cover.links]
    # a change of the series links its cover letter there; a patch's, its unsafe URL: nothing
    series_change = next(
        e for e in entries if e.title == "series v2 state: under-review → accepted"
    )
    assert ("related", archive) in [(link.rel, link.href) for link in series_change.links]
    patch_change = next(e for e in entries if e.title == "patch 08 state: under-review → accepted")
    assert [link.rel for link in patch_change.links] == ["alternate"]
    raw = client.get("/feeds/series/2.atom").text
    assert "javascript:" not in raw


HOSTILE = '<script>alert(1)</script>\x0c\x1b[31m "quoted" & <b>bold</b>'


def test_hostile_mail_stays_text_in_a_well_formed_feed(engine: Engine, tmp_path: Path) -> None:
    patch = mail(
        "hostile-1@example.org",
        f"[PATCH] {HOSTILE}",
        diff_body(message=f"{HOSTILE}\n\x00\x01 body"),
        sender=f'"{HOSTILE}" <evil@example.org>',
    )
    import_paths(engine, [write_mbox(tmp_path / "h.mbox", [patch])])
    client = TestClient(create_app(engine))
    for url in (
        "/feeds/series.atom",
        "/feeds/series/1.atom",
        "/feeds/person.atom?email=evil@example.org",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert b"<script>" not in response.content and b"<b>" not in response.content
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        entry = parsed.entries[0]
        assert "<script>alert(1)</script>" in entry.title  # shown as the text it is
        assert "\ufffd" in entry.title  # the form feed and escape, replaced


def test_xml_text_replaces_what_xml_cannot_hold() -> None:
    assert xml_text("a\x00b\x0cc\td\ne\r\ud800f\ufffe") == "a\ufffdb\ufffdc\td\ne\r\ufffdf\ufffd"

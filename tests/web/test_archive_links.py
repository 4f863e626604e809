"""Links back to the public archive: the message page, the patch page, each concern's reply,
for pipermail (July) and HyperKitty (August) messages alike; never a javascript: link."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.ingest.hyperkitty import message_id_hash
from reviewbot.web.templating import archive_link
from tests.libvirt_archives import Scraped, scrape_libvirt

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

V1P08 = "v1p08.1689665401.git.backports@example.org"
V2P08 = "v2p08.1689665402.git.backports@example.org"


@pytest.fixture(scope="module")
def site(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Scraped]]:
    engine = open_engine(module_db_url)
    scraped = scrape_libvirt(engine, tmp_path_factory.mktemp("cache"))
    yield TestClient(create_app(engine)), scraped
    engine.dispose()


def links(html: str) -> list[str]:
    return re.findall(r'<a class="archive-link" href="([^"]+)"', html)


def patch_id(client: TestClient, msgid: str) -> int:
    found = client.get("/api/v1/patches", params={"msgid": msgid}).json()
    return int(found[0]["id"])


def test_message_page_links_its_pipermail_page(site: tuple[TestClient, Scraped]) -> None:
    client, scraped = site
    html = client.get("/message/r011-ada@example.org").text
    assert links(html) == [scraped.pipermail + "2023-July/msg00011.html"]


def test_patch_page_links_its_hyperkitty_message(site: tuple[TestClient, Scraped]) -> None:
    client, scraped = site
    html = client.get(f"/patch/{patch_id(client, V2P08)}").text
    assert links(html)[0] == f"{scraped.hyperkitty}message/{message_id_hash(V2P08)}/"


def test_each_concern_links_its_reply(site: tuple[TestClient, Scraped]) -> None:
    client, scraped = site
    html = client.get(f"/patch/{patch_id(client, V1P08)}").text
    own, *concerns = links(html)
    assert own.startswith(scraped.pipermail + "2023-July/")
    # Ada's review (two concerns) pinned on this patch; Lin's answer is a reply
    # inside Ada's concern, linking its message page (which links the archive)
    assert sorted(concerns) == [
        scraped.pipermail + "2023-July/msg00011.html",
        scraped.pipermail + "2023-July/msg00011.html",
    ]
    assert 'href="/message/r012-lin@example.org"' in html


def test_series_concerns_on_hyperkitty_link_there(site: tuple[TestClient, Scraped]) -> None:
    client, scraped = site
    v2 = next(s for s in client.get("/api/v1/series").json() if s["version"] == 2)
    html = client.get(f"/series/{v2['id']}").text
    ack = f"{scraped.hyperkitty}message/{message_id_hash('r027-ada@example.org')}/"
    assert ack in links(html)


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://lists.libvirt.org/archives/list/devel@lists.libvirt.org/message/X/", True),
        ("http://listman.redhat.com/archives/libvir-list/2023-July/msg00011.html", True),
        ("javascript:alert(1)//x.html", False),
        ("JavaScript:alert(1)", False),
        ("data:text/html,x", False),
        (None, False),
    ],
)
def test_only_web_urls_become_links(url: str | None, linked: bool) -> None:
    assert archive_link(url) == (url if linked else None)


def test_a_stored_javascript_url_is_shown_not_linked(
    site: tuple[TestClient, Scraped], module_db_url: str
) -> None:
    client, _scraped = site
    engine = open_engine(module_db_url)
    with engine.begin() as conn:
        conn.execute(
            text("update message set archive_url = 'javascript:alert(1)' where msgid = :m"),
            {"m": "r013-ada@example.org"},
        )
    engine.dispose()
    html = client.get("/message/r013-ada@example.org").text
    assert links(html) == [] and "javascript:alert(1)" in html

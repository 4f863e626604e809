"""`archive_url` in the API: patches, concerns (the reply's) and messages, for messages
scraped from pipermail (July) and from HyperKitty (August)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.ingest.hyperkitty import message_id_hash
from tests.libvirt_archives import Scraped, scrape_libvirt

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

API = "/api/v1"


@pytest.fixture(scope="module")
def api(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Scraped]]:
    engine = open_engine(module_db_url)
    scraped = scrape_libvirt(engine, tmp_path_factory.mktemp("cache"))
    yield TestClient(create_app(engine)), scraped
    engine.dispose()


def get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(API + path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def hk_url(scraped: Scraped, msgid: str) -> str:
    return f"{scraped.hyperkitty}message/{message_id_hash(msgid)}/"


def test_every_patch_has_its_archive_url(api: tuple[TestClient, Scraped]) -> None:
    client, scraped = api
    patches = get(client, "/patches", per_page=50)
    assert len(patches) == 20
    for p in patches:
        if p["msgid"].startswith("v2p"):
            assert p["archive_url"] == hk_url(scraped, p["msgid"])
        else:
            assert p["archive_url"].startswith(scraped.pipermail + "2023-July/msg")
    detail = get(client, f"/patches/{patches[0]['id']}")
    assert detail["archive_url"] == patches[0]["archive_url"]


def test_a_concern_links_the_reply_that_raised_it(api: tuple[TestClient, Scraped]) -> None:
    client, scraped = api
    concerns = get(client, "/concerns", per_page=100)
    for c in concerns:
        message = get(client, f"/messages/{c['reply_msgid']}")
        assert c["archive_url"] == message["archive_url"]
    by_reply = {c["reply_msgid"]: c["archive_url"] for c in concerns}
    assert by_reply["r011-ada@example.org"] == scraped.pipermail + "2023-July/msg00011.html"
    assert by_reply["r027-ada@example.org"] == hk_url(scraped, "r027-ada@example.org")

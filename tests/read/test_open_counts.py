"""One count of open concerns everywhere: the home page, the series page, the patch
pages, `concerns --open` and the API say the same for every series of every corpus."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, NewDatabases, run_cli

CORPORA = {
    "2023 months": ["2023-July.txt.gz", "2023-August.txt.gz"],
    "2016 seed": ["2016-October.txt.gz"],
    "2023 mbox": ["backports-2023.mbox"],
    "all at once": ["2016-October.txt.gz", "backports-2023.mbox", "2023-August.txt.gz"],
}
API = "/api/v1"
# every surface reads the counts through read/ on either backend: PostgreSQL's
# statements are checked on the corpus that holds all the others
pytestmark = pytest.mark.sqlite_only("the same read/ counts", keep=("all at once",))


@pytest.fixture(scope="module", params=sorted(CORPORA))
def corpus(
    request: pytest.FixtureRequest, module_new_db: NewDatabases
) -> Iterator[tuple[str, Engine]]:
    """Each corpus imported once, on each backend."""
    url = module_new_db(request.param.replace(" ", "-"))
    engine = open_engine(url)
    import_paths(engine, [LIST / name for name in CORPORA[request.param]])
    yield url, engine
    engine.dispose()


def _badge(html: str) -> int:
    found = re.search(r'id="open-concerns">(\d+) open concern', html)
    assert found, "the page shows no open-concern count"
    return int(found.group(1))


def _home_counts(client: TestClient) -> dict[int, int]:
    """The "N open" of each row of the home page's series list ("none": 0)."""
    html = client.get("/").text
    out = {}
    for sid, row in re.findall(r"<tr>\s*<td><a href=\"/series/(\d+)\">(.*?)</tr>", html, re.S):
        number = re.search(r'status-open">(\d+) open<', row)
        out[int(sid)] = int(number.group(1)) if number else 0
    return out


def test_every_surface_counts_the_same_open_concerns(corpus: tuple[str, Engine]) -> None:
    url, engine = corpus
    with TestClient(create_app(engine)) as client:
        series = client.get(f"{API}/series", params={"per_page": 250}).json()
        home = _home_counts(client)
        with_open = {
            s["id"] for s in client.get(f"{API}/series", params={"open_concerns": True}).json()
        }
        for s in series:
            sid = s["id"]
            api = client.get(f"{API}/concerns", params={"series": sid, "status": "open"})
            cli = run_cli("concerns", str(sid), "--open", "--json", "--db", url)
            page = _badge(client.get(f"/series/{sid}").text)
            detail = client.get(f"{API}/series/{sid}").json()
            by_patch = sum(_badge(client.get(f"/patch/{p['id']}").text) for p in detail["patches"])
            series_wide = sum(1 for c in api.json() if c["patch_id"] is None)
            counts = {
                "home page": home[sid],
                "series page": page,
                "patch pages": by_patch + series_wide,
                "concerns --open": len(json.loads(cli.stdout)),
                "API": int(api.headers["x-total-count"]),
            }
            assert len(set(counts.values())) == 1, (sid, counts)
            assert (sid in with_open) == (page > 0), sid


def test_the_seed_thread_has_no_open_concern_and_no_author_concern(tmp_path: Path) -> None:
    """2016: every point of John's was answered by Nikolay, whose blocks are all replies."""
    db = tmp_path / "seed.db"
    engine = open_engine(f"sqlite:///{db}")
    import_paths(engine, [LIST / "2016-October.txt.gz"])
    found = json.loads(run_cli("concerns", "1", "--json", "--db", db).stdout)
    assert {c["reviewer"] for c in found} == {"John Ferlan"}
    assert [c["status"] for c in found if c["status"] == "open"] == []
    answered = [c for c in found if c["status"] == "answered"]
    assert len(answered) == 4
    for c in answered:  # who answered, and a link to the message that did
        assert c["status_source"]["kind"] == "message"
        assert c["status_reason"] == "Nikolay Shirokovskiy answered"
        assert {r["role"] for r in c["replies"]} == {"author"}
    replies = [r for c in found for r in c["replies"]]
    assert len(replies) == 9  # all of Nikolay's blocks, none lost, none a concern
    with TestClient(create_app(engine)) as client:
        html = client.get("/series/1").text + client.get("/patch/1").text
        assert _badge(html) == 0
        assert (
            'href="/message/invented-parent-0001@virtuozzo.com">Nikolay Shirokovskiy answered'
            in html
        )
    engine.dispose()

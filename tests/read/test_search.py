"""Full-text search through the web UI and the REST API's `q`, on SQLite (FTS5) and
PostgreSQL (tsvector): one interface, the same answers, and no query syntax from users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from reviewbot.read.filters import Filters, Page
from reviewbot.read.search import fts_expression, parse_query
from reviewbot.read.series import list_series
from tests.conftest import LIST

API = "/api/v1"


@pytest.fixture(scope="module")
def corpus(module_db_url: str) -> Iterator[Engine]:
    """July and August 2023, imported once per backend: every test here only reads."""
    engine = open_engine(module_db_url)
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(corpus: Engine) -> TestClient:
    return TestClient(create_app(corpus), raise_server_exceptions=False)


def _web_series(client: TestClient, q: str) -> set[str]:
    response = client.get("/", params={"q": q})
    assert response.status_code == 200, (q, response.text[-500:])
    return set(re.findall(r'href="/series/(\d+)"', response.text))


def _api(client: TestClient, path: str, q: str) -> list[dict[str, Any]]:
    response = client.get(API + path, params={"q": q, "per_page": 250})
    assert response.status_code == 200, (path, q, response.text)
    rows: list[dict[str, Any]] = response.json()
    return rows


@pytest.mark.parametrize(
    ("q", "series", "patches"),
    [
        # underscores split the identifier on both backends; the phrase keeps it whole
        ("VIR_LOCK_GUARD", 2, [8, 8]),
        ("vir_lock_guard", 2, [8, 8]),  # any case, like FTS5
        ("LOCK_VIR_GUARD", 0, []),  # the same tokens in another order are not a match
        ("priv->statsSchema", 2, [2, 2]),
        ("virStoragePool*", 2, [8, 8]),  # a prefix
        # a file name inside a path: PostgreSQL's parser would keep the path one token
        ("virstorageobj.c", 2, [8, 8]),
        ("file:src/conf/virstorageobj.c", 2, [8, 8]),
        ("file:virstorageobj.c VIR_LOCK_GUARD", 2, [8, 8]),
        # a series matches when any of its patches does; a patch only by itself
        ("file:qemu_process.c VIR_LOCK_GUARD", 2, []),
    ],
)
def test_identifiers_and_paths(client: TestClient, q: str, series: int, patches: list[int]) -> None:
    assert len(_web_series(client, q)) == series
    assert len(_api(client, "/series", q)) == series
    assert sorted(p["number"] for p in _api(client, "/patches", q)) == patches
    if not q.startswith("file:"):
        # the patch mails themselves, and any reply quoting them
        assert len(_api(client, "/messages", q)) >= len(patches)


def test_api_q_finds_message_bodies_and_covers(client: TestClient) -> None:
    assert [m["msgid"] for m in _api(client, "/messages", "already freed")] == [
        "r011-ada@example.org"
    ]
    covers = _api(client, "/covers", "backport fixes")
    assert len(covers) == 2 and all(c["subject"].endswith("9.0.0") for c in covers)


HOSTILE = [
    '"',
    "'",
    '"OR" NEAR(',
    "NEAR(a b, 2)",
    ":*",
    "lock:*",
    "&|!",
    "a & b | !c",
    "((",
    "guard)",
    "<->",
    'x" OR "y',
    "subject:qemu",
    "*",
    "\\",
    "%_%",
    "'; drop table message; --",
    "file:%",
    "file:'",
    "\x1f\x07",  # control characters are blanks (a NUL is refused: api/test_client_errors.py)
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_query_text_is_just_words(client: TestClient, corpus: Engine, q: str) -> None:
    _web_series(client, q)  # asserts 200
    for path in ("/series", "/patches", "/covers", "/messages"):
        _api(client, path, q)
    with corpus.connect() as conn:
        assert conn.execute(text("select count(*) from message")).scalar_one() == 29


@pytest.mark.parametrize("q", ["&|!", ":*", "((", "<->", "'"])
def test_punctuation_alone_matches_nothing(client: TestClient, q: str) -> None:
    assert _web_series(client, q) == set()
    assert _api(client, "/messages", q) == []


def test_query_parsing_keeps_user_text_out_of_fts_syntax() -> None:
    q = parse_query('file:src/a.c virDomain "two words" pre*')
    assert q.files == ("src/a.c",) and q.words == ("virDomain", "two words", "pre*")
    assert fts_expression(('a"b', "pre*")) == '"a""b" AND "pre"*'


def test_a_searched_list_pages_and_counts_like_the_whole_list(corpus: Engine) -> None:
    """A search counts its series in the same statement as it pages them: every page,
    and a page past the end, give the total and the order of the unpaged list."""
    with Session(corpus) as session:
        whole = list_series(session, Filters(q="qemu"), Page())
        assert whole.total == len(whole.items) >= 2
        paged_ids = [
            s.id
            for number in (1, 2)
            for s in list_series(session, Filters(q="qemu"), Page(number, 1)).items
        ]
        assert paged_ids == [s.id for s in whole.items[:2]]
        assert list_series(session, Filters(q="qemu"), Page(2, 1)).total == whole.total
        beyond = list_series(session, Filters(q="qemu"), Page(whole.total + 1, 1))
        assert beyond.items == () and beyond.total == whole.total
        assert list_series(session, Filters(q="nosuchwordanywhere"), Page(1, 1)).total == 0

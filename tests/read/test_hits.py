"""Search hits: the messages and patches each series holds for a query, with the words
marked, the same on SQLite (FTS5 snippet/highlight) and PostgreSQL (ts_headline)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from reviewbot.read.filters import Filters, Page
from reviewbot.read.hits import search_hits
from reviewbot.read.search import parse_query
from reviewbot.read.series import list_series
from tests.conftest import LIST


@pytest.fixture(scope="module")
def corpus(module_db_url: str) -> Iterator[Engine]:
    engine = open_engine(module_db_url)
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    yield engine
    engine.dispose()


def _where(hit: object) -> str:
    number = getattr(hit, "patch_number", None)
    return f"p{number}" if number is not None else str(getattr(hit, "kind", ""))


# series id -> (what is shown, how many in all); the same on both backends
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("VIR_LOCK_GUARD", {1: (["p8", "reply"], 2), 2: (["p8"], 1)}),
        ("virstorageobj.c", {1: (["cover", "p8"], 2), 2: (["cover", "p8"], 2)}),
        ("tray_status file:qemu_process.c", {1: (["p5", "reply"], 2), 2: (["p5"], 1)}),
        ("file:virstorageobj.c", {1: (["p8"], 1), 2: (["p8"], 1)}),
        (
            "reviewed*",
            {
                1: (["cover", "p1", "p2", "p3", "p4"], 13),
                2: (["cover", "p1", "p2", "p3", "p4"], 12),
            },
        ),
        ("nosuchwordanywhere", {}),
        ("", {}),
    ],
)
def test_hits_are_grouped_by_series_alike_on_both_backends(
    corpus: Engine, query: str, expected: dict[int, tuple[list[str], int]]
) -> None:
    with Session(corpus) as s:
        ids = [x.id for x in list_series(s, Filters(q=query or None), Page(1, 25)).items]
        found = search_hits(s, query, ids)
    got = {sid: ([_where(h) for h in sh.hits], sh.total) for sid, sh in found.items()}
    assert got == expected
    words = parse_query(query).words or parse_query(query).files
    for sh in found.values():
        for hit in sh.hits:
            marked = [_fold(f.text) for f in (*hit.subject, *hit.snippet) if f.marked]
            assert marked, (query, hit.msgid)
            # each mark is a word searched for (a prefix for word*), nothing else
            assert all(any(_matches(m, w) for w in words) for m in marked), marked


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text.casefold())


def _matches(marked: str, word: str) -> bool:
    word = _fold(word)
    if word.endswith("*"):
        return marked.startswith(word.rstrip("*"))
    return marked == word or word.startswith(marked) or word.endswith(marked)  # cut at an edge


def test_snippets_show_the_text_around_the_words(corpus: Engine) -> None:
    with Session(corpus) as s:
        found = search_hits(s, "VIR_LOCK_GUARD", [1])
    reply = found[1].hits[1]
    text = "".join(f.text for f in reply.snippet)
    assert "VIR_LOCK_GUARD" in text and "\n" not in text and len(text) < 400
    assert [f.text for f in reply.snippet if f.marked] == ["VIR_LOCK_GUARD"]
    assert reply.msgid and reply.patch_id is None and reply.kind == "reply"
    patch = found[1].hits[0]
    assert patch.patch_id is not None and patch.kind == "patch"


def test_at_most_per_series_hits_are_read(corpus: Engine) -> None:
    with Session(corpus) as s:
        found = search_hits(s, "reviewed*", [1, 2], per_series=2)
    assert [len(sh.hits) for sh in found.values()] == [2, 2]
    assert found[1].total == 13

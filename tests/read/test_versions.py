"""Versions of a series on the real corpus (reviewbot/read/versions.py): the range-diff of
"qemu: backport fixes for 9.0.0" v1 -> v2, whose v2 rewords one comment line of patch 08
and changes nothing else, and the hunk map between them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot.db import open_engine
from reviewbot.errors import NotFound
from reviewbot.pipeline.importer import import_paths
from reviewbot.series.rangediff import HunkCounterpart, diff_series, map_hunks
from tests import reads as queries
from tests.conftest import LIST

MONTHS = (LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz")


@pytest.fixture(scope="module")
def corpus(module_db_url: str) -> Iterator[Engine]:
    """The two months, imported once per backend: the tests only read."""
    engine = open_engine(module_db_url)
    import_paths(engine, list(MONTHS))
    yield engine
    engine.dispose()


@pytest.fixture
def session(corpus: Engine) -> Iterator[Session]:
    with Session(corpus) as s:
        yield s


@pytest.fixture
def versions(session: Session) -> dict[int, int]:
    return {r["version"]: r["id"] for r in queries.list_series(session)}


def test_corpus_v1_to_v2(versions: dict[int, int], session: Session) -> None:
    data = queries.diff_series(session, versions[1], versions[2])
    assert (data["from"], data["to"]) == (versions[1], versions[2])
    got = {(p["old"], p["new"]): p["status"] for p in data["patches"]}
    assert got == {(n, n): "changed" if n == 8 else "unchanged" for n in range(1, 11)}
    patch8 = data["patches"][7]
    (h,) = patch8["hunks"]
    assert h["file"] == "src/conf/virstorageobj.c"
    assert h["old_header"] == h["new_header"]
    assert h["old_header"].startswith("@@ -454,11 +454,16 @@ virStoragePoolObjListSearchCb(")
    assert h["status"] == "changed"
    assert "-+     * locked as the caller wants to return a locked object. */" in h["detail"]
    assert "++     * locked as the caller wants a locked and ref'd object. */" in h["detail"]
    others = [h for p in data["patches"] if p["new"] != 8 for h in p["hunks"]]
    assert len(others) == 17 and {h["status"] for h in others} == {"unchanged"}


def test_corpus_map_hunks_and_backwards(versions: dict[int, int], session: Session) -> None:
    v1 = queries.load_patch_hunks(session, versions[1])
    v2 = queries.load_patch_hunks(session, versions[2])
    mapping = map_hunks(diff_series(v1, v2))
    assert len(mapping) == 18
    assert mapping[(v1[7].key, 0)] == HunkCounterpart(v2[7].key, 0, "changed")
    assert mapping[(v1[0].key, 1)] == HunkCounterpart(v2[0].key, 1, "unchanged")
    back = queries.diff_series(session, versions[2], versions[1])
    assert [p["status"] for p in back["patches"]].count("changed") == 1


def test_unknown_series(versions: dict[int, int], session: Session) -> None:
    with pytest.raises(NotFound, match="no series with id 999"):
        queries.diff_series(session, versions[1], 999)

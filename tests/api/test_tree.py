"""The API's series and patch details carry the last apply run and the upstream checks,
with links to the commits; series and patch lists filter on being in the tree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.apply import apply_series
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.upstream import check_upstream
from tests import reads as queries
from tests.conftest import LIST, git, history_tree

API = "/api/v1"
GITLAB = "https://gitlab.com/libvirt/libvirt/-/commit/"


@pytest.fixture(scope="module")
def checked(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Path, dict[int, int]]]:
    """v2 applied on HEAD of 9.0.0 + the backports; v1 and v2 looked for upstream."""
    engine = open_engine(module_db_url)
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    tree = history_tree(tmp_path_factory.mktemp("tree"))
    with Session(engine) as s:
        ids = {r["version"]: r["id"] for r in queries.list_series(s)}
    apply_series(engine, ids[2], tree, "HEAD")
    for version in (1, 2):
        check_upstream(engine, "series", ids[version], tree)
    with TestClient(create_app(engine)) as client:
        yield client, tree, ids
    engine.dispose()


def get(client: TestClient, path: str, **params: Any) -> Any:
    r = client.get(API + path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_series_detail_has_the_apply_run_and_the_upstream_checks(
    checked: tuple[TestClient, Path, dict[int, int]],
) -> None:
    client, tree, ids = checked
    head = git(tree, "rev-parse", "HEAD").strip()
    got = get(client, f"/series/{ids[2]}")
    run = got["apply"]
    assert {k: run[k] for k in ("tree", "tree_head", "base", "base_source", "base_note")} == {
        "tree": str(tree),
        "tree_head": head,
        "base": head,
        "base_source": "option",
        "base_note": "given with --base HEAD",
    }
    assert run["date"] is not None
    assert [p["status"] for p in run["patches"]] == ["already-applied"] * 10
    assert all(p["commit_url"] == GITLAB + p["commit"] for p in run["patches"])
    checks = got["upstream"]
    assert [u["number"] for u in checks] == list(range(1, 11))
    assert [u["match"] for u in checks] == ["exact"] * 7 + ["similar"] + ["exact"] * 2
    assert [u["commit"] for u in checks] == [p["commit"] for p in run["patches"]]
    first = checks[0]
    assert first["tree"] == str(tree) and first["tree_head"] == head
    assert first["range"].startswith(f"2 years of {head[:12]}")
    assert first["tag"] == "v9.0.1" and first["commit_url"] == GITLAB + first["commit"]
    assert first["commit_date"].startswith("2023-01-23T10:42:18")  # stored in UTC
    assert checks[7]["score"] < 1 and checks[7]["detail"].endswith("1 changed line differs")


def test_patch_detail_has_commit_ref_its_apply_result_and_check(
    checked: tuple[TestClient, Path, dict[int, int]],
) -> None:
    client, tree, ids = checked
    listed = get(client, "/patches", series=ids[2], per_page=10)
    third = next(p for p in listed if p["number"] == 3)
    got = get(client, f"/patches/{third['id']}")
    commit = got["upstream"]["commit"]
    assert got["commit_ref"] == third["commit_ref"] == commit
    applied = got["apply"]
    assert (applied["status"], applied["commit"]) == ("already-applied", commit)
    assert applied["commit_url"] == GITLAB + commit and applied["tree"] == str(tree)
    assert [h["status"] for h in applied["hunks"]] == ["already-applied"]
    assert got["upstream"]["match"] == "exact" and got["upstream"]["patch_id"] == third["id"]
    v1_patch = get(client, "/patches", series=ids[1], per_page=1)[0]
    assert get(client, f"/patches/{v1_patch['id']}")["apply"] is None  # v1 never applied


def test_lists_filter_on_being_in_the_tree(
    checked: tuple[TestClient, Path, dict[int, int]],
) -> None:
    client, _, ids = checked
    assert [s["id"] for s in get(client, "/series", in_tree="true")] == [ids[1]]
    assert [s["id"] for s in get(client, "/series", in_tree="false")] == [ids[2]]
    carried = get(client, "/patches", in_tree="true", per_page=50)
    assert len(carried) == 19  # v1's ten, v2's but patch 8 (only similar)
    assert len(get(client, "/patches", in_tree="false", per_page=50)) == 1
    bad = client.get(f"{API}/series", params={"in_tree": "maybe"})
    assert bad.status_code == 422

"""The series and patch pages say where a series is in the tree: the last apply run
(tree, HEAD, base and why, when) and each patch's upstream check, with links to the
commits; the home page filters series in or not in the tree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.apply import apply_series
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.upstream import check_upstream
from tests import reads as queries
from tests.conftest import LIST, git, history_tree, migrated_sqlite

GITLAB = "https://gitlab.com/libvirt/libvirt/-/commit/"


@pytest.fixture(scope="module")
def checked(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Path, dict[int, int]]]:
    """Both versions imported; v2 applied on HEAD of 9.0.0 + the backports; both looked
    for upstream (v1: every patch exact; v2: patch 8 only similar)."""
    engine = open_engine(module_db_url)
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    tree = history_tree(tmp_path_factory.mktemp("tree"))
    with Session(engine) as s:
        ids = {r["version"]: r["id"] for r in queries.list_series(s)}
    apply_series(engine, ids[2], tree, "HEAD")
    for version in (1, 2):
        check_upstream(engine, "series", ids[version], tree)
    yield TestClient(create_app(engine), raise_server_exceptions=False), tree, ids
    engine.dispose()


def commits(tree: Path) -> dict[str, str]:
    return {ln[41:]: ln[:40] for ln in git(tree, "log", "--format=%H %s").splitlines()}


def test_series_page_shows_the_apply_run_and_where_each_patch_is(
    checked: tuple[TestClient, Path, dict[int, int]],
) -> None:
    client, tree, ids = checked
    html = client.get(f"/series/{ids[2]}").text
    head = git(tree, "rev-parse", "HEAD").strip()
    section = html[html.index('id="tree"') : html.index('id="versions-h"')]
    assert f"Applied to <code>{tree}</code> at HEAD" in section
    assert f">{head[:12]}</code>" in section and "(option)" in section
    assert "Base: given with --base HEAD" in section
    assert re.search(r"<time>\d{4}-\d\d-\d\d \d\d:\d\d</time>", section)
    assert f"Looked for in <code>{tree}</code>" in section and "9 exact, 1 similar" in section
    jump = commits(tree)["qemu: Jump to cleanup label on umount failure"]
    row = html[html.index('id="patch-03"') :].split("</tr>")[0]
    assert row.count(f'href="{GITLAB}{jump}"') == 2  # the apply result and the upstream check
    assert "apply-already-applied" in row and "upstream-exact" in row and "v9.0.1" in row
    eight = html[html.index('id="patch-08"') :].split("</tr>")[0]
    assert "upstream-similar" in eight and 'title="score 0.86"' in eight


def test_patch_page_shows_its_apply_result_and_upstream_check(
    checked: tuple[TestClient, Path, dict[int, int]],
) -> None:
    client, tree, ids = checked
    with Session(client.app.state.engine) as s:  # type: ignore[attr-defined]
        eight = queries.show_series(s, ids[2])["patches"][7]
    html = client.get(f"/patch/{eight['id']}").text
    section = html[html.index('id="tree"') : html.index('id="commit-h"')]
    storage = commits(tree)[eight["title"]]
    assert "apply-already-applied" in section
    assert f'href="{GITLAB}{storage}"' in section
    assert "already in the tree in another version as" in section
    assert "upstream-similar" in section and "1 changed line differs" in section
    assert f"Looked for in <code>{tree}</code>" in section


def test_a_page_never_applied_nor_checked_says_so(tmp_path: Path) -> None:
    engine = open_engine(migrated_sqlite(tmp_path / "x.db"))
    import_paths(engine, [LIST / "2023-July.txt.gz"])
    client = TestClient(create_app(engine))
    html = client.get("/series/1").text
    assert "Not applied yet" in html and "Not looked for in a tree yet" in html
    engine.dispose()


def test_commit_links_follow_the_configured_template(
    checked: tuple[TestClient, Path, dict[int, int]],
) -> None:
    client, tree, ids = checked
    app = create_app(client.app.state.engine, commit_url="https://example.org/c/{hash}?x=1&y")  # type: ignore[attr-defined]
    html = TestClient(app).get(f"/series/{ids[1]}").text
    jump = commits(tree)["qemu: Jump to cleanup label on umount failure"]
    assert f'href="https://example.org/c/{jump}?x=1&amp;y"' in html
    assert GITLAB not in html


@pytest.mark.parametrize(("tree", "versions"), [("in", {1}), ("out", {2}), ("", {1, 2})])
def test_home_filters_series_in_or_not_in_the_tree(
    checked: tuple[TestClient, Path, dict[int, int]], tree: str, versions: set[int]
) -> None:
    client, _, ids = checked
    html = client.get("/", params={"tree": tree}).text
    shown = {int(i) for i in re.findall(r'<td><a href="/series/(\d+)"', html)}
    assert shown == {ids[v] for v in versions}
    if tree:
        assert f'<option value="{tree}" selected>' in html
    assert client.get("/", params={"tree": "bogus"}).status_code == 200  # ignored, not an error

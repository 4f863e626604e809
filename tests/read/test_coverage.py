"""Review coverage on the corpus: the hunks nobody quoted are marked, on the series
page's map, the patch page, the API and `reviewbot coverage`, which all agree; a
new reply quoting a hunk covers it after the import that brings it."""

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
from tests.conftest import LIST, NewDatabases, mail, run_cli, write_mbox

API = "/api/v1"
PATCH_01 = "v1p01.1689665401.git.backports@example.org"
# v1 of the 2023 series: Ada commented on 05/10's second hunk (still open) and on
# 08/10's only hunk; the other 16 hunks were acked as a whole but nobody quoted them
COVERED = {
    (5, "src/qemu/qemu_process.c", 1): "open",
    (8, "src/conf/virstorageobj.c", 0): "reviewed",
}


@pytest.fixture(scope="module")
def corpus(module_new_db: NewDatabases) -> Iterator[tuple[str, Engine]]:
    url = module_new_db("coverage")
    engine = open_engine(url)
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    yield url, engine
    engine.dispose()


def _v1(client: TestClient) -> int:
    (found,) = [s["id"] for s in client.get(f"{API}/series").json() if s["version"] == 1]
    return int(found)


def test_the_hunks_nobody_quoted_are_marked_everywhere_alike(
    corpus: tuple[str, Engine],
) -> None:
    url, engine = corpus
    with TestClient(create_app(engine)) as client:
        sid = _v1(client)
        api = client.get(f"{API}/series/{sid}/coverage").json()
        states = {(h["patch_number"], h["file"], h["hunk"]): h["state"] for h in api["hunks"]}
        assert {k: v for k, v in states.items() if v != "unreviewed"} == COVERED
        assert api["counts"] == {"open": 1, "reviewed": 1, "unreviewed": 16}
        (ada,) = api["reviewers"]
        assert ada["reviewer"]["email"] == "ada@example.org" and ada["hunks"] == 2
        assert ada["files"] == ["src/conf/virstorageobj.c", "src/qemu/qemu_process.c"]

        cli = run_cli("coverage", str(sid), "--json", "--db", url)
        assert cli.exit_code == 0, cli.stderr
        assert json.loads(cli.stdout) == api

        html = client.get(f"/series/{sid}").text
        cells = re.findall(r'<a class="cov cov-(\w+)" data-state="\w+" href="([^"]+)"', html)
        assert [state for state, _ in cells] == [h["state"] for h in api["hunks"]]
        assert "16 nobody quoted" in html
        # each cell leads to its hunk on the patch page, where the hunk says the same
        for (state, href), h in zip(cells, api["hunks"], strict=True):
            page, anchor = href.split("#")
            patch_html = client.get(page).text
            assert f'id="{anchor}"' in patch_html
            hunk_html = patch_html.split(f'id="{anchor}"', 1)[1].split("</header>", 1)[0]
            assert f'data-coverage="{state}"' in hunk_html, (h["file"], h["hunk"])


def test_patch_coverage_is_the_series_coverage_of_that_patch(corpus: tuple[str, Engine]) -> None:
    _url, engine = corpus
    with TestClient(create_app(engine)) as client:
        sid = _v1(client)
        whole = client.get(f"{API}/series/{sid}/coverage").json()
        pid = next(h["patch_id"] for h in whole["hunks"] if h["patch_number"] == 8)
        one = client.get(f"{API}/patches/{pid}/coverage").json()
        assert one["hunks"] == [h for h in whole["hunks"] if h["patch_id"] == pid]
        assert client.get(f"{API}/patches/999999/coverage").status_code == 404
        assert client.get(f"{API}/series/999999/coverage").status_code == 404


def test_a_new_reply_quoting_hunks_covers_them(new_db: NewDatabases, tmp_path: Path) -> None:
    engine = open_engine(new_db("reply"))
    import_paths(engine, [LIST / "2023-July.txt.gz"])
    body = (
        "On Tue, Pat wrote:\n"
        ">          if (virNetDevMacVLanIsMacvtap(net->ifname)) {\n"
        ">              auditdev = net->ifname;\n\n"
        "> -        tap_create_flags |= VIR_NETDEV_TAP_CREATE_ALLOW_EXISTING;\n"
        "> -\n\n"
        "Moving it up looks right to me.\n"
    )
    reply = mail(
        "cov-reply@example.org",
        "Re: [PATCH 01/10] qemu_interface: Fix managed='no' case",
        body,
        sender="Zed Reader <zed@example.org>",
        reply_to=PATCH_01,
    )
    import_paths(engine, [write_mbox(tmp_path / "reply.mbox", [reply])])
    with TestClient(create_app(engine)) as client:
        sid = _v1(client)
        hunks = client.get(f"{API}/series/{sid}/coverage").json()["hunks"]
        first = [h for h in hunks if h["patch_number"] == 1]
        # the first hunk's context lines are quoted; the comment follows the second's
        assert [h["state"] for h in first] == ["reviewed", "reviewed"]
        assert [[c["how"] for c in h["covered_by"]] for h in first] == [["quoted"], ["commented"]]
        assert first[1]["covered_by"][0] == {
            "reviewer": {"name": "Zed Reader", "email": "zed@example.org"},
            "how": "commented",
            "reply_msgid": "cov-reply@example.org",
        }

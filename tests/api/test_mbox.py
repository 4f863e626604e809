"""mbox export: `git am` of a series from the API, with the trailers collected from the
list; a patch rebuilt from quotes is never exported."""

from __future__ import annotations

import json
import mailbox
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from reviewbot.read.mbox import add_trailers, subject_line
from tests.conftest import LIST, git, import_corpus

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

TRUTH = json.loads((LIST / "truth.json").read_text())
ADA = "Reviewed-by: Ada Reviewer <ada@example.org>"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    engine = import_corpus(tmp_path_factory.mktemp("mbox") / "corpus.db")
    with TestClient(create_app(engine)) as c:
        yield c


@pytest.fixture(scope="module")
def seed_client(module_db_url: str) -> Iterator[TestClient]:
    """July 2023 and the 2016 seed thread, whose patch 01 is rebuilt from quotes, on
    each backend."""
    engine = open_engine(module_db_url)
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2016-October.txt.gz"])
    with TestClient(create_app(engine)) as c:
        yield c
    engine.dispose()


def series_id(client: TestClient, version: int) -> int:
    rows = client.get("/api/v1/series").json()
    return next(s["id"] for s in rows if s["version"] == version)


def test_git_am_of_v2_carries_the_reviewed_by_from_the_list(
    client: TestClient, tree: Path, tmp_path: Path
) -> None:
    r = client.get(f"/api/v1/series/{series_id(client, 2)}/mbox")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/mbox")
    mbox = tmp_path / "v2.mbox"
    mbox.write_bytes(r.content)
    work = tmp_path / "work"  # the fixture tree must stay as it is: apply to a clone
    git(tmp_path, "clone", "-q", str(tree), str(work))
    git(work, "am", "-q", str(mbox))
    subjects = git(work, "log", "--reverse", "--format=%s", "HEAD~10..HEAD").splitlines()
    assert subjects == TRUTH["series"][1]["subjects"]
    bodies = git(work, "log", "--reverse", "--format=%B%x00", "HEAD~10..HEAD").split("\0")[:10]
    # git itself reads it as a trailer of every commit, not just a line of text
    parsed = git(
        work, "log", "--reverse", "--format=%(trailers:key=Reviewed-by,valueonly)%x00", "HEAD~10.."
    ).split("\0")[:10]
    for body, reviewers in zip(bodies, parsed, strict=True):
        assert body.count(ADA) == 1, body
        assert "Ada Reviewer <ada@example.org>" in reviewers.splitlines()
    p08 = bodies[7]
    assert "Reviewed-by: Ján Tomko <jtomko@redhat.com>" in p08
    # appended to the message's last trailer block, after its own trailers
    assert p08.rstrip().endswith("Bug-Debian: https://bugs.debian.org/1041811\n" + ADA)
    authors = git(work, "log", "--reverse", "--format=%an <%ae>", "HEAD~10..HEAD").splitlines()
    assert authors[7] == "Peter Krempa <pkrempa@redhat.com>"


def test_patch_mbox_has_its_own_and_the_cover_trailers(client: TestClient) -> None:
    v1 = client.get(f"/api/v1/series/{series_id(client, 1)}").json()
    p03 = v1["patches"][2]
    r = client.get(f"/api/v1/patches/{p03['id']}/mbox")
    (msg,) = _messages(r.content)
    body = msg.get_payload(decode=True).decode()
    assert msg["Subject"] == "[PATCH 03/10] qemu: Jump to cleanup label on umount failure"
    assert msg["Message-ID"] == f"<{p03['msgid']}>"
    assert ADA in body and "Reviewed-by: Lin Maintainer <lin@example.org>" in body
    assert body.index(ADA) < body.index("\n---\n") < body.index("diff --git")
    assert client.get("/api/v1/patches/99999/mbox").status_code == 404


def test_a_rebuilt_patch_is_never_exported_to_git_am(seed_client: TestClient) -> None:
    client = seed_client
    series = client.get("/api/v1/series", params={"per_page": 250}).json()
    (seed,) = [s for s in series if "EOF handler" in str(s)]
    mbox = client.get(f"/api/v1/series/{seed['id']}/mbox")
    # not a 200 with an empty body: nothing of it can be applied, and the 404 says why
    assert mbox.status_code == 404 and "rebuilt from the quotes" in mbox.json()["detail"]
    patch_id = client.get(f"/api/v1/series/{seed['id']}").json()["patches"][0]["id"]
    refused = client.get(f"/api/v1/patches/{patch_id}/mbox")
    assert refused.status_code == 404 and "rebuilt from the quotes" in refused.json()["detail"]


def _messages(data: bytes) -> list[mailbox.mboxMessage]:
    with tempfile.NamedTemporaryFile(suffix=".mbox") as f:
        f.write(data)
        f.flush()
        return list(mailbox.mbox(f.name).values())


@pytest.mark.parametrize(
    ("message", "trailers", "expected"),
    [
        ("Fix.\n\nSigned-off-by: A <a@x>\n", [ADA], f"Fix.\n\nSigned-off-by: A <a@x>\n{ADA}\n"),
        ("Fix it.\n", [ADA], f"Fix it.\n\n{ADA}\n"),
        (f"Fix.\n\n{ADA}\n", [ADA], f"Fix.\n\n{ADA}\n"),
        (
            "Fix.\n\nSee: this\nnot a trailer line\n",
            [ADA],
            f"Fix.\n\nSee: this\nnot a trailer line\n\n{ADA}\n",
        ),
    ],
)
def test_add_trailers(message: str, trailers: list[str], expected: str) -> None:
    assert add_trailers(message, trailers) == expected


def test_subject_line() -> None:
    assert subject_line("t", 1, 3, 10) == "[PATCH 03/10] t"
    assert subject_line("t", 2, 1, 1) == "[PATCH v2] t"

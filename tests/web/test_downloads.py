"""Downloads the way `b4 am` and lore give them: a series or patch mbox that `git am`
takes (trailers from the list, a Link: to the archive, odd trailers flagged), a
thread's mbox with every message as received, and a reason instead of an empty file."""

from __future__ import annotations

import mailbox
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from reviewbot.app import create_app
from reviewbot.db import session_scope
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, diff_body, git, mail, write_mbox

pytestmark = pytest.mark.sqlite_only(
    "rendering: every read a page makes is tested on both backends in tests/read/, and "
    "tests/read/test_read_only.py fetches every page on both"
)

ARCHIVE = "https://listman.redhat.com/archives/libvir-list/2023-August/"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    with session_scope(engine) as s:  # what a scrape of the pages stores
        s.connection().execute(
            text("update message set archive_url = :base || msgid where msgid like 'v2p%'"),
            {"base": ARCHIVE},
        )
    with TestClient(create_app(engine)) as c:
        yield c


def _series(client: TestClient, version: int) -> int:
    return next(s["id"] for s in client.get("/api/v1/series").json() if s["version"] == version)


def test_the_series_mbox_applies_with_trailers_and_links(
    client: TestClient, tree: Path, tmp_path: Path
) -> None:
    r = client.get(f"/mbox/series/{_series(client, 2)}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/mbox")
    path = tmp_path / "v2.mbox"
    path.write_bytes(r.content)
    work = tmp_path / "work"
    git(tree, "worktree", "add", "-q", "--detach", str(work), "HEAD")
    try:
        git(work, "am", "-q", str(path))
        log = git(work, "log", "--format=%B%x00", "-10")
        messages = [m for m in log.split("\x00") if m.strip()]
        assert len(messages) == 10
        assert all("Reviewed-by: Ada Reviewer <ada@example.org>" in m for m in messages)
        assert all(f"Link: {ARCHIVE}v2p" in m for m in messages)
    finally:
        git(tree, "worktree", "remove", "--force", str(work))


def test_a_patch_and_its_thread(client: TestClient) -> None:
    v1 = client.get(f"/api/v1/series/{_series(client, 1)}").json()
    p08 = next(p for p in v1["patches"] if p["number"] == 8)
    one = client.get(f"/mbox/patch/{p08['id']}")
    assert one.status_code == 200 and one.content.count(b"\nFrom mboxrd@z") == 0
    whole = client.get(f"/mbox/thread/{p08['msgid']}")
    assert whole.status_code == 200
    box = whole.content
    assert box.count(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n") >= 14  # cover, 10, replies
    assert b"Message-ID: <r011-ada@example.org>" in box  # the review, as received


def test_thread_mbox_is_the_bytes_received(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "t.mbox"
    path.write_bytes(client.get("/mbox/thread/r011-ada@example.org").content)
    got = {m["Message-ID"].strip("<>"): m.get_payload() for m in mailbox.mbox(str(path))}
    raw = client.get("/raw/r011-ada@example.org").text
    assert got["r011-ada@example.org"].strip() == raw.split("\n\n", 1)[1].strip()


def test_a_series_without_patch_mail_says_why(engine: Engine) -> None:
    import_paths(engine, [LIST / "2016-October.txt.gz"])  # its patch rebuilt from quotes
    with TestClient(create_app(engine)) as client:
        r = client.get("/mbox/series/1")
        assert r.status_code == 404 and "rebuilt from the quotes of a reply" in r.text
        api = client.get("/api/v1/series/1/mbox")
        assert api.status_code == 404 and "rebuilt from the quotes" in api.json()["detail"]


def test_a_trailer_given_by_somebody_else_is_flagged(engine: Engine, tmp_path: Path) -> None:
    msgs = [
        mail("p@x", "[PATCH] util: fix it", diff_body()),
        mail(
            "r@x",
            "Re: [PATCH] util: fix it",
            "Reviewed-by: Carol Critic <carol@example.org>\n",
            sender="Bob Reviewer <bob@example.org>",
            reply_to="p@x",
        ),
    ]
    import_paths(engine, [write_mbox(tmp_path / "odd.mbox", msgs)])
    with TestClient(create_app(engine)) as client:
        box = client.get("/mbox/series/1").text
    assert "Reviewed-by: Carol Critic <carol@example.org>" in box
    assert (
        "X-Reviewbot-Note: Reviewed-by: Carol Critic <carol@example.org> was sent by "
        "Bob Reviewer <bob@example.org> in <r@x>"
    ) in box
    assert (
        subprocess.run(
            ["git", "mailinfo", "/dev/null", "/dev/null"], input=box.encode(), capture_output=True
        ).returncode
        == 0
    )

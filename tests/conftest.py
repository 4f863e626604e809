"""Shared fixtures: real SQLite files in tmp_path, and a tiny mbox writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot.db import open_engine
from reviewbot.pipeline import ImportReport, import_paths

DATA = Path(__file__).parent / "data"
LIST = DATA / "libvir-list"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """A fresh, migrated SQLite database file."""
    return open_engine(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def session(engine: Engine):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        yield s


def mail(
    msgid: str,
    subject: str,
    body: str = "text\n",
    *,
    sender: str = "Alice Author <alice@example.org>",
    date: str = "Tue, 18 Jul 2023 09:30:00 +0200",
    reply_to: str | None = None,
    refs: tuple[str, ...] = (),
) -> str:
    """One RFC 5322 message as text."""
    head = [f"From: {sender}", f"Date: {date}", f"Subject: {subject}", f"Message-ID: <{msgid}>"]
    if reply_to:
        head.append(f"In-Reply-To: <{reply_to}>")
    if refs or reply_to:
        chain = list(refs) or [reply_to]
        head.append("References: " + " ".join(f"<{r}>" for r in chain))
    return "\n".join(head) + "\n\n" + body


def write_mbox(path: Path, messages: list[str]) -> Path:
    """Write messages as an mbox file."""
    chunks = [f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{m.rstrip()}\n\n" for m in messages]
    path.write_text("".join(chunks), encoding="utf-8")
    return path


def diff_body(path: str = "src/util/virfile.c", line: int = 10, message: str = "Fix it.") -> str:
    """A patch body with a commit message and a one-hunk diff."""
    return (
        f"{message}\n\nSigned-off-by: Alice Author <alice@example.org>\n---\n"
        f" {path} | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
        f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n"
        f"--- a/{path}\n+++ b/{path}\n"
        f"@@ -{line},3 +{line},3 @@ virFileDoThing(void)\n"
        " context one\n-old line\n+new line\n context two\n-- \n2.39.2\n"
    )


@pytest.fixture
def run_import(engine: Engine) -> Callable[..., ImportReport]:
    """Import paths into the test database."""

    def run(*paths: Path) -> ImportReport:
        return import_paths(engine, list(paths))

    return run

"""Mail that broke imports: NUL bytes, dates nobody can read, odd Message-IDs.

Each was found by a hostile-input pass (issue 14): a NUL stopped a PostgreSQL
import for good, an unreadable Date: crashed the import (and an older file after
a newer one), `<"a>b"@x>` was cut at the quote so different ids collided.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.packed import unpack
from reviewbot.pipeline.importer import import_paths
from reviewbot.read.messages import message_detail, message_source
from reviewbot.read.patches import hunk_texts
from tests.conftest import diff_body, mail, write_mbox


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_nul_bytes_are_stored_with_a_visible_replacement(engine: Engine, tmp_path: Path) -> None:
    msgs = [mail(f"m{i}@x", f"[PATCH] fix {i}", diff_body()) for i in range(40)]
    msgs[17] = mail(
        "nul@x",
        "[PATCH] a\x00b",
        "text with a NUL: \x00 here\n",
        sender='"Nul\x00ly" <nul@example.org>',
    )
    path = write_mbox(tmp_path / "nul.mbox", msgs)
    report = import_paths(engine, [path])
    assert (report.messages_new, report.errors) == (40, [])
    ((subject, name, packed),) = _rows(
        engine, "select subject, from_name, raw_zstd from message where msgid = 'nul@x'"
    )
    with Session(engine) as session:
        body, raw = message_detail(session, "nul@x").body, message_source(session, "nul@x")
    assert subject == "[PATCH] a\u2400b" and "NUL: \u2400 here" in str(body)
    assert name == "Nul\u2400ly"
    assert b"text with a NUL: \x00 here" in raw  # the bytes as sent
    assert unpack(bytes(packed)) == raw
    again = import_paths(engine, [path])
    assert (again.messages_new, again.messages_duplicate) == (0, 40)


def _dated(tmp_path: Path, name: str, date: str, when: str) -> Path:
    cover = mail(f"c-{name}@x", f"[PATCH 0/1] {name}", "cover\n", date=when)
    patch = mail(
        f"p-{name}@x", f"[PATCH 1/1] {name}", diff_body(), reply_to=f"c-{name}@x", date=date
    )
    path = tmp_path / f"{name}.mbox"
    sep = {"new": "Tue Jul 18 09:31:00 2023", "old": "Tue Jul 11 09:31:00 2023"}[name]
    path.write_text(
        "".join(f"From dev@example.org {sep}\n{m.rstrip()}\n\n" for m in (cover, patch))
    )
    return path


def test_unreadable_dates_never_crash_and_fall_back(engine: Engine, tmp_path: Path) -> None:
    new = _dated(
        tmp_path, "new", "Tue, 18 Jul 2023 09:31:00 +0200", "Tue, 18 Jul 2023 09:30:00 +0200"
    )
    old = _dated(tmp_path, "old", "garbage date", "Tue, 11 Jul 2023 09:30:00 +0200")
    for path in (new, old):  # an older file after a newer one, its patch undated
        report = import_paths(engine, [path])
        assert report.errors == [] and report.messages_new == 2
    ((date, warnings),) = _rows(
        engine, "select date, warnings from message where msgid = 'p-old@x'"
    )
    assert str(date).startswith("2023-07-11 09:31:00")  # from the mbox separator line
    assert "unparseable Date: 'garbage date'" in str(warnings)
    assert "dated from the mbox separator" in str(warnings)
    assert len(_rows(engine, "select id from series")) == 2


def test_received_header_dates_a_mail_without_date(engine: Engine, tmp_path: Path) -> None:
    raw = (
        "Received: from relay2 by mx; Wed, 19 Jul 2023 10:00:05 +0000\n"
        "Received: from laptop by relay1; Wed, 19 Jul 2023 10:00:00 +0000\n"
        "From: Alice <alice@example.org>\nSubject: [PATCH] x\nMessage-ID: <rcv@x>\n\nbody\n"
    )
    path = tmp_path / "rcv.mbox"
    path.write_text("From mboxrd@z Thu Jan  1 00:00:00 1970\n" + raw + "\n")
    import_paths(engine, [path])
    ((date, warnings),) = _rows(engine, "select date, warnings from message where msgid = 'rcv@x'")
    assert str(date).startswith("2023-07-19 10:00:00")  # the first relay, not the last
    assert "dated from its Received header" in str(warnings)


def test_quoted_message_ids_stay_whole_and_distinct(engine: Engine, tmp_path: Path) -> None:
    msgs = [
        mail('"a>b"@x', "one", "1\n"),
        mail('"a>c"@x', "two", "2\n"),
        mail('"a b"@x', "three", "3\n"),
        mail('a"b@x', "four", "4\n"),
    ]
    report = import_paths(engine, [write_mbox(tmp_path / "ids.mbox", msgs)])
    assert report.messages_new == 4
    ids = {r[0] for r in _rows(engine, "select msgid from message")}
    assert ids == {'"a>b"@x', '"a>c"@x', '"a b"@x', 'a"b@x'}


def test_a_lone_cr_inside_a_diff_line_keeps_the_diff(engine: Engine, tmp_path: Path) -> None:
    body = diff_body().replace("-old line\n+new line\n", "-old\r line\n+new\r line\n")
    path = tmp_path / "cr.mbox"
    path.write_bytes(
        b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
        + mail("cr@x", "[PATCH] crlf file", body).encode()
        + b"\n"
    )
    import_paths(engine, [path])
    ((error, added, removed),) = _rows(engine, "select diff_error, added, removed from patch")
    assert (error, added, removed) == (None, 1, 1)
    ((patch_id,),) = _rows(engine, "select id from patch")
    with Session(engine) as session:
        (hunk,) = hunk_texts(session, patch_id).values()
    assert "+new\r line\n" in hunk

"""Damaged input end to end: `reviewbot import-mbox` on damaged files and folders.

Each case imports a good archive first, then the bad input into the same database,
and checks the exit code (README: 2 for bad input, 0 when the input is fine),
that stderr names the path and the problem, that what was stored before is
untouched, and that the good messages of a bad file are still imported.

The command runs in-process (run_cli: typer's CliRunner, which raises what would
have been a traceback). Where the process itself matters the installed program
runs: stdout stays pure JSON beside the errors on stderr, and an error line naming
a long path is not wrapped when no terminal says how wide it is.

SQLite only: the subject is reading damaged input, which happens before and
apart from the database; the rows are checked with sqlite3 directly.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import Result

from reviewbot.packed import body_from, unpack
from tests.conftest import copy_sqlite, diff_body, mail, run_cli, write_mbox

_SCRIPT = Path(sys.executable).with_name("reviewbot")
CLI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "reviewbot"]
UNREADABLE = Path("/proc/self/mem")  # a regular file whose read fails with EIO, even for root


def run(*args: str | Path, columns: int | None = 1000) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a program with no terminal attached (stdin too: rich sizes itself
    from it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.pop("REVIEWBOT_DB", None)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=120,
    )


def import_mbox(db: Path, *paths: Path, as_json: bool = False) -> Result:
    """`import-mbox`, in-process."""
    flags = ["--json"] if as_json else []
    return run_cli("import-mbox", "--db", db, *flags, *paths, env={"COLUMNS": "1000"})


def rows(db: Path) -> dict[str, tuple[object, ...]]:
    """msgid -> (raw, subject, body, parse_error, warnings) of every stored message."""
    with sqlite3.connect(db) as conn:
        found = conn.execute(
            "select msgid, raw_zstd, subject, body, parse_error, warnings from message"
        ).fetchall()
    # the bytes are stored compressed, and a body they give back is not stored again
    return {
        msgid: (unpack(z), subject, body_from(z) if body is None else body, *rest)
        for msgid, z, subject, body, *rest in found
    }


def count(db: Path, table: str = "message") -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"select count(*) from {table}").fetchone()[0])


GOOD = [
    mail("cover@example.org", "[PATCH 0/2] qemu: two fixes", "Two fixes.\n"),
    mail(
        "p1@example.org",
        "[PATCH 1/2] qemu: fix one",
        diff_body(line=10),
        reply_to="cover@example.org",
    ),
    mail(
        "p2@example.org",
        "[PATCH 2/2] qemu: fix two",
        diff_body(line=40),
        reply_to="cover@example.org",
    ),
    mail(
        "r1@example.org",
        "Re: [PATCH 1/2] qemu: fix one",
        "> -old line\n\nReviewed-by: Bob Reviewer <bob@example.org>\n",
        sender="Bob Reviewer <bob@example.org>",
        refs=("cover@example.org", "p1@example.org"),
    ),
]


@pytest.fixture
def seeded(tmp_path: Path, sqlite_template: Path) -> tuple[Path, dict[str, tuple[object, ...]]]:
    """A database holding the good archive, and a snapshot of its rows."""
    db = tmp_path / "reviewbot.db"
    copy_sqlite(sqlite_template, db)  # migrated already
    result = import_mbox(db, write_mbox(tmp_path / "good.mbox", GOOD))
    assert result.exit_code == 0, result.stderr
    before = rows(db)
    assert len(before) == len(GOOD)
    return db, before


def other(n: int, body: str = "Another message.\n") -> str:
    return mail(f"other{n}@example.org", f"[PATCH] other {n}", body, sender="C <c@example.org>")


# -- the bad inputs ------------------------------------------------------------


def no_final_newline(d: Path) -> Path:
    path = write_mbox(d / "cut.mbox", [other(1), other(2), other(3, "a body cut off here\n")])
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"cut off") + 3])  # mid-line: no final newline
    return path


def truncated_gzip(d: Path) -> Path:
    plain = write_mbox(d / "big.mbox", [other(n, f"line {n * 7919}\n" * 80) for n in range(40)])
    data = gzip.compress(plain.read_bytes())
    path = d / "2023-July.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    return path


def unknown_charset(d: Path) -> Path:
    path = d / "charset.eml"
    path.write_bytes(
        b"From: C <c@example.org>\nSubject: [PATCH] weird charset\n"
        b"Message-ID: <other1@example.org>\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\n\n"
        b"caf\xc3\xa9 and a stray \xff byte\n"
    )
    return path


def surrogate_charset(d: Path) -> Path:
    """utf-7 "+2AA-" decodes to a lone surrogate, which SQLite refuses to store."""
    odd = mail("other1@example.org", "[PATCH] utf-7", "hi +2AA- there\n", sender="C <c@x.org>")
    odd = odd.replace("\n\n", "\nContent-Type: text/plain; charset=utf-7\n\n", 1)
    return write_mbox(d / "utf7.mbox", [other(2), odd, other(3)])


def binary_attachment(d: Path) -> Path:
    png = base64.encodebytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8).decode()
    body = (
        "This is a multi-part message in MIME format.\n"
        "--XX\nContent-Type: text/plain\n\nScreenshot of the crash attached.\n"
        '--XX\nContent-Type: image/png; name="crash.png"\n'
        'Content-Disposition: attachment; filename="crash.png"\n'
        f"Content-Transfer-Encoding: base64\n\n{png}--XX--\n"
    )
    msg = mail("other1@example.org", "crash screenshot", body, sender="C <c@example.org>")
    msg = msg.replace(
        "\n\n", '\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"\n\n', 1
    )
    return write_mbox(d / "attach.mbox", [msg, other(2)])


def empty_file(d: Path) -> Path:
    path = d / "empty.mbox"
    path.write_bytes(b"")
    return path


def missing_path(d: Path) -> Path:
    return d / "no-such-archive.mbox"


def not_a_maildir(d: Path) -> Path:
    folder = d / "some-folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello\n")
    return folder


def not_an_mbox(d: Path) -> Path:
    path = d / "picture.mbox"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    return path


def unreadable_file(d: Path) -> Path:
    path = d / "unreadable.mbox"
    path.symlink_to(UNREADABLE)
    return path


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], Path]
    code: int
    problem: str  # words stderr must contain; "" when the input is fine
    imported: frozenset[str]  # msgids of this input that must end up stored


CASES = {
    # not truncation: nothing tells a plain file cut mid-line from one without a final
    # newline, which many tools write (issue 14)
    "no-final-newline": Case(
        no_final_newline,
        0,
        "",
        frozenset({"other1@example.org", "other2@example.org", "other3@example.org"}),
    ),
    "truncated-gzip": Case(
        truncated_gzip, 2, "truncated", frozenset({f"other{n}@example.org" for n in range(5)})
    ),
    "unknown-charset": Case(unknown_charset, 0, "", frozenset({"other1@example.org"})),
    "surrogate-charset": Case(
        surrogate_charset,
        0,
        "",
        frozenset({"other1@example.org", "other2@example.org", "other3@example.org"}),
    ),
    "binary-attachment": Case(
        binary_attachment, 0, "", frozenset({"other1@example.org", "other2@example.org"})
    ),
    "empty-file": Case(empty_file, 2, "empty", frozenset()),
    "missing-path": Case(missing_path, 2, "no such file", frozenset()),
    "not-a-maildir": Case(not_a_maildir, 2, "not a maildir", frozenset()),
    "not-an-mbox": Case(not_an_mbox, 2, "not an mbox", frozenset()),
    "unreadable": Case(unreadable_file, 2, "cannot read", frozenset()),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name: str, tmp_path: Path, seeded: tuple[Path, dict]) -> None:
    if name == "unreadable" and not UNREADABLE.is_file():
        pytest.skip("needs Linux /proc/self/mem")
    db, before = seeded
    case = CASES[name]
    bad_dir = tmp_path / "in"
    bad_dir.mkdir()
    path = case.make(bad_dir)

    result = import_mbox(db, path)

    assert result.exit_code == case.code, result.stderr
    if case.problem:
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert errors, result.stderr
        assert any(str(path) in line and case.problem in line for line in errors), result.stderr
        assert "Traceback" not in result.stderr
    else:
        assert "error:" not in result.stderr
    after = rows(db)
    for msgid, row in before.items():  # stored before: untouched
        assert after[msgid] == row
    assert case.imported <= set(after)
    assert len(after) >= len(before) + len(case.imported)
    if not case.imported:
        assert len(after) == len(before)


def test_truncated_message_is_stored_with_a_warning(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "t.db"
    copy_sqlite(sqlite_template, db)  # migrated already
    path = truncated_gzip(tmp_path)
    result = import_mbox(db, path, as_json=True)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    stored = rows(db)
    assert report["messages_new"] == len(stored) > 5
    assert any(str(path) in e and "truncated" in e for e in report["errors"])
    cut = f"other{len(stored) - 1}@example.org"  # the last one read, cut by the damage
    raw, _subject, body, parse_error, warnings = stored[cut]
    assert isinstance(raw, bytes) and isinstance(body, str)
    assert body.startswith(f"line {(len(stored) - 1) * 7919}\n")
    assert parse_error is None
    assert "truncated" in str(warnings)
    assert "truncated" not in str(stored["other2@example.org"][4])


def test_unknown_charset_is_stored_with_a_warning(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "t.db"
    copy_sqlite(sqlite_template, db)  # migrated already
    result = import_mbox(db, unknown_charset(tmp_path))
    assert result.exit_code == 0, result.stderr
    _raw, _subject, body, parse_error, warnings = rows(db)["other1@example.org"]
    assert body == "café and a stray \ufffd byte\n"
    assert parse_error is None
    assert "x-no-such-charset" in str(warnings)


def test_binary_attachment_not_in_body(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "t.db"
    copy_sqlite(sqlite_template, db)  # migrated already
    result = import_mbox(db, binary_attachment(tmp_path))
    assert result.exit_code == 0, result.stderr
    raw, _subject, body, parse_error, _warnings = rows(db)["other1@example.org"]
    assert body == "Screenshot of the crash attached.\n"
    assert parse_error is None
    assert isinstance(raw, bytes) and b"crash.png" in raw  # the raw mail is kept whole


def test_bad_path_does_not_stop_the_others(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "t.db"
    copy_sqlite(sqlite_template, db)  # migrated already
    first = write_mbox(tmp_path / "a.mbox", GOOD[:2])
    missing = tmp_path / "missing.mbox"
    last = write_mbox(tmp_path / "b.mbox", GOOD[2:])
    result = import_mbox(db, first, missing, last, as_json=True)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["messages_new"] == len(GOOD)
    assert len(report["errors"]) == 1
    assert str(missing) in report["errors"][0]
    assert count(db) == len(GOOD)
    assert str(missing) in result.stderr


def test_missing_path_json_report(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "t.db"
    copy_sqlite(sqlite_template, db)  # migrated already
    missing = tmp_path / "gone.txt.gz"
    result = run("import-mbox", "--db", db, "--json", missing)  # a program: its two streams
    assert result.returncode == 2
    report = json.loads(result.stdout)  # stdout stays pure JSON
    assert f"{missing}: no such file or directory" in result.stderr
    assert report["messages_new"] == 0
    assert report["errors"] == [f"{missing}: no such file or directory"]


# -- idempotence, parse failures -------------------------------------------------


NO_MSGID = (
    "From: D <d@example.org>\nSubject: no id here\nDate: Tue, 18 Jul 2023 10:00:00 +0200\n\nHi.\n"
)


def test_reimport_is_idempotent(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "t.db"
    copy_sqlite(sqlite_template, db)  # migrated already
    archive = write_mbox(tmp_path / "good.mbox", [*GOOD, NO_MSGID, "no headers at all\n"])
    total = len(GOOD) + 2
    first = import_mbox(db, archive, as_json=True)
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["messages_new"] + report["messages_failed"] == total
    assert report["series_new"] == 1
    tables = ("message", "messageref", "series", "patch", "trailer")
    counts = {t: count(db, t) for t in tables}
    assert counts["message"] == total
    snapshot = rows(db)

    again = import_mbox(db, archive, as_json=True)
    assert again.exit_code == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["messages_duplicate"] == total
    assert report["messages_new"] == 0
    assert report["messages_failed"] == 0
    assert report["series_new"] == 0
    assert {t: count(db, t) for t in tables} == counts
    assert rows(db) == snapshot


def test_unparsable_message_is_stored_with_reason(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "t.db"
    copy_sqlite(sqlite_template, db)  # migrated already
    path = tmp_path / "mixed.mbox"
    sep = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    no_headers = b"this mail lost its headers\nand has only a body\n"
    path.write_bytes(
        sep
        + mail("ok1@example.org", "[PATCH] fine").encode()
        + b"\n"
        + sep
        + no_headers
        + b"\n"
        + sep
        + b"\n"  # nothing at all after the separator
        + sep
        + mail("ok2@example.org", "[PATCH] fine too").encode()
        + b"\n"
    )
    result = import_mbox(db, path, as_json=True)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["messages_new"] == 2
    assert report["messages_failed"] == 2
    assert any(f"{path} message 1" in w and "no headers" in w for w in report["warnings"])
    assert any(f"{path} message 2" in w and "empty" in w for w in report["warnings"])

    with sqlite3.connect(db) as conn:
        failed = conn.execute(
            "select raw_zstd, parse_error, msgid_synthetic, position, source, subject from message"
            " where parse_error is not null order by position"
        ).fetchall()
        good = conn.execute(
            "select msgid from message where parse_error is null order by position"
        ).fetchall()
    failed = [(unpack(f[0]), *f[1:]) for f in failed]
    assert good == [("ok1@example.org",), ("ok2@example.org",)]
    assert [(f[0], f[3], f[4]) for f in failed] == [(no_headers, 1, str(path)), (b"", 2, str(path))]
    assert "no headers" in failed[0][1]
    assert "empty" in failed[1][1]
    assert all(f[2] == 1 for f in failed)  # synthetic ids
    assert all(f[5] == "" for f in failed)


# -- regressions: re-imported damage is still reported; errors stay on one line --


def test_reimporting_a_truncated_file_still_reports_it(
    tmp_path: Path, sqlite_template: Path
) -> None:
    db = tmp_path / "t.db"
    copy_sqlite(sqlite_template, db)  # migrated already
    path = truncated_gzip(tmp_path)
    assert import_mbox(db, path).exit_code == 2
    again = import_mbox(db, path, as_json=True)
    report = json.loads(again.stdout)
    assert report["messages_duplicate"] == count(db) > 5
    assert any(str(path) in e and "truncated" in e for e in report["errors"])
    assert again.exit_code == 2


def test_error_line_keeps_a_long_path_whole(tmp_path: Path) -> None:
    deep = tmp_path / ("archives-of-the-libvirt-development-mailing-list-" * 2)
    deep.mkdir()
    missing = deep / "2023-July.txt.gz"
    assert len(f"error: {missing}") > 80
    result = run("import-mbox", "--db", tmp_path / "t.db", missing, columns=None)
    assert result.returncode == 2
    assert f"error: {missing}: no such file or directory" in result.stderr.splitlines()

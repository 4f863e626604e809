"""Importing hostile files (issue 14, items 5 and 11): bounded, reported, and the run goes on.

On both backends: what is stored of a message over the bound, and the name of a
file whose bytes are not UTF-8, are text and blobs the database must take.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

from sqlalchemy import Engine, text

from reviewbot.config import KiB, Limits, MiB
from reviewbot.packed import unpack
from reviewbot.pipeline.importer import import_paths
from tests.conftest import mail, migrated_sqlite, run_cli, write_mbox


def rows(engine: Engine) -> dict[str, tuple[bytes, str, str, str | None]]:
    """msgid -> (raw, source, warnings, parse_error)."""
    with engine.connect() as conn:
        found = conn.execute(
            text("select msgid, raw_zstd, source, warnings, parse_error from message")
        )
        return {r[0]: (unpack(bytes(r[1])), r[2], r[3], r[4]) for r in found}


def test_a_message_over_the_bound_is_stored_cut_and_flagged(tmp_path: Path, engine: Engine) -> None:
    big = mail("big@example.org", "[PATCH] a huge one", "é" * (200 * KiB) + "\n")
    path = write_mbox(
        tmp_path / "a.mbox", [mail("before@x.org", "s"), big, mail("after@x.org", "t")]
    )
    report = import_paths(engine, [path], limits=Limits(message_bytes=64 * KiB + 1))
    stored = rows(engine)
    assert set(stored) == {"before@x.org", "big@example.org", "after@x.org"}
    raw, _source, warnings, parse_error = stored["big@example.org"]
    assert len(raw) == 64 * KiB + 1  # cut inside a UTF-8 sequence, and stored all the same
    assert parse_error is None
    assert "REVIEWBOT_MAX_MESSAGE_SIZE" in warnings and f"{64 * KiB + 1:,} bytes" in warnings
    assert report.errors == [] and report.messages_new == 3
    assert any(f"{path} message 1: " in w and "over the bound" in w for w in report.warnings)
    assert "REVIEWBOT_MAX_MESSAGE_SIZE" not in stored["after@x.org"][2]


def test_a_gzip_bomb_is_reported_and_the_next_file_read(tmp_path: Path, engine: Engine) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = packer.compress(b"From nobody\n" + mail("bomb@x.org", "s", "").encode())
    bomb += b"".join(packer.compress(bytes(MiB)) for _ in range(40)) + packer.flush()
    first = tmp_path / "bomb.mbox.gz"
    first.write_bytes(bomb)
    second = write_mbox(tmp_path / "next.mbox", [mail("next@x.org", "s")])
    report = import_paths(engine, [first, second], limits=Limits(message_bytes=MiB))
    assert len(report.errors) == 2, report.errors  # the bound, and the message it cut
    assert any(str(first) in e and "REVIEWBOT_MAX_GZIP_RATIO" in e for e in report.errors)
    assert "next@x.org" in rows(engine)


def test_a_file_name_that_is_not_utf8(tmp_path: Path, engine: Engine) -> None:
    """os.fsencode gives the name's bytes back; shown as \\xNN, stored, and the files
    after it are read (it crashed the run before)."""
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9-\xff.mbox"))
    write_mbox(odd, [mail("odd@x.org", "s")])
    after = write_mbox(tmp_path / "after.mbox", [mail("after@x.org", "t")])
    missing = Path(os.fsdecode(bytes(tmp_path) + b"/gone-\xe9.mbox"))
    report = import_paths(engine, [odd, missing, after])
    stored = rows(engine)
    assert set(stored) == {"odd@x.org", "after@x.org"}
    assert stored["odd@x.org"][1] == f"{tmp_path}/caf\\xe9-\\xff.mbox"
    assert report.errors == [f"{tmp_path}/gone-\\xe9.mbox: no such file or directory"]


def test_import_mbox_with_the_bounds_from_the_environment(tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "a.mbox", [mail("big@x.org", "s", "x" * 100_000)])
    env = {"REVIEWBOT_MAX_MESSAGE_SIZE": "16K"}
    done = run_cli("import-mbox", "--db", migrated_sqlite(tmp_path / "t.db"), path, env=env)
    assert done.exit_code == 0, done.stderr
    assert "warning:" in done.stderr and "REVIEWBOT_MAX_MESSAGE_SIZE" in done.stderr
    bad = run_cli("import-mbox", "--db", tmp_path / "t.db", path, env={"REVIEWBOT_MAX_LINKS": "x"})
    assert bad.exit_code == 2 and "REVIEWBOT_MAX_LINKS='x'" in bad.stderr


def test_a_bomb_through_the_cli_exits_2_and_names_it(tmp_path: Path) -> None:
    bomb = tmp_path / "zeros.mbox.gz"
    bomb.write_bytes(gzip.compress(bytes(20 * MiB)))
    good = write_mbox(tmp_path / "good.mbox", [mail("good@x.org", "s")])
    env = {"REVIEWBOT_MAX_GZIP_RATIO": "50", "REVIEWBOT_MAX_GZIP_SIZE": "1G"}
    done = run_cli(
        "import-mbox", "--db", migrated_sqlite(tmp_path / "t.db"), "--json", bomb, good, env=env
    )
    assert done.exit_code == 2
    assert f"error: {bomb}: inflates more than 50 times" in done.stderr
    assert '"messages_new": 1' in done.stdout

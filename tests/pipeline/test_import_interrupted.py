"""Imports killed with SIGKILL or run two at once, on SQLite and PostgreSQL.

A killed import leaves a consistent database and a re-run completes it; two
importers at once store the union once. Both equal a clean single import.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import diff_body, mail, write_mbox
from tests.dump import count_messages, dump

CLI = [sys.executable, "-m", "reviewbot"]


def build_archive(path: Path, series_count: int) -> int:
    """Series of 3 patches with a cover and two replies each; returns the message count."""
    msgs = []
    for s in range(series_count):
        day = 1 + (s // 100) % 28
        date = f"Tue, {day:02d} Aug 2023 {(s // 4) % 24:02d}:{s % 60:02d}:00 +0000"
        cover = f"c{s}@example.org"
        author = f"Dev {s % 17} <dev{s % 17}@example.org>"
        msgs.append(mail(cover, f"[PATCH 0/3] topic {s}", sender=author, date=date))
        for n in (1, 2, 3):
            msgs.append(
                mail(
                    f"p{s}.{n}@example.org",
                    f"[PATCH {n}/3] topic {s} part {n}",
                    diff_body(line=10 * n),
                    sender=author,
                    date=date,
                    reply_to=cover,
                )
            )
        msgs.append(
            mail(
                f"r{s}@example.org",
                f"Re: [PATCH 0/3] topic {s}",
                "Reviewed-by: Rev <rev@example.org>\n",
                sender="Rev <rev@example.org>",
                date=date,
                reply_to=cover,
            )
        )
        msgs.append(
            mail(
                f"q{s}@example.org",
                f"Re: [PATCH 2/3] topic {s} part 2",
                "> +new line\n\nPlease rename this.\n",
                sender="Rev <rev@example.org>",
                date=date,
                refs=(cover, f"p{s}.2@example.org"),
            )
        )
    write_mbox(path, msgs)
    return len(msgs)


def snapshot(url: str) -> dict[str, object]:
    """The CLI's series list (without ids) and a canonical dump of the tables."""
    listed = subprocess.run(
        [*CLI, "series", "list", "--json", "--db", url],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = sorted(json.loads(listed.stdout), key=lambda r: r["cover_msgid"])
    for r in rows:
        r.pop("id"), r.pop("previous"), r.pop("superseded_by")
    return {"series": rows, "tables": dump(url)}


def import_cli(url: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "import-mbox", "--json", "--db", url, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )


def test_kill_then_rerun_equals_clean_import(tmp_path: Path, new_db: Callable[[str], str]) -> None:
    archive = tmp_path / "big.mbox"
    total = build_archive(archive, 1500)
    killed = new_db("killed")
    proc = subprocess.Popen(
        [*CLI, "import-mbox", "--json", "--db", killed, str(archive)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while count_messages(killed) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = count_messages(killed)
    assert 0 < stored < total, "the import must be killed part-way through"

    report = json.loads(import_cli(killed, archive).stdout)
    assert report["messages_duplicate"] == stored
    assert report["messages_new"] == total - stored

    clean = new_db("clean")
    import_cli(clean, archive)
    assert snapshot(killed) == snapshot(clean)
    assert len(snapshot(clean)["series"]) == 1500  # type: ignore[arg-type]


def test_two_importers_of_overlapping_archives_store_the_union_once(
    tmp_path: Path, new_db: Callable[[str], str]
) -> None:
    """Two archives sharing two thirds of their mail, imported at once into one database."""
    union = tmp_path / "union.mbox"
    total = build_archive(union, 600)
    chunks = union.read_text().split("\nFrom mboxrd@z")
    chunks = [chunks[0]] + ["From mboxrd@z" + c for c in chunks[1:]]
    first, second = tmp_path / "a.mbox", tmp_path / "b.mbox"
    # b is the union starting one series (6 mails) later: the importers' batches
    # overlap but never line up, so a cover and its patches can land in different
    # importers at the same moment (mail of one series stays in order: a patch
    # before its cover is placed by the window rule, order-dependent by design)
    first.write_text("\n".join(chunks[: 2 * total // 3]) + "\n")
    second.write_text("\n".join(chunks[6:] + chunks[:6]) + "\n")
    shared = new_db("shared")
    subprocess.run([*CLI, "series", "list", "--db", shared], check=True, capture_output=True)
    procs = [
        subprocess.Popen(
            [*CLI, "import-mbox", "--json", "--db", shared, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in (first, second)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _out, err in outs]
    reports = [json.loads(out) for out, _err in outs]
    assert sum(r["messages_new"] for r in reports) == total
    assert sum(r["messages_duplicate"] for r in reports) == 2 * total // 3
    clean = new_db("clean")
    import_cli(clean, union)
    assert snapshot(shared) == snapshot(clean)

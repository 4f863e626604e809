"""An import killed with SIGKILL mid-run leaves a consistent database; a re-run completes it."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import diff_body, mail, write_mbox

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


def snapshot(db: Path) -> dict[str, object]:
    listed = subprocess.run(
        [*CLI, "series", "list", "--json", "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    with sqlite3.connect(db) as conn:
        counts = {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("message", "messageref", "series", "patch", "hunk", "trailer")
        }
        states = conn.execute("select state, count(*) from patch group by state").fetchall()
    rows = sorted(json.loads(listed.stdout), key=lambda r: r["cover_msgid"])
    for r in rows:
        r.pop("id"), r.pop("previous"), r.pop("superseded_by")
    return {"counts": counts, "series": rows, "states": sorted(states)}


def count_messages(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("select count(*) from message").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_kill_then_rerun_equals_clean_import(tmp_path: Path) -> None:
    archive = tmp_path / "big.mbox"
    total = build_archive(archive, 1500)
    killed = tmp_path / "killed.db"
    proc = subprocess.Popen(
        [*CLI, "import-mbox", "--json", "--db", str(killed), str(archive)],
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

    rerun = subprocess.run(
        [*CLI, "import-mbox", "--json", "--db", str(killed), str(archive)],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(rerun.stdout)
    assert report["messages_duplicate"] == stored
    assert report["messages_new"] == total - stored

    clean = tmp_path / "clean.db"
    subprocess.run(
        [*CLI, "import-mbox", "--db", str(clean), str(archive)], check=True, capture_output=True
    )
    assert snapshot(killed) == snapshot(clean)
    assert snapshot(clean)["counts"]["series"] == 1500  # type: ignore[index]


def test_two_importers_at_once_store_the_union_once(tmp_path: Path) -> None:
    """Overlapping archives imported concurrently into one SQLite file."""
    archive = tmp_path / "big.mbox"
    total = build_archive(archive, 600)
    db = tmp_path / "shared.db"
    subprocess.run([*CLI, "series", "list", "--db", str(db)], check=True, capture_output=True)
    procs = [
        subprocess.Popen(
            [*CLI, "import-mbox", "--json", "--db", str(db), str(archive)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _out, err in outs]
    reports = [json.loads(out) for out, _err in outs]
    assert sum(r["messages_new"] for r in reports) == total
    assert sum(r["messages_duplicate"] for r in reports) == total
    clean = tmp_path / "clean.db"
    subprocess.run(
        [*CLI, "import-mbox", "--db", str(clean), str(archive)], check=True, capture_output=True
    )
    assert snapshot(db) == snapshot(clean)

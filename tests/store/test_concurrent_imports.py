"""Two importers at once into one database, on SQLite and PostgreSQL.

Both are real processes writing at the same time: the locked writes of store/
must store the union of their archives once, equal to a clean single import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from reviewbot.pipeline.incoming import BATCH
from tests.conftest import build_archive, run_cli
from tests.dump import imported

CLI = [sys.executable, "-m", "reviewbot"]
SERIES = 200  # 1,200 messages: each importer reads 800 of them, in two batches


def test_two_importers_of_overlapping_archives_store_the_union_once(
    tmp_path: Path, new_db: Callable[[str], str]
) -> None:
    """Two archives sharing two thirds of their mail, imported at once into one database."""
    union = tmp_path / "union.mbox"
    total = build_archive(union, SERIES)
    assert 2 * total // 3 > BATCH
    chunks = union.read_text().split("\nFrom mboxrd@z")
    chunks = [chunks[0]] + ["From mboxrd@z" + c for c in chunks[1:]]
    first, second = tmp_path / "a.mbox", tmp_path / "b.mbox"
    # b is the union starting one series (6 mails) later: the importers' batches
    # overlap but never line up, so a cover and its patches can land in different
    # importers at the same moment (mail of one series stays in order: a patch
    # before its cover is placed by the window rule, order-dependent by design)
    first.write_text("\n".join(chunks[: 2 * total // 3]) + "\n")
    second.write_text("\n".join(chunks[6:] + chunks[:6]) + "\n")
    shared = new_db("shared")  # migrated already: the importers do not race to migrate it
    # --jobs 1: the two importers are the concurrency under test; pools of parsing
    # workers would add four processes on the test machine's two cores
    procs = [
        subprocess.Popen(
            [*CLI, "import-mbox", "--json", "--jobs", "1", "--db", shared, str(path)],
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
    assert run_cli("import-mbox", "--json", "--db", clean, union).exit_code == 0
    assert imported(shared) == imported(clean)

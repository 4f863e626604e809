"""A disk that fills up mid-import: exit code 4 and one line, never a traceback of bodies."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import LIST, run_cli

ARCHIVES = [LIST / "backports-2023.mbox", LIST / "2016-October.txt.gz"]


def _small_disk(limit: int) -> None:
    # writes past `limit` bytes fail with EFBIG, as on a full disk (not SIGXFSZ)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_is_one_line_and_exit_4(tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    db.touch()  # read commands open only databases that exist
    assert run_cli("series", "list", "--db", db).exit_code == 0  # migrated, ~320 KB
    done = subprocess.run(
        [sys.executable, "-m", "reviewbot", "import-mbox", "--db", str(db), *map(str, ARCHIVES)],
        preexec_fn=lambda: _small_disk(db.stat().st_size + 200_000),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4
    (line,) = done.stderr.strip().splitlines()  # "disk I/O error" or "... is full"
    assert line.startswith("error: database: ")
    assert "Traceback" not in done.stderr and "Reviewed-by" not in done.stderr
    again = run_cli("import-mbox", "--json", "--db", db, *ARCHIVES)  # room again: it resumes
    assert again.exit_code == 0 and '"messages_failed": 0' in again.stdout
    listed = run_cli("series", "list", "--json", "--db", db)
    assert listed.stdout.count('"id"') == 3

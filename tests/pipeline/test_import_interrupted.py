"""An import killed with SIGKILL, on SQLite and PostgreSQL.

A killed import leaves a consistent database and a re-run completes it: the
result equals a clean single import. The import that is killed is a real
process (the kill is the point); the re-run and the clean import run in-process.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from reviewbot.pipeline.incoming import BATCH
from tests.conftest import build_archive, run_cli
from tests.dump import count_messages, imported

CLI = [sys.executable, "-m", "reviewbot"]
SERIES = 250  # 1,500 messages: three batches, the kill lands after the first commit


def test_kill_then_rerun_equals_clean_import(tmp_path: Path, new_db: Callable[[str], str]) -> None:
    archive = tmp_path / "big.mbox"
    total = build_archive(archive, SERIES)
    assert total >= 3 * BATCH
    killed = new_db("killed")
    proc = subprocess.Popen(
        [*CLI, "import-mbox", "--json", "--db", killed, str(archive)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while count_messages(killed) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    helpers = descendants(proc.pid)  # the fork server and the parsing workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = count_messages(killed)
    assert 0 < stored < total, "the import must be killed part-way through"
    assert helpers, "the import must have started its worker processes"
    deadline = time.monotonic() + 10
    while (left := [pid for pid in helpers if running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes of the killed import still run: {left}"

    rerun = run_cli("import-mbox", "--json", "--db", killed, archive)
    assert rerun.exit_code == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["messages_duplicate"] == stored
    assert report["messages_new"] == total - stored

    clean = new_db("clean")
    assert run_cli("import-mbox", "--json", "--db", clean, archive).exit_code == 0
    after_kill = imported(killed)
    assert after_kill == imported(clean)
    assert len(after_kill["series"]) == SERIES


def descendants(pid: int) -> list[int]:
    """The processes started by `pid` and by those, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended while we looked
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        todo += children
    return found


def running(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"

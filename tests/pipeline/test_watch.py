"""`reviewbot scrape --watch`: follows a local archive, survives errors, stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.archive_server import ArchiveServer
from tests.conftest import LIST, run_cli
from tests.dump import count_messages
from tests.hyperkitty_server import LIBVIRT, HyperKittyServer, mbox_messages

pytestmark = pytest.mark.sqlite_only(
    "scraping (pages, bounds, resuming) is the same on both backends; what it stores "
    "goes through the importer, tested on both in tests/pipeline/test_import_*.py and "
    "tests/store/"
)

CLI = [sys.executable, "-m", "reviewbot"]


@pytest.fixture
def server() -> Iterator[ArchiveServer]:
    with ArchiveServer(LIST) as running:
        yield running


def watch(url: str, server: ArchiveServer, data: Path, log: Path) -> subprocess.Popen[str]:
    """The watch job, its log (stderr) going to a file the test can read while it runs."""
    return subprocess.Popen(
        [*CLI, "scrape", server.url("/"), "--month", "2023-July", "--rate", "0",
         "--db", url, "--data-dir", str(data), "--watch", "0.2"],
        stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True,
    )  # fmt: skip


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_sigterm_stops_cleanly_after_rounds(
    tmp_path: Path, server: ArchiveServer, new_db: Callable[[str], str]
) -> None:
    url = new_db("watched")
    log = tmp_path / "watch.log"
    proc = watch(url, server, tmp_path / "data", log)
    wait_for(lambda: log.read_text().count("1 months") >= 2)  # it goes on after a round
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    err = log.read_text()
    assert proc.returncode == 0, err
    assert "SIGTERM" in err and err.rstrip().endswith("stopped")
    once = tmp_path / "once.db"
    done = run_cli("scrape", server.url("/"), "--month", "2023-July", "--rate", "0",
                   "--db", once, "--data-dir", tmp_path / "d2")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert count_messages(url) == count_messages(f"sqlite:///{once}")


def test_an_error_is_logged_and_the_next_round_retries(
    tmp_path: Path, server: ArchiveServer
) -> None:
    """SQLite only: a database directory that cannot be created until it can."""
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the database's directory should be\n")
    db = blocker / "x.db"
    log = tmp_path / "watch.log"
    proc = watch(f"sqlite:///{db}", server, tmp_path / "data", log)
    wait_for(lambda: log.read_text().count("trying again in 0.2 s") >= 2)
    assert proc.poll() is None, "an error must not end the job"
    blocker.unlink()
    wait_for(lambda: db.exists() and count_messages(f"sqlite:///{db}") > 0)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    assert "error:" in log.read_text()


def test_watch_follows_a_hyperkitty_list(tmp_path: Path, new_db: Callable[[str], str]) -> None:
    """Rounds over HyperKitty: the finished month is read once, then never asked again."""
    url = new_db("hyperkitty")
    log = tmp_path / "watch.log"
    with HyperKittyServer({LIBVIRT: mbox_messages(LIST / "backports-2023.mbox")}) as hk:
        proc = subprocess.Popen(
            [*CLI, "scrape", hk.list_url(LIBVIRT), "--month", "2023-07", "--rate", "0",
             "--db", url, "--data-dir", str(tmp_path / "data"), "--watch", "0.2"],
            stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True,
        )  # fmt: skip
        wait_for(lambda: log.read_text().count("1 months") >= 3)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()
        assert len(hk.export_requests(LIBVIRT)) == 1
    assert count_messages(url) == 16
    assert log.read_text().rstrip().endswith("stopped")

"""`reviewbot scrape` of a HyperKitty list and `reviewbot fetch`, as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.archive_server import ArchiveServer, Reply
from tests.conftest import LIST, migrated_sqlite, run_cli
from tests.dump import dump
from tests.hyperkitty_server import LIBVIRT, HyperKittyServer, mbox_messages

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

REVIEW = "r011-ada@example.org"
IMPORT_KEYS = {
    "messages_new",
    "messages_duplicate",
    "messages_failed",
    "messages_reconstructed",
    "series_new",
    "series_updated",
    "errors",
    "warnings",
}


@pytest.fixture(scope="module")
def hk() -> Iterator[HyperKittyServer]:
    with HyperKittyServer({LIBVIRT: mbox_messages(LIST / "backports-2023.mbox")}) as server:
        yield server


def test_scrape_two_months_then_nothing_more_to_fetch(
    tmp_path: Path, hk: HyperKittyServer, new_db: Callable[[str], str]
) -> None:
    scraped, imported = new_db("scraped"), new_db("imported")
    args = ["scrape", hk.list_url(LIBVIRT), "--month", "2023-07", "--month", "2023-August"]
    common = ["--rate", "0", "--db", scraped, "--data-dir", tmp_path / "data", "--json"]
    hk.clear_requests()
    first = run_cli(*args, *common)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == {
        "months": ["2023-07", "2023-08"],
        "pages_fetched": 3,
        "pages_cached": 0,
        "messages_new": 29,
        "messages_duplicate": 0,
        "errors": [],
        "warnings": [],
    }
    done = run_cli("import-mbox", LIST / "backports-2023.mbox", "--db", imported)
    assert done.exit_code == 0, done.stderr
    assert dump(scraped) == dump(imported)
    hk.clear_requests()
    again = run_cli(*args, *common)
    assert again.exit_code == 0 and json.loads(again.stdout)["messages_new"] == 0
    assert hk.export_requests(LIBVIRT) == []


def test_fetch_a_reply_imports_its_thread_and_names_its_series(
    tmp_path: Path, hk: HyperKittyServer
) -> None:
    db = migrated_sqlite(tmp_path / "f.db")
    common = ["--archive", hk.list_url(LIBVIRT), "--rate", "0", "--db", db]
    done = run_cli("fetch", f"<{REVIEW}>", *common, "--data-dir", tmp_path / "d", "--json")
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) == IMPORT_KEYS | {"series"}
    assert (report["messages_new"], report["series_new"]) == (16, 1)
    series = report["series"]
    assert (series["title"], series["version"], series["total"]) == (
        "qemu: backport fixes for 9.0.0",
        1,
        10,
    )
    assert REVIEW in {r for p in series["patches"] for r in p["replies"]}
    shown = run_cli("fetch", REVIEW, *common, "--data-dir", tmp_path / "d")
    assert shown.exit_code == 0, shown.stderr
    assert "thread of 16 messages: 0 new, 16 duplicate" in shown.stdout
    assert "qemu: backport fixes for 9.0.0" in shown.stdout


def test_fetch_reads_the_configured_archive(tmp_path: Path, hk: HyperKittyServer) -> None:
    done = run_cli(
        "fetch",
        "v2p01.1689665402.git.backports@example.org",
        "--rate",
        "0",
        "--db",
        migrated_sqlite(tmp_path / "c.db"),
        "--data-dir",
        tmp_path / "d",
        "--json",
        env={"REVIEWBOT_ARCHIVE": hk.list_url(LIBVIRT)},
    )
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["series"]["version"] == 2


def test_fetch_of_an_unknown_message_exits_3(tmp_path: Path, hk: HyperKittyServer) -> None:
    done = run_cli(
        "fetch", "nosuch@example.org", "--archive", hk.list_url(LIBVIRT), "--rate", "0",
        "--db", migrated_sqlite(tmp_path / "n.db"), "--data-dir", tmp_path / "d",
    )  # fmt: skip
    assert done.exit_code == 3
    assert "no message <nosuch@example.org>" in done.stderr


def test_an_unknown_list_exits_2(tmp_path: Path, hk: HyperKittyServer) -> None:
    url = hk.list_url("nosuch@lists.libvirt.org")
    done = run_cli("scrape", url, "--rate", "0", "--db", migrated_sqlite(tmp_path / "u.db"),
                   "--data-dir", tmp_path / "d")  # fmt: skip
    assert done.exit_code == 2
    assert "no such list in this archive" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2023-13"], "expected YYYY-MM or YYYY-Month"),
        (["--since", "July"], "--since 'July': expected YYYY-MM"),
        (["--list", "libvirt", "http://127.0.0.1:9/x/"], "not both"),
        (["--list", "qemu"], "known lists are libvirt"),
        (["--archive", "mailman2", "http://127.0.0.1:9/x/"], "expected one of"),
    ],
)
def test_bad_scrape_options_exit_2_before_any_request(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = run_cli(
        "scrape", *args, "--db", migrated_sqlite(tmp_path / "b.db"), "--data-dir", tmp_path / "d"
    )
    assert done.exit_code == 2 and message in done.stderr


def test_pipermail_months_can_be_named_2023_07(tmp_path: Path) -> None:
    common = [
        "--rate",
        "0",
        "--db",
        migrated_sqlite(tmp_path / "p.db"),
        "--data-dir",
        tmp_path / "d",
        "--json",
    ]
    with ArchiveServer(LIST) as server:
        done = run_cli("scrape", server.url("/"), "--month", "2023-07", *common)
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["months"], report["messages_new"]) == (["2023-July"], 16)


def test_a_scrape_stays_home_unless_a_host_is_allowed(tmp_path: Path) -> None:
    """issue 14: a 302 to another host was followed and its answer used."""
    with ArchiveServer(LIST) as home, ArchiveServer(LIST) as other:
        away = other.url("/index.html").replace("127.0.0.1", "localhost")
        home.always("/index.html", Reply(status=302, headers={"Location": away}))
        common = ["--month", "2023-July", "--rate", "0", "--data-dir", tmp_path / "d"]
        refused = run_cli(
            "scrape", home.url("/"), *common, "--db", migrated_sqlite(tmp_path / "a.db")
        )
        assert refused.exit_code == 2
        assert f"redirected to {away}" in refused.stderr
        assert "--allow-host localhost" in refused.stderr
        assert other.requests == []
        allowed = run_cli(
            "scrape",
            home.url("/"),
            *common,
            "--db",
            migrated_sqlite(tmp_path / "b.db"),
            "--allow-host",
            "localhost",
        )
        assert allowed.exit_code == 0, allowed.stderr
        assert [r.path for r in other.requests] == ["/index.html"]


def test_a_missing_text_archive_is_a_warning(tmp_path: Path) -> None:
    with ArchiveServer(LIST) as server:
        server.not_found("/2023-July.txt.gz")
        common = [
            "--rate",
            "0",
            "--db",
            migrated_sqlite(tmp_path / "w.db"),
            "--data-dir",
            tmp_path / "d",
        ]
        done = run_cli("scrape", server.url("/"), "--month", "2023-July", "--json", *common)
        text_archive = server.url("/2023-July.txt.gz")
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["messages_new"], report["errors"]) == (16, [])
    assert report["warnings"] == [
        {
            "url": text_archive,
            "warning": "HTTP 404: the message pages are read instead",
        }
    ]
    assert f"warning: {text_archive}: HTTP 404" in done.stderr

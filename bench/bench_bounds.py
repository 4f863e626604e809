"""Benchmark the bounds on input (issue 14): hostile input, peak memory of each process.

    python bench/bench_bounds.py [--size-gib 3] [--links 100000]

Feeds reviewbot, each case in a process of its own (peak RSS from ``os.wait4``):

- a gzip bomb: 3 GiB of zeros in a ~3 MB .gz (a good mail before them, a good
  file after), with the default bounds (the ratio bound stops it) and with the
  ratio bound off (all 3 GiB inflated as a stream);
- a 3 GiB message written by a generator into a FIFO (never on disk), a mail after it;
- a .gz of a few MB holding one 3 GiB message, the ratio bound off, a mail after it
  (it failed with OverflowError and lost the next mail);
- 40 messages of 4 MiB of NUL bytes each, all at the message bound (the dearest
  text there is: each NUL is stored as a 3-byte "␀"), a batch of them at a time;
- an endless HTTP body: a pipermail text archive that never ends, scraped;
- a thread page of 100,000 links, scraped (over the link bound), and parsed alone
  with no bound at all.

Each must stay under 200 MB and keep going: the mail after the hostile part is
stored, the run reports the input and exits as documented. Prints a table and
writes bench/out/bounds_results.json; exits 1 if a case misbehaves or goes over.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
GOAL_MIB = 200
MIB = 1 << 20
sys.path.insert(0, str(ROOT / "tests"))
from archive_server import ArchiveServer, Reply  # noqa: E402


def mail(msgid: str, body: bytes = b"Fine.\n") -> bytes:
    """A small valid message (its body given)."""
    return (
        f"From: Bench <bench@example.org>\nSubject: [PATCH] {msgid}\n"
        f"Message-ID: <{msgid}@example.org>\nDate: Tue, 18 Jul 2023 09:30:00 +0000\n\n"
    ).encode() + body


@dataclass
class Case:
    """One run: what it fed, how it ended, what it cost."""

    name: str
    seconds: float = 0.0
    rss_mib: float = 0.0
    exit_code: int = 0
    stored: list[str] = field(default_factory=list)
    said: str = ""  # the line of stderr that names the bound
    ok: bool = False


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, str]:
    """Run a command; (seconds, peak RSS in MiB, exit code, stderr)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT, env=full_env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    rss = usage.ru_maxrss / (MIB if sys.platform == "darwin" else 1024)
    return seconds, rss, os.waitstatus_to_exitcode(status), stderr


def reviewbot(*args: str | Path) -> list[str]:
    """The command line of a reviewbot run in this Python."""
    return [sys.executable, "-m", "reviewbot", *map(str, args)]


def stored(db: Path) -> list[str]:
    """The Message-IDs a database holds, sorted."""
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("select msgid from message"))


def first_line_with(stderr: str, word: str) -> str:
    """The first line of stderr that has word (shortened), or ""."""
    return next((line for line in stderr.splitlines() if word in line), "")[:160]


# -- inputs, made as streams -------------------------------------------------------


def write_gzip(path: Path, parts: Iterator[bytes]) -> int:
    """Compress the parts into path as they come; its size."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    with open(path, "wb") as out:
        for part in parts:
            out.write(packer.compress(part))
        out.write(packer.flush())
    return path.stat().st_size


def giant(size: int, line: bytes) -> Iterator[bytes]:
    """`size` bytes of `line` repeated, a MiB at a time."""
    block = line * (MIB // len(line))
    for _ in range(size // len(block)):
        yield block


def at_the_bound(count: int, size: int) -> Iterator[bytes]:
    """An mbox of `count` messages whose bodies are `size` NUL bytes."""
    for n in range(count):
        yield b"From nobody\n" + mail(f"nul{n}", bytes(size) + b"\n") + b"\n"


def bomb_parts(size: int) -> Iterator[bytes]:
    """A good mail, then one whose body is `size` zero bytes."""
    yield b"From nobody\n" + mail("before") + b"\nFrom nobody\n" + mail("bomb", b"")
    yield from giant(size, bytes(4096))


def message_parts(size: int) -> Iterator[bytes]:
    """One message of `size` bytes of text lines, then a good mail."""
    yield b"From nobody\n" + mail("giant", b"")
    yield from giant(size, b"x" * 4095 + b"\n")
    yield b"\nFrom nobody\n" + mail("after")


# -- the cases -------------------------------------------------------------------------


def case_import(
    name: str, work: Path, paths: list[Path], env: dict[str, str], expect: tuple[int, str]
) -> Case:
    """An import-mbox run that must exit expect[0] and say expect[1]."""
    db = work / f"import-{len(list(work.glob('import-*.db')))}.db"
    seconds, rss, code, stderr = run(reviewbot("import-mbox", "--db", db, *paths), env)
    case = Case(name, seconds, rss, code, stored(db), first_line_with(stderr, expect[1]))
    case.ok = code == expect[0] and bool(case.said)
    return case


def case_fifo(work: Path, size: int) -> Case:
    """The giant message written into a FIFO as it is generated: never on disk."""
    fifo = work / "giant.mbox"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as out:
            for part in message_parts(size):
                out.write(part)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    name = f"{size / (1 << 30):g} GiB message from a FIFO (a generator)"
    case = case_import(name, work, [fifo], {}, (0, "MAX_MESSAGE_SIZE"))
    writer.join(timeout=60)
    case.ok = case.ok and case.stored == ["after@example.org", "giant@example.org"]
    return case


def archive_site(work: Path, links: int) -> Path:
    """A pipermail archive: two months, July's text archive endless (served so), August's
    thread page holding `links` links."""
    site = work / "site"
    for month in ("2023-July", "2023-August"):
        (site / month).mkdir(parents=True)
    (site / "index.html").write_text(
        "<table><tr><td>2023 July:</td><td><a href='2023-July/thread.html'>[ Thread ]</a></td>"
        "<td><a href='2023-July.txt.gz'>[ Text ]</a></td></tr>"
        "<tr><td>2023 August:</td><td><a href='2023-August/thread.html'>[ Thread ]</a></td>"
        "</tr></table>\n"
    )
    (site / "2023-July" / "thread.html").write_text("<ul></ul>\n")
    # short subjects: under the page bound, so that the link bound is what stops it
    rows = "".join(f'<LI><A HREF="{i}.html">{i}</A>\n' for i in range(links))
    (site / "2023-August" / "thread.html").write_text(f"<html><body><ul>{rows}</ul></body></html>")
    return site


def case_scrape(name: str, work: Path, server: ArchiveServer, month: str, word: str) -> Case:
    """A scrape of one month that must exit 2 and name the bound (`word`)."""
    db = work / f"scrape-{month}.db"
    command = reviewbot(
        "scrape", server.url("/"), "--month", month, "--rate", "0", "--db", db,
        "--data-dir", work / f"data-{month}",
    )  # fmt: skip
    seconds, rss, code, stderr = run(command)
    case = Case(name, seconds, rss, code, stored(db), first_line_with(stderr, word))
    case.ok = code == 2 and bool(case.said)
    return case


def case_parse_unbounded(work: Path, site: Path, links: int) -> Case:
    """The many-link page parsed with no link bound: what the parser itself costs."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from reviewbot.ingest.pipermail import parse_thread_index\n"
        "page = Path(sys.argv[1]).read_bytes()\n"
        "entries = parse_thread_index(page, 'http://127.0.0.1/2023-August/thread.html', 0)\n"
        f"assert len(entries) == {links}, len(entries)\n"
    )
    page = site / "2023-August" / "thread.html"
    seconds, rss, code, stderr = run([sys.executable, "-c", script, str(page)])
    size = page.stat().st_size / MIB
    case = Case(f"{links:,}-link page ({size:.0f} MiB) parsed, no bound", seconds, rss, code)
    case.said = f"{links:,} entries" if code == 0 else stderr.strip().splitlines()[-1]
    case.ok = code == 0
    return case


def run_all(size: int, links: int, work: Path) -> list[Case]:
    """Every case in order, each printed as it ends."""
    cases: list[Case] = []

    def done(case: Case, ok: bool | None = None, said: str | None = None) -> None:
        case.ok = case.ok if ok is None else ok
        case.said = case.said if said is None else said
        cases.append(case)
        print_case(case)

    small = work / "small.mbox"
    small.write_bytes(b"From nobody\n" + mail("small"))
    case = case_import("baseline: a one-message mbox", work, [small], {}, (0, ""))
    done(case, case.exit_code == 0, "what any run costs")

    bomb = work / "bomb.mbox.gz"
    packed = write_gzip(bomb, bomb_parts(size))
    after = work / "after.mbox"
    after.write_bytes(b"From nobody\n" + mail("after"))
    gib = size / (1 << 30)
    name = f"gzip bomb ({packed / MIB:.1f} MiB .gz of {gib:g} GiB)"
    case = case_import(name, work, [bomb, after], {}, (2, "MAX_GZIP_RATIO"))
    done(case, case.ok and "after@example.org" in case.stored)
    off = {"REVIEWBOT_MAX_GZIP_RATIO": "0"}
    case = case_import(f"{name}, ratio bound off", work, [bomb, after], off, (0, ""))
    ok = case.exit_code == 0 and "after@example.org" in case.stored
    done(case, ok, "all inflated, as a stream; the mail after it stored")
    bomb.unlink()

    done(case_fifo(work, size))

    one = work / "one-giant.mbox.gz"
    packed = write_gzip(one, message_parts(size))
    name = f"{packed / MIB:.1f} MiB .gz holding one {gib:g} GiB message, ratio off"
    case = case_import(name, work, [one], off, (0, "MAX_MESSAGE_SIZE"))
    done(case, case.ok and "after@example.org" in case.stored)
    one.unlink()

    many = work / "at-the-bound.mbox"
    with open(many, "wb") as out:
        out.writelines(at_the_bound(40, 4 * MIB - 256))  # just under the bound: whole
    case = case_import("40 messages of 4 MiB of NUL bytes each", work, [many], {}, (0, ""))
    done(case, case.exit_code == 0 and len(case.stored) == 40, f"{len(case.stored)} stored")
    many.unlink()

    site = archive_site(work, links)
    with ArchiveServer(site) as server:
        server.always("/2023-July.txt.gz", Reply(endless=True))
        name = "endless HTTP body (a text archive), scraped"
        done(case_scrape(name, work, server, "2023-July", "MAX_BODY_SIZE"))
        name = f"{links:,}-link thread page, scraped"
        done(case_scrape(name, work, server, "2023-August", "MAX_LINKS"))
    done(case_parse_unbounded(work, site, links))
    return cases


def print_case(case: Case) -> None:
    """One row of the table."""
    mark = "ok" if case.ok and case.rss_mib < GOAL_MIB else "FAIL"
    print(
        f"{case.name:<58} {case.seconds:7.1f} s {case.rss_mib:7.1f} MiB  exit {case.exit_code}"
        f"  {mark}  {case.said}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gib", type=float, default=3.0, help="size of the giant inputs")
    parser.add_argument("--links", type=int, default=100_000, help="links on the thread page")
    args = parser.parse_args(argv)
    size = int(args.size_gib * (1 << 30))
    OUT.mkdir(parents=True, exist_ok=True)
    results_path = OUT / "bounds_results.json"
    results_path.unlink(missing_ok=True)  # never leave stale numbers behind
    print(f"peak RSS of each process, goal < {GOAL_MIB} MiB ({platform.machine()})")
    with tempfile.TemporaryDirectory(prefix="bench-bounds-") as tmp:
        cases = run_all(size, args.links, Path(tmp))
    results: dict[str, Any] = {
        "goal_mib": GOAL_MIB,
        "size_gib": args.size_gib,
        "links": args.links,
        "cases": [case.__dict__ for case in cases],
    }
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {results_path.relative_to(ROOT)}")
    return 0 if all(c.ok and c.rss_mib < GOAL_MIB for c in cases) else 1


if __name__ == "__main__":
    sys.exit(main())

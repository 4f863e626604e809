"""Benchmark `reviewbot upstream`: the patch-id index of a long history, and checking a
10-patch series against it with a cold and a warm index.

    python bench/bench_upstream.py [--commits 50000] [--runs 5]

Generates (once, cached in bench/out/history-N.git) a deterministic history of N
commits with `git fast-import`: 300 C-like files, each commit changing one to three
lines of one file (sometimes adding one), 40 authors, dates spread over the two years
before HEAD (so the default range holds them all), a tag every 1,000 commits. A
10-patch series is mailed from it: seven commits as they are (exact), two rebased onto
other context (similar), one change no commit has (not-found). Then times:
  - building the patch-id index of the whole history (`update_index`, empty index),
  - `check_upstream` of the series with a cold index (an empty index directory: it
    builds the index first) and with a warm one (median of --runs), the latter also
    after `git commit-graph write` (what `git gc` leaves: rev-list reads it),
  - the `reviewbot upstream --json` command with the warm index (Python start-up included).
Writes bench/out/upstream_results.json. Goal (issue 16): the index built in minutes,
a warm check of 10 patches in under a second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
FILES = 300
LINES = 40
AUTHORS = [(f"Dev {n}", f"dev{n}@example.org") for n in range(40)]
WORDS = ["qemu", "conf", "util", "storage", "rpc", "fix", "leak", "check", "drop", "parse"]
START = 1_600_000_000  # 2020-09-13: the history's first commit
SPAN = 2 * 365 * 86400 - 86400  # every commit within two years of HEAD
ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}

sys.path.insert(0, str(ROOT))
from reviewbot.apply.history import history_range, update_index  # noqa: E402
from reviewbot.db import open_engine  # noqa: E402
from reviewbot.ingest.patchindex import PatchIndex  # noqa: E402
from reviewbot.pipeline.importer import import_paths  # noqa: E402
from reviewbot.pipeline.upstream import check_upstream  # noqa: E402


def git(repo: Path, *args: str, input: str | None = None) -> str:
    """Run git in repo and return its output."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        input=input,
        env=ENV,
    )
    return done.stdout


def _line(rng: random.Random) -> str:
    name, call = rng.choice(WORDS), rng.choice(WORDS)
    return f"    {name}_{rng.randrange(10**6)} = {call}({rng.randrange(99)});"


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def generate(repo: Path, commits: int) -> None:
    """A deterministic history of `commits` commits, written with git fast-import."""
    rng = random.Random(16)
    files = {
        f"src/mod{k % 30}/file{k}.c": [f"/* file {k} */", *(_line(rng) for _ in range(LINES))]
        for k in range(FILES)
    }
    git(repo, "init", "-q", "--bare")
    proc = subprocess.Popen(
        ["git", "-C", str(repo), "fast-import", "--quiet"], stdin=subprocess.PIPE, env=ENV
    )
    assert proc.stdin is not None
    write = proc.stdin.write
    for n in range(1, commits + 1):
        name, email = AUTHORS[rng.randrange(len(AUTHORS))]
        when = START + SPAN * n // commits
        if n == 1:
            changed = list(files)
            message = "Initial import\n"
        else:
            path = rng.choice(list(files))
            lines = files[path]
            for _ in range(rng.randint(1, 3)):
                lines[rng.randrange(1, len(lines))] = _line(rng)
            if rng.random() < 0.3:
                lines.insert(rng.randrange(1, len(lines)), _line(rng))
            changed = [path]
            module = path.split("/")[1]
            message = f"{module}: {rng.choice(WORDS)} {rng.choice(WORDS)} in change {n}\n\nBody.\n"
        head = f"commit refs/heads/master\nmark :{n}\n"
        head += f"author {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n"
        write(head.encode() + _data(message))
        if n > 1:
            write(f"from :{n - 1}\n".encode())
        for path in changed:
            write(f"M 100644 inline {path}\n".encode() + _data("\n".join(files[path]) + "\n"))
        write(b"\n")
        if n % 1000 == 0:
            write(f"reset refs/tags/v{n // 1000}.0\nfrom :{n}\n\n".encode())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    git(repo, "symbolic-ref", "HEAD", "refs/heads/master")


def history(commits: int) -> Path:
    """The cached generated history (bare), made the first time."""
    repo = OUT / f"history-{commits}.git"
    if not (repo / "refs" / "heads" / "master").exists() and not (repo / "packed-refs").exists():
        shutil.rmtree(repo, ignore_errors=True)
        repo.mkdir(parents=True)
        start = time.perf_counter()
        generate(repo, commits)
        print(f"generated {commits} commits in {time.perf_counter() - start:.1f} s")
    return repo


def rebased(diff: str) -> str:
    """The same change with its first context line dropped: another patch-id."""
    lines = diff.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("@@ ") and lines[i + 1].startswith(" "):
            old, new = line.split(" ")[1:3]
            o_start, o_len = (int(x) for x in old[1:].split(","))
            n_start, n_len = (int(x) for x in new[1:].split(","))
            lines[i] = f"@@ -{o_start + 1},{o_len - 1} +{n_start + 1},{n_len - 1} @@"
            del lines[i + 1]
            break
    return "\n".join(lines)


def series_mbox(tree: Path, path: Path) -> None:
    """Ten patch mails: seven commits as they are, two rebased, one found nowhere."""
    log = git(tree, "log", "--format=%H%x1f%an%x1f%ae%x1f%s").splitlines()[:-1]  # not the import
    step = max(1, (len(log) - 100) // 9)
    picked = log[100::step][:9]  # commits of every age
    mails = []
    for n, line in enumerate(picked, 1):
        commit, name, email, subject = line.split("\x1f")
        diff = git(tree, "show", "--format=", "-p", commit)
        if n in (4, 8):
            diff = rebased(diff)
        mails.append((n, name, email, subject, diff))
    head_file = git(tree, "ls-tree", "--name-only", "-r", "HEAD").split()[0]
    first = git(tree, "show", f"HEAD:{head_file}").split("\n")[0]
    fresh = (
        f"diff --git a/{head_file} b/{head_file}\n--- a/{head_file}\n+++ b/{head_file}\n"
        f"@@ -1 +1,2 @@\n {first}\n+/* a line no commit has */\n"
    )
    mails.append((10, "Dev 0", "dev0@example.org", "util: a change nobody made", fresh))
    out = []
    for n, name, email, subject, diff in mails:
        out.append(
            f"From bench Thu Jan  1 00:00:00 1970\nFrom: {name} <{email}>\n"
            f"Date: Tue, 18 Jul 2023 09:{n:02d}:00 +0000\n"
            f"Subject: [PATCH {n:02d}/10] {subject}\nMessage-ID: <bench-{n}@example.org>\n"
            + ("In-Reply-To: <bench-1@example.org>\n" if n > 1 else "")
            + f"\nA change.\n\nSigned-off-by: {name} <{email}>\n---\n{diff}-- \n2.39.2\n\n"
        )
    path.write_text("".join(out))


def timed_checks(engine: Engine, tree: Path, index: Path, runs: int) -> list[float]:
    """Seconds of each of `runs` checks of series 1 with the index in `index`."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        check_upstream(engine, "series", 1, tree, index_dir=index)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> int:
    """Build, check cold and warm, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    bare = history(args.commits)
    with tempfile.TemporaryDirectory(prefix="bench-upstream-") as tmp:
        work = Path(tmp)
        tree = work / "tree"
        git(work, "clone", "-q", "--shared", str(bare), str(tree))
        commits = len(history_range(tree, "HEAD").commits)
        start = time.perf_counter()
        indexed = update_index(
            tree, PatchIndex(work / "built"), history_range(tree, "HEAD").commits
        )
        build = time.perf_counter() - start
        series_mbox(tree, work / "series.mbox")
        engine = open_engine(f"sqlite:///{work / 'bench.db'}")
        import_paths(engine, [work / "series.mbox"])
        start = time.perf_counter()
        cold = check_upstream(engine, "series", 1, tree, index_dir=work / "index")
        cold_s = time.perf_counter() - start
        warm_s = timed_checks(engine, tree, work / "index", args.runs)
        # `git gc` (or `git maintenance`) leaves a commit-graph, which makes rev-list fast
        git(tree, "commit-graph", "write", "--reachable")
        graph_s = timed_checks(engine, tree, work / "index", args.runs)
        warm = check_upstream(engine, "series", 1, tree, index_dir=work / "index")
        cli = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "reviewbot", "upstream", "1", "--tree", str(tree),
                 "--db", str(work / "bench.db"), "--data-dir", str(work), "--json"],
                check=True, capture_output=True,
            )  # fmt: skip
            cli.append(time.perf_counter() - start)
        engine.dispose()
    matches = [c.found.match for c in warm.patches]
    rows = {
        "commits in the range": commits,
        "index build (s)": round(build, 2),
        "index build (commits/s)": round(indexed / build),
        "check, cold index (s)": round(cold_s, 2),
        "check, warm index (s, median)": round(statistics.median(warm_s), 3),
        "check, warm index, commit-graph (s, median)": round(statistics.median(graph_s), 3),
        "`reviewbot upstream` command, warm (s, median)": round(statistics.median(cli), 2),
    }
    for name, value in rows.items():
        print(f"{name:48s} {value}")
    print(f"matches: {matches}; cold run indexed {cold.indexed} commits")
    (OUT / "upstream_results.json").write_text(
        json.dumps({**rows, "matches": matches, "runs": args.runs}, indent=2)
    )
    expected = ["exact"] * 3 + ["similar"] + ["exact"] * 3 + ["similar", "exact", "not-found"]
    return 0 if matches == expected else 1


if __name__ == "__main__":
    sys.exit(main())

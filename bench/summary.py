"""The numbers of the last `make bench` as one Markdown table, for README's Speed section.

    python bench/summary.py

Reads what the benchmarks wrote to bench/out/ (results.json, results-pg.json,
link_results.json, jobs.json, startup.json, store_results.json, b4.json,
bounds_results.json, ui_results.json, api_results.json); a benchmark that did
not run shows as "not run", one that failed in this `make bench` (its file older than
bench/out/.started) as "an earlier run's". Each figure with a goal says whether it
meets it.
Prints the table with the date and machine, and writes it to bench/out/summary.md.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
MIB = 2**20


Row = tuple[str, str, str]  # figure, value, goal (issue 18's, or the benchmark's own)

# issue 18's targets on this 2-core machine
IMPORT_GOAL, PG_GOAL, LINK_GOAL, B4_GOAL, STARTUP_GOAL, RSS_GOAL = 3000, 2000, 2000, 10, 0.3, 200


def load(name: str) -> dict[str, Any] | None:
    """A benchmark's JSON result, or None when it did not run."""
    path = OUT / name
    return json.loads(path.read_text()) if path.exists() else None


def goal(met: bool, wanted: str) -> str:
    """A goal and whether the figure meets it."""
    return f"{wanted}: {'met' if met else 'NOT met'}"


def import_rows(found: dict[str, Any]) -> list[Row]:
    """SQLite import: messages/s, peak RSS and DB size / mbox size per corpus."""
    out: list[Row] = []
    for run in found["runs"]:
        name = f"{run['corpus_messages'] // 1000}k"
        rate = run["messages_per_second"]
        wanted = goal(rate >= IMPORT_GOAL, f">= {IMPORT_GOAL:,}") if name == "50k" else ""
        out.append((f"SQLite import, {name} messages", f"{rate:,.0f} msg/s", wanted))
        rss = run["peak_rss_mib"]
        out.append(
            (f"peak RSS, {name}", f"{rss:.0f} MiB", goal(rss < RSS_GOAL, f"< {RSS_GOAL} MiB"))
        )
        ratio = run["db_bytes"] / run["corpus_bytes"]
        out.append((f"SQLite file / mbox, {name}", f"{ratio:.2f}x", goal(ratio <= 2, "<= 2x")))
    return out


def pg_rows(found: dict[str, Any]) -> list[Row]:
    """PostgreSQL import (COPY) with one and two importers."""
    return [
        (
            f"PostgreSQL import, {r['importers']} importer(s)",
            f"{rate:,.0f} msg/s",
            goal(rate >= PG_GOAL, f">= {PG_GOAL:,}") if r["importers"] == 1 else "",
        )
        for r in found["imports"]
        if (rate := r["messages_per_second"])
    ]


def link_rows(found: dict[str, Any]) -> list[Row]:
    """`reviewbot link` replies/s."""
    rate = found["replies_per_s"]
    return [("link", f"{rate:,} replies/s", goal(rate >= LINK_GOAL, f">= {LINK_GOAL:,}"))]


def store_rows(found: dict[str, Any]) -> list[Row]:
    """Database sizes before and after, and search timings on both backends."""
    out: list[Row] = []
    for row in found["sizes"]:
        mbox = row["mbox_bytes"]
        now = f"{row['after']['db_bytes'] / MIB:.0f} MiB ({row['after']['db_bytes'] / mbox:.2f}x)"
        if "before" in row:
            was = row["before"]["db_bytes"]
            now = f"{was / MIB:.0f} MiB ({was / mbox:.2f}x) -> {now}"
        out.append((f"SQLite file, {row['corpus']} ({mbox / MIB:.0f} MiB mbox)", now, ""))
    pg = found["postgresql"]
    if "db_bytes" in pg:
        out.append(("PostgreSQL database, 10k", f"{pg['db_bytes'] / MIB:.0f} MiB", ""))
    for words, lite in found["sqlite_search"].items():
        on_pg = pg.get("search", {}).get(words)
        both = f"{lite['ms']:.1f} ms SQLite" + (f", {on_pg['ms']:.1f} ms PG" if on_pg else "")
        out.append((f"search '{words}' (10k, {lite['hits']} hits)", both, ""))
    return out


def b4_rows(found: dict[str, Any]) -> list[Row]:
    """The side-by-side run with b4's library."""
    best, n = found["best"], found["messages"]
    mine, theirs = best["reviewbot"], best["b4"]
    ratio = found["ratio"]
    return [
        (
            f"reviewbot vs b4 {found['b4']}, {n // 1000}k",
            f"{ratio:.1f}x ({n / mine['seconds']:,.0f} vs {n / theirs['seconds']:,.0f} msg/s)",
            goal(ratio >= B4_GOAL, f">= {B4_GOAL}x"),
        ),
        (
            "peak RSS reviewbot / b4",
            f"{mine['peak_rss_mib']:.0f} / {theirs['peak_rss_mib']:.0f} MiB",
            "",
        ),
    ]


def jobs_rows(found: dict[str, Any]) -> list[Row]:
    """bench_jobs.py: each step with N worker processes."""
    return [
        (
            f"{r['step']}, --jobs {r['jobs']}",
            f"{r['per_second']:,}/s, {r['peak_rss_mib']:.0f} MiB",
            "",
        )
        for r in found["runs"]
    ]


def startup_rows(found: dict[str, Any]) -> list[Row]:
    """bench_startup.py: each command's median wall time."""
    return [
        (
            f"start-up, {r['command']}",
            f"{r['wall_median']:.2f} s",
            goal(r["wall_median"] < STARTUP_GOAL, f"< {STARTUP_GOAL} s"),
        )
        for r in found["runs"]
    ]


def bounds_rows(found: dict[str, Any]) -> list[Row]:
    """bench_bounds.py: the hostile input that cost the most memory."""
    worst = max(found["cases"], key=lambda c: c["rss_mib"])
    fine = all(c["ok"] for c in found["cases"])
    return [
        (
            f"hostile input, peak RSS ({worst['name']})",
            f"{worst['rss_mib']:.0f} MiB",
            goal(worst["rss_mib"] < RSS_GOAL and fine, f"< {RSS_GOAL} MiB, every case ok"),
        )
    ]


def ui_rows(found: dict[str, Any]) -> list[Row]:
    """bench_ui.py: the slowest page's p95."""
    worst = max(found["pages"], key=lambda p: p["p95_ms"])
    p95 = worst["p95_ms"]
    wanted = goal(p95 < found["goal_p95_ms"], f"< {found['goal_p95_ms']:.0f} ms")
    return [(f"web UI p95, slowest page ({worst['page']})", f"{p95:.0f} ms", wanted)]


def api_rows(found: dict[str, Any]) -> list[Row]:
    """bench_api.py: patch detail throughput and p99."""
    detail, wanted = found["patch_detail"], found["goal"]
    return [
        (
            "API patch detail (SQLite)",
            f"{detail['req_per_s']:,} req/s, p99 {detail['p99_ms']:.0f} ms",
            goal(wanted["met"], f">= {wanted['req_per_s']} req/s, p99 < {wanted['p99_ms']:.0f} ms"),
        )
    ]


SOURCES: list[tuple[str, str, Callable[[dict[str, Any]], list[Row]]]] = [
    ("results.json", "SQLite import (bench_import.py)", import_rows),
    ("results-pg.json", "PostgreSQL import (bench_pg.py)", pg_rows),
    ("link_results.json", "link (bench_link.py)", link_rows),
    ("jobs.json", "worker processes (bench_jobs.py)", jobs_rows),
    ("startup.json", "start-up (bench_startup.py)", startup_rows),
    ("store_results.json", "storage and search (bench_store.py)", store_rows),
    ("b4.json", "b4 side by side (bench_b4.py)", b4_rows),
    ("bounds_results.json", "hostile input (bench_bounds.py)", bounds_rows),
    ("ui_results.json", "web UI (bench_ui.py)", ui_rows),
    ("api_results.json", "REST API (bench_api.py)", api_rows),
]


def table() -> str:
    """The Markdown table of every benchmark's figures."""
    lines = ["| figure | value | goal |", "| --- | --- | --- |"]
    for name, what, rows in SOURCES:
        found = load(name)
        if found is None:
            lines.append(f"| {what} | not run | |")
            continue
        # a benchmark that failed in this run left the last run's figures
        old = " (an earlier run's)" if _earlier(OUT / name) else ""
        lines += [f"| {fig} | {value}{old} | {wanted} |" for fig, value, wanted in rows(found)]
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    return f"Measured {time.strftime('%Y-%m-%d')} on {machine}.\n\n" + "\n".join(lines) + "\n"


def _earlier(path: Path) -> bool:
    """Whether a result file predates the start of this `make bench` (bench/out/.started)."""
    started = OUT / ".started"
    return started.exists() and path.stat().st_mtime < started.stat().st_mtime


def main() -> int:
    """Command-line entry point."""
    text = table()
    print(text, end="")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

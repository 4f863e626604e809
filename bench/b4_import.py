"""What `b4 am` does, for every series of an mbox, with b4's library (run in b4's venv).

    bench/out/b4-venv/bin/python bench/b4_import.py MBOX

bench/bench_b4.py runs this beside `reviewbot import-mbox` on the same file. b4
works on one thread at a time (`b4 am` fetches a thread from lore), so the mbox
is split with b4's own splitter and its messages grouped into threads by
Message-ID, In-Reply-To and References; each thread goes into a LoreMailbox
as `b4 am` puts it (mbox.make_am), and each revision found is made am-ready
with the follow-up trailers collected (LoreSeries.get_am_ready). Attestation
is off: it asks DNS, which this machine cannot reach, and reviewbot does not
check it either. Prints one JSON object: seconds, messages, threads, series,
patches, trailers.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import defaultdict
from email.message import EmailMessage
from pathlib import Path

import b4  # type: ignore[import-not-found]

_IDS = ("Message-ID", "In-Reply-To", "References")


def _ids(msg: EmailMessage) -> list[str]:
    """The Message-IDs a message names: its own first, then the ones it answers."""
    out = []
    for header in _IDS:
        for value in msg.get_all(header) or []:
            out += [part.strip("<> \t") for part in str(value).split() if "@" in part]
    return out


def threads(msgs: list[EmailMessage]) -> list[list[EmailMessage]]:
    """The messages grouped into threads (union-find over the Message-IDs they name)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    keys = []
    for n, msg in enumerate(msgs):
        ids = _ids(msg) or [f"no-id-{n}"]
        for other in ids[1:]:
            parent[root(other)] = root(ids[0])
        keys.append(ids[0])
    grouped: dict[str, list[EmailMessage]] = defaultdict(list)
    for key, msg in zip(keys, msgs, strict=True):
        grouped[root(key)].append(msg)
    return list(grouped.values())


def am_ready(thread: list[EmailMessage]) -> tuple[int, int, int]:
    """`b4 am` of one thread: (series, patches, trailers collected)."""
    mailbox = b4.LoreMailbox()
    for msg in thread:
        mailbox.add_message(msg)
    series = patches = trailers = 0
    for revision in sorted(mailbox.series):
        # codereview trailers come from a lore search: there is no network here
        lser = mailbox.get_series(revision, codereview_trailers=False)
        if lser is None:
            continue
        ready = lser.get_am_ready(noaddtrailers=False, addlink=False)
        series += 1
        patches += len(ready)
        trailers += sum(len(p.followup_trailers) for p in lser.patches if p is not None)
    return series, patches, trailers


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    logging.getLogger("b4").setLevel(logging.CRITICAL)
    config = b4.get_main_config()
    config["attestation-policy"] = "off"
    started = time.perf_counter()
    msgs = b4.mailsplit_bytes(Path(argv[0]).read_bytes())
    found = threads(msgs)
    totals = [0, 0, 0]
    for thread in found:
        for i, n in enumerate(am_ready(thread)):
            totals[i] += n
    seconds = time.perf_counter() - started
    series, patches, trailers = totals
    print(
        json.dumps(
            {
                "seconds": round(seconds, 3),
                "messages": len(msgs),
                "threads": len(found),
                "series": series,
                "patches": patches,
                "trailers": trailers,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Generate a deterministic, libvir-list-like mbox for benchmarking ``reviewbot import-mbox``.

    python bench/gen_corpus.py [--messages 50000] [--out bench/out/corpus.mbox] [--seed N]

Patch series of 1-12 patches (with a cover letter when there is more than one),
about 30% of them re-posted as v2, reviews quoting hunks with inline comments,
Reviewed-by trailers, author follow-ups and "Pushed, thanks." notes. Every diff is
cut from a real file of tests/data/libvirt-9.0.0-subset.tar.xz. Messages are written
as they fall due, so memory does not grow with the corpus. A manifest with the
counts is written next to the mbox as ``<out>.json``.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import corpus_text as text
from corpus_mail import MboxWriter, client_id, send_email_id, uses_mutt
from corpus_source import CONTEXT, SourceFile, load_tree, make_file_diff, pick_anchors
from corpus_text import MAINTAINERS, PEOPLE, Person
from corpus_thread import (
    Patch,
    Posting,
    Review,
    Version,
    cover_body,
    followup_body,
    patch_body,
    pushed_body,
    reply_headers,
    review_body,
    send_headers,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "out" / "corpus.mbox"
DEFAULT_SOURCE = ROOT / "tests" / "data" / "libvirt-9.0.0-subset.tar.xz"
DEFAULT_SEED = 20230116
GENERATOR_VERSION = 1
START = datetime(2023, 1, 16, 8, 0, tzinfo=UTC)
_SIZE_WEIGHTS = [35, 15, 12, 9, 7, 6, 4, 4, 2, 2, 2, 2]  # for 1..12 patches


class CorpusGenerator:
    """Plans series, schedules their messages on a clock and writes them in date order."""

    def __init__(self, tree: list[SourceFile], writer: MboxWriter, seed: int) -> None:
        self.tree = tree
        self.weights = [len(f.lines) ** 0.5 for f in tree]
        self.writer = writer
        self.rng = random.Random(seed)
        self.heap: list[tuple[float, int, str, tuple[Any, ...]]] = []
        self.seq = 0
        self.serials = 0
        self.stats: Counter[str] = Counter()
        self.first: datetime | None = None
        self.last = START

    def run(self, total: int) -> None:
        """Write exactly ``total`` messages."""
        reserved, clock = 0, START
        while reserved < total:
            clock += timedelta(minutes=self.rng.expovariate(1 / 85))
            self._drain(clock.timestamp())
            sender = self.rng.choice(PEOPLE)
            plan = self._plan(sender, total - reserved)
            reserved += sum(v.count() for v in plan)
            self.stats["series"] += 1
            self._post(plan, 0, None, sender, clock)
        self._drain(float("inf"))
        assert self.writer.messages == total, (self.writer.messages, total)

    def _push(self, when: datetime, kind: str, args: tuple[Any, ...], delay: float) -> None:
        key = when.timestamp() + self.rng.uniform(0, delay)
        heapq.heappush(self.heap, (key, self.seq, kind, args))
        self.seq += 1

    def _drain(self, until: float) -> None:
        while self.heap and self.heap[0][0] <= until:
            _, _, kind, args = heapq.heappop(self.heap)
            getattr(self, "_do_" + kind)(*args)

    def _plan(self, sender: Person, budget: int) -> list[Version]:
        rng = self.rng
        others = [p for p in PEOPLE if p is not sender]
        n = rng.choices(range(1, 13), _SIZE_WEIGHTS)[0]
        sizes = [n]
        if rng.random() < 0.3:
            sizes.append(n + int(n < 12 and rng.random() < 0.2))
        plan = []
        for i, size in enumerate(sizes):
            final = i == len(sizes) - 1
            reviews = []
            for target in range(0 if size > 1 else 1, size + 1):
                if rng.random() < (0.3 if target == 0 else 0.35 if final else 0.6):
                    rb = rng.random() < (0.7 if target == 0 or final else 0.2)
                    followup = target > 0 and rng.random() < 0.3
                    reviews.append(Review(target, rng.choice(others), rb, followup))
            plan.append(Version(size, reviews, final and rng.random() < 0.6))
        while sum(v.count() for v in plan) > budget:  # fit the message budget exactly
            with_followup = [r for v in plan for r in v.reviews if r.followup]
            if with_followup:
                with_followup[-1].followup = False
            elif any(v.reviews for v in plan):
                next(v for v in reversed(plan) if v.reviews).reviews.pop()
            elif plan[-1].pushed:
                plan[-1].pushed = False
            elif len(plan) > 1:
                plan.pop()
            else:
                plan[0].n -= 1
        return plan

    def _new_patch(self, sender: Person) -> Patch:
        rng = self.rng
        src = rng.choices(self.tree, self.weights)[0]
        anchors = pick_anchors(src, rng.choices((1, 2, 3), (55, 30, 15))[0], rng)
        spec = [(src, anchors)]
        header = next((f for f in self.tree if f.path == src.path[:-1] + "h"), None)
        if header is not None and rng.random() < 0.3:
            spec.append((header, pick_anchors(header, 1, rng)))
        elif rng.random() < 0.1:
            other = rng.choice([f for f in self.tree if f is not src])
            spec = sorted([*spec, (other, pick_anchors(other, 1, rng))], key=lambda s: s[0].path)
        diffs = [make_file_diff(f, where, rng) for f, where in spec]
        fn = text.func_ident(src.funcname(max(0, anchors[0] - CONTEXT)), Path(src.path).stem)
        author = sender if rng.random() > 0.1 else rng.choice(PEOPLE)
        subject = text.patch_subject(src.path, fn, rng)
        return Patch(spec, author, subject, text.commit_message(fn, src.path, rng), diffs, [])

    def _post(
        self, plan: list[Version], idx: int, prev: Posting | None, sender: Person, date: datetime
    ) -> None:
        rng, ver = self.rng, plan[idx]
        if prev is None:
            patches = [self._new_patch(sender) for _ in range(ver.n)]
            main = patches[0].spec[0][0].path
            title = text.series_title(main, rng) if ver.n > 1 else patches[0].subject
            tagged = rng.random() < 0.85
        else:
            patches = []
            for k, old in enumerate(prev.patches, 1):
                rbs = [r for r in prev.plan.reviews if r.rb and r.target in (0, k)]
                diffs = [make_file_diff(f, anchors, rng) for f, anchors in old.spec]
                trailers = old.trailers + [f"Reviewed-by: {r.reviewer.ident}" for r in rbs]
                patches.append(
                    Patch(old.spec, old.author, old.subject, old.message, diffs, trailers)
                )
            patches += [self._new_patch(sender) for _ in range(ver.n - len(patches))]
            title, tagged = prev.title, prev.tagged
            self.stats["v2"] += 1
        self.serials += 1
        pid = 1_000_000 + (self.serials * 7919) % 9_000_000
        ids = [
            send_email_id(date + timedelta(seconds=k), pid, k + 1, sender) for k in range(ver.n + 1)
        ]
        if ver.n == 1:
            ids[0] = ""
        refs: list[str] = []
        if prev is not None and rng.random() < (0.4 if prev.ids[0] else 0.3):
            root = 0 if prev.ids[0] else 1
            refs = [*prev.thread(root), prev.ids[root]]
        cover = text.cover_text(patches[0].spec[0][0].path, rng)
        post = Posting(
            self.serials, idx + 1, sender, title, tagged, patches, date, ids, refs, ver, cover
        )
        for k in range(0 if ver.n > 1 else 1, ver.n + 1):
            self._push(post.sent(k), "send", (post, k), delay=2.5)
        last = date + timedelta(seconds=ver.n)
        for review in ver.reviews:
            review.date = date + timedelta(minutes=40 + rng.lognormvariate(5.5, 1.1))
            review.msgid = client_id(review.reviewer, self._serial(), rng)
            self._push(review.date, "review", (post, review), delay=300)
            last = max(last, review.date)
            if review.followup:
                when = review.date + timedelta(minutes=30 + rng.lognormvariate(5, 1))
                self._push(when, "followup", (post, review, when), delay=300)
                last = max(last, when)
        if ver.pushed:
            when = last + timedelta(hours=rng.uniform(20, 120))
            maintainer = rng.choice([m for m in MAINTAINERS if m is not sender])
            self._push(when, "pushed", (post, maintainer, when), delay=300)
        if idx + 1 < len(plan):
            when = last + timedelta(hours=rng.uniform(6, 240))
            self._push(when, "post", (plan, idx + 1, post, sender, when), delay=0)

    def _do_post(self, *args: Any) -> None:
        self._post(*args)

    def _serial(self) -> int:
        self.stats["client_ids"] += 1
        return self.stats["client_ids"]

    def _emit(
        self, sender: Person, when: datetime, headers: list[tuple[str, str]], body: list[str]
    ) -> None:
        qp = not uses_mutt(sender) and any(h[0] == "User-Agent" for h in headers)
        self.writer.write(sender, when, headers, body, qp=qp and self.rng.random() < 0.3)
        self.first = min(self.first or when, when)
        self.last = max(self.last, when)

    def _do_send(self, post: Posting, k: int) -> None:
        cc = self.rng.choice(MAINTAINERS) if self.rng.random() < 0.2 else None
        headers = send_headers(post, k, cc)
        body = cover_body(post) if k == 0 else patch_body(post, post.patches[k - 1], self.rng)
        self.stats["covers" if k == 0 else "patches"] += 1
        self._emit(post.sender, post.sent(k), headers, body)

    def _do_review(self, post: Posting, review: Review) -> None:
        k = review.target
        body = review_body(post, review, self.rng)
        refs = [*post.thread(k), post.ids[k]]
        headers = reply_headers(review.reviewer, post.sender, post.subject(k), review.msgid, refs)
        self.stats["reviews"] += 1
        self._emit(review.reviewer, review.date, headers, body)

    def _do_followup(self, post: Posting, review: Review, when: datetime) -> None:
        k, sender = review.target, post.sender
        body = followup_body(review, sender, self.rng)
        refs = [*post.thread(k), post.ids[k], review.msgid]
        msgid = client_id(sender, self._serial(), self.rng)
        headers = reply_headers(sender, review.reviewer, post.subject(k), msgid, refs)
        self.stats["followups"] += 1
        self._emit(sender, when, headers, body)

    def _do_pushed(self, post: Posting, maintainer: Person, when: datetime) -> None:
        k = 0 if post.ids[0] else 1
        body = pushed_body(post, maintainer, self.rng)
        refs = [*post.thread(k), post.ids[k]]
        msgid = client_id(maintainer, self._serial(), self.rng)
        headers = reply_headers(maintainer, post.sender, post.subject(k), msgid, refs)
        self.stats["pushed"] += 1
        self._emit(maintainer, when, headers, body)


def relative_to_repo(path: Path) -> str:
    """A path as the bench files record it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def generate(
    out: Path, messages: int, seed: int = DEFAULT_SEED, source: Path = DEFAULT_SOURCE
) -> dict[str, Any]:
    """Write a corpus of exactly ``messages`` messages to ``out``; return its manifest."""
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with open(partial, "wb", buffering=1 << 20) as stream:
        writer = MboxWriter(stream)
        gen = CorpusGenerator(load_tree(source), writer, seed)
        gen.run(messages)
    partial.replace(out)
    elapsed = time.perf_counter() - started
    manifest: dict[str, Any] = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "source": relative_to_repo(source),
        "messages": writer.messages,
        "bytes": writer.bytes,
        "series": gen.stats["series"],
        "postings": gen.serials,
        "v2_postings": gen.stats["v2"],
        "covers": gen.stats["covers"],
        "patches": gen.stats["patches"],
        "replies": gen.stats["reviews"] + gen.stats["followups"] + gen.stats["pushed"],
        "reviews": gen.stats["reviews"],
        "followups": gen.stats["followups"],
        "pushed": gen.stats["pushed"],
        "first_date": gen.first.replace(microsecond=0).isoformat() if gen.first else None,
        "last_date": gen.last.replace(microsecond=0).isoformat(),
        "seconds": round(elapsed, 3),
    }
    Path(str(out) + ".json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=50000, help="messages to write")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="mbox file to write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="subset tarball")
    args = parser.parse_args(argv)
    if args.messages < 1:
        parser.error("--messages must be at least 1")
    m = generate(args.out, args.messages, args.seed, args.source)
    print(
        f"{args.out}: {m['messages']} messages ({m['covers']} cover letters,"
        f" {m['patches']} patches,"
        f" {m['replies']} replies) in {m['series']} series ({m['postings']} postings,"
        f" {m['v2_postings']} v2), {m['bytes']} bytes ({m['bytes'] / 2**20:.1f} MiB),"
        f" {m['first_date'][:10]} .. {m['last_date'][:10]};"
        f" {m['seconds']:.1f} s, {m['messages'] / m['seconds']:.0f} messages/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

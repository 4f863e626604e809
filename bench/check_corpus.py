"""Check a generated benchmark corpus independently of the generator's own bookkeeping.

    python bench/check_corpus.py [bench/out/corpus.mbox] [--expect N]

Parses the mbox with Python's ``mailbox.mbox`` and checks: the message count
(against --expect, else against the ``<mbox>.json`` manifest), unique
Message-IDs, parseable dates, that every In-Reply-To/References target exists,
and for every patch that ``unidiff.PatchSet`` parses its diff without error, that
each hunk's counts match its body, that its context and removed lines are the real
lines of the subset tarball at that position, that the hunk-header function
context is what git prints, that the ``index`` blob ids are right, and that the
diffstat matches the diff. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mailbox
import re
import sys
import tarfile
import time
from collections import Counter
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MBOX = ROOT / "bench" / "out" / "corpus.mbox"
DEFAULT_SOURCE = ROOT / "tests" / "data" / "libvirt-9.0.0-subset.tar.xz"
SUBJECT = re.compile(
    r"^(?P<re>Re: )?(?:\[libvirt\] )?\[PATCH(?: v(?P<ver>\d+))?(?: (?P<k>\d+)/(?P<n>\d+))?\] "
)
STAT_ROW = re.compile(r"^ (\S+) +\| +(\d+) [+-]*$")
STAT_SUM = re.compile(
    r"^ (\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?$"
)
INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+) 100644$", re.MULTILINE)
MBOXRD = re.compile(r"^>(>*From )", re.MULTILINE)


def blob_id(text: str) -> str:
    """git blob id of ``text`` encoded as UTF-8."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def load_sources(tarball: Path) -> dict[str, list[str]]:
    """Lines of each file in the subset tarball, keyed by path without the top directory."""
    files = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                path = member.name.split("/", 1)[1]
                files[path] = handle.read().decode("utf-8").split("\n")[:-1]
    return files


def body_text(msg: Message) -> str:
    """Decoded body of a single-part message, with mboxrd ``>From`` escaping undone."""
    payload = msg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return MBOXRD.sub(r"\1", payload.decode(msg.get_content_charset() or "utf-8"))


def git_funcname(lines: list[str], first: int) -> str:
    """What git's default funcname rule prints for a hunk starting at index ``first``."""
    for line in reversed(lines[:first]):
        if line[:1].isalpha() or line[:1] in ("_", "$"):
            return line[:80].rstrip()
    return ""


def check_patch(body: str, sources: dict[str, list[str]]) -> list[str]:
    """Problems found in one patch body (empty list when it is fine)."""
    try:
        patch = PatchSet(body)
    except UnidiffParseError as exc:
        return [f"unidiff: {exc}"]
    if not patch:
        return ["no diff found"]
    problems = []
    indexes = INDEX.findall(body)
    if len(indexes) != len(patch):
        problems.append(f"{len(indexes)} index lines for {len(patch)} files")
    for pfile, (old_id, new_id) in zip(patch, indexes, strict=False):
        lines = sources.get(pfile.path)
        if lines is None:
            problems.append(f"{pfile.path}: not in the subset tarball")
            continue
        new = list(lines)
        for hunk in reversed(list(pfile)):
            start = hunk.source_start - 1
            if not hunk.is_valid() or len(hunk.source) != hunk.source_length:
                problems.append(f"{pfile.path}: bad hunk counts at line {hunk.source_start}")
            if [s.rstrip("\n")[1:] for s in hunk.source] != lines[start : start + len(hunk.source)]:
                problems.append(f"{pfile.path}: hunk at {hunk.source_start} is not the real file")
            if hunk.section_header != git_funcname(lines, start):
                problems.append(f"{pfile.path}: wrong function context at {hunk.source_start}")
            new[start : start + len(hunk.source)] = [t.rstrip("\n")[1:] for t in hunk.target]
        if not blob_id("\n".join(lines) + "\n").startswith(old_id):
            problems.append(f"{pfile.path}: old blob id {old_id} is wrong")
        if not blob_id("\n".join(new) + "\n").startswith(new_id):
            problems.append(f"{pfile.path}: new blob id {new_id} is wrong")
    stat_part = body.split("\n---\n", 1)[-1].split("\ndiff --git ", 1)[0].splitlines()
    rows = {m[1]: int(m[2]) for m in map(STAT_ROW.match, stat_part) if m}
    if rows != {f.path: f.added + f.removed for f in patch}:
        problems.append("diffstat rows do not match the diff")
    sums = [m for m in map(STAT_SUM.match, stat_part) if m]
    if not sums or [int(x or 0) for x in sums[0].groups()] != [
        len(patch),
        patch.added,
        patch.removed,
    ]:
        problems.append("diffstat summary does not match the diff")
    return problems


def check(mbox_path: Path, expect: int | None, source: Path) -> int:
    """Run every check on ``mbox_path``; print a report and return the exit status."""
    started = time.perf_counter()
    sources = load_sources(source)
    ids: set[str] = set()
    links: list[tuple[str, str]] = []
    kinds: Counter[str] = Counter()
    errors: list[str] = []
    dates_back, worst_back, latest, count = 0, 0.0, None, 0
    for count, msg in enumerate(mailbox.mbox(mbox_path, create=False), 1):
        msgid = (msg["Message-ID"] or "").strip()
        if not msgid or msgid in ids:
            errors.append(f"message {count}: missing or duplicate Message-ID {msgid!r}")
        ids.add(msgid)
        for name in ("In-Reply-To", "References"):
            links += [(msgid, ref) for ref in re.findall(r"<[^>]+>", msg[name] or "")]
        try:
            when = parsedate_to_datetime(msg["Date"])
        except (TypeError, ValueError):
            errors.append(f"message {count} ({msgid}): bad Date {msg['Date']!r}")
            continue
        if latest is not None and when < latest:
            dates_back += 1
            worst_back = max(worst_back, (latest - when).total_seconds())
        latest = max(latest or when, when)
        subject = (msg["Subject"] or "").replace("\n", "")
        match = SUBJECT.match(subject)
        body = body_text(msg)
        if match is None:
            errors.append(f"{msgid}: unexpected subject {subject!r}")
        elif match["re"]:
            kinds["replies"] += 1
            kinds["reviewed_by"] += "\nReviewed-by: " in body
            kinds['"Pushed, thanks."'] += "\nPushed, thanks." in body
            kinds["quoted_hunks"] += "\n> @@ -" in body
        elif match["k"] and int(match["k"]) == 0:
            kinds["covers"] += 1
        else:
            kinds["patches"] += 1
            kinds["v2+ patches"] += bool(match["ver"])
            kinds["in-body From"] += body.startswith("From: ")
            kinds["hunks"] += body.count("\n@@ -")
            errors += [f"{msgid}: {p}" for p in check_patch(body, sources)]
        kinds["bodies with >From-escaped lines"] += bool(re.search(r"^From ", body, re.MULTILINE))
    dangling = sum(ref not in ids for _, ref in links)
    if dangling:
        errors.append(f"{dangling} In-Reply-To/References point at unknown Message-IDs")
    if expect is None:
        manifest = Path(str(mbox_path) + ".json")
        if manifest.exists():
            expect = json.loads(manifest.read_text())["messages"]
    if expect is not None and count != expect:
        errors.append(f"{count} messages parsed, expected {expect}")
    elapsed = time.perf_counter() - started
    print(f"{mbox_path}: {count} messages (expected {expect}), {len(ids)} unique Message-IDs")
    print(f"  {', '.join(f'{k}: {v}' for k, v in kinds.items())}")
    print(f"  {len(links)} thread links, {dangling} dangling")
    print(
        f"  {dates_back} messages dated before an earlier message"
        f" (at most {worst_back / 60:.0f} minutes before)"
    )
    print(f"  checked in {elapsed:.1f} s")
    for line in errors[:20]:
        print("  ERROR", line)
    print("FAIL" if errors else "OK", f"({len(errors)} problems)")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mbox", type=Path, nargs="?", default=DEFAULT_MBOX)
    parser.add_argument("--expect", type=int, help="expected number of messages")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="subset tarball")
    args = parser.parse_args(argv)
    if not args.mbox.exists():
        parser.error(f"{args.mbox} does not exist; run bench/gen_corpus.py first")
    return check(args.mbox, args.expect, args.source)


if __name__ == "__main__":
    sys.exit(main())

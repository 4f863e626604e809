"""Real libvirt source files, and git-style diffs cut from them, for the benchmark corpus.

The files come from ``tests/data/libvirt-9.0.0-subset.tar.xz``. A diff keeps the real
context lines and removed lines of the file, so a hunk can be checked against the
tarball. Its hunk headers carry the counts and the function context that
``git diff`` would print with git's default funcname rule.
"""

from __future__ import annotations

import hashlib
import random
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CONTEXT = 3
MIN_GAP = 24  # lines between two change points of one file, so hunks never merge
_TOP = "libvirt-9.0.0/"
_COMMENT = ("*", "/*", "//", "#")
_CALL = re.compile(r"(\w+)\s*\(")


def git_blob_id(chunks: list[bytes] | tuple[bytes, ...]) -> str:
    """Return the git blob object id (sha1) of the concatenation of ``chunks``."""
    digest = hashlib.sha1(b"blob %d\0" % sum(len(c) for c in chunks))
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def funcname_of(line: str) -> str | None:
    """git's default funcname rule: the text of a line starting with a letter, _ or $."""
    if line and (line[0].isalpha() or line[0] in "_$"):
        return line[:80].rstrip()
    return None


@dataclass
class SourceFile:
    """One file of the tree: its lines, byte offsets, blob id and funcname index."""

    path: str
    data: bytes
    lines: list[str]
    offsets: list[int]
    blob: str
    funcs: list[int]
    anchors: list[int]

    def funcname(self, first: int) -> str:
        """Hunk-header context for a hunk whose first pre-image line has index ``first``."""
        j = self.funcs[first]
        return "" if j < 0 else (funcname_of(self.lines[j]) or "")


def load_tree(tarball: Path) -> list[SourceFile]:
    """Read every regular file of the subset tarball into memory (about 1 MB)."""
    files = []
    with tarfile.open(tarball, "r:*") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            data = handle.read()
            raw = data.split(b"\n")
            if raw and raw[-1] == b"":
                raw.pop()
            offsets = [0]
            for chunk in raw:
                offsets.append(offsets[-1] + len(chunk) + 1)
            lines = [chunk.decode("utf-8") for chunk in raw]
            funcs, last = [], -1
            for i, text in enumerate(lines):
                funcs.append(last)
                if funcname_of(text) is not None:
                    last = i
            anchors = [
                i
                for i in range(CONTEXT + 1, len(lines) - CONTEXT - 4)
                if lines[i][:1] in (" ", "\t") and not lines[i].lstrip().startswith(_COMMENT)
            ]
            path = member.name[len(_TOP) :] if member.name.startswith(_TOP) else member.name
            files.append(
                SourceFile(path, data, lines, offsets, git_blob_id([data]), funcs, anchors)
            )
    files.sort(key=lambda f: f.path)
    return files


@dataclass
class Hunk:
    """One change: ``removed`` old lines at index ``at`` replaced by ``added``."""

    at: int
    removed: int
    added: list[str]


@dataclass
class FileDiff:
    """The changes a patch makes to one file."""

    source: SourceFile
    hunks: list[Hunk]
    new_blob: str = ""
    insertions: int = field(init=False)
    deletions: int = field(init=False)

    def __post_init__(self) -> None:
        self.insertions = sum(len(h.added) for h in self.hunks)
        self.deletions = sum(h.removed for h in self.hunks)
        if not self.new_blob:
            src, chunks, pos = self.source, [], 0
            for h in self.hunks:
                chunks.append(src.data[src.offsets[pos] : src.offsets[h.at]])
                chunks.extend((line + "\n").encode("utf-8") for line in h.added)
                pos = h.at + h.removed
            chunks.append(src.data[src.offsets[pos] :])
            self.new_blob = git_blob_id(chunks)

    def header(self) -> list[str]:
        """The four ``diff --git``/``index``/``---``/``+++`` lines."""
        path = self.source.path
        return [
            f"diff --git a/{path} b/{path}",
            f"index {self.source.blob[:7]}..{self.new_blob[:7]} 100644",
            f"--- a/{path}",
            f"+++ b/{path}",
        ]

    def hunk_blocks(self) -> list[list[str]]:
        """Each hunk rendered as its ``@@`` header followed by its body lines."""
        lines, blocks, delta = self.source.lines, [], 0
        for hunk in self.hunks:
            first = max(0, hunk.at - CONTEXT)
            end = min(len(lines), hunk.at + hunk.removed + CONTEXT)
            before, after = hunk.at - first, end - hunk.at - hunk.removed
            old_n = before + hunk.removed + after
            new_n = before + len(hunk.added) + after
            func = self.source.funcname(first)
            head = f"@@ -{_range(first + 1, old_n)} +{_range(first + 1 + delta, new_n)} @@"
            block = [f"{head} {func}" if func else head]
            block.extend(" " + line for line in lines[first : hunk.at])
            block.extend("-" + line for line in lines[hunk.at : hunk.at + hunk.removed])
            block.extend("+" + line for line in hunk.added)
            block.extend(" " + line for line in lines[hunk.at + hunk.removed : end])
            blocks.append(block)
            delta += len(hunk.added) - hunk.removed
        return blocks

    def render(self) -> list[str]:
        """The whole section for this file, as git format-patch prints it."""
        out = self.header()
        for block in self.hunk_blocks():
            out.extend(block)
        return out


def _range(start: int, count: int) -> str:
    return str(start) if count == 1 else f"{start},{count}"


def diffstat(files: list[tuple[str, int, int]], width: int = 72) -> list[str]:
    """The diffstat git format-patch prints for (path, insertions, deletions) rows."""
    name_w = max(len(path) for path, _, _ in files)
    most = max(ins + dels for _, ins, dels in files)
    num_w = len(str(most))
    graph_w = max(6, width - name_w - num_w - 6)
    out = []
    for path, ins, dels in files:
        plus, minus = ins, dels
        if most > graph_w:
            total = _scale(ins + dels, graph_w, most)
            if total < 2 and ins and dels:
                total = 2
            if ins < dels:
                plus = _scale(ins, graph_w, most)
                minus = total - plus
            else:
                minus = _scale(dels, graph_w, most)
                plus = total - minus
        out.append(f" {path:<{name_w}} | {ins + dels:>{num_w}} {'+' * plus}{'-' * minus}")
    ins = sum(row[1] for row in files)
    dels = sum(row[2] for row in files)
    summary = f" {len(files)} file{'s' if len(files) != 1 else ''} changed"
    if ins or not dels:
        summary += f", {ins} insertion{'s' if ins != 1 else ''}(+)"
    if dels or not ins:
        summary += f", {dels} deletion{'s' if dels != 1 else ''}(-)"
    return out + [summary]


def _scale(value: int, width: int, most: int) -> int:
    return 0 if value == 0 else 1 + value * (width - 1) // most


_MUTATIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"\breturn -1;", "goto cleanup;"),
        (r"\bgoto cleanup;", "return -1;"),
        (r"\bVIR_FREE\((\w+)\);", r"g_clear_pointer(&\1, g_free);"),
        (r"\bif \(!(\w+)\)", r"if (\1 == NULL)"),
        (r"\bif \((\w+) == NULL\)", r"if (!\1)"),
        (r"^(\s*)char \*(\w+) = NULL;", r"\1g_autofree char *\2 = NULL;"),
        (r"\bg_autofree ", ""),
        (r"\bsize_t (\w+)", r"unsigned int \1"),
        (r"\bunsigned int\b", "unsigned long long"),
        (r"\bint ret = -1;", "int rc = -1;"),
        (r"\bVIR_ERR_INTERNAL_ERROR\b", "VIR_ERR_OPERATION_FAILED"),
        (r"\bVIR_ERR_OPERATION_FAILED\b", "VIR_ERR_INTERNAL_ERROR"),
        (r"\btrue\b", "false"),
        (r"\bfalse\b", "true"),
        (r"< 0\)", "< 0 || !priv)"),
        (r"\b(qemu[A-Z]\w+)\(", r"\1Internal("),
        (r"\b(vir[A-Z]\w+)\(", r"\1Locked("),
    ]
]
_VARS = ["rc", "tmp", "path", "alias", "nodename", "props", "backend", "job", "src"]
_NOTES = [
    "the caller holds the lock",
    "may be NULL for offline domains",
    "keep in sync with qemuDomainDef",
    "nothing to do for transient jobs",
    "see qemu commit 4b62f5c8d7",
    "checked by the schema already",
]


def _mutate(line: str, rng: random.Random) -> str:
    hits = [(p, r) for p, r in _MUTATIONS if p.search(line)]
    if hits:
        pattern, repl = rng.choice(hits)
        changed = pattern.sub(repl, line, count=1)
        if changed != line:
            return changed
    if not line.strip():
        return "    /* " + rng.choice(_NOTES) + " */"
    return f"{line} /* {rng.choice(_NOTES)} */"


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())] or "    "


def _new_lines(ind: str, func: str, rng: random.Random) -> list[str]:
    var = rng.choice(_VARS)
    makers: list[Callable[[], list[str]]] = [
        lambda: [f'{ind}VIR_DEBUG("{func}: {var}=%p", {var});'],
        lambda: [f"{ind}if (!{var})", f"{ind}    return -1;"],
        lambda: [f"{ind}g_autofree char *{var} = NULL;"],
        lambda: [f"{ind}virResetLastError();"],
        lambda: [f"{ind}/* {rng.choice(_NOTES)} */"],
        lambda: ["", f"{ind}{var} = NULL;"],
        lambda: [
            f"{ind}if ({var} < 0) {{",
            f"{ind}    virReportError(VIR_ERR_INTERNAL_ERROR,",
            f"{ind}                   _(\"failed to update '%s'\"), {var});",
            f"{ind}    goto cleanup;",
            f"{ind}}}",
        ],
    ]
    return rng.choice(makers)()


def _ends_statement(line: str) -> bool:
    return line.rstrip().endswith((";", "{", "}"))


def make_hunk(src: SourceFile, at: int, rng: random.Random) -> Hunk:
    """Invent a small change (modify, add or remove lines) at line index ``at``.

    New lines only go after a statement boundary and only whole statements are
    removed, so most changes still look like C.
    """
    lines = src.lines
    kind = rng.choices(("modify", "add", "remove"), weights=(50, 30, 20))[0]
    name = _CALL.search(src.funcname(max(0, at - CONTEXT)))
    fname = name.group(1) if name else "vm"
    if kind == "add" and _ends_statement(lines[at - 1]):
        return Hunk(at, 0, _new_lines(_indent(lines[at]), fname, rng))
    count = 2 if rng.random() < 0.25 and lines[at + 1].strip() else 1
    if kind == "remove" and all(line.rstrip().endswith(";") for line in lines[at : at + count]):
        return Hunk(at, count, [])
    added = [_mutate(line, rng) for line in lines[at : at + count]]
    if rng.random() < 0.2 and _ends_statement(lines[at + count - 1]):
        added += _new_lines(_indent(lines[at + count]), fname, rng)
    return Hunk(at, count, added)


def pick_anchors(src: SourceFile, count: int, rng: random.Random) -> list[int]:
    """Choose up to ``count`` change points far enough apart that hunks stay separate."""
    chosen: list[int] = []
    for _ in range(count * 4):
        at = rng.choice(src.anchors)
        if all(abs(at - other) >= MIN_GAP for other in chosen):
            chosen.append(at)
            if len(chosen) == count:
                break
    return sorted(chosen)


def make_file_diff(src: SourceFile, anchors: list[int], rng: random.Random) -> FileDiff:
    """Build a FileDiff with one fresh change at each anchor."""
    return FileDiff(src, [make_hunk(src, at, rng) for at in anchors])

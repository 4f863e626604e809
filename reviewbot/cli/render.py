"""Rich renderings of reviewbot's records for people (the CLI's non-JSON output).

Every message-derived string goes through `escape` (or markup=False): a subject
such as "[bold]x[/bold]" is text, never rich markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from reviewbot.cli.tables import Column, print_table
from reviewbot.cli.tables import shorten as shorten
from reviewbot.mail.threads import ThreadNode
from reviewbot.read.concerns import ConcernEntry
from reviewbot.read.events import EventEntry
from reviewbot.read.messages import MessageSummary
from reviewbot.read.series import SeriesDetail, SeriesSummary
from reviewbot.read.upstream import UpstreamEntry
from reviewbot.series.rangediff import HunkDiff, PatchDiff, SeriesDiff

if TYPE_CHECKING:  # types only: importing apply/ and upstream costs `series list` ~1 s
    from reviewbot.apply.worktree import HunkResult
    from reviewbot.pipeline.apply import ApplyReport
    from reviewbot.pipeline.upstream import UpstreamReport

_SERIES_COLUMNS = (
    Column("id", right=True),
    Column("ver"),
    Column("title", shrink=5, floor=28),
    Column("patches", shrink=3, floor=10, lines=2),
    Column("submitter", shrink=2, drop=6, floor=12),
    Column("date", drop=4),
    Column("state"),
    Column("links", drop=1),
)


def series_table(console: Console, rows: Sequence[SeriesSummary]) -> None:
    """The `series list` table: the title stays; links, date and submitter give way."""
    table = []
    for r in rows:
        links = [f"prev #{r.previous_id}"] if r.previous_id else []
        links += [f"next #{r.superseded_by_id}"] if r.superseded_by_id else []
        table.append(
            [
                str(r.id),
                f"v{r.version}",
                r.title,
                received(r.patch_count, r.total, r.missing),
                r.submitter_name or r.submitter_email,
                r.date.isoformat()[:10] if r.date else "",
                r.state,
                " ".join(links),
            ]
        )
    print_table(console, _SERIES_COLUMNS, table)


def received(count: int, total: int, missing: Sequence[int]) -> str:
    """ "3/3", or "1/10 (2–10 missing)": the gaps as ranges."""
    got = f"{count}/{total}"
    return f"{got} ({number_ranges(missing)} missing)" if missing else got


def number_ranges(numbers: Sequence[int]) -> str:
    """ "2–4,7": runs of consecutive numbers as ranges (an en dash, as in "pages 2–4")."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ",".join(
        str(r[0]) if len(r) == 1 else f"{r[0]}{',' if len(r) == 2 else '–'}{r[-1]}" for r in runs
    )


def series_detail(console: Console, d: SeriesDetail) -> None:
    """`series show`: header, state, the last apply, and the patch table."""
    s = d.series
    console.print(
        f"[bold]#{s.id} {escape(s.title)}[/bold] v{s.version} by {escape(s.submitter)}",
        highlight=False,
    )
    console.print(f"state: {s.state} ({s.state_reason})", markup=False)
    if s.missing:
        console.print(f"missing patches: {number_ranges(s.missing)}", markup=False)
    if d.apply:
        counts = Counter(p.status for p in d.apply.patches)
        when = d.apply.created_at.isoformat() if d.apply.created_at else ""
        console.print(
            f"applied to {d.apply.tree} at {d.apply.tree_head[:12]} "
            f"on base {d.apply.base[:12]} ({d.apply.base_source}), {when}: "
            + ", ".join(f"{n} {status}" for status, n in counts.items()),
            markup=False,
        )
    if d.upstream:
        found = Counter(u.match for u in d.upstream)
        console.print(
            f"upstream in {d.upstream[0].tree} at {d.upstream[0].tree_head[:12]}: "
            + ", ".join(f"{n} {match}" for match, n in found.items()),
            markup=False,
        )
    rows = []
    for p in d.patches:
        trailers = "\n".join(f"{t.name}: {t.value}" for t in p.trailers if t.source != "patch")
        rows.append(
            [
                str(p.patch.number),
                p.patch.title,
                p.patch.author_name or p.patch.author_email,
                p.patch.state,
                (d.apply.status_of(p.patch.number) if d.apply else None) or "-",
                _upstream_cell(d.upstream_of(p.patch.number)),
                str(len(p.files)),
                str(len(p.hunks)),
                trailers,
                str(len(p.replies)),
            ]
        )
    print_table(console, _PATCH_COLUMNS, rows)


_PATCH_COLUMNS = (
    Column("#", right=True),
    Column("title", shrink=6, floor=30),
    Column("author", shrink=3, drop=7, floor=12),
    Column("state"),
    Column("apply", drop=2),
    Column("upstream", shrink=1, drop=3, floor=9),
    Column("files", drop=1, right=True),
    Column("hunks", drop=1, right=True),
    Column("trailers", shrink=4, drop=5, floor=20),
    Column("replies", drop=1, right=True),
)


def _upstream_cell(u: UpstreamEntry | None) -> str:
    if u is None:
        return "-"
    return f"{u.match} {u.commit[:12]}" if u.commit else u.match


_STATUS_STYLE = {"changed": "yellow", "moved": "cyan", "added": "green", "dropped": "red"}


def diff_report(console: Console, old: int, new: int, diff: SeriesDiff) -> None:
    """`diff`: the patch table, then each changed patch's hunk edits."""
    console.print(f"#{old} → #{new}", markup=False, highlight=False)
    rows = [
        [
            "-" if p.old_number is None else str(p.old_number),
            "-" if p.new_number is None else str(p.new_number),
            p.status,
            p.title,
            _hunk_counts(p.hunks),
        ]
        for p in diff.patches
    ]
    print_table(console, _DIFF_COLUMNS, rows)
    for p in diff.patches:
        if p.status == "changed":
            _print_hunk_changes(console, p)


def _hunk_counts(hunks: Sequence[HunkDiff]) -> str:
    counts = Counter(h.status for h in hunks)
    return ", ".join(f"{n} {status}" for status, n in counts.items())


def _print_hunk_changes(console: Console, patch: PatchDiff) -> None:
    """Each hunk that differs, with the edit between its two versions."""
    console.print(
        f"\n[bold]{patch.old_number} → {patch.new_number} {escape(patch.title)}[/bold]",
        highlight=False,
    )
    for h in patch.hunks:
        if h.status == "unchanged":
            continue
        header = h.new_header or h.old_header or ""
        console.print(f"{_status(h.status)} {escape(h.file)} {escape(header)}", highlight=False)
        if h.detail:
            console.print(h.detail, markup=False, highlight=False, soft_wrap=True)


_DIFF_COLUMNS = (
    Column("old", right=True),
    Column("new", right=True),
    Column("status", style=_STATUS_STYLE.get),
    Column("title", shrink=2, floor=30),
    Column("hunks", shrink=1, drop=3, floor=12, lines=2),
)


def _status(status: str) -> str:
    style = _STATUS_STYLE.get(status)
    return f"[{style}]{status}[/{style}]" if style else status


def thread_tree(root: ThreadNode, found: dict[str, MessageSummary]) -> Tree:
    """`thread`: the reply tree, placeholders dimmed."""
    tree = Tree(_label(root, found))
    _grow(tree, root, found)
    return tree


def _label(node: ThreadNode, found: dict[str, MessageSummary]) -> str:
    msg = found.get(node.msgid)
    if msg is None:
        return f"[dim]<{escape(node.msgid)}> (not in the archive)[/dim]"
    label = escape(f"{msg.subject} — {msg.from_name} <{msg.msgid}>")
    if msg.reconstructed_from:
        return f"{label} [yellow](reconstructed from quotes)[/yellow]"
    return label


def _grow(tree: Tree, node: ThreadNode, found: dict[str, MessageSummary]) -> None:
    for child in node.children:
        _grow(tree.add(_label(child, found)), child, found)


def _hunk_label(hunk: HunkResult) -> str:
    return f"{hunk.status} {hunk.offset:+d}" if hunk.offset else hunk.status


def apply_report(console: Console, report: ApplyReport) -> None:
    """`apply`: the tree and base and why, one line per patch (and per hunk that differs
    from its patch), changes since the last run.

    Plain lines, never wrapped (soft_wrap): each says one thing in full, for grep.
    """

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    say(f"tree {report.tree} at {report.tree_head[:12]}")
    say(f"base {report.base[:12]} ({report.base_source}): {report.base_note}")
    for p in report.patches:
        say(f"{p.number:3d} {p.status}" + (f": {p.detail}" if p.detail else ""))
        for h in p.hunks:
            if h.status != p.status or h.offset:
                where = f"{h.file} {h.header}".strip()
                say(f"      {where}: {_hunk_label(h)}" + (f" ({h.detail})" if _short(h) else ""))
    counts = Counter(p.status for p in report.patches)
    say("in all: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    if report.previous_head:
        if not report.changed:
            say(f"no hunk changed status since the run on {report.previous_head[:12]}")
            return
        say(f"changed since the run on {report.previous_head[:12]}:")
        for c in report.changed:
            say(f"  patch {c.patch}, {c.file} {c.header}: {c.before} -> {c.now}")


def _short(h: HunkResult) -> bool:
    """A hunk detail short enough for its line (a conflict's text is for --json and the web)."""
    return bool(h.detail) and "\n" not in h.detail and h.status != "already-applied"


def upstream_report(console: Console, report: UpstreamReport) -> None:
    """`upstream`: the tree and range, then per patch where it is and what became of it."""

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    say(f"tree {report.tree} at {report.tree_head[:12]}: {report.range}")
    if report.indexed:
        say(f"indexed {report.indexed} new commits")
    for c in report.patches:
        m = c.found
        line = f"{c.number:3d} {m.match}"
        if m.commit:
            line += f" {m.commit[:12]}" + (f" ({m.tag})" if m.tag else "")
            line += f" {m.commit_date[:10] if m.commit_date else ''} {m.subject}"
        say(line)
        say(f"      {m.detail}" if m.detail else f"      {c.title}")
        if c.state_changed:
            say(f"      state: {c.state}")
    counts = Counter(c.found.match for c in report.patches)
    say("in all: " + ", ".join(f"{n} {match}" for match, n in counts.items()))


_CONCERN_COLUMNS = (
    Column("id", right=True),
    Column("patch", drop=1),
    Column("where", shrink=3, floor=24, lines=2),
    Column("kind", drop=6),
    Column("status", shrink=4, floor=12, lines=3),
    Column("reviewer", shrink=2, drop=7, floor=12),
    Column("text", shrink=5, floor=30, lines=3, cap=100),
)


def concerns_table(console: Console, rows: Sequence[ConcernEntry]) -> None:
    """`concerns`: where each concern is anchored, what it is, and where it stands."""
    table = [
        [
            str(c.id),
            str(c.patch or "-"),
            _where(c),
            c.kind,
            _status_line(c),
            c.reviewer_name or c.reviewer_email,
            " ".join(c.text.split()),  # one paragraph: wrapped on a terminal, whole when piped
        ]
        for c in rows
    ]
    print_table(console, _CONCERN_COLUMNS, table)


def _where(c: ConcernEntry) -> str:
    """ "src/x.c hunk 1, new line 12" (hunks counted from 1), "patch" or "series"."""
    if c.file:
        where = f"{c.file} hunk {c.here.hunk_number}, {c.side} line {c.line}"
    else:
        where = "patch" if c.patch else "series"
    if c.carried_here:
        where += f" (raised on {c.raised_on})"
    return where


def _status_line(c: ConcernEntry) -> str:
    """The status and what set it, from this listing's version's point of view."""
    if c.carried_here and c.outcome_here in ("addressed", "dropped"):
        return f"{c.outcome_here} here"
    if c.status_source is None:
        return c.status
    return f"{c.status} ({c.status_reason})" if c.status_reason else c.status


def concern_detail(console: Console, c: ConcernEntry) -> None:
    """`concern show`: the point made, where, its conversation and where it stands."""
    console.print(
        f"concern {c.id} on {c.raised_on}, {_where(c)}: {c.kind}, {c.status}", markup=False
    )
    if c.status_source is not None:
        source = c.status_source
        console.print(f"  {c.status_reason} ({source.kind} {source.ref})", markup=False)
    console.print(f"\n{c.reviewer} in <{c.reply_msgid}>:", markup=False)
    console.print(c.text, markup=False, highlight=False)
    for r in c.replies:
        console.print(f"\n  {r.author} ({r.role}) in <{r.msgid}>:", markup=False)
        console.print("  " + r.text.replace("\n", "\n  "), markup=False, highlight=False)


_EVENT_COLUMNS = (
    Column("id", right=True),
    Column("at (UTC)"),
    Column("what"),
    Column("change", shrink=6, floor=20, lines=2),
    Column("by", shrink=2, drop=3, floor=10),
    Column("mail", shrink=5, drop=7, floor=16),
    Column("why", shrink=1, drop=4, floor=20, lines=2, cap=80),
)


def events_table(console: Console, rows: Sequence[EventEntry]) -> None:
    """`events`: when, what changed from what to what, who, and the mail that caused it."""
    table = [
        [
            str(e.id),
            e.created_at.strftime("%Y-%m-%d %H:%M"),
            _event_target(e),
            f"{e.field} {e.old_value} → {e.new_value}",
            f"{e.actor} ({e.via})",
            e.msgid or "",
            e.note,
        ]
        for e in rows
    ]
    print_table(console, _EVENT_COLUMNS, table)


def _event_target(e: EventEntry) -> str:
    """As the CLI takes ids: "#7" a series, "p42" a patch."""
    if e.target == "series":
        return f"#{e.target_id}"
    if e.target == "patch":
        return f"p{e.target_id}"
    return f"{e.target} {e.target_id}"

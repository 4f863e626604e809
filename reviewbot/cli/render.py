"""Rich renderings of reviewbot's records for people (the CLI's non-JSON output).

Every message-derived string goes through `escape` (or markup=False): a subject
such as "[bold]x[/bold]" is text, never rich markup.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from reviewbot.mail.threads import ThreadNode
from reviewbot.read.concerns import ConcernEntry
from reviewbot.read.messages import MessageSummary
from reviewbot.read.races import RaceEntry
from reviewbot.read.series import SeriesDetail, SeriesSummary
from reviewbot.read.upstream import UpstreamEntry
from reviewbot.review.race_steps import Step
from reviewbot.series.rangediff import HunkDiff, PatchDiff, SeriesDiff

if TYPE_CHECKING:  # types only: importing apply/ and upstream costs `series list` ~1 s
    from reviewbot.apply.worktree import HunkResult
    from reviewbot.pipeline.apply import ApplyReport
    from reviewbot.pipeline.upstream import UpstreamReport


def series_table(rows: Sequence[SeriesSummary]) -> Table:
    """The `series list` table."""
    table = Table("id", "ver", "title", "patches", "submitter", "date", "state", "links")
    for column in table.columns:
        column.no_wrap = column.header in ("id", "ver", "patches", "date", "state", "links")
    for r in rows:
        got = f"{r.patch_count}/{r.total}"
        if r.missing:
            got += " missing " + ",".join(map(str, r.missing))
        links = [f"prev #{r.previous_id}"] if r.previous_id else []
        links += [f"next #{r.superseded_by_id}"] if r.superseded_by_id else []
        date = r.date.isoformat()[:10] if r.date else ""
        table.add_row(
            str(r.id),
            f"v{r.version}",
            escape(r.title),
            got,
            escape(r.submitter_name or r.submitter_email),
            date,
            r.state,
            " ".join(links),
        )
    return table


def series_detail(console: Console, d: SeriesDetail) -> None:
    """`series show`: header, state, the last apply, and the patch table."""
    s = d.series
    console.print(
        f"[bold]#{s.id} {escape(s.title)}[/bold] v{s.version} by {escape(s.submitter)}",
        highlight=False,
    )
    console.print(f"state: {s.state} ({s.state_reason})", markup=False)
    if s.missing:
        console.print(f"missing patches: {list(s.missing)}", markup=False)
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
    table = Table(
        "#",
        "title",
        "author",
        "state",
        "apply",
        "upstream",
        "files",
        "hunks",
        "trailers",
        "replies",
    )
    for p in d.patches:
        trailers = "\n".join(f"{t.name}: {t.value}" for t in p.trailers if t.source != "patch")
        table.add_row(
            str(p.patch.number),
            escape(p.patch.title),
            escape(p.patch.author),
            p.patch.state,
            (d.apply.status_of(p.patch.number) if d.apply else None) or "-",
            _upstream_cell(d.upstream_of(p.patch.number)),
            str(len(p.files)),
            str(len(p.hunks)),
            escape(trailers),
            str(len(p.replies)),
        )
    console.print(table)


def _upstream_cell(u: UpstreamEntry | None) -> str:
    if u is None:
        return "-"
    return f"{u.match} {u.commit[:12]}" if u.commit else u.match


_STATUS_STYLE = {"changed": "yellow", "moved": "cyan", "added": "green", "dropped": "red"}


def diff_report(console: Console, old: int, new: int, diff: SeriesDiff) -> None:
    """`diff`: the patch table, then each changed patch's hunk edits."""
    console.print(f"#{old} → #{new}", markup=False, highlight=False)
    table = Table("old", "new", "status", "title", "hunks")
    for p in diff.patches:
        table.add_row(
            "-" if p.old_number is None else str(p.old_number),
            "-" if p.new_number is None else str(p.new_number),
            _status(p.status),
            escape(p.title),
            _hunk_counts(p.hunks),
        )
    console.print(table)
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


def concerns_table(rows: Sequence[ConcernEntry]) -> Table:
    """`concerns`: where each concern is anchored, what it is, and where it stands."""
    table = Table("id", "patch", "where", "kind", "status", "reviewer", "text")
    for c in rows:
        table.add_row(
            str(c.id),
            str(c.patch or "-"),
            escape(_where(c)),
            c.kind,
            escape(_status_line(c)),
            escape(c.reviewer_name or c.reviewer_email),
            escape(shorten(c.text, 200)),
        )
    return table


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


def shorten(text: str, width: int) -> str:
    """One line of at most `width` characters, cut at a word and ended with "…"."""
    line = " ".join(text.split())
    if len(line) <= width:
        return line
    cut = line[: width - 1].rsplit(" ", 1)[0] or line[: width - 1]
    return cut + "…"


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


def races_report(console: Console, rows: Sequence[RaceEntry]) -> None:
    """`races`: each scenario as text: actors, numbered steps in their lanes, alternative
    orders as branches, the lines each step names and the hunks it is linked to."""
    if not rows:
        console.print("no race scenarios in this series' thread", markup=False)
    width = max(60, min(console.width, 120))
    for number, race in enumerate(rows, 1):
        if number > 1:
            console.print()
        for indent, text in race_text(number, race):
            console.print(_wrap(text, indent, width), markup=False, highlight=False)


def race_text(number: int, race: RaceEntry) -> list[tuple[int, str]]:
    """The lines of one race as the CLI prints them, each with its indent."""
    quoted = f", quoted {race.depth} deep" if race.depth else ""
    out = [(0, f"Race {number} (id {race.id}), told in <{race.message_msgid}>{quoted}")]
    out.append((2, "Actors: " + (", ".join(race.actors) or "none named")))
    if race.steps:
        out.append(
            (2, "Steps:" if not race.alternatives else "Steps, then one of the orders below:")
        )
        out += _steps_text(race.steps, 4)
    if race.alternatives:
        out.append((2, f"Alternative orders (one of {len(race.alternatives)} happens):"))
        for i, alt in enumerate(race.alternatives):
            out.append((4, f"{'or ' if i else ''}{alt.label}. {alt.text}"))
            out += _steps_text(alt.steps, 7)
    if race.outcome:
        out.append((2, f"Outcome: {race.outcome}"))
    out.append((2, "Linked hunks:" if race.links else "Linked hunks: none"))
    for link in race.links:
        where = _hunk_name(link.file, link.hunk) if link.file else "the whole patch"
        out.append((4, f"{where} of <{link.patch_msgid}>: {'; '.join(link.evidence)}"))
    return out


def _steps_text(steps: Sequence[Step], indent: int) -> list[tuple[int, str]]:
    out = []
    for step in steps:
        out.append((indent, f"{step.label}. [{step.actor or '?'}] {step.text}"))
        groups: dict[tuple[str, int], dict[str, list[str]]] = {}
        for x in step.lines:
            groups.setdefault((x.file, x.hunk), {}).setdefault(x.side, []).append(str(x.line))
        for (file, hunk), sides in groups.items():
            where = "; ".join(f"{side} {', '.join(numbers)}" for side, numbers in sides.items())
            out.append((indent + 3, f"lines: {_hunk_name(file, hunk)}: {where}"))
    return out


def _hunk_name(file: str | None, hunk: int | None) -> str:
    """A hunk as people count them: from 1."""
    return f"{file} hunk {hunk + 1}" if hunk is not None else f"{file}"


def _wrap(text: str, indent: int, width: int) -> str:
    """A line wrapped to the terminal, its continuation lines indented under its text."""
    return textwrap.fill(
        text,
        width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 3),
        break_long_words=False,
        break_on_hyphens=False,
    )

"""Rich renderings of reviewbot's records for people (the CLI's non-JSON output).

Every message-derived string goes through `escape` (or markup=False): a subject
such as "[bold]x[/bold]" is text, never rich markup.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from reviewbot.apply.worktree import HunkResult
from reviewbot.cli.tables import Column, print_table
from reviewbot.cli.tables import shorten as shorten
from reviewbot.mail.threads import ThreadNode
from reviewbot.pipeline.apply import ApplyReport
from reviewbot.read.concerns import ConcernEntry
from reviewbot.read.events import EventEntry
from reviewbot.read.messages import MessageSummary
from reviewbot.read.races import RaceEntry
from reviewbot.read.series import SeriesDetail, SeriesSummary
from reviewbot.review.race_steps import Step
from reviewbot.series.rangediff import HunkDiff, PatchDiff, SeriesDiff

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
    Column("files", drop=1, right=True),
    Column("hunks", drop=1, right=True),
    Column("trailers", shrink=4, drop=5, floor=20),
    Column("replies", drop=1, right=True),
)


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
    """`apply`: the base and why, one row per patch, changes since the last run."""
    console.print(
        f"base {report.base[:12]} ({report.base_source}: {report.base_note})", markup=False
    )
    rows = [
        [str(p.number), p.status, ", ".join(_hunk_label(h) for h in p.hunks), p.detail]
        for p in report.patches
    ]
    print_table(console, _APPLY_COLUMNS, rows)
    if report.previous_head:
        console.print(f"compared with the run on {report.previous_head[:12]}:", markup=False)
        if not report.changed:
            console.print("  no hunk changed status", markup=False)
        for c in report.changed:
            console.print(f"  {c.patch} {c.file} {c.header} {c.before} -> {c.now}", markup=False)


_APPLY_COLUMNS = (
    Column("#", right=True),
    Column("status"),
    Column("hunks", shrink=1, drop=3, floor=12, lines=3),
    Column("detail", shrink=2, floor=30, lines=4, cap=100),
)
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

"""Rich renderings of reviewbot's results for people (the CLI's non-JSON output).

Every message-derived string goes through `escape` (or markup=False): a subject
such as "[bold]x[/bold]" is text, never rich markup.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from reviewbot.mail.threads import ThreadNode


def series_table(rows: list[dict[str, Any]]) -> Table:
    """The `series list` table."""
    table = Table("id", "ver", "title", "patches", "submitter", "date", "state", "links")
    for name in ("id", "ver", "patches", "date", "state", "links"):
        table.columns[
            table.columns.index(next(c for c in table.columns if c.header == name))
        ].no_wrap = True
    for r in rows:
        got = f"{r['patch_count']}/{r['total']}"
        if r["missing"]:
            got += " missing " + ",".join(map(str, r["missing"]))
        links = " ".join(
            x
            for x in (
                f"prev #{r['previous']}" if r["previous"] else "",
                f"next #{r['superseded_by']}" if r["superseded_by"] else "",
            )
            if x
        )
        table.add_row(
            str(r["id"]),
            f"v{r['version']}",
            escape(r["title"]),
            got,
            escape(r["submitter"].split(" <")[0]),
            (r["date"] or "")[:10],
            r["state"],
            links,
        )
    return table


def series_detail(console: Console, data: dict[str, Any]) -> None:
    """`series show`: header, state, the last apply, and the patch table."""
    console.print(
        f"[bold]#{data['id']} {escape(data['title'])}[/bold] v{data['version']} "
        f"by {escape(data['submitter'])}",
        highlight=False,
    )
    console.print(f"state: {data['state']} ({data['state_reason']})", markup=False)
    if data["missing"]:
        console.print(f"missing patches: {data['missing']}", markup=False)
    applied = data.get("apply")
    if applied:
        counts: dict[str, int] = {}
        for p in applied["patches"].values():
            counts[p["status"]] = counts.get(p["status"], 0) + 1
        console.print(
            f"applied to {applied['tree']} at {applied['tree_head'][:12]} "
            f"on base {applied['base'][:12]} ({applied['base_source']}), {applied['date']}: "
            + ", ".join(f"{n} {status}" for status, n in counts.items()),
            markup=False,
        )
    table = Table("#", "title", "author", "state", "apply", "files", "hunks", "trailers", "replies")
    for p in data["patches"]:
        trailers = "\n".join(
            f"{t['name']}: {t['value']}" for t in p["trailers"] if t["source"] != "patch"
        )
        table.add_row(
            str(p["number"]),
            escape(p["title"]),
            escape(p["author"]),
            p["state"],
            p.get("apply_status") or "-",
            str(len(p["files"])),
            str(len(p["hunks"])),
            escape(trailers),
            str(len(p["replies"])),
        )
    console.print(table)


_STATUS_STYLE = {"changed": "yellow", "moved": "cyan", "added": "green", "dropped": "red"}


def diff_report(console: Console, series_a: int, series_b: int, data: dict[str, Any]) -> None:
    """`diff`: the patch table, then each changed patch's hunk edits."""
    console.print(f"#{series_a} → #{series_b}", markup=False, highlight=False)
    table = Table("old", "new", "status", "title", "hunks")
    for p in data["patches"]:
        table.add_row(
            "-" if p["old"] is None else str(p["old"]),
            "-" if p["new"] is None else str(p["new"]),
            _status(p["status"]),
            escape(p["title"]),
            _hunk_counts(p["hunks"]),
        )
    console.print(table)
    for p in data["patches"]:
        if p["status"] == "changed":
            _print_hunk_changes(console, p)


def _hunk_counts(hunks: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for h in hunks:
        counts[h["status"]] = counts.get(h["status"], 0) + 1
    return ", ".join(f"{n} {status}" for status, n in counts.items())


def _print_hunk_changes(console: Console, patch: dict[str, Any]) -> None:
    """Each hunk that differs, with the edit between its two versions."""
    console.print(
        f"\n[bold]{patch['old']} → {patch['new']} {escape(patch['title'])}[/bold]", highlight=False
    )
    for h in patch["hunks"]:
        if h["status"] == "unchanged":
            continue
        header = h["new_header"] or h["old_header"]
        console.print(
            f"{_status(h['status'])} {escape(h['file'])} {escape(header)}", highlight=False
        )
        if h["detail"]:
            console.print(h["detail"], markup=False, highlight=False, soft_wrap=True)


def _status(status: str) -> str:
    style = _STATUS_STYLE.get(status)
    return f"[{style}]{status}[/{style}]" if style else status


def thread_tree(root: ThreadNode, found: dict[str, Any]) -> Tree:
    """`thread`: the reply tree, placeholders dimmed."""
    tree = Tree(_label(root, found))
    _grow(tree, root, found)
    return tree


def thread_json(node: ThreadNode, found: dict[str, Any]) -> dict[str, Any]:
    """`thread --json`: the tree as nested objects."""
    msg = found.get(node.msgid)
    return {
        "msgid": node.msgid,
        "placeholder": node.is_placeholder,
        "reconstructed_from": msg.reconstructed_from if msg else None,
        "subject": msg.subject if msg else None,
        "from": msg.from_email if msg else None,
        "date": msg.date.isoformat() if msg and msg.date else None,
        "kind": msg.kind if msg else None,
        "children": [thread_json(c, found) for c in node.children],
    }


def _label(node: ThreadNode, found: dict[str, Any]) -> str:
    msg = found.get(node.msgid)
    if msg is None:
        return f"[dim]<{escape(node.msgid)}> (not in the archive)[/dim]"
    label = escape(f"{msg.subject} — {msg.from_name} <{msg.msgid}>")
    if msg.reconstructed_from:
        return f"{label} [yellow](reconstructed from quotes)[/yellow]"
    return label


def _grow(tree: Tree, node: ThreadNode, found: dict[str, Any]) -> None:
    for child in node.children:
        _grow(tree.add(_label(child, found)), child, found)


def _hunk_label(hunk: dict[str, Any]) -> str:
    return f"{hunk['status']} {hunk['offset']:+d}" if hunk["offset"] else str(hunk["status"])


def apply_report(console: Console, result: dict[str, Any]) -> None:
    """`apply`: the base and why, one row per patch, changes since the last run."""
    console.print(
        f"base {result['base'][:12]} ({result['base_source']}: {result['base_note']})",
        markup=False,
    )
    table = Table("#", "status", "hunks", "detail")
    for p in result["patches"]:
        hunks = ", ".join(_hunk_label(h) for h in p["hunks"])
        table.add_row(str(p["number"]), p["status"], escape(hunks), escape(p["detail"]))
    console.print(table)
    previous = result["previous"]
    if previous:
        console.print(f"compared with the run on {previous['tree_head'][:12]}:", markup=False)
        for c in previous["changed"] or [
            {"patch": "-", "file": "no hunk changed", "header": "", "before": "", "now": ""}
        ]:
            console.print(
                f"  {c['patch']} {c['file']} {c['header']} {c['before']} -> {c['now']}",
                markup=False,
            )


def concerns_table(rows: list[dict[str, Any]]) -> Table:
    """`concerns`: where each concern is anchored, what it is, and where it stands."""
    table = Table("patch", "where", "kind", "status", "reviewer", "text")
    for c in rows:
        where = (
            f"{c['file']} hunk {c['hunk']} {c['side']} line {c['line']}"
            if c["file"]
            else ("patch" if c["patch"] else "series")
        )
        if c.get("ported_from"):
            where += f" (carried from {c['ported_from']['patch_msgid']})"
        table.add_row(
            str(c["patch"] or "-"),
            escape(where),
            c["kind"],
            c["status"],
            escape(c["reviewer"]),
            escape(c["text"][:200]),
        )
    return table


def races_report(console: Console, rows: list[dict[str, Any]]) -> None:
    """`races`: each scenario's steps by actor, and the hunks it is linked to."""
    for race in rows:
        console.print(
            f"race in {race['message_msgid']}: actors {', '.join(race['actors'])}", markup=False
        )
        for step in race["steps"]:
            console.print(
                f"  {step['label']}. [{step.get('actor') or '?'}] {step['text']}", markup=False
            )
        for alt in race["alternatives"]:
            console.print(f"  alternative: {alt}", markup=False)
        for link in race["links"]:
            console.print(f"  linked: {link}", markup=False)

"""`coverage`: which hunks of a series or patch no reviewer quoted or commented on."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlmodel import Session

from reviewbot.cli.common import DbOption, JsonOption, console, print_json, read
from reviewbot.events import parse_target
from reviewbot.read.coverage import STATES, Coverage, patch_coverage, series_coverage

_MARK = {"open": "!", "reviewed": "+", "unreviewed": "-"}  # readable without colour


def coverage(
    target: Annotated[str, typer.Argument(help="A series id (7) or a patch id (p42).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Review coverage: each hunk, reviewed or not and by whom; each reviewer's files."""

    def load(session: Session) -> Coverage:
        kind, target_id = parse_target(target)
        if kind == "patch":
            return patch_coverage(session, target_id)
        return series_coverage(session, target_id)

    found = read(db, load)
    if as_json:
        print_json(as_dict(found))
        return
    for line in lines(found):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def lines(c: Coverage) -> list[str]:
    """The report as text: a summary, one line per hunk, one per reviewer."""
    counts = ", ".join(f"{c.count(s)} {s}" for s in STATES)
    out = [f"{len(c.hunks)} hunks: {counts}   (! open concerns, + reviewed, - unreviewed)"]
    for h in c.hunks:
        by = ", ".join(f"{x.who} ({x.how})" for x in h.covered_by)
        if not by and h.acked_by:
            by = "nobody quoted it; patch acked by " + ", ".join(h.acked_by)
        opened = f" ({h.open_concerns} concerns)" if h.open_concerns > 1 else ""
        where = f"{h.patch:>2} {h.file} hunk {h.hunk_number}"
        out.append(f"{_MARK[h.state]} {where}  {h.state}{opened}  {by}".rstrip())
    for r in c.reviewers:
        files = ", ".join(r.files)
        out.append(f"reviewer {r.who}: {r.hunks} hunks ({r.commented} commented) in {files}")
    return out


def as_dict(c: Coverage) -> dict[str, Any]:
    """The JSON of `coverage --json`: the same fields as the API's /coverage."""
    return {
        "series_id": c.series_id,
        "patch_id": c.patch_id,
        "counts": {s: c.count(s) for s in STATES},
        "hunks": [
            {
                "patch_id": h.patch_id,
                "patch_number": h.patch,
                "hunk_id": h.hunk_id,
                "file": h.file,
                "hunk": h.hunk,
                "hunk_number": h.hunk_number,
                "header": h.header,
                "state": h.state,
                "open_concerns": h.open_concerns,
                "covered_by": [
                    {
                        "reviewer": {"name": x.name, "email": x.email},
                        "how": x.how,
                        "reply_msgid": x.reply_msgid,
                    }
                    for x in h.covered_by
                ],
                "acked_by": list(h.acked_by),
            }
            for h in c.hunks
        ],
        "reviewers": [
            {
                "reviewer": {"name": r.name, "email": r.email},
                "files": list(r.files),
                "hunks": r.hunks,
                "commented": r.commented,
            }
            for r in c.reviewers
        ],
    }

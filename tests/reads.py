"""The CLI's --json objects, read through read/ in-process: what most tests assert on.

`list_series`, `show_series`, `concerns_of`, `races_of` and `diff_series` give
exactly what `reviewbot series list|show`, `concerns`, `races` and `diff` print
with --json, without starting a process per call.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from reviewbot.cli import jsonout
from reviewbot.events import parse_target
from reviewbot.read import concerns, races, series, versions
from reviewbot.read.filters import Filters, Page
from reviewbot.read.messages import messages_by_msgid, thread_of
from reviewbot.read.versions import patch_hunks

__all__ = ["messages_by_msgid", "thread_of"]


def list_series(session: Session, *, state: str | None = None) -> list[dict[str, Any]]:
    """`series list --json`."""
    found = series.list_series(session, Filters(state=state), Page()).items
    return [jsonout.series_summary(s) for s in found]


def show_series(session: Session, series_id: int) -> dict[str, Any]:
    """`series show ID --json`."""
    return jsonout.series_detail(series.series_detail(session, series_id))


def concerns_of(session: Session, target: str, *, open_only: bool = False) -> list[dict[str, Any]]:
    """`concerns 7 --json` or `concerns p42 --json`."""
    kind, target_id = parse_target(target)
    if kind == "patch":
        found = concerns.concerns_of(session, patch_id=target_id, open_only=open_only)
    else:
        found = concerns.concerns_of(session, series_id=target_id, open_only=open_only)
    return [jsonout.concern(c) for c in found]


def races_of(session: Session, series_id: int) -> list[dict[str, Any]]:
    """`races ID --json`."""
    return [jsonout.race(r) for r in races.races_of(session, series_id)]


def diff_series(session: Session, old: int, new: int) -> dict[str, Any]:
    """`diff OLD NEW --json`."""
    return jsonout.range_diff(old, new, versions.range_diff(session, old, new))


load_patch_hunks = patch_hunks

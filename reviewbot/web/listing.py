"""The home page: the series list with the form's filters, search and pagination.

Counts and apply results are read for the page's series only, so a page costs
the same on a list of ten series or of ten thousand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from reviewbot.models import PatchState
from reviewbot.read.apply import apply_outcomes
from reviewbot.read.concerns import open_counts
from reviewbot.read.filters import Filters, Page
from reviewbot.read.series import SeriesSummary, list_series

PAGE_SIZE = 25
STATES = tuple(s.value for s in PatchState)
TREE_CHOICES = {"in": "in the tree", "out": "not in the tree"}


@dataclass(frozen=True)
class HomeForm:
    """What the home page's form asks for."""

    q: str = ""
    state: str = ""
    submitter: str = ""
    month: str = ""  # YYYY-MM
    open_concerns: bool = False
    page: int = 1
    tree: str = ""  # "in": a commit of the tree carries every patch; "out": not (yet)
    path: str = ""  # a file, a directory ending in /, or a glob (src/qemu/**)

    def params(self) -> dict[str, str]:
        """The form as query parameters (pagination links keep them)."""
        out = {"q": self.q, "state": self.state, "submitter": self.submitter}
        out.update(month=self.month, open="1" if self.open_concerns else "")
        out.update(tree=self.tree, path=self.path)
        return {k: v for k, v in out.items() if v}

    def filters(self) -> Filters:
        """The form as the read layer's filters."""
        span = _month_range(self.month)
        return Filters(
            q=self.q or None,
            state=self.state or None,
            submitter=self.submitter or None,
            since=span[0] if span else None,
            before=span[1] if span else None,
            open_concerns=True if self.open_concerns else None,
            in_tree={"in": True, "out": False}.get(self.tree),
            file=self.path or None,
        )


@dataclass(frozen=True)
class SeriesRow:
    """One line of the series list."""

    series: SeriesSummary
    open_concerns: int | None  # None: not linked yet (an interrupted import)
    apply: str  # "", "applied", "conflict" ...


@dataclass(frozen=True)
class Listing:
    """One page of the series list."""

    rows: tuple[SeriesRow, ...]
    total: int
    page: int
    pages: int
    filters: HomeForm


def _month_range(month: str) -> tuple[datetime, datetime] | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
        return None
    year, mon = int(m.group(1)), int(m.group(2))
    end = (year + 1, 1) if mon == 12 else (year, mon + 1)
    if end[0] > 9999:
        return None
    return datetime(year, mon, 1, tzinfo=UTC), datetime(*end, 1, tzinfo=UTC)


def list_page(session: Session, form: HomeForm) -> Listing:
    """The page of series the form asks for, newest first."""
    f = form.filters()
    found = list_series(session, f, Page(form.page, PAGE_SIZE))
    if found.items == () and form.page > found.pages:  # past the end: the last page
        found = list_series(session, f, Page(found.pages, PAGE_SIZE))
    ids = [s.id for s in found.items]
    counts = open_counts(session, ids)
    applied = apply_outcomes(session, ids)
    rows = tuple(
        SeriesRow(s, counts[s.id] if s.linked else None, applied.get(s.id, "")) for s in found.items
    )
    return Listing(rows, found.total, found.page.page, found.pages, form)


def form_from(params: Mapping[str, str]) -> HomeForm:
    """The form from a request's query parameters, bad values ignored."""
    page = str(params.get("page", "1"))
    return HomeForm(
        q=str(params.get("q", ""))[:500],
        state=str(params.get("state", "")) if params.get("state") in STATES else "",
        submitter=str(params.get("submitter", ""))[:200],
        month=str(params.get("month", ""))[:7],
        open_concerns=params.get("open") in ("1", "on", "true"),
        tree=str(params.get("tree")) if params.get("tree") in TREE_CHOICES else "",
        page=int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1,
        # a path holds no control character (PostgreSQL text cannot hold a NUL)
        path=_CONTROL.sub("", str(params.get("path", "")).strip())[:300],
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

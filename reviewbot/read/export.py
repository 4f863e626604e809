"""Load what the mbox export needs: patches, their series' numbering, reply trailers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.read.api_reads import all_rows
from reviewbot.read.mbox import PatchMail, build_mbox, subject_line
from reviewbot.read.queries import MESSAGE, PATCH, SERIES, TRAILER


def mbox_of_series(session: Session, series_id: int) -> bytes:
    """A series' patches as an mbox, with the trailers collected from the list.

    Patches rebuilt from quotes are left out: only what a reply quoted of them is
    known, and `git am` must never apply a partial patch unawares.
    """
    rows = [r for r in _patch_rows(session, PATCH.c.series_id == series_id) if not r.rebuilt]
    if not rows and not all_rows(session, select(SERIES.c.id).where(SERIES.c.id == series_id)):
        raise NotFound(f"no series with id {series_id}")
    return build_mbox(_mails(session, rows))


def mbox_of_patch(session: Session, patch_id: int) -> bytes:
    """One patch as an mbox, with the trailers collected from the list."""
    rows = _patch_rows(session, PATCH.c.id == patch_id)
    if not rows:
        raise NotFound(f"no patch with id {patch_id}")
    if rows[0].rebuilt:
        raise NotFound(
            f"patch {patch_id} was rebuilt from the quotes of a reply: its mail is not in "
            "the archive, so there is no mbox to apply"
        )
    return build_mbox(_mails(session, rows))


def _patch_rows(session: Session, where: Any) -> list[Any]:
    return all_rows(
        session,
        select(
            PATCH,
            MESSAGE.c.msgid,
            MESSAGE.c.date,
            MESSAGE.c.reconstructed_from.isnot(None).label("rebuilt"),
            SERIES.c.version,
            SERIES.c.total,
        )
        .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .join(SERIES, SERIES.c.id == PATCH.c.series_id)
        .where(where)
        .order_by(PATCH.c.number, PATCH.c.id),
    )


def _mails(session: Session, rows: list[Any]) -> list[PatchMail]:
    if not rows:
        return []
    series_id = rows[0].series_id
    given = all_rows(
        session,
        select(TRAILER.c.patch_id, TRAILER.c.name, TRAILER.c.value)
        .where(TRAILER.c.series_id == series_id, TRAILER.c.source == "reply")
        .order_by(TRAILER.c.id),
    )
    return [
        PatchMail(
            msgid=r.msgid,
            author_name=r.author_name,
            author_email=r.author_email,
            date=r.date,
            subject=subject_line(r.title, r.version, r.number, r.total),
            commit_message=r.commit_message,
            diffstat=r.diffstat,
            diff=r.diff,
            # the patch's own replies first, then those on the cover letter (for all)
            trailers=tuple(
                f"{t.name}: {t.value}"
                for t in sorted(given, key=lambda t: t.patch_id is None)
                if t.patch_id in (r.id, None)
            ),
        )
        for r in rows
    ]

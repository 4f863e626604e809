"""Review coverage in the API: its response models and how read.coverage's records
become them (`/series/{id}/coverage`, `/patches/{id}/coverage`)."""

from __future__ import annotations

from pydantic import Field
from sqlmodel import SQLModel

from reviewbot.api.models import PersonRef
from reviewbot.read import coverage


class CovererPublic(SQLModel):
    """A reviewer who covered a hunk: "commented" on it or "quoted" it, in which reply."""

    reviewer: PersonRef
    how: str
    reply_msgid: str


class HunkCoveragePublic(SQLModel):
    """One hunk and who covered it; `state` is open (a concern on it is open),
    reviewed (someone other than its author quoted or commented on it) or unreviewed."""

    patch_id: int
    patch_number: int
    hunk_id: int
    file: str
    hunk: int = Field(description="Index within its file, from 0.")
    hunk_number: int = Field(description="Within its file, from 1.")
    header: str
    state: str
    open_concerns: int
    covered_by: list[CovererPublic]
    acked_by: list[str] = Field(description="Reviewed-by/Acked-by given for the whole patch.")


class ReviewerCoveragePublic(SQLModel):
    """What one reviewer covered."""

    reviewer: PersonRef
    files: list[str]
    hunks: int
    commented: int


class CoveragePublic(SQLModel):
    """Review coverage of a series (or one patch): which hunks nobody quoted or
    commented on, and which reviewer covered which files."""

    series_id: int
    patch_id: int | None
    counts: dict[str, int] = Field(description="Hunks by state: open, reviewed, unreviewed.")
    hunks: list[HunkCoveragePublic]
    reviewers: list[ReviewerCoveragePublic]


def coverage_of(c: coverage.Coverage) -> CoveragePublic:
    """Review coverage of a series or a patch."""
    return CoveragePublic(
        series_id=c.series_id,
        patch_id=c.patch_id,
        counts={state: c.count(state) for state in coverage.STATES},
        hunks=[
            HunkCoveragePublic(
                patch_id=h.patch_id,
                patch_number=h.patch,
                hunk_id=h.hunk_id,
                file=h.file,
                hunk=h.hunk,
                hunk_number=h.hunk_number,
                header=h.header,
                state=h.state,
                open_concerns=h.open_concerns,
                covered_by=[
                    CovererPublic(
                        reviewer=PersonRef(name=x.name, email=x.email),
                        how=x.how,
                        reply_msgid=x.reply_msgid,
                    )
                    for x in h.covered_by
                ],
                acked_by=list(h.acked_by),
            )
            for h in c.hunks
        ],
        reviewers=[
            ReviewerCoveragePublic(
                reviewer=PersonRef(name=r.name, email=r.email),
                files=list(r.files),
                hunks=r.hunks,
                commented=r.commented,
            )
            for r in c.reviewers
        ],
    )

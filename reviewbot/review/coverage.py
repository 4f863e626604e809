"""Review coverage: which hunks each reviewer quoted or commented on.  (pure)

A reply placed under a patch covers the hunks whose lines it quotes itself (at
the first quote level: deeper quotes are an earlier message's) and those its
comments anchor to. The patch's author answering a review covers nothing: the
point is to find the hunks no one but their author has read.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewbot.review.conversation import Heard, Person

COMMENTED = "commented"
QUOTED = "quoted"


@dataclass(frozen=True)
class Cover:
    """One reviewer's reply covering one hunk: `how` is "commented" or "quoted"."""

    series_id: int
    patch_id: int
    file: str
    hunk: int  # within its file, from 0
    reviewer: Person
    how: str
    reply_id: int


def covers_of(
    series_id: int, patch_id: int, reply_id: int, sender: Person, author: Person, heard: Heard
) -> list[Cover]:
    """The hunks one reply covers, commented ones first; none when its sender wrote the patch."""
    if sender.same(author):
        return []
    commented = {
        (s.comment.anchor.file, s.comment.anchor.hunk) for s in heard.said if s.comment.anchor
    }
    return [
        Cover(series_id, patch_id, file, hunk, sender, how, reply_id)
        for how, hunks in ((COMMENTED, commented), (QUOTED, heard.quoted - commented))
        for file, hunk in sorted(hunks)
    ]

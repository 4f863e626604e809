"""What a message is within a series: cover letter, patch, reply or other.  (pure)"""

from __future__ import annotations

import re
from enum import StrEnum

from reviewbot.mail.subject import Subject

_QUOTED_OR_ATTRIBUTION = re.compile(r"^(>|.*\bwrote:\s*$)", re.M)


class Kind(StrEnum):
    """What a message is within a series."""

    COVER = "cover"
    PATCH = "patch"
    REPLY = "reply"
    OTHER = "other"


def classify(subject: Subject, body: str, has_diff: bool, has_parent: bool) -> Kind:
    """Decide what a message is from its subject and body.

    0/N is a cover letter; a diff makes a patch unless the subject says it is a
    reply. A numbered patch subject without a diff is still a patch (flagged
    no-diff) unless its body is a quoted answer: pipermail may lose the "Re:".
    """
    if subject.is_reply:
        return Kind.REPLY
    if subject.is_cover:
        return Kind.COVER  # even with a diff: format-patch --interdiff puts one there
    if has_diff:
        return Kind.PATCH
    if subject.is_patch_marked:
        if looks_like_reply(body):
            return Kind.REPLY  # an answer that lost its "Re:" (pipermail pages do that)
        if subject.index is None:
            # "[RFC] design" or "[PULL] ..." without a diff: a discussion, not a patch;
            # as a thread root it can still become a cover letter
            return Kind.REPLY if has_parent else Kind.OTHER
        return Kind.PATCH  # numbered but diff-less: kept as a patch, flagged no-diff
    return Kind.REPLY if has_parent else Kind.OTHER


def looks_like_reply(body: str) -> bool:
    """True when a body quotes another mail ("> ..." or "On ..., X wrote:")."""
    return bool(_QUOTED_OR_ATTRIBUTION.search(body))

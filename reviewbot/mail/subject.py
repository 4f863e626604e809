"""Subject lines: "[libvirt] [PATCH v3 02/10] qemu: fix" -> Subject.  (pure)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# "Re:", "RE:", "Aw:", "Fwd:" and friends, possibly repeated: "Re: Re: [PATCH]".
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|antw|fwd?)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
_BRACKET = re.compile(r"^\s*\[([^\]]*)\]")
# "1/3", "01/10", "1 of 3"
_COUNTER = re.compile(r"^(\d+)\s*(?:/|of)\s*(\d+)$", re.I)
_NOT_WORD = re.compile(r"[\W_]+")
_VERSION = re.compile(r"^v(\d+)(?:\.\d+)?$", re.I)
# "PATCHv2", "RFCv3", "PATCH-v2": the marker and the version glued together
_GLUED = re.compile(r"^(patch|rfc|resend)-?(v\d+(?:\.\d+)?)$", re.I)
_PATCH_WORDS = {"patch", "rfc", "resend", "pull", "git", "dmpatch"}


@dataclass(frozen=True)
class Subject:
    """What the subject line says about a message's place in a series."""

    title: str
    prefixes: tuple[str, ...]
    is_reply: bool
    is_patch_marked: bool
    version: int
    version_label: str
    index: int | None
    total: int | None
    rfc: bool
    resend: bool

    @property
    def version_given(self) -> bool:
        """True when the subject names its version ("v2"); 1 is only the default."""
        return any(_VERSION.match(p) for p in self.prefixes)

    @property
    def is_cover(self) -> bool:
        """True for the "0/N" message of a series."""
        return self.index == 0


@lru_cache(maxsize=8192)  # pure, and asked about the same subject several times
def parse_subject(raw: str) -> Subject:
    """Split a subject into its reply prefix, bracketed markers and title."""
    text = " ".join(raw.split())
    reply = _REPLY_PREFIX.match(text)
    is_reply = bool(reply)
    if reply:
        text = text[reply.end() :]
    prefixes: list[str] = []
    while True:
        # "Re:" can also hide behind the list tag: "[libvirt] Re: [PATCH]".
        again = _REPLY_PREFIX.match(text)
        if again:
            is_reply = True
            text = text[again.end() :]
        m = _BRACKET.match(text)
        if not m:
            break
        prefixes.extend(_split_marker(m.group(1)))
        text = text[m.end() :]
    return _from_prefixes(text.strip(), tuple(prefixes), is_reply)


def _split_marker(marker: str) -> list[str]:
    """Split "PATCH v2 1 of 3" into tokens, keeping "1 of 3" together."""
    marker = re.sub(r"(\d+)\s+of\s+(\d+)", r"\1/\2", marker, flags=re.I)
    tokens: list[str] = []
    for tok in re.split(r"[\s,]+", marker):
        glued = _GLUED.match(tok)
        tokens.extend(glued.groups() if glued else [tok] if tok else [])
    return tokens


def _from_prefixes(title: str, prefixes: tuple[str, ...], is_reply: bool) -> Subject:
    version, label, index, total = 1, "", None, None
    patch_marked = rfc = resend = False
    for tok in prefixes:
        low = tok.lower()
        if low in _PATCH_WORDS:
            patch_marked = True
            rfc = rfc or low == "rfc"
            resend = resend or low == "resend"
        elif v := _VERSION.match(tok):
            version, label = int(v.group(1)), tok.lower()
        elif c := _COUNTER.match(tok):
            index, total = int(c.group(1)), int(c.group(2))
    return Subject(
        title=title,
        prefixes=prefixes,
        is_reply=is_reply,
        is_patch_marked=patch_marked,
        version=version,
        version_label=label or f"v{version}",
        index=index,
        total=total,
        rfc=rfc,
        resend=resend,
    )


@lru_cache(maxsize=4096)  # the range-diff asks it of every pair of patches it weighs
def normalise_title(title: str) -> str:
    """A key for "same series title": case, spacing and punctuation folded."""
    return _NOT_WORD.sub(" ", title.lower()).strip()


def thread_subject(raw: str) -> str:
    """The subject JWZ threading compares: reply prefixes and [tags] removed."""
    subject = parse_subject(raw)
    return normalise_title(subject.title)

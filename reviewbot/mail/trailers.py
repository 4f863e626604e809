"""Trailers: "Reviewed-by: Name <addr>" lines in patches and replies.  (pure)"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewbot.mail.message import parse_address, restore_bracketed_addresses

KNOWN = (
    "Reviewed-by",
    "Acked-by",
    "Tested-by",
    "Reported-by",
    "Suggested-by",
    "Signed-off-by",
    "Co-developed-by",
    "Fixes",
)
_TRAILER = re.compile(
    r"^\s{0,3}(" + "|".join(re.escape(k) for k in KNOWN) + r")\s*:\s*(\S.*?)\s*$", re.I
)
_CANONICAL = {k.lower(): k for k in KNOWN}
# Trailers that only mean "I reviewed this"; Signed-off-by in a reply means little.
REVIEW_TRAILERS = frozenset({"Reviewed-by", "Acked-by", "Tested-by"})


@dataclass(frozen=True)
class Trailer:
    """One trailer line: its canonical name, value, and the person it names."""

    name: str
    value: str
    person_name: str
    person_email: str

    @property
    def text(self) -> str:
        """The trailer as it would be written in a commit message."""
        return f"{self.name}: {self.value}"


def find_trailers(text: str) -> tuple[Trailer, ...]:
    """Every trailer in the unquoted lines of `text`, in order, without repeats."""
    found: dict[tuple[str, str], Trailer] = {}
    for line in text.split("\n"):
        if line.startswith((">", "|")):
            continue  # quoted: somebody else's trailer, it does not count
        m = _TRAILER.match(line)
        if m:
            trailer = _make(m.group(1), m.group(2))
            found.setdefault((trailer.name, trailer.value.lower()), trailer)
    return tuple(found.values())


def _make(name: str, value: str) -> Trailer:
    canonical = _CANONICAL[name.lower()]
    value = restore_bracketed_addresses(value)
    person, addr = ("", "")
    if canonical != "Fixes":
        person, addr = parse_address(value)
        if person == addr:
            person = ""
    return Trailer(canonical, value, person, addr)

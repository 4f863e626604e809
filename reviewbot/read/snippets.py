"""Snippets of mail text with the words searched for marked, as (text, marked) pieces.

The database marks the words in a text with two control characters, START and
STOP (read/hits.py asks FTS5 and ts_headline to); `fragments` cuts the text at
them, `phrase_marks` keeps the marks that spell a whole word searched for and
`around` keeps a window of the text around the first one. No HTML is made here:
the page escapes each piece and wraps the marked ones in <mark>, so mail text
never becomes markup. A message that itself holds those characters can at worst
mark the wrong words. Pure functions: no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

START, STOP = "\x02", "\x03"
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[^\W_]+")  # letters and digits: what both indexes keep as a token


@dataclass(frozen=True)
class Fragment:
    """A piece of a message's text: marked when it is one of the words searched for."""

    text: str
    marked: bool


def fragments(marked_text: str) -> tuple[Fragment, ...]:
    """Text with START/STOP around matches, as pieces; runs of blanks become one space.

    An unpaired STOP is dropped and an unpaired START marks to the end: whatever
    the text holds, every character lands in exactly one piece.
    """
    out: list[Fragment] = []
    marked = False
    for piece in re.split(f"([{START}{STOP}])", _SPACE.sub(" ", marked_text)):
        if piece in (START, STOP):
            marked = piece == START
        elif piece:
            out.append(Fragment(piece, marked))
    return tuple(out)


def phrase_marks(found: tuple[Fragment, ...], words: tuple[str, ...]) -> tuple[Fragment, ...]:
    """The marks kept where they cover a whole word searched for, each as one piece.

    FTS5 marks phrases; ts_headline marks every token of the query wherever it
    stands (`c` of `virstorageobj.c` in every `.c`, each of vir, lock and guard
    apart). Both come out alike: a run of tokens spelling a searched word (the
    last token a prefix for `word*`), every token of it marked by the database,
    becomes one marked piece, punctuation inside included; other marks go.
    Tokens compare as FTS5's unicode61 does: any case, diacritics removed.
    """
    text = "".join(f.text for f in found)
    marked = [f.marked for f in found for _ in f.text]
    groups, at_start, at_end = _marked_groups(text, marked)
    keep = [False] * len(text)
    for word in words:
        want, prefix = [_fold(t) for t in _TOKEN.findall(word)], word.endswith("*")
        for i, group in enumerate(groups):
            edges = (i == 0 and at_start, i == len(groups) - 1 and at_end)
            for a, b in _spelled(group, want, prefix, *edges):
                keep[a:b] = [True] * (b - a)
    return tuple(_pieces(text, keep))


Token = tuple[int, int, str]  # start, end, folded text


def _marked_groups(text: str, marked: list[bool]) -> tuple[list[list[Token]], bool, bool]:
    """The runs of consecutive marked tokens (an unmarked token ends one), and whether
    the first starts the text and the last ends it."""
    groups: list[list[Token]] = []
    current: list[Token] = []
    first = last = False
    for n, m in enumerate(_TOKEN.finditer(text)):
        last = marked[m.start()]
        if last:
            current.append((m.start(), m.end(), _fold(m.group(0))))
            first = first or n == 0
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups, first, last


def _spelled(
    group: list[Token], want: list[str], prefix: bool, at_start: bool, at_end: bool
) -> Iterator[tuple[int, int]]:
    """The spans in a group of marked tokens that spell the word; at the text's edges
    also a start of the word cut off by the snippet's end, or an end cut off by its
    start (`…VIR_LOCK` of VIR_LOCK_GUARD)."""
    if not want:
        return
    *head, last = want
    for i in range(len(group) - len(want) + 1):
        run = group[i : i + len(want)]
        if [t for _a, _b, t in run[:-1]] == head and (
            run[-1][2].startswith(last) if prefix else run[-1][2] == last
        ):
            yield run[0][0], run[-1][1]
    for j in range(1, min(len(want), len(group) + 1)):
        if at_end and [t for _a, _b, t in group[-j:]] == want[:j]:
            yield group[-j][0], group[-1][1]
        if at_start and [t for _a, _b, t in group[:j]] == want[-j:]:
            yield group[0][0], group[j - 1][1]


@lru_cache(maxsize=4096)
def _fold(token: str) -> str:
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def around(found: tuple[Fragment, ...], chars: int) -> tuple[Fragment, ...]:
    """About `chars` characters of the text, the first marked piece a third of the way
    in, cut at blanks, with "…" where text was left out."""
    text = "".join(f.text for f in found)
    if len(text) <= chars:
        return found
    marks = [f.marked for f in found for _ in f.text]
    at = marks.index(True) if True in marks else 0
    start = max(0, min(at - chars // 3, len(text) - chars))
    end = min(len(text), start + chars)
    if start > 0 and (space := text.find(" ", start, at)) >= 0:
        start = space + 1
    if end < len(text) and (space := text.rfind(" ", at, end)) > at:
        end = space
    pieces = _pieces(text[start:end], marks[start:end])
    head = [Fragment("…", False)] if start > 0 else []
    tail = [Fragment("…", False)] if end < len(text) else []
    return tuple(head + pieces + tail)


def _pieces(text: str, keep: list[bool]) -> list[Fragment]:
    out: list[Fragment] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or keep[i] != keep[start]:
            out.append(Fragment(text[start:i], keep[start]))
            start = i
    return out

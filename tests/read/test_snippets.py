"""Snippets: text cut at the database's marks, whole-word marks kept, a window around
the first one; whatever the text holds, only pieces come out, never markup."""

from __future__ import annotations

from reviewbot.read.snippets import START, STOP, Fragment, around, fragments, phrase_marks


def test_fragments_cut_at_the_marks() -> None:
    marked = f"a {START}word{STOP} b\n\n c {START}x"
    assert fragments(marked) == (
        Fragment("a ", False),
        Fragment("word", True),
        Fragment(" b c ", False),
        Fragment("x", True),
    )
    assert fragments(f"{STOP}stray{STOP} text") == (
        Fragment("stray", False),
        Fragment(" text", False),
    )
    assert fragments("") == ()


def _marks(text: str, words: tuple[str, ...]) -> list[str]:
    return [f.text for f in phrase_marks(fragments(text), words) if f.marked]


def test_phrase_marks_keep_whole_words_only() -> None:
    s, e = START, STOP
    # ts_headline marks each token of the phrase apart, and lone tokens elsewhere
    pg = f"use {s}VIR{e}_{s}LOCK{e}_{s}GUARD{e} and a {s}lock{e} and x.{s}c{e}"
    assert _marks(pg, ("VIR_LOCK_GUARD",)) == ["VIR_LOCK_GUARD"]
    assert _marks(f"src/{s}virstorageobj{e}.{s}c{e} b.{s}c{e}", ("virstorageobj.c",)) == [
        "virstorageobj.c"
    ]
    # a word the database did not mark stays unmarked
    assert _marks("VIR_LOCK_GUARD", ("VIR_LOCK_GUARD",)) == []
    # prefixes, any case, diacritics as FTS5 folds them
    assert _marks(f"{s}Reviewed{e}-by", ("review*",)) == ["Reviewed"]
    assert _marks(f"{s}Ján{e} Tomko", ("jan",)) == ["Ján"]
    # a word cut by the snippet's end or start keeps its mark
    assert _marks(f"converted to use '{s}VIR_LOCK{e}", ("VIR_LOCK_GUARD",)) == ["VIR_LOCK"]
    assert _marks(f"{s}GUARD{e} drops it", ("VIR_LOCK_GUARD",)) == ["GUARD"]


def test_around_keeps_a_window_at_the_first_mark() -> None:
    words = " ".join(f"w{i}" for i in range(200))
    text = words.replace("w120", f"{START}VIR_LOCK_GUARD{STOP}")
    cut = around(fragments(text), 80)
    joined = "".join(f.text for f in cut)
    assert joined.startswith("…w") and joined.endswith("…") and len(joined) <= 82
    assert [f.text for f in cut if f.marked] == ["VIR_LOCK_GUARD"]
    assert joined.index("VIR_LOCK_GUARD") < 40  # a third of the way in, about
    short = fragments(f"a {START}b{STOP}")
    assert around(short, 80) == short

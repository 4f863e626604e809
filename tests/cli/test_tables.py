"""The CLI's tables: fitted to a terminal (80, 100, 200 columns) without ever losing
the title, tab-separated and whole when piped, cut text ending in "…" at a word.

Terminal mode is forced with REVIEWBOT_TTY=1 (CliRunner's stdout is no terminal);
the width is $COLUMNS, as on a real terminal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from reviewbot.cli.render import number_ranges, received
from reviewbot.cli.tables import Column, cut, layout, shorten, tsv, wrap
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, migrated_sqlite, run_cli

MONTHS = ("2023-July.txt.gz", "2023-August.txt.gz", "2016-October.txt.gz")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three corpus months in one SQLite file (rendering is the same on any backend)."""
    path = tmp_path_factory.mktemp("tables") / "corpus.db"
    engine = open_engine(migrated_sqlite(path))
    import_paths(engine, [LIST / m for m in MONTHS])
    engine.dispose()
    return path


def terminal(*args: object, columns: int) -> list[str]:
    """A command's lines as a terminal `columns` wide shows them."""
    result = run_cli(*args, env={"COLUMNS": str(columns), "REVIEWBOT_TTY": "1"})
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


# -- cutting and wrapping ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width", "want"),
    [
        ("short", 10, "short"),
        ("qemu: agent: unset error flag in EOF handler", 30, "qemu: agent: unset error flag…"),
        ("qemu: agent: unset error flag in EOF handler", 20, "qemu: agent: unset…"),
        # no space near the end: cut inside the word rather than lose most of the room
        ("a virStoragePoolObjListSearchCb", 20, "a virStoragePoolObj…"),
        ("Dropping the guard, please keep it", 20, "Dropping the guard…"),
        ("x", 0, ""),
    ],
)
def test_cut_ends_with_an_ellipsis_at_a_word(text: str, width: int, want: str) -> None:
    assert cut(text, width) == want
    assert cell_len(cut(text, width)) <= width


def test_cut_counts_wide_characters_as_two_cells() -> None:
    cut_text = cut("修复 一个 很长 的 标题 在这里", 9)
    assert cut_text.endswith("…") and cell_len(cut_text) <= 9


def test_shorten_makes_one_line() -> None:
    assert shorten("Is the comment\naccurate   though?", 100) == "Is the comment accurate though?"
    assert shorten("Is the comment accurate though?", 20) == "Is the comment…"


def test_wrap_keeps_to_its_lines_and_marks_what_is_left_out() -> None:
    text = "Since emitEvent is computed before tray_status is updated, this still fires"
    lines = wrap(text, 20, 2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(cell_len(line) <= 20 for line in lines)
    assert wrap("fits", 20, 2) == ["fits"]


@pytest.mark.parametrize(
    ("numbers", "want"),
    [([2, 3, 4, 5, 6, 7, 8, 9, 10], "2–10"), ([2, 3], "2,3"), ([1, 3, 4, 5, 9], "1,3–5,9")],
)
def test_gaps_are_ranges(numbers: list[int], want: str) -> None:
    assert number_ranges(numbers) == want


def test_received_names_the_gaps_briefly() -> None:
    assert received(1, 10, list(range(2, 11))) == "1/10 (2–10 missing)"
    assert received(3, 3, []) == "3/3"


# -- layout ------------------------------------------------------------------------------

COLUMNS = (
    Column("id"),
    Column("title", shrink=3, floor=20),
    Column("who", shrink=1, drop=4, floor=8),
    Column("links", drop=2),
)
ROWS = [["1", "a title that is rather long for a narrow terminal", "Somebody Longname", "#2"]]


def test_layout_keeps_natural_widths_when_they_fit() -> None:
    assert layout(COLUMNS, ROWS, 200) == [2, 49, 17, 5]


def test_layout_narrows_and_drops_the_least_important_first() -> None:
    # 66 cells: "who" narrows, then "links" goes, before the title gives anything
    widths = layout(COLUMNS, ROWS, 66)
    assert widths == [2, 49, 11, 0]
    # 60: the title narrows too, once "who" is at its floor
    assert layout(COLUMNS, ROWS, 60) == [2, 46, 8, 0]
    # 40: "who" narrows to its floor, then the title narrows; nothing else is dropped
    widths = layout(COLUMNS, ROWS, 40)
    assert widths[2] == 8 and widths[1] == 40 - 2 - 8 - 2 * 2
    # 25: "who" goes too; the title stays
    widths = layout(COLUMNS, ROWS, 25)
    assert widths[2] == 0 and widths[1] == 25 - 2 - 2


def test_layout_never_drops_the_title_even_when_nothing_fits() -> None:
    widths = layout(COLUMNS, ROWS, 10)
    assert widths[1] >= len("title") and widths[0] == 2


def test_tsv_is_whole_and_unpadded() -> None:
    text = tsv(COLUMNS, [["1", "a\ttab", "Trailer: x\nTrailer: y", ""]])
    assert text == "id\ttitle\twho\tlinks\n1\ta tab\tTrailer: x; Trailer: y\t\n"


# -- the commands ------------------------------------------------------------------------


def test_series_list_piped_is_tab_separated_with_a_header(corpus: Path) -> None:
    result = run_cli("series", "list", "--db", corpus, env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == [
        "id",
        "ver",
        "title",
        "patches",
        "submitter",
        "date",
        "state",
        "links",
    ]
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(r) == 8 for r in rows)
    eof = next(r for r in rows if "EOF" in r[2])
    # nothing cut, nothing padded, even at 80 columns
    assert eof[2] == "qemu: agent: unset error flag in EOF handler"
    assert eof[3] == "1/10 (2–10 missing)" and eof[4] == "Nikolay Shirokovskiy"
    assert "…" not in result.stdout and "  " not in result.stdout


@pytest.mark.parametrize("columns", [60, 80, 100, 200])
def test_series_list_on_a_terminal_fits_and_keeps_the_title(corpus: Path, columns: int) -> None:
    lines = terminal("series", "list", "--db", corpus, columns=columns)
    assert all(cell_len(line) <= columns for line in lines)
    header = lines[0].split()
    assert header[:3] == ["id", "ver", "title"] and "state" in header
    text = "\n".join(lines)
    assert "qemu: backport fixes" in text
    if columns >= 80:
        assert "submitter" in header and "qemu: backport fixes for 9.0.0" in text
    if columns >= 100:  # the title whole, the gaps in a few cells instead of 33
        assert "qemu: agent: unset error flag in EOF handler" in text
        assert "2–10" in text
    if columns >= 200:
        assert header == ["id", "ver", "title", "patches", "submitter", "date", "state", "links"]
        assert "Nikolay Shirokovskiy" in text and "…" not in text


def test_series_list_at_80_columns_measured(corpus: Path) -> None:
    """What the issue measured: at 80 columns the title and submitter used to vanish."""
    lines = terminal("series", "list", "--db", corpus, columns=80)
    eof = next(i for i, line in enumerate(lines) if "qemu: agent" in line)
    title_start = lines[0].index("title")
    title_width = lines[0].index("patches") - title_start - 2
    assert title_width >= 28
    assert "1/10 (2–10" in lines[eof] and "missing)" in lines[eof + 1]


@pytest.mark.parametrize("columns", [80, 100, 200])
def test_concerns_on_a_terminal_wrap_text_and_cut_it_at_a_word(corpus: Path, columns: int) -> None:
    lines = terminal("concerns", "2", "--db", corpus, columns=columns)
    assert all(cell_len(line) <= columns for line in lines)
    assert lines[0].split()[0] == "id" and lines[0].split()[-1] == "text"
    cut_lines = [line for line in lines if line.endswith("…")]
    assert cut_lines, "the long review text is cut somewhere"
    for line in cut_lines:
        # at a word: what precedes the ellipsis is a whole word of the concern's text
        assert line[-2] != " "
    whole = run_cli("concerns", "2", "--db", corpus).stdout
    assert "…" not in whole and "Let me spell out the race this fixes" in whole


def test_series_show_and_diff_on_a_terminal_fit(corpus: Path) -> None:
    for args in (("series", "show", "1"), ("diff", "2", "1")):
        for columns in (80, 100):
            lines = terminal(*args, "--db", corpus, columns=columns)
            table = [line for line in lines if not line.startswith(("#", "state:", "  "))]
            assert any("title" in line.split() for line in table), lines


def test_an_empty_list_is_just_the_header(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    migrated_sqlite(db)
    assert run_cli("series", "list", "--db", db).stdout.startswith("id\tver\ttitle\t")
    assert terminal("series", "list", "--db", db, columns=80)[0].startswith("id  ver  title")

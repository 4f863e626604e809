"""An id of the wrong kind says which form would have worked: `state set 21` where 21
is no series but patch 21 exists suggests `p21`, and the reverse; a patch id where a
series id is wanted names the patch's series; a series or patch number given as a
Message-ID or a concern id says where to look."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import close_sqlite, import_corpus, run_cli


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1 and v2 of the backport series: series 1 and 2, patches 1-20."""
    return close_sqlite(import_corpus(tmp_path_factory.mktemp("ids") / "corpus.db"))


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (
            ["state", "set", "15", "accepted"],
            3,
            "no series with id 15; did you mean the patch p15 (in series 2)?",
        ),
        (["concerns", "15"], 3, "no series with id 15; did you mean the patch p15 (in series 2)?"),
        (["series", "show", "15"], 3, "did you mean the patch p15 (in series 2)?"),
        (["races", "15"], 3, "did you mean the patch p15 (in series 2)?"),
        (["diff", "2", "15"], 3, "did you mean the patch p15 (in series 2)?"),
        (
            ["series", "show", "p15"],
            2,
            "'p15' is a patch id; `series show` takes a series id: patch p15 is in series 2",
        ),
        (["races", "p3"], 2, "`races` takes a series id: patch p3 is in series 1"),
        (["concern", "show", "p3"], 2, "'p3' is a patch id; `concerns p3` lists its concerns"),
        (["concern", "show", "#2"], 2, "'#2' is a series id; `concerns 2` lists its concerns"),
        (
            ["concern", "show", "19"],
            3,
            "no concern with id 19; did you mean the concerns of patch p19 (`concerns p19`)?",
        ),
        (["thread", "p3"], 3, "no message <p3>; patch p3 is <"),
        (["thread", "2"], 3, "no message <2>; series 2 starts at <"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_a_wrong_kind_of_id_suggests_the_right_form(
    corpus: Path, args: list[str], code: int, said: str
) -> None:
    done = run_cli(*args, "--db", corpus)
    assert done.exit_code == code, done.stderr
    assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_patch_id_naming_a_series_suggests_it(tmp_path: Path) -> None:
    """The reverse: `state set p1` when there is no patch 1 but a series 1."""
    db = tmp_path / "c.db"
    engine = import_corpus(db)
    with engine.begin() as conn:  # patch 1 gone, series 1 still there
        conn.exec_driver_sql("DELETE FROM hunk WHERE patch_id = 1")
        conn.exec_driver_sql("DELETE FROM patchfile WHERE patch_id = 1")
        conn.exec_driver_sql("DELETE FROM trailer WHERE patch_id = 1")
        conn.exec_driver_sql("DELETE FROM concern WHERE patch_id = 1")
        conn.exec_driver_sql("UPDATE message SET patch_id = NULL WHERE patch_id = 1")
        conn.exec_driver_sql("DELETE FROM patch WHERE id = 1")
    engine.dispose()
    done = run_cli("state", "set", "p1", "accepted", "--db", db)
    assert done.exit_code == 3
    assert "no patch with id 1; did you mean the series 1?" in done.stderr


def test_unknown_everywhere_says_only_not_found(corpus: Path) -> None:
    done = run_cli("state", "set", "999", "accepted", "--db", corpus)
    assert done.exit_code == 3
    assert done.stderr.strip() == "error: no series with id 999"


def test_series_ids_as_lists_print_them(corpus: Path) -> None:
    """`#2`, as `series list` and `series show` print series, is series 2."""
    shown = run_cli("series", "show", "#2", "--db", corpus, "--json")
    assert shown.exit_code == 0 and '"id": 2' in shown.stdout

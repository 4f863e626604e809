"""The CLI's --json and the API's answers on the corpus are what tests/golden/ says.

Set REVIEWBOT_UPDATE_GOLDEN=1 to write the files again (see tests/golden.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.golden import GOLDEN, capture


def test_cli_and_api_answer_as_the_golden_files_say(tmp_path: Path) -> None:
    got = capture(tmp_path)
    if os.environ.get("REVIEWBOT_UPDATE_GOLDEN"):
        for old in GOLDEN.rglob("*.*"):
            old.unlink()
        for name, text in got.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_text(text, encoding="utf-8")
    want = {str(p.relative_to(GOLDEN)): p.read_text(encoding="utf-8") for p in GOLDEN.rglob("*.*")}
    assert sorted(got) == sorted(want), "a golden file is missing or extra"
    different = [name for name in sorted(got) if got[name] != want[name]]
    assert not different, f"differ from tests/golden/: {different}"

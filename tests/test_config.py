"""Settings: where the database is, from --db (a path or a URL) or the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.config import database_url, load_settings


def test_database_url_from_path_url_and_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert database_url(str(tmp_path / "a.db"), tmp_path) == f"sqlite:///{tmp_path / 'a.db'}"
    assert database_url("postgresql+psycopg://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("REVIEWBOT_DB", str(tmp_path / "env.db"))
    assert load_settings().database_url.endswith("env.db")
    monkeypatch.delenv("REVIEWBOT_DB")
    monkeypatch.setenv("REVIEWBOT_DATA_DIR", str(tmp_path / "dd"))
    assert load_settings().database_url == f"sqlite:///{tmp_path / 'dd' / 'reviewbot.db'}"

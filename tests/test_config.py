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


def test_upstream_tree_interval_and_commit_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = load_settings(data_dir=str(tmp_path))
    assert plain.upstream_tree is None and plain.upstream_interval == 300
    assert plain.commit_url == "https://gitlab.com/libvirt/libvirt/-/commit/{hash}"
    assert plain.index_dir == tmp_path / "patch-ids"
    monkeypatch.setenv("REVIEWBOT_UPSTREAM_TREE", str(tmp_path / "env-tree"))
    monkeypatch.setenv("REVIEWBOT_UPSTREAM_INTERVAL", "12.5")
    monkeypatch.setenv("REVIEWBOT_COMMIT_URL", "https://example.org/c/{hash}")
    from_env = load_settings()
    assert from_env.upstream_tree == tmp_path / "env-tree"
    assert from_env.upstream_interval == 12.5
    assert from_env.commit_url == "https://example.org/c/{hash}"
    assert load_settings(upstream_tree=str(tmp_path / "flag")).upstream_tree == tmp_path / "flag"
    # a value that cannot work falls back to the default rather than break every page
    monkeypatch.setenv("REVIEWBOT_UPSTREAM_INTERVAL", "-1")
    monkeypatch.setenv("REVIEWBOT_COMMIT_URL", "https://example.org/no-placeholder")
    assert load_settings().upstream_interval == 300
    assert load_settings().commit_url.endswith("/-/commit/{hash}")

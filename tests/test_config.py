"""Settings: where the database is, from --db (a path or a URL) or the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.config import GiB, KiB, Limits, MiB, database_url, load_limits, load_settings
from reviewbot.errors import InputError


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


def test_bounds_default_and_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MESSAGE_SIZE", "GZIP_SIZE", "GZIP_RATIO", "BODY_SIZE", "PAGE_SIZE", "LINKS"):
        monkeypatch.delenv(f"REVIEWBOT_MAX_{name}", raising=False)
    assert load_limits() == Limits() == Limits(4 * MiB, 4 * GiB, 100, 256 * MiB, 4 * MiB, 20_000)
    monkeypatch.setenv("REVIEWBOT_MAX_MESSAGE_SIZE", "512K")
    monkeypatch.setenv("REVIEWBOT_MAX_GZIP_SIZE", "2G")
    monkeypatch.setenv("REVIEWBOT_MAX_GZIP_RATIO", "0")
    monkeypatch.setenv("REVIEWBOT_MAX_BODY_SIZE", "1048576")
    monkeypatch.setenv("REVIEWBOT_MAX_PAGE_SIZE", "3MiB")
    monkeypatch.setenv("REVIEWBOT_MAX_LINKS", "500")
    assert load_settings().limits == Limits(512 * KiB, 2 * GiB, 0, MiB, 3 * MiB, 500)


@pytest.mark.parametrize(
    ("name", "value"),
    [("REVIEWBOT_MAX_MESSAGE_SIZE", "25 megabytes"), ("REVIEWBOT_MAX_LINKS", "10K"),
     ("REVIEWBOT_MAX_BODY_SIZE", "-1")],
)  # fmt: skip
def test_a_bad_bound_names_itself(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=name):
        load_limits()


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

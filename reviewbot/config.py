"""Settings: where the database and the data directory are.

Precedence: command-line flag, then environment variable, then default.

    REVIEWBOT_DB        database: a file path (SQLite) or any SQLAlchemy URL
    REVIEWBOT_DATA_DIR  caches and the default database (~/.local/share/reviewbot)
    REVIEWBOT_LIST      what `scrape` follows when given no URL: a known list's name
                        (libvirt) or archive URLs, oldest first, separated by spaces
    REVIEWBOT_ARCHIVE   where `fetch` looks a Message-ID up: a HyperKitty list URL
                        or a public-inbox URL
    REVIEWBOT_UPSTREAM_TREE      a git tree that `scrape --watch` and `serve` check
                                 patches against (`reviewbot upstream`); none by default
    REVIEWBOT_UPSTREAM_INTERVAL  seconds between `serve`'s checks of that tree (300)
    REVIEWBOT_COMMIT_URL         a commit's web page, `{hash}` replaced (libvirt's GitLab)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_COMMIT_URL = "https://gitlab.com/libvirt/libvirt/-/commit/{hash}"
DEFAULT_UPSTREAM_INTERVAL = 300.0


@dataclass(frozen=True)
class Settings:
    """Resolved configuration for one run."""

    database_url: str
    data_dir: Path
    scrape_list: str | None = None  # $REVIEWBOT_LIST
    fetch_archive: str | None = None  # $REVIEWBOT_ARCHIVE
    upstream_tree: Path | None = None
    upstream_interval: float = DEFAULT_UPSTREAM_INTERVAL
    commit_url: str = DEFAULT_COMMIT_URL

    @property
    def index_dir(self) -> Path:
        """Where the patch-id index of trees' histories is kept (a cache)."""
        return self.data_dir / "patch-ids"


def default_data_dir() -> Path:
    """$REVIEWBOT_DATA_DIR, else $XDG_DATA_HOME/reviewbot, else ~/.local/share/reviewbot."""
    if env := os.environ.get("REVIEWBOT_DATA_DIR"):
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "reviewbot"


def database_url(value: str | None, data_dir: Path) -> str:
    """Turn --db / REVIEWBOT_DB (a path or a URL) into an SQLAlchemy URL."""
    value = value or os.environ.get("REVIEWBOT_DB")
    if not value:
        return f"sqlite:///{data_dir / 'reviewbot.db'}"
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def commit_url_template() -> str:
    """$REVIEWBOT_COMMIT_URL (`{hash}` is replaced), else libvirt's GitLab."""
    value = os.environ.get("REVIEWBOT_COMMIT_URL", "")
    return value if "{hash}" in value else DEFAULT_COMMIT_URL


def _interval() -> float:
    try:
        value = float(os.environ.get("REVIEWBOT_UPSTREAM_INTERVAL", ""))
    except ValueError:
        return DEFAULT_UPSTREAM_INTERVAL
    return value if value > 0 else DEFAULT_UPSTREAM_INTERVAL


def load_settings(
    db: str | None = None, data_dir: str | None = None, upstream_tree: str | None = None
) -> Settings:
    """Settings from flags (when given) and the environment."""
    directory = Path(data_dir).expanduser() if data_dir else default_data_dir()
    tree = upstream_tree or os.environ.get("REVIEWBOT_UPSTREAM_TREE") or None
    return Settings(
        database_url=database_url(db, directory),
        data_dir=directory,
        scrape_list=os.environ.get("REVIEWBOT_LIST") or None,
        fetch_archive=os.environ.get("REVIEWBOT_ARCHIVE") or None,
        upstream_tree=Path(tree).expanduser() if tree else None,
        upstream_interval=_interval(),
        commit_url=commit_url_template(),
    )

"""Settings: where the database and the data directory are, and the bounds on input.

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

The bounds (Limits; sizes in bytes, or with a K, M or G suffix: 25M; 0 turns one off):

    REVIEWBOT_MAX_MESSAGE_SIZE  one message; a longer one is stored cut there, flagged (4M)
    REVIEWBOT_MAX_GZIP_SIZE     what one .gz may inflate to (4G)
    REVIEWBOT_MAX_GZIP_RATIO    inflated / compressed bytes, past the first 16M (100)
    REVIEWBOT_MAX_BODY_SIZE     one HTTP response: a text archive, an export (256M)
    REVIEWBOT_MAX_PAGE_SIZE     one archive page (HTML) that is parsed (4M)
    REVIEWBOT_MAX_LINKS         links read from one page: months, thread entries (20000)

Parsing a message costs about ten times its size (Python's email package keeps
several copies of it), and a batch holds several: these defaults keep one
process under ~200 MB whatever the input (bench/bench_bounds.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.errors import InputError

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30
_SIZE = re.compile(r"^\s*(\d+)\s*(?:([KMG])(?:i?B)?|B)?\s*$", re.I)
_UNITS = {None: 1, "K": KiB, "M": MiB, "G": GiB}


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input may cost; 0 means no bound (README: Configuration)."""

    message_bytes: int = 4 * MiB  # longer: stored cut at this size, flagged
    gzip_bytes: int = 4 * GiB  # a .gz inflating to more is reported
    gzip_ratio: int = 100  # inflated / compressed, checked past GZIP_RATIO_FLOOR
    body_bytes: int = 256 * MiB  # one HTTP response (streamed to disk)
    page_bytes: int = 4 * MiB  # one HTML page given to a parser
    page_links: int = 20_000  # links read from one page


GZIP_RATIO_FLOOR = 16 * MiB  # a ratio says nothing about the first bytes of a stream
LIMIT_VARIABLES = {  # the environment variable of each bound
    "REVIEWBOT_MAX_MESSAGE_SIZE": "message_bytes",
    "REVIEWBOT_MAX_GZIP_SIZE": "gzip_bytes",
    "REVIEWBOT_MAX_GZIP_RATIO": "gzip_ratio",
    "REVIEWBOT_MAX_BODY_SIZE": "body_bytes",
    "REVIEWBOT_MAX_PAGE_SIZE": "page_bytes",
    "REVIEWBOT_MAX_LINKS": "page_links",
}
_COUNTS = {"REVIEWBOT_MAX_GZIP_RATIO", "REVIEWBOT_MAX_LINKS"}

DEFAULT_COMMIT_URL = "https://gitlab.com/libvirt/libvirt/-/commit/{hash}"
DEFAULT_UPSTREAM_INTERVAL = 300.0


@dataclass(frozen=True)
class Settings:
    """Resolved configuration for one run."""

    database_url: str
    data_dir: Path
    scrape_list: str | None = None  # $REVIEWBOT_LIST
    fetch_archive: str | None = None  # $REVIEWBOT_ARCHIVE
    limits: Limits = field(default_factory=Limits)  # $REVIEWBOT_MAX_*
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


def parse_size(value: str) -> int:
    """ "25M", "512K", "4G", "1048576" -> bytes (K, M, G are powers of 1024)."""
    match = _SIZE.match(value)
    if match is None:
        raise ValueError(f"not a size: {value!r}")
    number, unit = match.groups()
    return int(number) * _UNITS[unit.upper() if unit else None]


def load_limits() -> Limits:
    """The bounds, from $REVIEWBOT_MAX_* where set (InputError naming a bad one)."""
    values: dict[str, int] = {}
    for name, attr in LIMIT_VARIABLES.items():
        given = os.environ.get(name, "").strip()
        if not given:
            continue
        try:
            values[attr] = int(given) if name in _COUNTS else parse_size(given)
        except ValueError:
            shape = "a whole number" if name in _COUNTS else "a size such as 25M"
            raise InputError(f"{name}={given!r}: expected {shape} (0: no bound)") from None
    return Limits(**values)


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
        limits=load_limits(),
        upstream_tree=Path(tree).expanduser() if tree else None,
        upstream_interval=_interval(),
        commit_url=commit_url_template(),
    )

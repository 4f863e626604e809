"""The Fetcher's on-disk cache of responses: bodies written as they arrive, never held whole.

Layout, under the cache directory: `ab/abcdef....body` holds the body and
`ab/abcdef....json` its sidecar {url, final_url, etag, last_modified,
fetched_at, sha256, size}; the name is the sha256 of the URL, never the URL
itself, since URLs come from untrusted pages. A body is streamed into a
temporary file beside its entry and renamed in place once complete; the sidecar
goes out before and comes back after, so a kill at any point leaves either a
complete entry or none, never a sidecar describing another body.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

_READ = 1 << 20


@dataclass(frozen=True)
class CacheEntry:
    """A complete cached response: its body on disk and its validators."""

    url: str
    final_url: str
    body: Path
    size: int
    sha256: str
    etag: str | None
    last_modified: str | None


class BodyWriter:
    """A body being received: written to a temporary file, hashed as it goes."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        self.path = Path(name)
        self._out: BinaryIO = os.fdopen(fd, "wb")
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        """Append a piece of the body."""
        self._out.write(data)
        self._digest.update(data)
        self.size += len(data)

    def close(self) -> str:
        """Finish writing; the sha256 of what was written."""
        self._out.close()
        return self._digest.hexdigest()

    def discard(self) -> None:
        """Drop a body that will not be kept (an error, a bound passed)."""
        self._out.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> BodyWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.discard()


class ResponseCache:
    """Responses kept under one directory, one entry per URL."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def paths(self, url: str) -> tuple[Path, Path]:
        """(sidecar, body) of url's entry."""
        key = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
        folder = self.directory / key[:2]
        return folder / f"{key}.json", folder / f"{key}.body"

    def writer(self) -> BodyWriter:
        """A new body, to be committed with `commit` (discarded on error)."""
        return BodyWriter(self.directory)

    def load(self, url: str) -> CacheEntry | None:
        """url's complete entry, or None (absent, half-written, or damaged on disk)."""
        sidecar, body = self.paths(url)
        try:
            meta = json.loads(sidecar.read_text("utf-8"))
            digest, size = _digest(body)
        except (OSError, ValueError):
            return None
        # the digest check catches a body replaced without its sidecar (a run
        # killed between the two renames) or damaged on disk: refetch, don't trust
        if not isinstance(meta, dict) or meta.get("url") != url or meta.get("sha256") != digest:
            return None
        return CacheEntry(
            url=url,
            final_url=str(meta.get("final_url") or url),
            body=body,
            size=size,
            sha256=digest,
            etag=_str_or_none(meta.get("etag")),
            last_modified=_str_or_none(meta.get("last_modified")),
        )

    def commit(
        self,
        url: str,
        written: BodyWriter,
        final_url: str,
        etag: str | None,
        last_modified: str | None,
    ) -> CacheEntry:
        """Put a received body in place as url's entry."""
        sidecar, body = self.paths(url)
        body.parent.mkdir(exist_ok=True)
        digest = written.close()
        sidecar.unlink(missing_ok=True)  # sidecar out, body in, sidecar back
        os.replace(written.path, body)
        self._write_sidecar(url, final_url, digest, written.size, etag, last_modified)
        return CacheEntry(url, final_url, body, written.size, digest, etag, last_modified)

    def revalidated(self, entry: CacheEntry, etag: str | None, last_modified: str | None) -> None:
        """A 304 may carry fresher validators; the body stays as it is."""
        self._write_sidecar(
            entry.url,
            entry.final_url,
            entry.sha256,
            entry.size,
            etag or entry.etag,
            last_modified or entry.last_modified,
        )

    def forget(self, url: str) -> None:
        """Drop url's entry, if any."""
        sidecar, body = self.paths(url)
        # the sidecar goes first: without it the entry is absent, whatever follows
        sidecar.unlink(missing_ok=True)
        body.unlink(missing_ok=True)

    def _write_sidecar(
        self,
        url: str,
        final_url: str,
        digest: str,
        size: int,
        etag: str | None,
        last_modified: str | None,
    ) -> None:
        sidecar, _body = self.paths(url)
        meta = {
            "url": url,
            "final_url": final_url,
            "etag": etag,
            "last_modified": last_modified,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sha256": digest,
            "size": size,
        }
        # no fsync: the cache only has to survive a killed process, not a power cut,
        # and syncing every one of thousands of small pages would dominate a run
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=sidecar.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(json.dumps(meta, indent=1).encode("utf-8"))
            os.replace(tmp, sidecar)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _digest(path: Path) -> tuple[str, int]:
    """sha256 and size of a file, read in pieces."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as data:
        while chunk := data.read(_READ):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

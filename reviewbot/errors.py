"""reviewbot's errors, one tree so the CLI and the web layer can map them.

ReviewbotError                 anything reviewbot reports on purpose (exit code 1)
├── InputError                 bad input named by path or URL (exit code 2)
│   ├── SourceNotFound         a path that does not exist
│   ├── UnsupportedSource      a directory that is not a maildir, an unknown format
│   ├── CorruptSource          a truncated gzip, an unreadable mbox
│   ├── PageError              an archive page that cannot be read: truncated, no markers
│   ├── FetchError             a URL that could not be fetched (HTTP error, timeout)
│   │   └── OffSite            a URL, or a redirect, away from the archive's host
│   ├── OverLimit              input over a configured bound (size, ratio, links)
│   └── NotAGitTree            --tree is not a git work tree
├── GitError                   git missing, failing or timing out (exit code 5)
├── MessageParseError          one message could not be parsed (stored, flagged)
├── NotFound                   an unknown series, patch or message (exit code 3)
├── DatabaseError              the database URL or file is unusable (exit code 4)
└── Conflict                   a write lost to somebody else's (exit code 7)
"""

from __future__ import annotations


class ReviewbotError(Exception):
    """Base of every error reviewbot raises deliberately."""

    exit_code = 1


class InputError(ReviewbotError):
    """Input (a file, directory or URL) that reviewbot cannot read."""

    exit_code = 2


class SourceNotFound(InputError):
    """The path given does not exist."""


class UnsupportedSource(InputError):
    """The path exists but is not a format reviewbot reads."""


class CorruptSource(InputError):
    """The file is in a known format but damaged (truncated gzip, bad bytes)."""


class PageError(InputError):
    """An archive page that cannot be read: truncated, no article markers."""


class FetchError(InputError):
    """A URL that could not be fetched: an HTTP error, or retries exhausted."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason

    def __reduce__(self) -> tuple[type[FetchError], tuple[str, str]]:
        # args holds only the message, so the default pickling would call
        # FetchError(message) and fail when the error crosses a process boundary
        return (type(self), (self.url, self.reason))


class OffSite(FetchError):
    """A URL (asked for, or a redirect's target) on a host the scrape may not visit."""


class OverLimit(InputError):
    """Input over one of the bounds of config.Limits; what came before it was read."""


class MessageParseError(ReviewbotError):
    """A single message could not be parsed; it is kept with this reason."""


class WorkerDied(ReviewbotError):
    """A worker process died (killed, out of memory): the run stops, reported."""


class NotFound(ReviewbotError):
    """A series, patch or message that is not in the database."""

    exit_code = 3


class DatabaseError(ReviewbotError):
    """The database cannot be opened or migrated."""

    exit_code = 4


class NotAGitTree(InputError):
    """A --tree path that is not a git work tree."""


class GitError(ReviewbotError):
    """git is missing, failed unexpectedly, or timed out."""

    exit_code = 5


class Conflict(ReviewbotError):
    """The row changed since the caller read it: the write was not made."""

    exit_code = 7

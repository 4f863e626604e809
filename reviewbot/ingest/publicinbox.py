"""public-inbox archives (lore.kernel.org and the like): thread and message URLs.  (pure)

An inbox lives at `<base>/` (e.g. https://lore.kernel.org/qemu-devel/); a message
at `<base>/<Message-ID>/` and the whole thread containing it, as a gzip'd mbox, at
`<base>/<Message-ID>/t.mbox.gz`. The Message-ID goes in the path without angle
brackets, percent-encoded where a path needs it ("/" among others).
"""

from __future__ import annotations

from urllib.parse import quote


def inbox_url(url: str) -> str:
    """The inbox URL ending in "/"."""
    return url if url.endswith("/") else url + "/"


def message_url(inbox: str, msgid: str) -> str:
    """The message's page: `<base>/<Message-ID>/`."""
    return f"{inbox}{_path(msgid)}/"


def thread_mbox_url(inbox: str, msgid: str) -> str:
    """The thread containing the message, as a gzip'd mbox: `<base>/<Message-ID>/t.mbox.gz`."""
    return f"{inbox}{_path(msgid)}/t.mbox.gz"


def _path(msgid: str) -> str:
    bare = msgid.strip().removeprefix("<").removesuffix(">")
    # what public-inbox itself leaves unescaped in its links
    return quote(bare, safe="@!$&'()*+,;=:~-._")

"""Mail formatting for the synthetic corpus: headers, Message-IDs and mbox framing."""

from __future__ import annotations

import quopri
import random
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, formataddr
from typing import BinaryIO

from corpus_text import Person

LIST_ADDR = "libvir-list@redhat.com"
LIST_ID = "Development discussions about the libvirt library & tools <libvir-list.redhat.com>"
GIT_VERSION = "2.39.1"
_FROM_LINE = re.compile(r"^(>*From )", re.MULTILINE)
_MAX_HEADER = 78


def local_time(when: datetime, person: Person) -> datetime:
    """``when`` expressed in ``person``'s time zone."""
    return when.astimezone(timezone(timedelta(minutes=person.tz)))


def address(person: Person) -> str:
    """RFC 2822 address of ``person``; a non-ASCII name becomes an RFC 2047 word."""
    return formataddr((person.name, person.addr), charset="utf-8")


def uses_mutt(person: Person) -> bool:
    """Whether ``person`` writes replies with mutt (else with Thunderbird)."""
    return sum(map(ord, person.addr)) % 3 != 0


def send_email_id(when: datetime, pid: int, number: int, person: Person) -> str:
    """A Message-ID as git send-email makes it; unique when (pid, number) is."""
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"<{stamp}.{pid}-{number}-{person.addr}>"


def client_id(person: Person, serial: int, rng: random.Random) -> str:
    """A Message-ID as a mail client makes it; ``serial`` makes it unique."""
    host = person.addr.split("@", 1)[1]
    if uses_mutt(person):
        return f"<Y{rng.getrandbits(40):010x}{serial:x}@{host}>"
    rand = rng.getrandbits(64)
    return f"<{rand >> 32:08x}-{rand >> 16 & 0xFFFF:04x}-4{rand & 0xFFF:03x}-a{serial:015x}@{host}>"


def attribution(when: datetime, person: Person, replier: Person) -> str:
    """The "On <date>, <name> wrote:" line a reply starts with."""
    local = local_time(when, person)
    if uses_mutt(replier):
        stamp = f"{local:%a, %b} {local.day}, {local.year} at {local:%H:%M:%S %z}"
        return f"On {stamp}, {person.name} wrote:"
    return f"On {local.month}/{local.day}/{local:%y} {local:%H:%M}, {person.name} wrote:"


def fold(name: str, value: str) -> str:
    """One header field, folded at spaces so lines stay within 78 columns."""
    line, out = f"{name}:", []
    for word in value.split(" "):
        if len(line) + 1 + len(word) > _MAX_HEADER and line.strip() and line != f"{name}:":
            out.append(line)
            line = ""
        line += " " + word
    out.append(line)
    return "\n".join(out) + "\n"


def quote(lines: Iterable[str]) -> list[str]:
    """Quote lines the way mail clients do (``> `` prefix)."""
    return [">" + line if not line or line[0] == ">" else "> " + line for line in lines]


class MboxWriter:
    """Append messages to an mbox stream, escaping body lines that begin with From."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.messages = 0
        self.bytes = 0

    def write(
        self,
        sender: Person,
        when: datetime,
        headers: list[tuple[str, str]],
        body: list[str],
        qp: bool = False,
    ) -> None:
        """Write one message; ``headers`` exclude Date and the MIME fields, added here."""
        text = "\n".join(body) + "\n"
        if qp:
            text = quopri.encodestring(text.encode("utf-8")).decode("ascii")
        encoding = "quoted-printable" if qp else "8bit"
        charset = "utf-8" if qp or not text.isascii() else "us-ascii"
        fields = [
            *headers[:1],
            ("Date", format_datetime(local_time(when, sender))),
            *headers[1:],
            ("MIME-Version", "1.0"),
            ("Content-Type", f"text/plain; charset={charset}"),
            ("Content-Transfer-Encoding", encoding),
            ("List-Id", LIST_ID),
        ]
        envelope = time.asctime(when.astimezone(UTC).timetuple())
        head = "".join(fold(name, value) for name, value in fields)
        # mboxrd: ">*From " at the start of a body line gains one more ">"
        text = _FROM_LINE.sub(r">\1", text)
        data = f"From {sender.addr} {envelope}\n{head}\n{text}\n".encode()
        self.stream.write(data)
        self.messages += 1
        self.bytes += len(data)

"""Message: one e-mail parsed into what reviewbot needs.  (pure)

Parsing uses the `compat32` policy: about six times faster than `policy.default`
on list archives, and it never raises on malformed headers; the decoding that
`policy.default` would do is done here, with bad charsets replaced, not fatal.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.message
import email.utils
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reviewbot.errors import MessageParseError

# RFC 5322's msg-id, whose left part may be a quoted string holding blanks or "<>";
# else what mailers also write (a lone quote): tried in that order at each "<"
_MSGID = re.compile(r'<((?:"(?:[^"\\\n]|\\.)*"|[^<>\s"])+)>|<([^<>\s]+)>')
_OBSCURED = re.compile(r"^([^\s@()<>]+) at ([^\s@()<>]+\.[^\s@()<>]+)$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_PATCH_FILENAME = re.compile(r"\.(patch|diff)$", re.I)
_PATCH_TYPES = {"text/x-patch", "text/x-diff", "text/x-diff; charset", "application/x-patch"}
SYNTHETIC_DOMAIN = "reviewbot.invalid"


@dataclass(frozen=True)
class Message:
    """One parsed e-mail; `raw` is kept byte for byte."""

    msgid: str
    msgid_synthetic: bool
    subject: str
    from_name: str
    from_email: str
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    body: str
    raw: bytes
    attachments: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def parent(self) -> str | None:
        """The message this one answers: In-Reply-To, else the last reference."""
        if self.in_reply_to:
            return self.in_reply_to
        return self.references[-1] if self.references else None


def synthetic_msgid(raw: bytes) -> str:
    """A stable id for a mail without Message-ID: same bytes, same id."""
    return f"{hashlib.sha256(raw).hexdigest()[:32]}@{SYNTHETIC_DOMAIN}"


def parse_message(raw: bytes) -> Message:
    """Parse raw RFC 5322 bytes; raise MessageParseError if that is impossible."""
    try:
        return _parse(raw)
    except MessageParseError:
        raise
    except Exception as exc:  # the email package can fail in many small ways
        raise MessageParseError(f"{type(exc).__name__}: {exc}") from exc


def _parse(raw: bytes) -> Message:
    if not raw.strip():
        raise MessageParseError("empty message")
    msg = email.message_from_bytes(raw)
    if not msg.keys():
        raise MessageParseError("no headers")
    warnings: list[str] = []
    ids = find_msgids(decode_header(msg.get("Message-ID")))
    msgid = ids[0] if ids else synthetic_msgid(raw)
    irt = _reply_ids(decode_header(msg.get("In-Reply-To")))
    all_refs = _dedupe(find_msgids(decode_header(msg.get("References"))) + irt[:1])
    refs = tuple(r for r in all_refs if r != msgid)
    # the address is split off before the name is decoded: see parse_address
    name, addr = parse_address(header_text(msg.get("From")))
    date_text = decode_header(msg.get("Date"))
    date = parse_date(date_text)
    if date_text and date is None:
        warnings.append(f"unparseable Date: {date_text!r}")
    if date is None and (date := received_date(msg.get_all("Received") or [])):
        warnings.append("no usable Date: dated from its Received header")
    body, attachments = extract_body(msg, warnings)
    return Message(
        msgid=msgid,
        msgid_synthetic=not ids,
        subject=decode_header(msg.get("Subject")),
        from_name=name,
        from_email=addr,
        date=date,
        in_reply_to=irt[0] if irt and irt[0] != msgid else None,
        references=refs,
        body=body,
        raw=raw,
        attachments=tuple(attachments),
        warnings=tuple(warnings),
    )


def find_msgids(value: str) -> list[str]:
    """Every <message-id> in a header value, without the angle brackets."""
    return [strict or loose for strict, loose in _MSGID.findall(value or "")]


def _reply_ids(value: str) -> list[str]:
    """In-Reply-To's ids; a lone bare id counts too (HyperKitty's exports drop the brackets)."""
    ids = find_msgids(value)
    bare = value.strip()
    if not ids and "@" in bare and not any(c in bare for c in ' \t<>,;"()'):
        return [bare]
    return ids


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def header_text(value: object) -> str:
    """A header value as text, RFC 2047 words left as they are.

    Raw 8-bit bytes in a header (RFC 6532 UTF-8, common in archives) reach us
    from compat32 as a Header object or as surrogate escapes; str() of such a
    Header turns every byte into U+FFFD (a UTF-8 "Berrangé" lost its "é"). The
    bytes are taken back and decoded as UTF-8 (bad bytes replaced) instead.
    """
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        return "".join(
            _decode_bytes(chunk, "utf-8") if isinstance(chunk, bytes) else chunk
            for chunk, _charset in email.header.decode_header(value)
        )
    return valid_text(str(value))


def valid_text(text: str) -> str:
    """Text every backend can store: lone surrogates become U+FFFD, NUL becomes "␀".

    Python decoders can emit lone surrogates even with errors="replace" (utf-7
    "+2AA-" is "\\ud800"), and compat32 leaves raw header bytes as surrogate
    escapes; one such character made the whole batch's INSERT fail with
    UnicodeEncodeError. PostgreSQL's text cannot hold U+0000 at all (one NUL
    stopped an import for good). The raw bytes keep what was really sent.
    """
    return _SURROGATE.sub("\ufffd", text).replace("\x00", "\u2400")


def decode_header(value: object) -> str:
    """Decode an RFC 2047 header into text; unknown charsets are replaced."""
    text = header_text(value)
    if "=?" not in text:
        return " ".join(text.split())
    try:
        chunks = email.header.decode_header(text)
    except email.errors.HeaderParseError:
        # a malformed encoded word (base64 of impossible length): keep the header
        # as written rather than fail the whole message
        return " ".join(text.split())
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            parts.append(_decode_bytes(chunk, charset))
        else:
            parts.append(chunk)
    return valid_text(" ".join("".join(parts).split()))


def _decode_bytes(data: bytes, charset: str | None) -> str:
    try:
        return valid_text(data.decode(charset or "ascii", errors="replace"))
    except (LookupError, ValueError):
        # ValueError: codecs such as idna or undefined refuse errors="replace"
        # (UnicodeError), a charset name with a NUL in it is rejected outright
        return valid_text(data.decode("utf-8", errors="replace"))


def parse_address(value: str) -> tuple[str, str]:
    """(name, lower-cased address); pipermail's "user at host" is restored.

    `value` may still hold RFC 2047 words: the address is split off first and
    only the name is decoded, since an encoded name may hide a comma or angle
    brackets ("=?utf-8?q?Smith=2C_John?=" is "Smith, John"); decoding first
    made parseaddr return ("Smith", "smith") and lose the address.
    """
    value = restore_bracketed_addresses(" ".join(value.split()))
    name, addr = _split_address(value)
    if "@" not in addr:
        # pipermail: "user at host (Name)" parses as name="", addr="user"
        m = re.match(r"^\s*(\S+) at (\S+?)\s*(?:\((.*)\))?\s*$", value)
        if m:
            addr = f"{m.group(1)}@{m.group(2)}"
            name = m.group(3) or name
        elif "=?" in value:
            # a mailer that encoded the whole header, address included
            name, addr = email.utils.parseaddr(decode_header(value))
    name = decode_header(name).strip().strip('"')
    addr = _deobscure(addr.strip())
    return name or addr, addr.lower()


# The two shapes nearly every list mail has; parseaddr is ~20x slower and is
# kept for everything else (groups, comments, quoted commas).
_NAME_ADDR = re.compile(r'^"?([^"<>(),;:@\\]*?)"? ?<([^<>\s@]+@[^<>\s@]+)>$')
_ADDR_NAME = re.compile(r"^([^<>\s@()]+@[^<>\s@()]+)(?: \(([^()]*)\))?$")


def _split_address(value: str) -> tuple[str, str]:
    if m := _NAME_ADDR.match(value):
        return m.group(1).strip(), m.group(2)
    if m := _ADDR_NAME.match(value):
        return (m.group(2) or "").strip(), m.group(1)
    return email.utils.parseaddr(value)


def _deobscure(addr: str) -> str:
    m = _OBSCURED.match(addr)
    return f"{m.group(1)}@{m.group(2)}" if m else addr


_BRACKETED_OBSCURED = re.compile(r"<([\w.+-]+)(?: at |\(a\))([\w-]+(?:\.[\w-]+)+)>")


def restore_bracketed_addresses(text: str) -> str:
    """ "<user at host>" (pipermail) and "<user(a)host>" (HyperKitty) -> "<user@host>".

    Only the bracketed form: inside <...> it is surely an address, while in prose
    "look at qemu_process.c" is not, nor is "f(a)->x" in a diff.
    """
    if " at " not in text and "(a)" not in text:
        return text
    return _BRACKETED_OBSCURED.sub(r"<\1@\2>", text)


def received_date(received: Sequence[object]) -> datetime | None:
    """When the first relay got the mail: the date after ";" in the last Received header."""
    for header in reversed(received):
        _hops, _, when = header_text(header).rpartition(";")
        if date := parse_date(when.strip()):
            return date
    return None


def parse_date(value: str | None) -> datetime | None:
    """A Date header as an aware UTC datetime, or None if it cannot be read."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def extract_body(msg: email.message.Message, warnings: list[str]) -> tuple[str, list[str]]:
    """The readable text of a mail: text parts and patch attachments, in order.

    HTML is used only when a mail has no text part; binary attachments are
    listed by name, not decoded.
    """
    texts: list[str] = []
    htmls: list[str] = []
    skipped: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        filename = decode_header(part.get_filename()) if part.get_filename() else ""
        if _is_text_part(part, ctype, filename):
            texts.append(_part_text(part, warnings))
        elif ctype == "text/html" and not filename:
            htmls.append(html_to_text(_part_text(part, warnings)))
        else:
            skipped.append(filename or ctype)
    if not texts and htmls:
        texts = htmls
    return "\n".join(t.rstrip("\n") + "\n" for t in texts if t), skipped


def _is_text_part(part: email.message.Message, ctype: str, filename: str) -> bool:
    if ctype in _PATCH_TYPES or _PATCH_FILENAME.search(filename):
        return True
    if ctype != "text/plain":
        return False
    # header_text, not `or ""`: raw 8-bit bytes (a UTF-8 filename) make compat32
    # return a Header object, and Header has no .lower()
    disposition = header_text(part.get("Content-Disposition")).lower()
    # a text attachment is still text a reviewer reads (patches often are)
    return "attachment" not in disposition or not filename or filename.endswith(".txt")


def _part_text(part: email.message.Message, warnings: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = str(part.get_payload()).encode("utf-8", "replace")
    assert isinstance(payload, bytes)
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except (LookupError, ValueError):
        # ValueError: codecs such as idna or undefined refuse errors="replace"
        # (UnicodeError), a NUL in the name is rejected; a mail must not fail on
        # its declared charset
        shown = valid_text(charset)
        warnings.append(f"unknown charset {shown!r}: decoded as UTF-8, bad bytes replaced")
        text = payload.decode("utf-8", errors="replace")
    text = valid_text(text).replace("\r\n", "\n")
    # a body of CR-ended lines (old Mac mailers) is lines; a lone CR inside a line
    # (a patch's CRLF file, a stray byte) stays, or it would cut a diff line in two
    return text.replace("\r", "\n") if "\n" not in text.rstrip("\r") else text


def html_to_text(html: str) -> str:
    """Text of an HTML-only mail, with line breaks kept."""
    # imported here (and in mail/quotes.py), the only late imports: beautifulsoup4
    # brings lxml, 14 MB of every process and 55 ms of every command's start-up, for
    # the rare mail with no text part
    from bs4 import BeautifulSoup  # noqa: PLC0415

    return BeautifulSoup(html, "html.parser").get_text("\n")

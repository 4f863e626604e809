"""How a mail is kept: its raw bytes zstd-compressed, its text stored once.  (pure)

Every message's raw bytes are kept byte for byte, compressed with zstd and a
dictionary trained on real list mail (`mail.zdict`, made by
bench/train_zdict.py): a 2 KB mail shrinks about 2.5x where zstd or zlib alone
give 2x, since what mail repeats (header names, the list's headers, git
send-email's lines) is in the dictionary rather than in each mail. Each frame
names its dictionary by id, so a new dictionary can be added beside this one
without touching stored rows; never change or drop `mail.zdict`.

Most list mail is one text/plain part sent as 7bit or 8bit: its readable body
is the bytes after the header block, decoded. For such mail the body is not
stored a second time (`stored_body` says what to store; `body_from` gets it
back); mail whose body differs in any way (encoded, multipart, CRLF, HTML...)
keeps it. SQLite computes the same with the `reviewbot_body` function that
reviewbot.db registers on every connection.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import zstandard

_LEVEL = 3  # level 9 measured 6% smaller and 5x slower to write (README, Speed)
_DICTIONARY = zstandard.ZstdCompressionDict((Path(__file__).parent / "mail.zdict").read_bytes())
# the dictionaries that can be read, by the id each frame names
_READABLE = {_DICTIONARY.dict_id(): _DICTIONARY}
# a context per thread: zstandard's are not thread-safe, and reusing one is what
# makes a small mail cheap (3 us to decompress; a new context costs 15 us)
_LOCAL = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    found: zstandard.ZstdCompressor | None = getattr(_LOCAL, "compressor", None)
    if found is None:
        found = _LOCAL.compressor = zstandard.ZstdCompressor(level=_LEVEL, dict_data=_DICTIONARY)
    return found


def _decompressor(dict_id: int) -> zstandard.ZstdDecompressor:
    contexts: dict[int, zstandard.ZstdDecompressor] = _LOCAL.__dict__.setdefault("readers", {})
    if dict_id not in contexts:
        contexts[dict_id] = zstandard.ZstdDecompressor(dict_data=_READABLE.get(dict_id))
    return contexts[dict_id]


def pack(raw: bytes) -> bytes:
    """A mail's raw bytes as stored: one zstd frame, made with the mail dictionary."""
    return _compressor().compress(raw)


def unpack(stored: bytes) -> bytes:
    """A mail's raw bytes, exactly as received, from what `pack` made."""
    dict_id = zstandard.get_frame_parameters(stored).dict_id
    return _decompressor(dict_id).decompress(stored)


def derived_body(raw: bytes) -> str | None:
    """The body a plain mail's bytes give: what follows the header block, as UTF-8 text.

    This mirrors what mail/message.py's extract_body makes of a single 7bit or
    8bit text/plain part (one trailing newline). Rows depend on it: never change
    what it returns, or bodies stored as "derived" read back differently.
    """
    _head, blank, payload = raw.partition(b"\n\n")
    if not blank:
        return None
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.rstrip("\n") + "\n" if text else ""


def stored_body(raw: bytes, body: str) -> str | None:
    """What to store as a message's body: None when its raw bytes give it back exactly."""
    return None if derived_body(raw) == body else body


# the pages of one patch read its body once for the patch and once per hunk
@lru_cache(maxsize=64)
def body_from(stored_raw: bytes) -> str:
    """The body of a message stored without one (`stored_body` gave None)."""
    body = derived_body(unpack(stored_raw))
    if body is None:  # only a database written by something else can get here
        raise ValueError("a message stored without a body whose bytes do not give one")
    return body


def slice_or_text(
    body: str, text: str, start: int = 0
) -> tuple[str | None, int | None, int | None]:
    """How to store a text cut from a body: (None, at, length) when the body holds it
    (from `start` on), else (the text, None, None)."""
    at = body.find(text, start) if text else start
    if at < 0:
        return text, None, None
    return None, at, len(text)


def pack_texts(*texts: str) -> bytes:
    """Short texts that repeat each other (a concern's quote and the evidence naming its
    line) as one zstd frame: the second copy costs almost nothing.

    Lengths go first ("12,40:" then the texts), not a separator: any character,
    NUL included, may be in a quote. JSON would cost 11% more after compression.
    """
    head = ",".join(str(len(t)) for t in texts)
    return pack(f"{head}:{''.join(texts)}".encode("utf-8", "surrogatepass"))


def unpack_texts(stored: bytes) -> tuple[str, ...]:
    """The texts `pack_texts` packed, in order."""
    head, _colon, joined = unpack(stored).decode("utf-8", "surrogatepass").partition(":")
    out, at = [], 0
    for length in map(int, head.split(",") if head else ()):
        out.append(joined[at : at + length])
        at += length
    return tuple(out)


def derived_section(header: str) -> str | None:
    """The function a hunk's header names: what follows its closing "@@", spaces trimmed.

    texts.HUNK_SECTION computes the same in SQL for a hunk stored without one:
    never change one without the other.
    """
    closing = header.find("@@", 2)
    return header[closing + 2 :].strip(" ") if closing >= 0 else None


def stored_section(header: str, section: str) -> str | None:
    """What to store as a hunk's section: None when its header gives it back exactly."""
    return None if derived_section(header) == section else section

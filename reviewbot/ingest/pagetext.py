"""Text of archive pages: the charset they really use, and the dates pipermail prints.  (pure)"""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime, timedelta, timezone

from reviewbot.mail.message import parse_date, valid_text

_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")  # fmt: skip
_MONTH_ABBR = {name[:3]: number for number, name in enumerate(MONTHS, 1)}
# pipermail writes the archiving host's local zone as strftime("%Z") names it;
# these are the US and European ones. Ambiguous names (IST: Irish or Indian)
# are left out on purpose: no date is better than one off by hours.
_ZONES = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 60, "BST": 60,
    "CET": 60, "MET": 60, "CEST": 120, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
}  # fmt: skip
# "Wed Jul 19 03:30:08 UTC 2023"; %e pads the day with a space ("Jul  9")
_CTIME = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})[a-z]*\s+(\d{1,2}),?\s+(\d{1,2}):(\d\d)(?::(\d\d))?"
    r"\s+(?:([A-Za-z]{1,5})\s+|([+-]\d{4})\s+)?(\d{4})$"
)
# single-byte charsets decode any bytes without error, so a UTF-8 page that
# declares one of them (Mailman 2.1 English lists say us-ascii or iso-8859-1)
# would silently become mojibake ("JÃ¡n") without an explicit check
_SINGLE_BYTE = ("ascii", "iso8859", "cp125", "latin", "koi8", "mac-")


def decode_page(html: bytes) -> tuple[str, list[str]]:
    """Page bytes as text honouring <META charset>; a wrong charset falls back, never raises."""
    warnings: list[str] = []
    match = _META_CHARSET.search(html)
    declared = match.group(1).decode("ascii").lower() if match else None
    codec = _codec_name(declared)
    if declared and codec is None:
        warnings.append(f"unknown charset {declared!r} declared")
    if codec is not None:
        if codec.startswith(_SINGLE_BYTE) and not html.isascii():
            utf8 = _try_decode(html, "utf-8")
            if utf8 is not None:
                warnings.append(f"page declares charset {declared!r} but is UTF-8")
                return valid_text(utf8), warnings
        text = _try_decode(html, codec)
        if text is not None:
            return valid_text(text), warnings
        warnings.append(f"page is not valid {declared!r}")
    text = _try_decode(html, "utf-8")
    if text is not None:
        if warnings:
            warnings[-1] += ": decoded as UTF-8"
        return valid_text(text), warnings
    if warnings:
        warnings[-1] += ": decoded as cp1252"
    else:
        warnings.append("no charset declared and not UTF-8: decoded as cp1252")
    # cp1252 leaves five bytes undefined; "replace" keeps this from raising
    return valid_text(html.decode("cp1252", errors="replace")), warnings


def _codec_name(declared: str | None) -> str | None:
    if not declared:
        return None
    try:
        return codecs.lookup(declared).name
    except LookupError:
        return None


def _try_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError, ValueError):
        # LookupError: names such as "base64" or "rot13" look up but are not
        # text encodings
        return None


def parse_page_date(text: str, warnings: list[str]) -> datetime | None:
    """pipermail's "Wed Jul 19 03:30:08 UTC 2023" as an aware UTC datetime."""
    if not text:
        warnings.append("no date on the page")
        return None
    match = _CTIME.match(text)
    if not match:
        parsed = parse_date(text)  # an archive that shows the RFC 2822 Date header
        if parsed is None:
            warnings.append(f"unreadable date {text!r}")
        return parsed
    month, day, hour, minute, second, zone, offset, year = match.groups()
    if offset:
        minutes = (1 if offset[0] == "+" else -1) * (int(offset[1:3]) * 60 + int(offset[3:]))
    elif zone:
        if zone.upper() not in _ZONES:
            warnings.append(f"unknown time zone {zone!r} in date {text!r}")
            return None
        minutes = _ZONES[zone.upper()]
    else:
        warnings.append(f"no time zone in date {text!r}: taken as UTC")
        minutes = 0
    try:
        fields = (int(year), _MONTH_ABBR[month.lower()], int(day), int(hour), int(minute))
        local = datetime(*fields, int(second or 0), tzinfo=timezone(timedelta(minutes=minutes)))
    except (KeyError, ValueError):
        warnings.append(f"unreadable date {text!r}")
        return None
    return local.astimezone(UTC)

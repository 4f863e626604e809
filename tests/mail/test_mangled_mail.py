"""Property: mangled mail never makes the parsers raise anything but ReviewbotError.

Real-looking seeds (a patch with a diff, a reply, a multipart mail with a patch
and a binary attachment, a pipermail message, an HTML mail) are mangled by
hypothesis: bytes inserted, deleted, truncated; header values with odd bytes
and encoded words in odd charsets; broken MIME boundaries; broken base64. Each
result goes through parse_message, then split_patch(body) and
parse_subject(subject), as the import pipeline does.
"""

from __future__ import annotations

import base64

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.errors import ReviewbotError
from reviewbot.mail.diff import has_diff, split_patch
from reviewbot.mail.message import Message, parse_message
from reviewbot.mail.subject import parse_subject, thread_subject
from tests.conftest import diff_body

# ~200 examples across the whole file; no example database left in the checkout
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PATCH_BODY = diff_body("src/qemu/qemu_domain.c", 120, "qemu: fix a leak in the agent")

PATCH = (
    "From: Alice Author <alice@example.org>\n"
    "Date: Tue, 18 Jul 2023 09:30:00 +0200\n"
    "Subject: [libvirt] [PATCH v2 03/10] qemu: fix a leak in the agent\n"
    "Message-ID: <20230718093000.3-alice@example.org>\n"
    "In-Reply-To: <20230718093000.0-alice@example.org>\n"
    "References: <20230718093000.0-alice@example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n" + PATCH_BODY
).encode()

REPLY = (
    b"From: =?utf-8?q?Daniel_P=2E_Berrang=C3=A9?= <berrange@example.org>\n"
    b"Date: Tue, 18 Jul 2023 11:02:13 +0100\n"
    b"Subject: Re: [libvirt] [PATCH v2 03/10] qemu: fix a leak in the agent\n"
    b"Message-ID: <ZLZ1x@redhat.com>\n"
    b"In-Reply-To: <20230718093000.3-alice@example.org>\n"
    b"References: <20230718093000.0-alice@example.org>\n"
    b" <20230718093000.3-alice@example.org>\n"
    b"Content-Type: text/plain; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: quoted-printable\n"
    b"\n"
    b"On Tue, Jul 18, 2023 at 09:30:00AM +0200, Alice Author wrote:\n"
    b"> -old line\n"
    b"> +new line\n"
    b"\n"
    b"Reviewed-by: Daniel P. Berrang=E9 <berrange@example.org>\n"
)

_PNG = base64.encodebytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256))).decode()
_PATCH_B64 = base64.encodebytes(PATCH_BODY.encode()).decode()
MULTIPART = (
    "From: Bob <bob@example.org>\n"
    "Subject: [PATCH] util: attach the fix\n"
    "Message-ID: <mp@example.org>\n"
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/mixed; boundary="=-=-="\n'
    "\n"
    "--=-=-=\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Fix attached, screenshot too.\n"
    "--=-=-=\n"
    'Content-Type: text/x-patch; charset=utf-8; name="0001-fix.patch"\n'
    'Content-Disposition: attachment; filename="0001-fix.patch"\n'
    "Content-Transfer-Encoding: base64\n"
    "\n" + _PATCH_B64 + "--=-=-=\n"
    'Content-Type: image/png; name="shot.png"\n'
    'Content-Disposition: attachment; filename="shot.png"\n'
    "Content-Transfer-Encoding: base64\n"
    "\n" + _PNG + "--=-=-=--\n"
).encode()

PIPERMAIL = (
    "From: nshirokovskiy at virtuozzo.com (Nikolay Shirokovskiy)\n"
    "Date: Thu, 27 Oct 2016 10:04:02 +0000\n"
    "Subject: [libvirt] [PATCH 01/10] qemu: agent: unset error flag in EOF handler\n"
    "Message-ID: <1477562642-1@virtuozzo.com>\n"
    "\n"
    "From what I've seen the flag stays set.\n" + PATCH_BODY
).encode()

HTML = (
    b"From: Carol <carol@example.org>\n"
    b"Subject: Re: [PATCH 0/2] html reply\n"
    b"Content-Type: text/html; charset=windows-1252\n"
    b"\n"
    b"<html><body><p>Looks good.</p><p>Acked-by: Carol &lt;carol@example.org&gt;</body>\n"
)

SEEDS = [PATCH, REPLY, MULTIPART, PIPERMAIL, HTML]

CHARSETS = [
    "utf-8",
    "UTF-8",
    "iso-8859-1",
    "windows-1252",
    "koi8-r",
    "shift_jis",
    "utf-16",
    "utf-32",
    "utf-7",
    "idna",
    "punycode",
    "undefined",
    "rot13",
    "base64",
    "hex_codec",
    "uu",
    "x-unknown",
    "unknown-8bit",
    "",
    "utf-8'en'",
    '"utf-8"',
    "us-ascii\xff",
    "\x00",
]
HEADERS = [
    b"Subject",
    b"From",
    b"Message-ID",
    b"In-Reply-To",
    b"References",
    b"Date",
    b"Content-Type",
    b"Content-Transfer-Encoding",
    b"Content-Disposition",
    b"MIME-Version",
]
# byte strings some codecs decode to lone surrogates (utf-7, utf-16, utf-32)
SURROGATES = [b"+2AA-", b"hi +2AA- there\n", b"\x00\xd8\x00\xd8", b"\x00\xd8\x00\x00"]
ODD = [b"\x00", b"\xff", b"\xc3", b"\r", b"\r\n", b"\n ", b"=?", b"?=", b"<", b">", b'"', b"\\"]


def check(raw: bytes, *, must_parse: bool = False) -> None:
    """The property: only ReviewbotError may escape; a parsed Message is storable text.

    With `must_parse`, the mangling touched only header values, charsets or MIME
    structure of a mail that still has headers: mail.py promises such damage is
    replaced or skipped, never fatal, so MessageParseError is a failure too.
    """
    try:
        msg = parse_message(raw)
    except ReviewbotError:
        if must_parse:
            raise
        return
    assert isinstance(msg, Message)
    assert msg.raw == raw
    for text in (
        msg.msgid,
        msg.subject,
        msg.from_name,
        msg.from_email,
        msg.body,
        msg.in_reply_to or "",
        *msg.references,
        *msg.attachments,
        *msg.warnings,
    ):
        assert isinstance(text, str)
        text.encode("utf-8")  # a lone surrogate here would fail the database INSERT
    assert msg.msgid
    assert msg.msgid not in msg.references
    try:
        parse_subject(msg.subject)
        thread_subject(msg.subject)
        has_diff(msg.body)
        split_patch(msg.body)
    except ReviewbotError:
        pass


@st.composite
def byte_mangled(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "truncate", "flip", "duplicate"]))
        pos = draw(st.integers(0, len(raw)))
        if op == "insert":
            chunk = draw(st.one_of(st.binary(min_size=1, max_size=12), st.sampled_from(ODD)))
            raw[pos:pos] = chunk
        elif op == "delete":
            del raw[pos : pos + draw(st.integers(1, 40))]
        elif op == "truncate":
            del raw[pos:]
        elif op == "flip" and pos < len(raw):
            raw[pos] = draw(st.integers(0, 255))
        elif op == "duplicate":
            raw[pos:pos] = raw[pos : pos + draw(st.integers(1, 80))]
    return bytes(raw)


@st.composite
def encoded_word(draw: st.DrawFn) -> bytes:
    charset = draw(st.sampled_from(CHARSETS)).encode("latin-1")
    enc = draw(st.sampled_from([b"B", b"b", b"Q", b"q", b"X", b""]))
    if enc in (b"B", b"b"):
        payload = base64.b64encode(draw(st.binary(max_size=20)))
        payload = payload[: draw(st.integers(0, len(payload)))]  # broken padding
    else:
        payload = draw(st.one_of(st.binary(max_size=20), st.sampled_from(SURROGATES)))
        payload = payload.replace(b"?=", b"")
    text = b"=?" + charset + b"?" + enc + b"?" + payload + b"?="
    return text if draw(st.booleans()) else text + b" plain " + text


header_value = st.one_of(
    st.binary(max_size=60),
    encoded_word(),
    st.lists(st.sampled_from(ODD + [b"a@b", b"x", b" at ", b"(", b")", b","]), max_size=12).map(
        b"".join
    ),
    st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@st.composite
def header_mangled(draw: st.DrawFn) -> bytes:
    head, _, body = draw(st.sampled_from(SEEDS)).partition(b"\n\n")
    lines = head.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(HEADERS))
        line = name + b":" + draw(st.sampled_from([b" ", b"", b"\t"])) + draw(header_value)
        index = next((i for i, h in enumerate(lines) if h.lower().startswith(name.lower())), None)
        if index is not None and draw(st.booleans()):
            lines[index] = line
        else:
            lines.insert(draw(st.integers(0, len(lines))), line)
    return b"\n".join(lines) + b"\n\n" + body


@st.composite
def charset_mangled(draw: st.DrawFn) -> bytes:
    charset = draw(st.sampled_from(CHARSETS)).encode("latin-1")
    cte = draw(st.sampled_from([b"8bit", b"base64", b"quoted-printable", b"x-uuencode", b"bogus"]))
    body = draw(
        st.one_of(st.binary(max_size=200), st.sampled_from([PATCH_BODY.encode(), *SURROGATES]))
    )
    if cte == b"base64" and draw(st.booleans()):
        body = base64.encodebytes(body)
    return (
        b"From: Eve <eve@example.org>\n"
        b"Subject: =?" + charset + b"?q?caf=C3=A9_=FF?=\n"
        b"Content-Type: text/plain; charset=" + charset + b"\n"
        b"Content-Transfer-Encoding: " + cte + b"\n\n" + body
    )


@st.composite
def mime_mangled(draw: st.DrawFn) -> bytes:
    declared = draw(st.sampled_from([b"==b==", b"", b'"', b"==b", b"x" * 200, b"\xff"]))
    used = draw(st.sampled_from([declared, b"==b==", b"==c==", b"==b== trailing"]))
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "patch", "png", "nested", "junk"]))
        b64 = base64.encodebytes(PATCH_BODY.encode())
        if kind == "text":
            parts.append(b"Content-Type: text/plain; charset=utf-8\n\nSee attached.\n")
        elif kind == "patch":
            cut = draw(st.integers(0, len(b64)))
            corrupt = b64[:cut] + draw(st.sampled_from([b"", b"!!", b"=", b"====", b"\xff"]))
            parts.append(
                b'Content-Type: text/x-patch; name="0001-x.patch"\n'
                b"Content-Transfer-Encoding: base64\n\n" + corrupt
            )
        elif kind == "png":
            parts.append(
                b"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\n"
                + _PNG.encode()[: draw(st.integers(0, len(_PNG)))]
            )
        elif kind == "nested":  # a nested multipart reusing the outer boundary
            parts.append(
                b"Content-Type: multipart/alternative; boundary=" + used + b"\n\n--" + used + b"\n"
            )
        else:
            parts.append(draw(st.binary(max_size=60)))
    closing = draw(st.sampled_from([b"--" + used + b"--\n", b"", b"--" + used + b"\n"]))
    body = b"".join(b"--" + used + b"\n" + p + b"\n" for p in parts) + closing
    return (
        b"From: Mallory <m@example.org>\nSubject: [PATCH] mime\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/"
        + draw(st.sampled_from([b"mixed", b"alternative", b"x"]))
        + b"; "
        b"boundary=" + declared + b"\n\n" + body
    )


@st.composite
def diff_mangled(draw: st.DrawFn) -> str:
    """Patch bodies with broken hunk headers, counts and file headers."""
    lines = PATCH_BODY.split("\n")
    for _ in range(draw(st.integers(1, 5))):
        pos = draw(st.integers(0, len(lines)))
        line = draw(
            st.one_of(
                st.builds(
                    "@@ -{},{} +{},{} @@ {}".format,
                    *[st.integers(-3, 10**20)] * 4,
                    st.text(max_size=10),
                ),
                st.sampled_from(
                    [
                        "--- a/x",
                        "+++ b/x",
                        "+++ ",
                        "diff --git a/x b/x",
                        "diff --git",
                        "Binary files a/x and b/x differ",
                        "rename from x",
                        "rename to y",
                        "new file mode 100644",
                        "deleted file mode 100644",
                        "\\ No newline at end of file",
                        "-- ",
                        "Index: x",
                        "@@",
                        "@@ -1 +1 @@",
                        "GIT binary patch",
                        "literal 0",
                    ]
                ),
                st.text(max_size=30),
            )
        )
        if draw(st.booleans()) and pos < len(lines):
            lines[pos] = line
        else:
            lines.insert(pos, line)
    return "\n".join(lines)


@FUZZ
@given(byte_mangled())
def test_byte_mangled_messages(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(header_mangled())
def test_odd_header_values(raw: bytes) -> None:
    check(raw, must_parse=True)


@FUZZ
@given(charset_mangled())
def test_odd_charsets_and_encodings(raw: bytes) -> None:
    check(raw, must_parse=True)


@FUZZ
@given(mime_mangled())
def test_broken_mime(raw: bytes) -> None:
    check(raw, must_parse=True)


@FUZZ
@given(diff_mangled())
def test_mangled_diffs(body: str) -> None:
    check(
        b"From: A <a@example.org>\nSubject: [PATCH] x\nMessage-ID: <d@x>\n\n"
        + body.encode("utf-8", "surrogateescape"),
        must_parse=True,
    )
    try:
        patch = split_patch(body)
    except ReviewbotError:
        return
    if patch.diff_error is not None:  # a rejected diff is flagged, never half-parsed
        assert patch.files == ()
        assert patch.has_diff
    for f in patch.files:
        assert f.path
        assert all(h.added >= 0 and h.removed >= 0 for h in f.hunks)

"""Subject markers as libvir-list writes them."""

from __future__ import annotations

import pytest

from reviewbot.mail.subject import normalise_title, parse_subject


@pytest.mark.parametrize(
    ("raw", "version", "index", "total", "title"),
    [
        ("[libvirt] [PATCH v2 03/10] qemu: fix", 2, 3, 10, "qemu: fix"),
        ("[PATCH RFC 1/3] conf: add", 1, 1, 3, "conf: add"),
        ("[PATCH 1 of 3] util: drop", 1, 1, 3, "util: drop"),
        ("[RESEND PATCH v3 2/2] docs: x", 3, 2, 2, "docs: x"),
        ("[PATCH v5.1 10/12] tests: y", 5, 10, 12, "tests: y"),
        ("[libvirt PATCH v4 0/7] series", 4, 0, 7, "series"),
        ("[PATCH] single", 1, None, None, "single"),
        ("[PATCH 00/10] cover", 1, 0, 10, "cover"),
        ("[libvirt] [PATCHv2 1/3] qemu: x", 2, 1, 3, "qemu: x"),
        ("[RFC PATCHv3 0/5] big", 3, 0, 5, "big"),
        ("[PATCH RFCv2 1/3] idea", 2, 1, 3, "idea"),
        ("[PATCH-v4 2/2] dash", 4, 2, 2, "dash"),
    ],
)
def test_markers(raw: str, version: int, index: int | None, total: int | None, title: str) -> None:
    s = parse_subject(raw)
    assert (s.version, s.index, s.total, s.title) == (version, index, total, title)
    assert s.is_patch_marked and not s.is_reply


def test_flags_and_labels() -> None:
    assert parse_subject("[PATCH RFC 1/3] a").rfc
    assert parse_subject("[RESEND PATCH v3 2/2] c").resend
    assert parse_subject("[PATCH v5.1 10/12] d").version_label == "v5.1"
    assert parse_subject("[PATCH 1/2] d").version_label == "v1"


@pytest.mark.parametrize(
    "raw", ["Re: [PATCH 1/2] x", "RE: Re: [libvirt] [PATCH] x", "[libvirt] Re: [PATCH] x", "Aw: x"]
)
def test_replies(raw: str) -> None:
    assert parse_subject(raw).is_reply


def test_not_a_patch() -> None:
    s = parse_subject("[libvirt] virsh hangs on shutdown")
    assert not s.is_patch_marked and s.index is None and s.title == "virsh hangs on shutdown"


def test_normalise_title() -> None:
    assert normalise_title("qemu: Fix  the  THING!") == normalise_title("qemu fix the thing")

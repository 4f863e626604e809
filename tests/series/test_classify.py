"""Which kind a message is (reviewbot/series/classify.py): cover, patch, reply or other."""

from __future__ import annotations

from reviewbot.mail.subject import parse_subject
from reviewbot.series.classify import Kind, classify
from tests.conftest import diff_body


def test_classify_edge_cases() -> None:
    interdiff = "Cover text.\n\nInterdiff against v1:\n" + diff_body()
    assert classify(parse_subject("[PATCH v2 0/2] x"), interdiff, True, False) == Kind.COVER
    assert classify(parse_subject("[RFC] design: a new parser"), "Thoughts?\n", False, False) == (
        Kind.OTHER
    )
    assert classify(parse_subject("[PULL] qemu fixes"), "Please pull.\n", False, True) == (
        Kind.REPLY
    )
    assert classify(parse_subject("[PATCH 2/3] lost diff"), "text\n", False, True) == Kind.PATCH

"""JWZ threading with placeholders and the subject fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reviewbot.mail.threads import ThreadItem, build_threads

T0 = datetime(2023, 7, 18, tzinfo=UTC)


def item(
    msgid: str, refs: tuple[str, ...] = (), subject: str = "s", minutes: int = 0
) -> ThreadItem:
    return ThreadItem(msgid, refs, subject, T0 + timedelta(minutes=minutes))


def shape(nodes):  # type: ignore[no-untyped-def]
    return [(n.msgid, n.is_placeholder, shape(n.children)) for n in nodes]


def test_reply_tree_in_any_order() -> None:
    items = [item("c", ("a", "b"), minutes=2), item("a"), item("b", ("a",), minutes=1)]
    assert shape(build_threads(items)) == [("a", False, [("b", False, [("c", False, [])])])]


def test_missing_parents_are_placeholders() -> None:
    items = [item("child", ("gone-root", "gone-parent"))]
    roots = build_threads(items)
    assert shape(roots) == [("gone-root", True, [("gone-parent", True, [("child", False, [])])])]


def test_siblings_share_a_placeholder() -> None:
    roots = build_threads([item("x", ("gone",), minutes=1), item("y", ("gone",), minutes=2)])
    assert shape(roots) == [("gone", True, [("x", False, []), ("y", False, [])])]


def test_subject_fallback_for_reference_less_reply() -> None:
    items = [
        item("p", subject="[PATCH] fix bug"),
        item("r", subject="Re: [PATCH] fix bug", minutes=5),
    ]
    assert shape(build_threads(items)) == [("p", False, [("r", False, [])])]


def test_no_loops_from_bad_references() -> None:
    items = [item("a", ("b",)), item("b", ("a",))]
    roots = build_threads(items)
    seen = [n.msgid for r in roots for _d, n in r.walk()]
    assert sorted(seen) == ["a", "b"]


def test_duplicate_message_id_keeps_first() -> None:
    roots = build_threads([item("a", subject="first"), item("a", subject="second")])
    assert len(roots) == 1 and roots[0].item is not None and roots[0].item.subject == "first"


def test_placeholder_of_a_reply_joins_the_thread_by_subject() -> None:
    items = [
        item("p", subject="[PATCH] fix bug"),
        item("r2", ("lost-reply",), subject="Re: [PATCH] fix bug", minutes=9),
    ]
    roots = build_threads(items)
    assert shape(roots) == [("p", False, [("lost-reply", True, [("r2", False, [])])])]


def test_placeholder_without_matching_subject_stays_a_root() -> None:
    roots = build_threads([item("x", ("gone",), subject="[PATCH 01/10] qemu: agent")])
    assert shape(roots) == [("gone", True, [("x", False, [])])]

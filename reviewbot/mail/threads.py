"""Reply trees from Message-ID / In-Reply-To / References, JWZ-style.  (pure)

https://www.jwz.org/doc/threading.html, with two departures: containers for
messages that are not in the archive are kept (shown as placeholders, so a
reader sees that something is missing), and a message without any reference
header is attached by subject to the earliest non-reply with the same subject.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from reviewbot.mail.subject import parse_subject, thread_subject


@dataclass(frozen=True)
class ThreadItem:
    """What threading needs to know of a message."""

    msgid: str
    references: tuple[str, ...]
    subject: str
    date: datetime | None


@dataclass(frozen=True)
class ThreadNode:
    """A node of a reply tree; `item` is None for a placeholder."""

    msgid: str
    item: ThreadItem | None
    children: tuple[ThreadNode, ...]

    @property
    def is_placeholder(self) -> bool:
        """True when the message is referenced but not in the archive."""
        return self.item is None

    def walk(self, depth: int = 0) -> Iterable[tuple[int, ThreadNode]]:
        """Yield (depth, node) for the subtree in reading order."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass
class _Container:
    msgid: str
    item: ThreadItem | None = None
    parent: _Container | None = None
    children: list[_Container] = field(default_factory=list)

    def is_ancestor_of(self, other: _Container) -> bool:
        node: _Container | None = other
        while node is not None:
            if node is self:
                return True
            node = node.parent
        return False


def build_threads(items: Iterable[ThreadItem]) -> list[ThreadNode]:
    """Arrange messages into reply trees, oldest root first."""
    table: dict[str, _Container] = {}
    for item in items:
        _add(table, item)
    roots = [c for c in table.values() if c.parent is None]
    roots = _attach_by_subject(roots)
    return sorted((_freeze(r) for r in roots), key=_node_key)


def _get(table: dict[str, _Container], msgid: str) -> _Container:
    container = table.get(msgid)
    if container is None:
        container = table[msgid] = _Container(msgid)
    return container


def _add(table: dict[str, _Container], item: ThreadItem) -> None:
    me = _get(table, item.msgid)
    if me.item is not None:
        return  # a duplicate Message-ID: the first one wins
    me.item = item
    previous: _Container | None = None
    for ref in item.references:
        node = _get(table, ref)
        if previous is not None and node.parent is None and not node.is_ancestor_of(previous):
            _link(previous, node)
        previous = node
    # the message's own parent is authoritative: re-link if an earlier guess differs
    if previous is not None and not me.is_ancestor_of(previous):
        if me.parent is not None:
            me.parent.children.remove(me)
            me.parent = None
        _link(previous, me)


def _link(parent: _Container, child: _Container) -> None:
    child.parent = parent
    parent.children.append(child)


def _attach_by_subject(roots: list[_Container]) -> list[_Container]:
    """Join orphaned replies to the thread their subject names.

    A reply without references, or a placeholder (a missing parent) whose
    replies say "Re: <subject>", goes under the earliest non-reply root with
    that subject, as JWZ's subject grouping does.
    """
    by_subject: dict[str, _Container] = {}
    for root in sorted(roots, key=_container_key):
        item = root.item
        if item is None or parse_subject(item.subject).is_reply:
            continue
        by_subject.setdefault(thread_subject(item.subject), root)
    kept = []
    for root in roots:
        orphan = _orphan_reply(root)
        target = by_subject.get(thread_subject(orphan.subject)) if orphan else None
        if target is not None and target is not root and not root.is_ancestor_of(target):
            _link(target, root)
            continue
        kept.append(root)
    return kept


def _orphan_reply(root: _Container) -> ThreadItem | None:
    """The reply that speaks for a root cut off from its thread, if any."""
    if root.item is not None:
        item = root.item
        return item if not item.references and parse_subject(item.subject).is_reply else None
    replies = [c.item for c in root.children if c.item is not None]
    replies = [i for i in replies if parse_subject(i.subject).is_reply]
    return min(replies, key=lambda i: i.date.timestamp() if i.date else 0.0) if replies else None


def _container_key(c: _Container) -> tuple[float, str]:
    date = c.item.date if c.item else None
    return (date.timestamp() if date else float("inf"), c.msgid)


def _freeze(c: _Container) -> ThreadNode:
    children = sorted((_freeze(k) for k in c.children), key=_node_key)
    return ThreadNode(c.msgid, c.item, tuple(children))


def _node_key(node: ThreadNode) -> tuple[float, str]:
    date = node.item.date if node.item else None
    if date is None and node.children:
        date = next((n.item.date for _, n in node.walk() if n.item and n.item.date), None)
    return (date.timestamp() if date else float("inf"), node.msgid)

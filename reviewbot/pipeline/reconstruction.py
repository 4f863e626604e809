"""Reconstruction at the database's edge: which replies quote missing messages,
and the rebuilt mails for them.  (reconstruct.py does the reading of quotes.)

Run once at the end of an import over the replies it stored whose parent is
still missing: most replies' parents arrive in the same import, so the check
costs one lookup of the few that do not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from email.utils import getaddresses

from sqlmodel import Session

from reviewbot import store
from reviewbot.mail.message import parse_message
from reviewbot.pipeline.incoming import Incoming
from reviewbot.review.reconstruct import RebuiltMail, as_mails, rebuilt_msgid, reconstruct_quoted


@dataclass(frozen=True)
class Recovered:
    """The mails rebuilt from one reply, and the reply's new References chain."""

    seed_id: int
    seed_msgid: str
    mails: tuple[RebuiltMail, ...]
    seed_refs: tuple[str, ...]


def orphans(pairs: Iterable[tuple[str, str]], *, session: Session) -> list[str]:
    """Replies (msgid, parent msgid) whose parent the database still lacks."""
    waiting = list(pairs)
    present = store.existing_msgids(session=session, msgids=sorted({p for _m, p in waiting}))
    return [m for m, parent in waiting if parent not in present]


def recover(msgids: list[str], *, session: Session) -> list[Recovered]:
    """Rebuild what each reply quotes of messages the database lacks."""
    if not msgids:
        return []
    seeds = store.load_seeds(session=session, msgids=msgids)
    refs = store.references_of(session=session, msgids=[s.msgid for s in seeds])
    rebuilt = {s.msgid: reconstruct_quoted(s.body, s.subject, s.date) for s in seeds}
    names = [m.author for levels in rebuilt.values() for m in levels if m.author]
    emails = store.emails_by_name(session=session, names=names)
    out = []
    for seed in seeds:
        if not rebuilt[seed.msgid]:
            continue
        chain = refs.get(seed.msgid, ())
        levels = [m.depth for m in rebuilt[seed.msgid]]
        made_up = [rebuilt_msgid(seed.msgid, d) for d in levels]
        known = store.existing_msgids(session=session, msgids=[*chain, *made_up])
        own = {seed.from_name: seed.from_email} if seed.from_email else {}
        mails = as_mails(
            seed.msgid, chain, rebuilt[seed.msgid], known.__contains__, {**emails, **own}
        )
        if mails:
            new_chain = (*mails[0].references, *(m.msgid for m in mails))
            out.append(Recovered(seed.id, seed.msgid, mails, new_chain))
    return out


def as_incoming(mail: RebuiltMail, seed_msgid: str) -> Incoming:
    """A reconstructed mail on its way in; the author's address as found, maybe none."""
    message = parse_message(mail.raw)
    if mail.author:  # a bare display name must not be parsed into an address
        message = replace(message, from_name=mail.author, from_email=_address(mail.raw))
    return Incoming(
        mail.raw,
        f"reconstructed from <{seed_msgid}>",
        mail.depth,
        message,
        None,
        reconstructed_from=seed_msgid,
    )


def _address(raw: bytes) -> str:
    head = raw.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    found = next((line for line in head.split("\n") if line.startswith("From: ")), "")
    return getaddresses([found.removeprefix("From: ")])[0][1]

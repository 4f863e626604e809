"""What a reply mail needs of the message it answers: its ids, subject, author, date
and recipients (the headers of its raw mail)."""

from __future__ import annotations

import email.utils

from sqlalchemy import select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.mail.reply import Original, recipients
from reviewbot.models import MESSAGE, REF
from reviewbot.packed import unpack
from reviewbot.read.messages import bare_msgid
from reviewbot.read.sql import first, rows


def original_of(session: Session, msgid: str) -> Original:
    """The message with this Message-ID as a reply sees it; NotFound when there is none."""
    m = MESSAGE.c
    row = first(
        session,
        select(m.id, m.msgid, m.subject, m.from_name, m.from_email, m.date, m.raw_zstd).where(
            m.msgid == bare_msgid(msgid)
        ),
    )
    if row is None:
        raise NotFound(f"no message <{bare_msgid(msgid)}>")
    refs = rows(
        session,
        select(REF.c.ref_msgid).where(REF.c.message_id == row.id).order_by(REF.c.position),
    )
    date_header, to, cc = recipients(unpack(bytes(row.raw_zstd)))
    return Original(
        msgid=row.msgid,
        subject=row.subject,
        author=_author(row.from_name, row.from_email),
        date=row.date,
        date_header=date_header,
        references=tuple(r.ref_msgid for r in refs),
        to=to,
        cc=cc,
    )


def _author(name: str, address: str) -> str:
    """ "Name <address>", the name quoted when it holds a comma or the like."""
    return email.utils.formataddr((name, address)) if address else name

"""Who wrote to the list, and how a sender is shown."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, literal, select, union_all
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.models import MESSAGE, PATCH, SERIES
from reviewbot.read.filters import Filters, Page, Paged, paged, text_match
from reviewbot.read.sql import page_rows, rows


def person(name: str, email: str) -> str:
    """ "Name <address>" as the UI and CLI show a sender; the name alone without an address."""
    if not email:  # a reconstructed author: the quote gave a name, no address
        return name
    return f"{name} <{email}>" if name and name != email else email


@dataclass(frozen=True)
class Person:
    """Somebody who wrote to the list, with how many messages, patches and series."""

    email: str
    name: str
    messages: int
    patches: int
    series: int


def _statement(q: str | None, email: str | None = None) -> Select[tuple[str, str, int, int, int]]:
    parts = [
        select(
            MESSAGE.c.from_email.label("email"),
            MESSAGE.c.from_name.label("name"),
            literal(1).label("m"),
            literal(0).label("p"),
            literal(0).label("s"),
        ),
        select(PATCH.c.author_email, PATCH.c.author_name, literal(0), literal(1), literal(0)),
        select(
            SERIES.c.submitter_email, SERIES.c.submitter_name, literal(0), literal(0), literal(1)
        ),
    ]
    every = union_all(*parts).subquery()
    stmt = select(
        every.c.email,
        func.max(every.c.name).label("name"),
        func.sum(every.c.m).label("messages"),
        func.sum(every.c.p).label("patches"),
        func.sum(every.c.s).label("series"),
    ).where(every.c.email != "")
    if email is not None:
        stmt = stmt.where(every.c.email == email)
    if q:
        stmt = stmt.where(text_match(q, every.c.email, every.c.name))
    return stmt.group_by(every.c.email).order_by(func.sum(every.c.m).desc(), every.c.email)


def _person(r: tuple[str, str, int, int, int]) -> Person:
    email, name, messages, patches, series = r
    return Person(email, name or "", messages, patches, series)


def list_people(session: Session, f: Filters, page: Page) -> Paged[Person]:
    """Everyone who wrote to the list (`q`: part of a name or address), most messages first."""
    found, total = page_rows(session, _statement(f.q), page)
    return paged([_person(r) for r in found], total, page)


def person_detail(session: Session, email: str) -> Person:
    """One person by address; NotFound when nobody wrote from it."""
    found = rows(session, _statement(None, email.strip().strip("<>").lower()))
    if not found:
        raise NotFound(f"nobody wrote from {email!r}")
    return _person(found[0])

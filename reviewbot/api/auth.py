"""`Authorization: Token ...` for writes: 401 without a live token, 403 when read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Security
from fastapi.security import APIKeyHeader

from reviewbot.deps import SessionDep
from reviewbot.read.tokens import check_token
from reviewbot.tokens import TokenOwner

_HEADER = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`Token <secret>`, from `reviewbot token create USER`.",
)
_CHALLENGE = {"WWW-Authenticate": "Token"}


def token_owner(
    header: Annotated[str | None, Security(_HEADER)],
    session: SessionDep,
) -> TokenOwner:
    """Whoever the request's token belongs to; 401 when it is missing, unknown or revoked."""
    if not header:
        raise HTTPException(401, "this needs an API token: Authorization: Token ...", _CHALLENGE)
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "token" or not secret.strip():
        raise HTTPException(401, "expected Authorization: Token <secret>", _CHALLENGE)
    owner = check_token(session, secret.strip())
    if owner is None:
        raise HTTPException(401, "invalid or revoked token", _CHALLENGE)
    return owner


def writer(owner: Annotated[TokenOwner, Depends(token_owner)]) -> TokenOwner:
    """A token allowed to write; 403 for a read-only one."""
    if owner.read_only:
        raise HTTPException(403, f"the token of {owner.user} is read-only")
    return owner

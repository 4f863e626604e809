"""Signing in, CSRF and the web UI's actions, through TestClient on both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text, update

from reviewbot import store
from reviewbot.app import create_app
from reviewbot.db import open_engine, session_scope
from reviewbot.models import CONCERN, EVENT, SERIES, TOKEN, WEB_SESSION, utcnow
from reviewbot.pipeline.importer import import_paths
from reviewbot.tokens import hash_password
from tests.conftest import LIST, make_token

MONTHS = [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"]


@pytest.fixture(scope="module")
def corpus(module_db_url: str) -> Iterator[Engine]:
    engine = open_engine(module_db_url)
    import_paths(engine, MONTHS)
    yield engine
    engine.dispose()


@pytest.fixture
def client(corpus: Engine) -> TestClient:
    return TestClient(create_app(corpus), raise_server_exceptions=False)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, token: str, **headers: str) -> str:
    """Sign in with a token through the form; the session cookie's Set-Cookie header."""
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "token": token, "next": "/series/2"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/series/2"
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith("rb_session="))


def test_token_sign_in_gives_an_httponly_lax_cookie_and_stores_only_a_hash(
    client: TestClient, corpus: Engine
) -> None:
    token = make_token(corpus, "ada")
    cookie = sign_in(client, token)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back
    secret = cookie.split(";")[0].split("=", 1)[1]
    with corpus.connect() as conn:
        stored = conn.execute(select(WEB_SESSION)).all()
    assert stored and all(secret not in str(tuple(r)) for r in stored)
    page = client.get("/series/2").text
    assert ">ada<" in page and "Sign out" in page and "Set state" in page


def test_secure_cookie_over_https_and_behind_a_proxy_that_says_so(corpus: Engine) -> None:
    token = make_token(corpus, "ada")
    direct = TestClient(create_app(corpus), base_url="https://review.example")
    assert "Secure" in sign_in(direct, token)
    proxied = TestClient(create_app(corpus))
    assert "Secure" in sign_in(proxied, token, **{"X-Forwarded-Proto": "https"})


def test_wrong_credentials_are_refused_without_a_session(
    client: TestClient, corpus: Engine
) -> None:
    csrf = csrf_of(client.get("/signin").text)
    response = client.post("/signin", data={"csrf": csrf, "token": "rbt_nope"})
    assert response.status_code == 401
    assert "not valid" in response.text
    assert "rb_session" not in response.headers.get("set-cookie", "")
    with session_scope(corpus) as s:
        store.set_password(session=s, name="pat", password_hash=hash_password("correct horse"))
    bad = client.post("/signin", data={"csrf": csrf, "name": "pat", "password": "wrong horse"})
    assert bad.status_code == 401
    good = client.post(
        "/signin",
        data={"csrf": csrf, "name": "pat", "password": "correct horse"},
        follow_redirects=False,
    )
    assert good.status_code == 303 and "rb_session=" in good.headers["set-cookie"]


def test_every_form_needs_its_csrf_token(client: TestClient, corpus: Engine) -> None:
    assert client.post("/signin", data={"token": make_token(corpus, "ada")}).status_code == 403
    sign_in(client, make_token(corpus, "ada"))
    for data in (
        {"state": "new"},
        {"state": "new", "csrf": "0" * 64},
        {"state": "new", "csrf": "é"},
    ):
        response = client.post("/act/series/2", data=data)
        assert response.status_code == 403, data
        assert "Form expired" in response.text  # the UI's error page, not JSON
    other = TestClient(create_app(corpus))
    sign_in(other, make_token(corpus, "bob"))
    stolen = csrf_of(other.get("/series/2").text)  # another session's token
    assert client.post("/act/series/2", data={"state": "new", "csrf": stolen}).status_code == 403
    assert client.post("/signout", data={}).status_code == 403


def _events(engine: Engine, actor: str) -> list[tuple[str, str, str | None, str]]:
    with engine.connect() as conn:
        found = conn.execute(
            select(EVENT.c.category, EVENT.c.via, EVENT.c.new_value, EVENT.c.actor)
            .where(EVENT.c.actor == actor)
            .order_by(EVENT.c.id)
        )
        return [tuple(r) for r in found]  # type: ignore[misc]


def test_actions_are_events_by_the_signed_in_user(client: TestClient, corpus: Engine) -> None:
    sign_in(client, make_token(corpus, "carol"))
    csrf = csrf_of(client.get("/patch/3").text)
    posts = [
        ("/act/patch/3", {"state": "changes-requested"}),
        ("/act/patch/3", {"delegate": "carol@example.org"}),
        ("/act/patch/3", {"archived": "true"}),
        ("/act/patch/3", {"archived": "false"}),
    ]
    for path, data in posts:
        response = client.post(
            path, data={**data, "csrf": csrf, "back": "/patch/3"}, follow_redirects=False
        )
        assert response.status_code == 303 and response.headers["location"] == "/patch/3"
    with corpus.connect() as conn:
        concern_id = (
            conn.execute(
                select(CONCERN.c.id).where(CONCERN.c.status == "open").order_by(CONCERN.c.id)
            ).scalar_one_or_none()
            or conn.execute(select(CONCERN.c.id)).scalars().first()
        )
    resolved = client.post(
        f"/act/concern/{concern_id}",
        data={"status": "resolved", "note": "fixed in v2", "csrf": csrf, "back": "//evil.example/"},
        follow_redirects=False,
    )
    assert resolved.status_code == 303 and resolved.headers["location"] == "/"  # never offsite
    assert _events(corpus, "carol") == [
        ("patch-state-changed", "web", "changes-requested", "carol"),
        ("patch-delegated", "web", "carol@example.org", "carol"),
        ("patch-archived", "web", "true", "carol"),
        ("patch-archived", "web", "false", "carol"),
        ("concern-status-changed", "web", "resolved", "carol"),
    ]
    page = client.get("/patch/3").text
    assert "set by carol" in page and 'id="delegate">carol@example.org<' in page
    api = client.get("/api/v1/events?actor=carol&via=web").json()
    assert len(api) == 5 and {e["via"] for e in api} == {"web"}
    bad = client.post("/act/patch/3", data={"state": "merged", "csrf": csrf})
    assert bad.status_code == 400 and "expected one of" in bad.text
    assert client.post("/act/patch/999999", data={"state": "new", "csrf": csrf}).status_code == 404


def test_visitors_and_read_only_users_see_no_action_controls(
    client: TestClient, corpus: Engine
) -> None:
    for path in ("/series/2", "/patch/8"):
        html = client.get(path).text
        assert 'action="/act/' not in html and ">Resolve</button>" not in html
        assert "Sign in" in html
        assert "Reply by mail" in html  # composing writes nothing: anyone may
    sign_in(client, make_token(corpus, "reader", read_only=True))
    html = client.get("/patch/8").text
    assert "read-only" in html and 'action="/act/' not in html
    response = client.post("/act/patch/8", data={"state": "new", "csrf": csrf_of(html)})
    assert response.status_code == 403 and "read-only" in response.text


def test_sign_out_ends_the_session_and_expiry_and_revocation_end_it_too(
    client: TestClient, corpus: Engine
) -> None:
    token = make_token(corpus, "dave")
    sign_in(client, token)
    csrf = csrf_of(client.get("/").text)
    out = client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert 'rb_session=""' in out.headers["set-cookie"]
    with corpus.connect() as conn:
        assert not conn.execute(select(WEB_SESSION).where(WEB_SESSION.c.user == "dave")).all()

    sign_in(client, token)
    assert ">dave<" in client.get("/").text
    with corpus.begin() as conn:
        conn.execute(
            update(WEB_SESSION)
            .where(WEB_SESSION.c.user == "dave")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert ">dave<" not in client.get("/").text

    sign_in(client, token)
    with corpus.begin() as conn:
        conn.execute(update(TOKEN).where(TOKEN.c.user == "dave").values(revoked_at=utcnow()))
    assert ">dave<" not in client.get("/").text
    assert client.get("/me", follow_redirects=False).headers["location"] == "/signin?next=/me"


def test_a_get_with_a_session_writes_nothing(client: TestClient, corpus: Engine) -> None:
    sign_in(client, make_token(corpus, "erin"))
    with corpus.connect() as conn:
        before = conn.execute(select(WEB_SESSION).where(WEB_SESSION.c.user == "erin")).all()
        state = conn.execute(select(SERIES.c.state).where(SERIES.c.id == 1)).scalar_one()
    for path in ("/", "/series/1", "/patch/8", "/me", "/patch/8/reply?hunk=f0-h0"):
        assert client.get(path).status_code == 200, path
    with corpus.connect() as conn:
        after = conn.execute(select(WEB_SESSION).where(WEB_SESSION.c.user == "erin")).all()
        assert conn.execute(select(SERIES.c.state).where(SERIES.c.id == 1)).scalar_one() == state
    assert before == after  # no "last seen"


def test_a_concern_reply_previews_and_downloads_the_same_mail(
    client: TestClient, corpus: Engine
) -> None:
    """A visitor answers a concern: the preview and the .eml are one reply, threaded."""
    with corpus.connect() as conn:
        concern_id, reply_msgid = conn.execute(
            text(
                "SELECT concern.id, message.msgid FROM concern"
                " JOIN message ON message.id = concern.reply_id ORDER BY concern.id LIMIT 1"
            )
        ).one()
    page = client.get(f"/concern/{concern_id}/reply")
    assert page.status_code == 200
    lines = re.findall(r'name="line" value="([^"]+)"', page.text)
    assert lines, "no line to choose"
    form = {"csrf": csrf_of(page.text), "line": lines[:1], "comment": "Fixed in v3."}
    preview = client.post(f"/concern/{concern_id}/reply", data=form)
    assert preview.status_code == 200 and "Fixed in v3." in preview.text
    eml = client.post(f"/concern/{concern_id}/reply.eml", data=form)
    assert eml.status_code == 200
    assert eml.headers["content-disposition"].endswith(f'reply-concern-{concern_id}.eml"')
    mail = message_from_bytes(eml.content)
    assert mail["In-Reply-To"] == f"<{reply_msgid}>"
    assert mail["Subject"].startswith("Re: ")
    assert "Fixed in v3." in mail.get_payload(decode=True).decode()
    refused = client.post(f"/concern/{concern_id}/reply.eml", data={**form, "csrf": "0" * 64})
    assert refused.status_code == 403

"""Events inferred from mail are dated by the mail and name it; they are the thread's
history, so importing the same mail again, or in any order, or split over several
imports, gives the same events (test_import_order.py compares them with the rest)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot import store
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import diff_body, mail, write_mbox

DAY = "Tue, 18 Jul 2023"
BOB = "Bob Reviewer <bob@example.org>"


def _thread() -> dict[str, str]:
    msgs = {
        "c1": mail("c1@x", "[PATCH 0/2] util: fix it", "cover\n", date=f"{DAY} 09:00:00 +0000"),
        "rv": mail(
            "rv@x",
            "Re: [PATCH 1/2] util: part 1",
            "> -old line\n> +new line\nPlease fix the comment.\n",
            sender=BOB,
            refs=("c1@x", "a1@x"),
            date=f"{DAY} 10:00:00 +0000",
        ),
        "ack": mail(
            "ack@x",
            "Re: [PATCH 2/2] util: part 2",
            "Reviewed-by: Bob Reviewer <bob@example.org>\n",
            sender=BOB,
            refs=("c1@x", "a2@x"),
            date=f"{DAY} 11:00:00 +0200",  # 09:00 UTC: before the review of patch 1
        ),
        "c2": mail(
            "c2@x", "[PATCH v2 0/2] util: fix it", "v2\n", date="Tue, 25 Jul 2023 09:00:00 +0000"
        ),
    }
    for n in (1, 2):
        msgs[f"a{n}"] = mail(
            f"a{n}@x",
            f"[PATCH {n}/2] util: part {n}",
            diff_body(line=10 * n),
            reply_to="c1@x",
            date=f"{DAY} 09:0{n}:00 +0000",
        )
        msgs[f"b{n}"] = mail(
            f"b{n}@x",
            f"[PATCH v2 {n}/2] util: part {n}",
            diff_body(line=10 * n + 1),
            refs=("c2@x",),
            date=f"Tue, 25 Jul 2023 09:0{n}:00 +0000",
        )
    return msgs


THREAD = _thread()


def events(engine: Engine) -> list[tuple[Any, ...]]:
    """The log as (target, its mail, old, new, at, cause), targets named by Message-ID."""
    sql = text(
        "select e.target, coalesce(pm.msgid, cm.msgid), e.old_value, e.new_value,"
        " e.created_at, e.msgid, e.via from event e"
        " left join patch p on e.target = 'patch' and p.id = e.target_id"
        " left join message pm on pm.id = p.message_id"
        " left join series s on e.target = 'series' and s.id = e.target_id"
        " left join message cm on cm.id = s.cover_id"
    )
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sql)]
    return sorted((t, m, o, n, str(at)[:19], c, v) for t, m, o, n, at, c, v in rows)


def imported(
    url: str, tmp_path: Path, *batches: list[str], mails: dict[str, str] = THREAD
) -> Engine:
    """The named mails imported into `url`, one import per batch."""
    engine = open_engine(url)
    for i, names in enumerate(batches):
        path = write_mbox(
            tmp_path / f"{len(list(tmp_path.iterdir()))}-{i}.mbox", [mails[n] for n in names]
        )
        assert import_paths(engine, [path]).errors == []
    return engine


def test_events_carry_the_mails_date_and_message_id(
    new_db: Callable[[str], str], tmp_path: Path
) -> None:
    engine = imported(new_db("a"), tmp_path, list(THREAD))
    got = events(engine)
    assert (
        "patch",
        "a1@x",
        "new",
        "changes-requested",
        "2023-07-18 10:00:00",
        "rv@x",
        "mail",
    ) in got
    assert ("patch", "a2@x", "new", "under-review", "2023-07-18 09:00:00", "ack@x", "mail") in got
    # v1 superseded when v2's cover letter was posted, and named by it
    assert (
        "patch",
        "a1@x",
        "changes-requested",
        "superseded",
        "2023-07-25 09:00:00",
        "c2@x",
        "mail",
    ) in got
    assert ("series", "c1@x", "new", "under-review", "2023-07-18 09:00:00", "ack@x", "mail") in got
    assert (
        "series",
        "c1@x",
        "under-review",
        "changes-requested",
        "2023-07-18 10:00:00",
        "rv@x",
        "mail",
    ) in got
    assert all(row[5] for row in got)  # every one names its mail
    engine.dispose()


def test_the_same_mail_again_or_in_pieces_or_backwards_gives_the_same_events(
    new_db: Callable[[str], str], tmp_path: Path
) -> None:
    whole = imported(new_db("whole"), tmp_path, list(THREAD))
    want = events(whole)
    with whole.connect() as conn:
        ids = sorted(r[0] for r in conn.execute(text("select id from event")))
    import_paths(whole, [next(tmp_path.glob("*.mbox"))])  # again: nothing changes
    with whole.connect() as conn:
        assert sorted(r[0] for r in conn.execute(text("select id from event"))) == ids
    assert events(whole) == want
    whole.dispose()
    names = list(THREAD)
    # one message per import, newest first: replies before their patches, v2 before v1
    one_by_one = imported(new_db("backwards"), tmp_path, *[[n] for n in reversed(names)])
    assert events(one_by_one) == want
    one_by_one.dispose()
    # v2's cover last: v1's superseding mail changes from b1@x to c2@x
    late_cover = imported(new_db("late-cover"), tmp_path, [n for n in names if n != "c2"], ["c2"])
    assert events(late_cover) == want
    late_cover.dispose()


def test_the_first_mail_of_the_newer_version_supersedes_in_any_order(
    new_db: Callable[[str], str], tmp_path: Path
) -> None:
    """v2, in a thread of its own, has a patch written before its cover letter: imported
    after the cover, that patch becomes v2's first mail, and v1 is judged again though
    neither its thread nor its links changed."""
    v1 = ["c1", "a1", "a2", "rv", "ack"]
    mails = dict(THREAD)
    mails["early"] = mail(
        "early@x",
        "[PATCH v2 1/2] util: part 1",
        diff_body(line=11),
        reply_to="c2@x",
        date="Tue, 25 Jul 2023 08:59:00 +0000",  # a minute before its cover
    )
    want = events(imported(new_db("together"), tmp_path, [*v1, "c2", "early", "b2"], mails=mails))
    superseded = ("patch", "a2@x", "under-review", "superseded", "2023-07-25 08:59:00")
    assert (*superseded, "early@x", "mail") in want
    apart = imported(new_db("apart"), tmp_path, v1, ["c2", "b2"], ["early"], mails=mails)
    assert events(apart) == want


def test_a_state_set_by_hand_keeps_its_history(
    new_db: Callable[[str], str], tmp_path: Path
) -> None:
    url = new_db("hand")
    engine = imported(url, tmp_path, ["c1", "a1", "a2", "rv"])
    find = "select p.id from patch p join message m on m.id = p.message_id where m.msgid = :m"
    with Session(engine) as s, s.begin():
        (pid,) = s.connection().execute(text(find), {"m": "a1@x"}).one()
        row = store.load_target(session=s, target="patch", target_id=pid)
        store.set_state(
            session=s, target="patch", row=row, state="accepted", actor="lin", via="cli"
        )
    before = [e for e in events(engine) if e[1] == "a1@x"]
    assert [e[2:4] + e[6:] for e in before] == [
        ("changes-requested", "accepted", "cli"),
        ("new", "changes-requested", "mail"),
    ]
    engine.dispose()
    more = imported(url, tmp_path, ["ack", "c2", "b1", "b2"])
    # later mail (a v2 that would supersede it) changes neither its state nor its events
    assert [e for e in events(more) if e[1] == "a1@x"] == before
    more.dispose()

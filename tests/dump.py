"""A canonical dump of a database: what was imported, without row ids.

Two databases holding the same mail placed the same way dump equal, whatever
order rows were inserted in. A series is named by the smallest Message-ID among
its cover and patches.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from tests.conftest import run_cli


def _sorted(rows: Any) -> list[Any]:
    return sorted(rows, key=repr)  # repr: None sorts among strings


def _rows(conn: Any, sql: str) -> list[Any]:
    return [tuple(r) for r in conn.execute(text(sql))]


def dump(url: str) -> dict[str, Any]:
    """Messages, series, patches, trailers, review and events of the database at `url`,
    canonically (an event's target by Message-ID, as everything else)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            msgid = dict(_rows(conn, "select id, msgid from message"))
            key: dict[int, str] = {}
            for sid, mid in _rows(
                conn, "select series_id, id from message where kind in ('cover', 'patch')"
            ):
                if sid is not None:
                    key[sid] = min(key.get(sid, msgid[mid]), msgid[mid])
            patch_msg = dict(_rows(conn, "select id, message_id from patch"))
            return {
                "messages": _sorted(
                    (msgid[m], k, key.get(s) if s else None, msgid.get(patch_msg.get(p, -1)))
                    for m, k, s, p in _rows(
                        conn, "select id, kind, series_id, patch_id from message"
                    )
                ),
                "refs": _sorted(
                    (msgid[m], r, p)
                    for m, r, p in _rows(
                        conn, "select message_id, ref_msgid, position from messageref"
                    )
                ),
                "series": _sorted(
                    (key.get(i), t, v, n, st, why, miss, key.get(prev), key.get(sup), bool(dirty))
                    for i, t, v, n, st, why, miss, prev, sup, dirty in _rows(
                        conn,
                        "select id, title, version, total, state, state_reason, missing,"
                        " previous_id, superseded_by_id, dirty from series",
                    )
                ),
                "patches": _sorted(
                    (msgid[m], key.get(s), n, st, why, a, r)
                    for m, s, n, st, why, a, r in _rows(
                        conn,
                        "select message_id, series_id, number, state, state_reason,"
                        " added, removed from patch",
                    )
                ),
                "trailers": _sorted(
                    (key.get(s), msgid.get(patch_msg.get(p, -1)), msgid[m], n, v, src, bool(x))
                    for s, p, m, n, v, src, x in _rows(
                        conn,
                        "select series_id, patch_id, message_id, name, value, source, mismatch"
                        " from trailer",
                    )
                ),
                "hunks": _rows(conn, "select count(*) from hunk"),
                "concerns": _sorted(
                    (msgid[r], pos, key.get(s), k, st, f, h, ln, replies)
                    for r, pos, s, k, st, f, h, ln, replies in _rows(
                        conn,
                        "select reply_id, position, series_id, kind, status, file, hunk, line,"
                        " replies from concern",
                    )
                ),
                "events": _sorted(
                    (
                        t,
                        key.get(i) if t == "series" else msgid.get(patch_msg.get(i, -1)),
                        key.get(s),
                        f,
                        old,
                        new,
                        str(at),
                        actor,
                        via,
                        cause,
                        note,
                    )
                    for t, i, s, f, old, new, at, actor, via, cause, note in _rows(
                        conn,
                        "select target, target_id, series_id, field, old_value, new_value,"
                        " created_at, actor, via, msgid, note from event",
                    )
                ),
                "races": _sorted(
                    (msgid[m], pos, key.get(s), steps)
                    for m, pos, s, steps in _rows(
                        conn, "select message_id, position, series_id, steps from racescenario"
                    )
                ),
            }
    finally:
        engine.dispose()


def count_messages(url: str) -> int:
    """How many messages the database holds (0 while it cannot be read yet)."""
    engine = create_engine(url, connect_args={"timeout": 1} if url.startswith("sqlite") else {})
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("select count(*) from message")).scalar_one())
    except SQLAlchemyError:
        return 0
    finally:
        engine.dispose()


def imported(url: str) -> dict[str, Any]:
    """What an import left: `series list --json` without ids, and the canonical dump."""
    listed = run_cli("series", "list", "--json", "--db", url)
    assert listed.exit_code == 0, listed.stderr
    rows = sorted(json.loads(listed.stdout), key=lambda r: r["cover_msgid"])
    for r in rows:
        r.pop("id"), r.pop("previous"), r.pop("superseded_by")
    return {"series": rows, "tables": dump(url)}


def full_dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ids included, in id order; import times left out."""
    engine = create_engine(url)
    try:
        out = {}
        with engine.connect() as conn:
            for table in sorted(inspect(conn).get_table_names()):
                if table.startswith("message_fts") or table == "alembic_version":
                    continue
                names = [c["name"] for c in inspect(conn).get_columns(table)]
                keep = [n for n in names if not n.endswith("_at")]  # when it ran, not what
                quoted = ", ".join(f'"{n}"' for n in keep)
                order = "id" if "id" in names else quoted
                rows = conn.execute(text(f'select {quoted} from "{table}" order by {order}'))
                out[table] = [tuple(r) for r in rows]
        return out
    finally:
        engine.dispose()

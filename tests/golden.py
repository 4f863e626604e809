"""What the CLI's --json and the REST API promise on the corpus, as golden files.

`capture(workdir)` imports the three corpus months into a fresh SQLite file,
links it, runs every read command of the CLI with --json and fetches every
list, detail and mbox of the API, and returns {relative file name: text}.
tests/golden/ holds the texts a release gave; test_golden.py compares.

Only what changes from run to run is normalised: wall-clock times (created_at
when it is of this run, not a mail's date; imported_at, seconds) and the
temporary directory. Ids are not: a fresh import
of the same files numbers rows the same way.

    REVIEWBOT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

writes the files again (then read `git diff tests/golden` before committing).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from reviewbot.app import create_app
from reviewbot.cli import app as cli_app
from reviewbot.db import open_engine
from tests.conftest import LIST, release_tree

GOLDEN = Path(__file__).parent / "golden"
MONTHS = ("2023-July.txt.gz", "2023-August.txt.gz", "2016-October.txt.gz")
API = "/api/v1"
_TIMES = re.compile(r'("(?:imported_at|scraped_at|revoked_at)":\s*)"[^"]+"')
# created_at is a time of this run, except for events inferred from mail: the mail's date
_CREATED = re.compile(r'("created_at":\s*)"([^"]+)"')
_SECONDS = re.compile(r'("seconds":\s*)[0-9.]+')
_ISO = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z))"')
_ETAG = re.compile(r'("etag": )"(?:\\.|[^"\\])*"')


def _is_recent(text: str) -> bool:
    """Whether an ISO time is of this run rather than a mail's date."""
    when = datetime.fromisoformat(text)
    return abs(datetime.now(UTC) - when) < timedelta(days=2)


def _recent(m: re.Match[str]) -> str:
    """A time of this run (not a mail's date) as <time>."""
    return '"<time>"' if _is_recent(m.group(1)) else m.group(0)


def _created(m: re.Match[str]) -> str:
    return f'{m.group(1)}"<time>"' if _is_recent(m.group(2)) else m.group(0)


def normalise(text: str, workdir: Path) -> str:
    """The text with wall-clock times and the temporary directory replaced."""
    text = _TIMES.sub(r'\1"<time>"', text)
    text = _CREATED.sub(_created, text)
    text = _ISO.sub(_recent, text)
    text = _SECONDS.sub(r"\g<1>0", text)
    if "<time>" in text:  # the ETag hashes the body, times included
        text = _ETAG.sub(r'\1"<etag>"', text)
    return text.replace(str(workdir), "<tmp>")


class _Cli:
    def __init__(self, db: Path) -> None:
        self.db = str(db)
        # `state set` records the local user as the actor
        self.runner = CliRunner(env={"LOGNAME": "golden", "USER": "golden"})

    def json(self, *args: str) -> str:
        result = self.runner.invoke(cli_app, [*args, "--db", self.db, "--json"])
        assert result.exit_code in (0, 6), (args, result.output, result.exception)
        return result.stdout


def capture(workdir: Path) -> dict[str, str]:
    """Every golden text, by file name under tests/golden/."""
    db = workdir / "golden.db"
    cli = _Cli(db)
    out: dict[str, str] = {}
    out["cli/import-mbox.json"] = cli.json("import-mbox", *(str(LIST / m) for m in MONTHS))
    out["cli/link.json"] = cli.json("link")
    out.update(_cli_reads(cli))
    engine = open_engine(f"sqlite:///{db}")
    with TestClient(create_app(engine)) as client:
        out.update(_api_reads(client))
    tree = str(release_tree(workdir))  # the tests' `tree` fixture
    out["cli/apply-2.json"] = cli.json("apply", "2", "--tree", tree)
    out["cli/series-show-2-after-apply.json"] = cli.json("series", "show", "2")
    out["cli/upstream-2.json"] = cli.json("upstream", "2", "--tree", tree)
    out["cli/upstream-3.json"] = cli.json("upstream", "3", "--tree", tree)
    out["cli/state-set-p13.json"] = cli.json("state", "set", "p13", "rejected")
    out["cli/series-show-2-after-state.json"] = cli.json("series", "show", "2")
    out["cli/events.json"] = cli.json("events", "--limit", "0")
    out["cli/events-p13.json"] = cli.json("events", "p13")
    with TestClient(create_app(engine)) as client:
        out["api/events.json"] = _get(client, "/events")
        out["api/patches-13.json"] = _get(client, "/patches/13")
        out["api/series-2-after-apply.json"] = _get(client, "/series/2")
        out["api/series-3-after-upstream.json"] = _get(client, "/series/3")
    engine.dispose()
    return {name: normalise(text, workdir) for name, text in out.items()}


def _cli_reads(cli: _Cli) -> dict[str, str]:
    out = {
        "cli/series-list.json": cli.json("series", "list"),
        "cli/series-list-accepted.json": cli.json("series", "list", "--state", "accepted"),
        "cli/series-list-limit-1.json": cli.json("series", "list", "--limit", "1"),
        "cli/diff-1-2.json": cli.json("diff", "1", "2"),
    }
    series = json.loads(out["cli/series-list.json"])
    for s in series:
        sid = str(s["id"])
        out[f"cli/series-show-{sid}.json"] = cli.json("series", "show", sid)
        out[f"cli/concerns-{sid}.json"] = cli.json("concerns", sid)
        out[f"cli/concerns-{sid}-open.json"] = cli.json("concerns", sid, "--open")
        out[f"cli/races-{sid}.json"] = cli.json("races", sid)
        shown = json.loads(out[f"cli/series-show-{sid}.json"])
        for p in shown["patches"]:
            out[f"cli/concerns-p{p['id']}.json"] = cli.json("concerns", f"p{p['id']}")
        roots = [shown["cover_msgid"]] if shown["cover_msgid"] else []
        roots += [p["msgid"] for p in shown["patches"][:1]] + shown["replies"][:1]
        for i, msgid in enumerate(roots):
            out[f"cli/thread-{sid}-{i}.json"] = cli.json("thread", msgid)
    return out


def _get(client: TestClient, path: str, **params: Any) -> str:
    r = client.get(API + path, params=params)
    head = {k: r.headers[k] for k in ("link", "x-total-count", "etag") if k in r.headers}
    return json.dumps({"status": r.status_code, "headers": head}) + "\n" + r.text + "\n"


def _api_reads(client: TestClient) -> dict[str, str]:
    lists = {
        "series": {},
        "patches": {"per_page": "250"},
        "covers": {},
        "messages": {"per_page": "250"},
        "concerns": {"per_page": "250"},
        "races": {},
        "people": {},
        "events": {"per_page": "250"},
    }
    out = {f"api/{name}.json": _get(client, f"/{name}", **p) for name, p in lists.items()}
    filtered = {
        "series-accepted": ("/series", {"state": "accepted"}),
        "series-open": ("/series", {"open_concerns": "true"}),
        "series-q": ("/series", {"q": "agent"}),
        "series-file": ("/series", {"file": "src/qemu/"}),
        "patches-series-2-page-2": ("/patches", {"series": "2", "per_page": "3", "page": "2"}),
        "patches-q-file": ("/patches", {"q": "file:qemu_process.c"}),
        "concerns-open": ("/concerns", {"status": "open"}),
        "concerns-series-1": ("/concerns", {"series": "1"}),
        "messages-q": ("/messages", {"q": "VIR_LOCK_GUARD"}),
        "people-q": ("/people", {"q": "ada"}),
    }
    for name, (path, params) in filtered.items():
        out[f"api/{name}.json"] = _get(client, path, **params)
    for name in ("series", "patches", "covers", "concerns", "races", "events"):
        for item in json.loads(out[f"api/{name}.json"].split("\n", 1)[1]):
            out[f"api/{name}-{item['id']}.json"] = _get(client, f"/{name}/{item['id']}")
    for m in json.loads(out["api/messages.json"].split("\n", 1)[1]):
        out[f"api/message-{m['id']}.json"] = _get(client, f"/messages/{quote(m['msgid'])}")
    for p in json.loads(out["api/people.json"].split("\n", 1)[1]):
        out[f"api/people-{p['email']}.json"] = _get(client, f"/people/{p['email']}")
    for s in json.loads(out["api/series.json"].split("\n", 1)[1]):
        out[f"api/series-{s['id']}.mbox"] = _get(client, f"/series/{s['id']}/mbox")
    for p in json.loads(out["api/patches.json"].split("\n", 1)[1])[:3]:
        out[f"api/patches-{p['id']}.mbox"] = _get(client, f"/patches/{p['id']}/mbox")
    return out

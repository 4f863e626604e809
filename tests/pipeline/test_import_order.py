"""The same mail gives the same database, whatever the order and however it is split.

Importing any permutation of a set of messages, split over any number of files
imported one after the other (or by two importers at once), gives what one
import of the whole set gives: the same series, versions, patches, replies,
trailers, states, concerns and races (tests/dump.py compares them canonically).
Replies arrive before the patches they answer, covers after their patches, v2
before v1: what was stored as a reply, or rebuilt from quotes, is placed again
when its originals arrive.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.db import open_engine
from reviewbot.ingest.mbox import read_path
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, diff_body, mail
from tests.dump import dump

CORPUS = [
    m.raw
    for name in ("2023-July.txt.gz", "2023-August.txt.gz", "2016-October.txt.gz")
    for m in read_path(LIST / name)
]
AUTHOR = "Alice Author <alice@example.org>"
BOB = "Bob Reviewer <bob@example.org>"


def _threads() -> list[bytes]:
    """Two versions of a series and a sloppy one: covers, patches, reviews, answers, acks."""
    day = "Tue, 18 Jul 2023"
    msgs = [mail("c1@x", "[PATCH 0/2] util: fix it", "cover\n", date=f"{day} 09:00:00 +0000")]
    for n in (1, 2):
        msgs.append(
            mail(
                f"a{n}@x",
                f"[PATCH {n}/2] util: part {n}",
                diff_body(line=10 * n),
                reply_to="c1@x",
                date=f"{day} 09:0{n}:00 +0000",
            )
        )
    msgs += [
        mail(
            "rv@x",
            "Re: [PATCH 1/2] util: part 1",
            "> -old line\n> +new line\nWhy?\n",
            sender=BOB,
            refs=("c1@x", "a1@x"),
            date=f"{day} 10:00:00 +0000",
        ),
        mail(
            "an@x",
            "Re: [PATCH 1/2] util: part 1",
            "> Why?\nBecause it leaks.\n",
            refs=("c1@x", "a1@x", "rv@x"),
            date=f"{day} 11:00:00 +0000",
        ),
        mail(
            "ok@x",
            "Re: [PATCH 1/2] util: part 1",
            "> Because it leaks.\nOK, thanks.\n",
            sender=BOB,
            refs=("c1@x", "a1@x", "rv@x", "an@x"),
            date=f"{day} 12:00:00 +0000",
        ),
        mail(
            "ack@x",
            "Re: [PATCH 0/2] util: fix it",
            "Reviewed-by: Bob Reviewer <bob@example.org>\n",
            sender=BOB,
            reply_to="c1@x",
            date=f"{day} 13:00:00 +0000",
        ),
        mail(
            "c2@x",
            "[PATCH v2 0/2] util: fix it",
            "v2: reworded\n",
            reply_to="c1@x",
            date="Tue, 25 Jul 2023 09:00:00 +0000",
        ),
    ]
    for n in (1, 2):
        msgs.append(
            mail(
                f"b{n}@x",
                f"[PATCH v2 {n}/2] util: part {n}",
                diff_body(line=10 * n + 1),
                refs=("c1@x", "c2@x"),
                date=f"Tue, 25 Jul 2023 09:0{n}:00 +0000",
            )
        )
    # a sender who forgot the version on the patches of a v3 cover
    msgs.append(
        mail("s3@x", "[PATCH v3 0/2] util: other", "v3\n", date="Wed, 26 Jul 2023 09:00:00 +0000")
    )
    for n in (1, 2):
        msgs.append(
            mail(
                f"s{n}@x",
                f"[PATCH {n}/2] util: other {n}",
                diff_body("src/b.c", 10 * n),
                reply_to="s3@x",
                date=f"Wed, 26 Jul 2023 09:0{n}:00 +0000",
            )
        )
    return [m.encode() for m in msgs]


THREADS = _threads()
SOURCES = {"corpus": CORPUS, "threads": THREADS}
_REFERENCE: dict[tuple[str, str], dict[str, Any]] = {}


def _write(path: Path, raws: list[bytes]) -> Path:
    sep = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    path.write_bytes(b"".join(sep + raw.rstrip(b"\n") + b"\n\n" for raw in raws))
    return path


def _import(url: str, files: list[Path]) -> dict[str, Any]:
    engine = open_engine(url)
    for path in files:  # one import per file, as separate runs would
        report = import_paths(engine, [path])
        assert report.errors == []
    engine.dispose()
    return dump(url)


def _reference(source: str, new_db: Callable[[str], str], tmp_path: Path) -> dict[str, Any]:
    """One import of the whole set, in its natural order (computed once per backend)."""
    url = new_db(f"reference-{source}")
    key = (source, url.split(":")[0])
    if key not in _REFERENCE:
        _REFERENCE[key] = _import(url, [_write(tmp_path / f"{source}.mbox", SOURCES[source])])
    return _REFERENCE[key]


@pytest.mark.parametrize("source", sorted(SOURCES))
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_order_and_split_gives_the_same_database(
    source: str, data: st.DataObject, new_db: Callable[[str], str], tmp_path: Path
) -> None:
    raws = SOURCES[source]
    want = _reference(source, new_db, tmp_path)
    order = data.draw(st.permutations(range(len(raws))), label="order")
    parts = data.draw(st.integers(min_value=1, max_value=4), label="files")
    directory = tmp_path / f"{len(list(tmp_path.iterdir()))}"
    directory.mkdir()
    files = [
        _write(directory / f"{i}.mbox", [raws[j] for j in order[i::parts]]) for i in range(parts)
    ]
    got = _import(new_db("shuffled"), files)
    assert {k: v for k, v in got.items() if v != want[k]} == {}


def test_replies_first_then_patches_then_covers(
    new_db: Callable[[str], str], tmp_path: Path
) -> None:
    """The order the hostile-input pass found splitting v1: answers, then patches, covers last."""
    kinds = {"reply": 0, "patch": 1, "cover": 2}

    def kind(raw: bytes) -> int:
        subject = next(
            line
            for line in raw.decode("utf-8", "replace").split("\n")
            if line.startswith("Subject:")
        )
        if "Re:" in subject:
            return kinds["reply"]
        return kinds["cover"] if " 0/" in subject or " 00/" in subject else kinds["patch"]

    ordered = sorted(CORPUS, key=kind)
    files = [_write(tmp_path / f"{i}.mbox", [r for r in ordered if kind(r) == i]) for i in range(3)]
    assert _import(new_db("later"), files) == _reference("corpus", new_db, tmp_path)


def test_a_later_version_completed_after_the_review_relinks_the_earlier(
    new_db: Callable[[str], str], tmp_path: Path
) -> None:
    """The order hypothesis found: v1's patch 05 and Ada's question on it arrive while v2
    holds only patches 08 and 09, so "v2 drops this patch"; v2's 05 comes in a later run,
    and the question must stand open again, carried to v2, as in one import."""
    order = [0, 1, 2, 17, 4, 5, 6, 20, 8, 9, 10, 18, 12, 13, 14, 19, 16, 3, 11, 21, 7, 15]
    order += range(22, len(CORPUS))
    files = [_write(tmp_path / f"{i}.mbox", [CORPUS[j] for j in order[i::4]]) for i in range(4)]
    assert _import(new_db("late-v2"), files) == _reference("corpus", new_db, tmp_path)


def test_two_importers_given_shuffled_halves(new_db: Callable[[str], str], tmp_path: Path) -> None:
    """Two real processes at once, each with half of the mail in a reversed order."""
    raws = CORPUS + THREADS
    halves = [list(reversed(raws[0::2])), list(reversed(raws[1::2]))]
    files = [_write(tmp_path / f"half{i}.mbox", h) for i, h in enumerate(halves)]
    shared = new_db("shared")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "reviewbot", "import-mbox", "--json", "--db", shared, str(f)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _out, err in outs]
    assert sum(json.loads(out)["messages_new"] for out, _err in outs) == len(raws)
    want = _import(new_db("together"), [_write(tmp_path / "all.mbox", raws)])
    assert dump(shared) == want

"""The REST API's read contract on the corpus: series, patches, covers, messages,
concerns, races, people and events, with filters, paging, ETags and JSON errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reviewbot.app import create_app
from tests.conftest import LIST, import_corpus

TRUTH = json.loads((LIST / "truth.json").read_text())
API = "/api/v1"


def bare(msgid: str) -> str:
    return msgid.strip("<>")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    engine = import_corpus(tmp_path_factory.mktemp("api") / "corpus.db")
    with TestClient(create_app(engine)) as c:
        yield c


def get(client: TestClient, path: str, **params: Any) -> Any:
    r = client.get(API + path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def by_version(client: TestClient) -> dict[int, dict[str, Any]]:
    return {s["version"]: s for s in get(client, "/series")}


def test_series_list_and_detail(client: TestClient) -> None:
    series = by_version(client)
    assert sorted(series) == [1, 2]
    v1, v2 = series[1], series[2]
    assert v1["state"] == TRUTH["states"]["v1"] == "superseded"
    assert v2["state"] == TRUTH["states"]["v2"] == "accepted"
    assert v1["superseded_by_id"] == v2["id"] and v2["previous_id"] == v1["id"]
    for truth in TRUTH["series"]:
        got = get(client, f"/series/{series[truth['version']]['id']}")
        assert got["title"] == "qemu: backport fixes for 9.0.0"
        assert got["cover_msgid"] == bare(truth["cover"])
        assert got["patch_count"] == len(got["patches"]) == 10
        assert [p["msgid"] for p in got["patches"]] == [bare(m) for m in truth["patches"]]
        assert [p["title"] for p in got["patches"]] == truth["subjects"]
    assert get(client, f"/series/{v2['id']}")["trailers"][0]["value"] == (
        "Ada Reviewer <ada@example.org>"
    )


@pytest.mark.parametrize(
    ("params", "versions"),
    [
        ({"state": "accepted"}, [2]),
        ({"state": "superseded"}, [1]),
        ({"state": "new"}, []),
        ({"submitter": "backports@example.org"}, [2, 1]),
        ({"submitter": "Backport"}, [2, 1]),
        ({"submitter": "nobody@example.org"}, []),
        ({"msgid": "<cover.1689665402.git.backports@example.org>"}, [2]),
        ({"msgid": "v1p08.1689665401.git.backports@example.org"}, [1]),
        ({"since": "2023-08-01T00:00:00"}, [2]),
        ({"before": "2023-08-01T00:00:00+00:00"}, [1]),
        ({"q": "backport fixes"}, [2, 1]),
        ({"q": "100%_"}, []),
        ({"file": "src/conf/virstorageobj.c"}, [2, 1]),
        ({"file": "src/qemu/"}, [2, 1]),
        ({"file": "nowhere.c"}, []),
        ({"open_concerns": "true"}, [2, 1]),  # v1's open question is carried to v2
        ({"open_concerns": "false"}, []),
    ],
)
def test_series_filters(client: TestClient, params: dict[str, str], versions: list[int]) -> None:
    assert [s["version"] for s in get(client, "/series", **params)] == versions


def test_patches_states_filters_and_detail(client: TestClient) -> None:
    series = by_version(client)
    for version, state in ((1, "superseded"), (2, "accepted")):
        rows = get(client, "/patches", series=series[version]["id"])
        assert len(rows) == 10 and {p["state"] for p in rows} == {state}
    assert len(get(client, "/patches", state="accepted", per_page=250)) == 10
    (p08,) = get(client, "/patches", msgid="v2p08.1689665402.git.backports@example.org")
    assert p08["number"] == 8 and p08["submitter"]["email"] == "pkrempa@redhat.com"
    touching = get(client, "/patches", file="src/conf/virstorageobj.c")
    assert sorted(p["number"] for p in touching) == [8, 8]
    assert [p["number"] for p in get(client, "/patches", q="virStoragePoolObjListSearch")] == [
        8,
        8,
    ]
    detail = get(client, f"/patches/{p08['id']}")
    assert detail["diff"].startswith("diff --git a/src/conf/virstorageobj.c")
    assert [f["path"] for f in detail["files"]] == ["src/conf/virstorageobj.c"]
    trailers = [(t["name"], t["value"], t["source"]) for t in detail["trailers"]]
    assert ("Reviewed-by", "Ján Tomko <jtomko@redhat.com>", "patch") in trailers
    assert ("Reviewed-by", "Ada Reviewer <ada@example.org>", "cover-reply") in trailers
    # v1 05/10's open question, raised on v1 and carried to v2's unchanged 05/10
    with_open = get(client, "/patches", open_concerns="true")
    assert {(p["series_id"], p["number"]) for p in with_open} == {
        (series[1]["id"], 5),
        (series[2]["id"], 5),
    }


def test_pagination_link_header(client: TestClient) -> None:
    r = client.get(f"{API}/patches", params={"per_page": 3, "page": 2})
    assert r.status_code == 200 and len(r.json()) == 3
    assert r.headers["X-Total-Count"] == "20"
    links = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', r.headers["Link"])
    )
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=7" in links["last"] and "page=3" in links["next"] and "per_page=3" in links["prev"]
    last = client.get(links["last"])
    assert len(last.json()) == 2 and 'rel="next"' not in last.headers["Link"]
    assert client.get(f"{API}/patches", params={"page": 99}).json() == []
    assert client.get(f"{API}/patches", params={"per_page": 251}).status_code == 422
    assert len(get(client, "/messages", per_page=250)) == 29


def test_etag_and_if_none_match(client: TestClient) -> None:
    for path in ("/series/2", "/patches/18", "/covers/1", "/messages/r011-ada@example.org"):
        first = client.get(API + path)
        etag = first.headers["ETag"]
        again = client.get(API + path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["ETag"] == etag and not again.content
        other = client.get(API + path, headers={"If-None-Match": '"stale"'})
        assert other.status_code == 200 and other.json() == first.json()


def test_covers_and_messages(client: TestClient) -> None:
    covers = get(client, "/covers")
    assert [c["msgid"] for c in covers] == [bare(s["cover"]) for s in reversed(TRUTH["series"])]
    detail = get(client, f"/covers/{covers[0]['id']}")
    assert detail["subject"].endswith("qemu: backport fixes for 9.0.0") and detail["body"]
    msg = get(client, "/messages/<r011-ada@example.org>")
    assert msg["kind"] == "reply" and msg["references"][-1].startswith("v1p08.")
    replies = get(client, "/messages", submitter="ada@example.org")
    assert {m["msgid"] for m in replies} >= {"r011-ada@example.org", "r015-ada@example.org"}
    assert get(client, "/messages", q="already freed")[0]["msgid"] == "r011-ada@example.org"


def test_concerns_of_patch_08_with_their_anchors(client: TestClient) -> None:
    v1 = by_version(client)[1]["id"]
    rows = get(client, "/concerns", series=v1, per_page=250)
    got = {
        (c["reply_msgid"], c["patch_msgid"], c["file"], c["hunk"], c["side"], c["line"], c["kind"])
        for c in rows
        if c["file"]
    }
    kind = {"request": "change-request"}
    want = {
        (
            bare(t["reply"]),
            bare(t["patch"]),
            t["file"],
            t["hunk"],
            t["side"],
            t["line"],
            kind.get(t["kind"], t["kind"]),
        )
        for t in TRUTH["concerns"]
    }
    assert got == want
    in_file = get(client, "/concerns", series=v1, file="src/conf/virstorageobj.c")
    assert {c["patch_number"] for c in in_file} == {8}
    assert all(c["status"] == "open" for c in get(client, "/concerns", status="open"))
    one = get(client, f"/concerns/{in_file[0]['id']}")
    assert one == in_file[0]


def test_race_of_patch_08(client: TestClient) -> None:
    v1 = by_version(client)[1]["id"]
    (race,) = get(client, "/races", series=v1)
    truth = TRUTH["races"][0]
    assert race["message_msgid"] == bare(truth["message"])
    assert len(race["steps"]) == truth["steps"]
    assert set(race["actors"]) == set(truth["actors"])
    want = truth["linked_hunks"][0]
    linked = [(x["patch_msgid"], x["file"], x["hunk"]) for x in race["links"] if x["file"]]
    assert linked == [(bare(want["patch"]), want["file"], want["hunk"])]
    assert [x["hunk_number"] for x in race["links"]] == [want["hunk"] + 1]
    assert [s["actor"] for s in race["steps"]] == ["thread A", "thread B", "thread A"]
    lines = [
        (x["file"], x["hunk"], x["hunk_number"], x["side"], x["line"])
        for x in race["steps"][0]["lines"]
    ]
    assert lines == [("src/conf/virstorageobj.c", 0, 1, "old", 457)]  # the VIR_LOCK_GUARD line
    assert race["steps"][1]["lines"] == []
    assert get(client, f"/races/{race['id']}") == race


def test_people(client: TestClient) -> None:
    people = {p["email"]: p for p in get(client, "/people", per_page=250)}
    assert people["backports@example.org"]["series"] == 2
    assert people["pkrempa@redhat.com"]["patches"] == 8
    assert get(client, "/people/ada@example.org")["name"] == "Ada Reviewer"
    assert [p["email"] for p in get(client, "/people", q="Ada")] == ["ada@example.org"]


def test_inferred_states_are_events(client: TestClient) -> None:
    series = by_version(client)
    rows = get(client, "/events", category="series-state-changed", per_page=250)
    final = {(e["target_id"], e["new_value"]) for e in rows}
    assert (series[1]["id"], "superseded") in final and (series[2]["id"], "accepted") in final
    assert {(e["actor"], e["via"]) for e in rows} == {("reviewbot", "mail")}
    assert get(client, "/events", since="2999-01-01T00:00:00Z") == []
    assert get(client, f"/events/{rows[0]['id']}") == rows[0]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/patches/999999", 404),
        ("/series/999999", 404),
        ("/series/999999/mbox", 404),
        ("/messages/nobody@nowhere", 404),
        ("/people/nobody@nowhere", 404),
        ("/concerns/999999", 404),
        ("/patches/0", 422),
        ("/patches/99999999999999999999999", 422),
        ("/patches/abc", 422),
        ("/patches?state=bogus", 422),
        ("/patches?since=yesterday", 422),
        ("/patches?page=0", 422),
        ("/events?category=bogus", 422),
        ("/nowhere", 404),
    ],
)
def test_bad_requests_are_json_errors(client: TestClient, path: str, status: int) -> None:
    r = client.get(API + path)
    assert r.status_code == status
    assert "detail" in r.json()


def test_unknown_state_lists_the_allowed_values(client: TestClient) -> None:
    r = client.get(f"{API}/patches", params={"state": "merged"})
    assert r.status_code == 422
    assert "changes-requested" in json.dumps(r.json()["detail"])


def test_openapi_documents_the_read_models(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    names = set(schema["components"]["schemas"])
    assert {"PatchDetail", "SeriesDetail", "ConcernPublic", "RacePublic", "EventPublic"} <= names
    assert "/api/v1/messages/{msgid}" in schema["paths"]
    assert client.get("/docs").status_code == 200

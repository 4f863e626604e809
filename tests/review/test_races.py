"""Race scenarios: the real ones on the list, the lists that are not races, and links."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.ingest.mbox import read_path
from reviewbot.mail.diff import FileDiff, parse_diff, split_patch
from reviewbot.mail.message import Message, parse_message
from reviewbot.review.race_links import find_patch_refs, link_race, place_steps
from reviewbot.review.races import (
    RaceScenario,
    Step,
    classify_lists,
    find_actors,
    find_identifiers,
    find_races,
)
from tests.conftest import LIST

SEED = "invented-seed-0001@virtuozzo.com"


@cache
def _month(name: str) -> dict[str, Message]:
    messages = (parse_message(r.raw) for r in read_path(LIST / name))
    return {m.msgid: m for m in messages}


def _truth_race() -> dict[str, Any]:
    (race,) = json.loads((LIST / "truth.json").read_text())["races"]
    return race


def _v1_patches() -> list[tuple[str, tuple[FileDiff, ...]]]:
    july = _month("2023-July.txt.gz")
    keys = sorted(k for k in july if k.startswith("v1p"))
    return [(f"<{k}>", split_patch(july[k].body).files) for k in keys]


def _seed_body() -> str:
    return _month("2016-October.txt.gz")[SEED].body


def _seed_patch() -> tuple[str, tuple[FileDiff, ...]]:
    """Patch 01/10's one hunk, rebuilt from its quote three levels deep in the seed."""
    lines: list[str] = []
    for line in _seed_body().split("\n"):
        m = re.match(r"^>>>(?!>) ?(.*)$", line)
        if m and (lines or m.group(1).startswith("diff --git")):
            lines.append(m.group(1) or " ")  # whitespace damage: a bare ">>>" was " "
    while lines and not lines[-1].strip():
        lines.pop()
    files, error = parse_diff("\n".join(_fix_counts(lines)) + "\n")
    assert error is None, error
    return "<seed-patch-01>", files


def _fix_counts(lines: list[str]) -> list[str]:
    """The quote is trimmed: recount the hunk so the header matches its body."""
    at = next(i for i, line in enumerate(lines) if line.startswith("@@"))
    body = lines[at + 1 :]
    old = sum(not line.startswith("+") for line in body)
    new = sum(not line.startswith("-") for line in body)
    m = re.match(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$", lines[at])
    assert m
    return [*lines[:at], f"@@ -{m.group(1)},{old} +{m.group(2)},{new} @@{m.group(3)}", *body]


# -- r011: the race in the review of patch 08 --------------------------------------------


def test_r011_has_exactly_the_race_of_truth_json() -> None:
    truth = _truth_race()
    msg = _month("2023-July.txt.gz")["r011-ada@example.org"]
    (race,) = find_races(msg.body)
    assert len(race.steps) == truth["steps"] == 3
    assert [s.label for s in race.steps] == ["1", "2", "3"]
    assert set(race.actors) == set(truth["actors"])
    assert [s.actor for s in race.steps] == ["thread A", "thread B", "thread A"]
    assert set(truth["identifiers"]) <= set(race.identifiers)
    assert len(set(race.identifiers)) == len(race.identifiers)
    assert race.depth == 0 and race.alternatives == ()
    assert "already freed" in race.outcome
    # wrapped lines are joined back into one step
    assert "the callback virStoragePoolObjListSearchCb() matches" in race.steps[0].text
    assert any(e.startswith("actors: thread A") for e in race.evidence)


def test_r011_links_to_the_one_hunk_of_patch_08_only() -> None:
    msg = _month("2023-July.txt.gz")["r011-ada@example.org"]
    (race,) = find_races(msg.body)
    links = link_race(race, _v1_patches(), msg.body)
    want = [(h["patch"], h["file"], h["hunk"]) for h in _truth_race()["linked_hunks"]]
    assert [(link.patch_msgid, link.file, link.hunk) for link in links] == want
    assert "virStoragePoolObjListSearchCb in the function context" in links[0].evidence
    assert "VIR_LOCK_GUARD in a removed line" in links[0].evidence


def test_other_july_and_august_replies_hold_no_race() -> None:
    for month in ("2023-July.txt.gz", "2023-August.txt.gz"):
        for msgid, msg in _month(month).items():
            assert bool(find_races(msg.body)) == (msgid == "r011-ada@example.org"), msgid


# -- the 2016 seed: three quote levels ----------------------------------------------------


def _seed_races() -> tuple[RaceScenario, ...]:
    return find_races(_seed_body())


def test_seed_shutdown_interleaving_is_a_race() -> None:
    shutdown = [r for r in _seed_races() if "VSERPORT_CHANGE" in r.identifiers]
    assert len(shutdown) == 1
    (race,) = shutdown
    assert race.depth == 1
    assert [s.label for s in race.steps] == ["1", "2", "3"]
    assert {"IO loop thread", "worker pool"} <= set(race.actors)
    assert race.steps[0].actor == "IO loop thread"
    want = {"VSERPORT_CHANGE", "processSerialChangedEvent", "qemuProcessHandleAgentEOF"}
    assert want | {"priv->agentError", "priv->agent"} <= set(race.identifiers)
    assert race.steps[2].text.startswith("Now we execute VSERPORT_CHANGE handler")
    assert "(from driver->workerPool)" in race.steps[0].text
    assert any("'Now'" in e for e in race.evidence)
    assert any("agentError read as priv->agentError" in e for e in race.evidence)
    assert "does not touch agentError" in race.outcome


def test_seed_shutdown_step_3_runs_in_the_worker_pool() -> None:
    """Step 3 names no thread; step 1 says the VSERPORT_CHANGE handler runs in the pool."""
    (race,) = [r for r in _seed_races() if "VSERPORT_CHANGE" in r.identifiers]
    assert [s.actor for s in race.steps] == ["IO loop thread", "IO loop thread", "worker pool"]
    assert race.actors == ("IO loop thread", "worker pool")
    why = "step 3 in the worker pool lane: 'However it is handled in a different thread"
    assert any(e.startswith(why) for e in race.evidence)


def test_seed_wins_pair_are_alternatives_of_one_race() -> None:
    (race,) = [r for r in _seed_races() if r.alternatives]
    assert race.depth == 0
    assert race.steps == ()  # a fork of two orders, not "A" then "B"
    a, b = race.alternatives
    assert (a.label, a.winner, a.text) == ("A", "qemuConnectAgent", "qemuConnectAgent wins")
    assert (b.label, b.winner) == ("B", "qemuProcessHandleAgentEOF")
    assert [s.label for s in a.steps] == ["1", "2"] == [s.label for s in b.steps]
    assert "virSecurityManagerClearSocketLabel" in a.steps[0].identifiers
    assert race.actors == ("qemuConnectAgent", "qemuProcessHandleAgentEOF")
    assert race.outcome.startswith("In both cases clearing the error flag")
    assert any(e.startswith("competing orders: A. qemuConnectAgent wins") for e in race.evidence)


def test_seed_every_alternative_step_is_in_a_named_lane() -> None:
    (race,) = [r for r in _seed_races() if r.alternatives]
    a, b = race.alternatives
    assert [s.actor for s in a.steps] == ["qemuConnectAgent", "qemuProcessHandleAgentEOF"]
    assert [s.actor for s in b.steps] == ["qemuProcessHandleAgentEOF", "qemuConnectAgent"]
    assert "step A.1 in the qemuConnectAgent lane: qemuConnectAgent wins" in race.evidence
    assert "step A.2 in the qemuProcessHandleAgentEOF lane: it names qemuProcessHandleAgentEOF" in (
        race.evidence
    )


def test_seed_lists_that_are_not_races_say_why() -> None:
    verdicts = classify_lists(_seed_body())
    races = [v for v in verdicts if v.is_race]
    assert len(races) == len(_seed_races()) == 2
    (flagged,) = [v for v in verdicts if "qemuProcessLaunch" in v.scenario.identifiers]
    assert not flagged.is_race and flagged.depth == 2
    assert "step 1 lists 1a-1e" in flagged.evidence
    assert any(e.startswith("'or' between steps 1 and 2") for e in flagged.evidence)
    (sources,) = [v for v in verdicts if any("eofNotify" in s.text for s in v.scenario.steps)]
    assert not sources.is_race
    assert "only one actor (the guest); no ordering across steps" in sources.evidence


def test_seed_races_link_to_the_rebuilt_hunk() -> None:
    key, files = _seed_patch()
    (hunk,) = files[0].hunks
    assert files[0].path == "src/qemu/qemu_process.c"
    assert hunk.header.startswith("@@ -151,6 +151,7 @@")
    for race in _seed_races():
        (link,) = link_race(race, [(key, files)], _seed_body())
        assert (link.patch_msgid, link.file, link.hunk) == (key, "src/qemu/qemu_process.c", 0)
        assert "qemuProcessHandleAgentEOF in the function context" in link.evidence
    shutdown = next(r for r in _seed_races() if not r.alternatives)
    (link,) = link_race(shutdown, [(key, files)], _seed_body())
    assert "priv->agentError in an added line" in link.evidence


def _lines(step: Step) -> list[tuple[str, str, int, str, int]]:
    return [(x.patch_msgid, x.file, x.hunk, x.side, x.line) for x in step.lines]


def test_seed_steps_name_the_lines_of_the_rebuilt_hunk() -> None:
    """Step 2 sets priv->agent to NULL and forgets agentError: new lines 153 and 154."""
    key, files = _seed_patch()
    where = (key, "src/qemu/qemu_process.c", 0)
    shutdown, wins = sorted(_seed_races(), key=lambda r: bool(r.alternatives))
    placed = place_steps(shutdown, [(key, files)], link_race(shutdown, [(key, files)], ""))
    one, two, three = placed.steps
    assert _lines(one) == []  # VSERPORT_CHANGE and driver->workerPool are not in the hunk
    assert _lines(two) == [(*where, "new", 153), (*where, "new", 154)]
    assert _lines(three) == _lines(two)  # priv->agent, and agentError read as priv->agentError
    placed = place_steps(wins, [(key, files)], link_race(wins, [(key, files)], ""))
    a, b = placed.alternatives
    assert [_lines(s) for s in a.steps] == [[(*where, "new", 153)], [(*where, "new", 153)]]
    assert _lines(b.steps[1]) == []  # "qemuConnectAgent proceeds as usual"


def test_r011_steps_name_the_lines_of_patch_08() -> None:
    msg = _month("2023-July.txt.gz")["r011-ada@example.org"]
    (race,) = find_races(msg.body)
    patches = _v1_patches()
    placed = place_steps(race, patches, link_race(race, patches, msg.body))
    hunk = ("<v1p08.1689665401.git.backports@example.org>", "src/conf/virstorageobj.c", 0)
    lines = [_lines(s) for s in placed.steps]
    assert lines[0] and all(x[:3] == hunk for x in lines[0])
    assert (*hunk, "old", 457) in lines[0]  # the VIR_LOCK_GUARD line the review quotes
    assert lines[1] == [] and lines[2] == []  # neither names a line of the hunk


# -- lists that are not races -------------------------------------------------------------

NOT_RACES = {
    "questions": (
        "A few questions:\n\n"
        "1. Why does thread A drop the lock before thread B takes it?\n"
        "2. What happens when the worker pool then runs the handler?\n"
        "3. Is priv->agent NULL at that point?\n"
    ),
    "callers": (
        "qemuDomainAgentAvailable() is called from:\n\n"
        "1. qemuDomainSetTime()\n2. qemuDomainGetFSInfo()\n3. qemuDomainFSFreeze()\n"
    ),
    "changelog": (
        "Changes in v2:\n - rebased, then fixed the race with thread B\n"
        " - dropped patch 3\n - use VIR_LOCK_GUARD\n"
    ),
    "numbered changelog": (
        "Changes in v2:\n1. then thread A keeps the lock\n2. thread B no longer races\n"
    ),
    "prose": (
        "We take the lock, then thread A calls virObjectUnref() while thread B\n"
        "waits; meanwhile the IO loop delivers EOF and then nothing happens.\n"
    ),
    "sequence of events": (
        "To reproduce:\n\n1. start the domain\n2. kill the agent\n3. shut the domain down\n"
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_RACES))
def test_plain_lists_and_prose_are_not_races(name: str) -> None:
    assert find_races(NOT_RACES[name]) == ()


def test_rejections_keep_their_evidence() -> None:
    (questions,) = classify_lists(NOT_RACES["questions"])
    assert "3 of 3 steps are questions" in questions.evidence
    (changelog,) = classify_lists(NOT_RACES["numbered changelog"])
    assert "changelog: 'Changes in v2:'" in changelog.evidence
    (callers,) = classify_lists(NOT_RACES["callers"])
    assert callers.evidence[-1] == "no actors; no ordering across steps"
    assert classify_lists(NOT_RACES["prose"]) == ()


# -- shapes, depths, identifiers, patch references ----------------------------------------

QUOTED_RACE = (
    "On Mon, Jul 17, 2023 at 10:00:00AM +0200, Someone wrote:\n"
    "> > 1) CPU0 reads obj->refs\n"
    "> > 2) CPU1 calls virObjectUnref(obj) at the same time\n"
    "> That is what patch 3 fixes.\n"
)


def test_a_quoted_race_reports_its_depth() -> None:
    (race,) = find_races(QUOTED_RACE)
    assert race.depth == 2
    assert race.actors == ("CPU0", "CPU1")
    assert race.identifiers == ("obj->refs", "virObjectUnref")


def test_alternatives_after_steps_join_that_race() -> None:
    text = (
        "1. thread A takes obj->lock\n2. thread B waits on obj->lock\n\n"
        "A. thread A wins: B sees a freed object\nB. thread B wins: nothing happens\n"
    )
    (race,) = find_races(text)
    assert [s.label for s in race.steps] == ["1", "2"]
    alts = [(a.label, a.winner) for a in race.alternatives]
    assert alts == [("A", "thread A"), ("B", "thread B")]
    assert "alternatives A/B follow" in race.evidence


def test_find_identifiers_keeps_code_and_drops_english() -> None:
    text = (
        "the handler(processSerialChangedEvent) calls foo() and fooBar with priv->agentError,"
        " VIR_LOCK_GUARD and VSERPORT_CHANGE on EOF; NULL, the Guest, e.g. qemu_agent."
    )
    assert find_identifiers(text) == (
        "processSerialChangedEvent",
        "foo",
        "fooBar",
        "priv->agentError",
        "VIR_LOCK_GUARD",
        "VSERPORT_CHANGE",
        "qemu_agent",
    )


def test_find_actors_uses_one_name_per_actor() -> None:
    text = "the IO loop, io loop thread, driver->workerPool, a thread pool, Thread B, the guest"
    assert find_actors(text) == ("IO loop thread", "worker pool", "thread B", "the guest")


def test_find_patch_refs() -> None:
    assert find_patch_refs("see patch 3, patches 4 and 5, 08/10 and [PATCH 9/10]") == (
        3,
        4,
        5,
        8,
        9,
    )
    assert find_patch_refs("On 10/04/2016 02:56 AM, 1/0 and 5/2") == ()


def test_a_race_links_to_the_patch_it_names() -> None:
    (race,) = find_races(QUOTED_RACE)
    patches = [(f"p{n}", split_patch("msg\n").files) for n in (1, 2, 3)]
    assert link_race(race, patches, QUOTED_RACE) == ()  # "patch 3" is not in its lead-in
    text = "Patch 3 opens this race:\n\n" + QUOTED_RACE.replace("> ", "")
    (race,) = find_races(text)
    (link,) = link_race(race, patches, text)
    assert (link.patch_msgid, link.file, link.hunk) == ("p3", None, None)
    assert link.evidence == ("the race names patch 3",)


LINE = st.sampled_from(
    ["1. thread A calls foo()", "2) then thread B", "A. x wins", "B. y wins", "1a. z", "or",
     "> 3. meanwhile", ">> 1. CPU0", "", "Changes in v2:", "Why?", "priv->a", "@@", "(1)",
     "Thread A | Thread B", "  CPU0      CPU1", "----+----", "   | f(x);", "lock(&a);    |",
     "\tT1\tT2", "A: f() -> B: g()", "  -> A: h()", "3. either thread A x y, or B z w",
     "To reproduce:", "time | A | B", "t1 | x() |"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(st.one_of(LINE, st.text(max_size=20))).map("\n".join)))
def test_find_races_never_raises(text: str) -> None:
    for race in find_races(text):
        assert (race.steps or race.alternatives) and race.depth >= 0
        assert all(a.steps for a in race.alternatives)
        place_steps(race, [("p1", ())], link_race(race, [("p1", ())], text))
    classify_lists(text)


# -- scenarios by the patch's author, several to a message, competing orders -------------

AUTHOR_ANSWER = """On 12.07.2023 10:00, Ada Reviewer wrote:
> Why do you need to take the lock again here? virDomainObjEndAPI()
> already drops it.

Because of this race, which I hit while testing with a tight loop of
virsh start/destroy:

1) thread A (the API caller) calls qemuDomainObjEndJob() and drops
   vm->lock in virDomainObjEndAPI().
2) meanwhile the event loop thread delivers the EOF and
   qemuProcessHandleMonitorEOF() takes vm->lock.
3) thread A then reads priv->mon, which is already NULL.

There is a second one on the error path:

1) thread B fails qemuConnectAgent() and sets priv->agentError.
2) in parallel the IO loop thread runs qemuProcessHandleAgentEOF() and clears it.
3) thread B returns success although the agent is gone.

So I'd rather keep the lock.
"""


def test_an_authors_answer_with_two_scenarios_gives_two_races() -> None:
    first, second = find_races(AUTHOR_ANSWER)
    assert [s.actor for s in first.steps] == ["thread A", "event loop", "thread A"]
    assert [s.actor for s in second.steps] == ["thread B", "IO loop thread", "thread B"]
    assert first.depth == second.depth == 0 and first.line < second.line
    assert second.lead == "There is a second one on the error path:"
    assert "priv->mon" in first.identifiers and "priv->agentError" in second.identifiers


def test_a_second_list_right_after_the_first_is_its_own_race() -> None:
    text = (
        "Two interleavings break it:\n\n"
        "1. thread A takes obj->lock\n2. thread B waits for obj->lock\n3. thread A frees obj\n"
        "1. thread B calls virObjectRef(obj)\n"
        "2. thread A calls virObjectUnref(obj) at the same time\n"
    )
    first, second = find_races(text)
    assert [s.label for s in first.steps] == ["1", "2", "3"]  # not 3 with sub-steps 1, 2
    assert first.steps[2].text == "thread A frees obj"
    assert [s.identifiers for s in second.steps] == [("virObjectRef",), ("virObjectUnref",)]


def test_a_last_step_either_or_forks_the_race() -> None:
    text = (
        "1. thread A drops vm->lock in qemuDomainObjExitMonitor()\n"
        "2. thread B takes vm->lock in qemuProcessStop()\n"
        "3. either thread A relocks first and sees priv->mon still set, or thread B\n"
        "   clears priv->mon first and thread A crashes\n"
    )
    (race,) = find_races(text)
    assert [s.label for s in race.steps] == ["1", "2"]
    a, b = race.alternatives
    assert (a.winner, a.text) == ("thread A", "thread A relocks first and sees priv->mon still set")
    assert (b.winner, [s.actor for s in b.steps]) == ("thread B", ["thread B"])
    assert "alternatives: step 3 is 'either ... or'" in race.evidence


def test_items_joined_by_or_are_alternative_orders() -> None:
    text = (
        "Either:\n\n"
        "1. the worker thread takes the job first and qemuProcessStop() waits, or\n"
        "2. the event loop runs qemuProcessStop() first and the worker thread sees a dead vm.\n"
    )
    (race,) = find_races(text)
    assert race.steps == ()
    one, two = race.alternatives
    assert (one.label, one.winner, one.text.endswith("waits")) == ("1", "worker thread", True)
    assert [s.actor for s in two.steps] == ["event loop"]


RECIPES = {
    "reproducer": (
        "To reproduce:\n\n1. start the domain with a guest agent channel\n"
        "2. then kill the agent inside the guest\n3. finally run virsh shutdown and wait\n"
    ),
    "commands": (
        "How I tested it:\n\n1. build libvirt with the patch\n"
        "2. then run virsh start on a domain\n3. after that, destroy it\n"
    ),
    "callers with ordering words": (
        "qemuDomainAgentAvailable() is called from:\n\n"
        "1. qemuDomainSetTime() before talking to the agent\n"
        "2. qemuDomainGetFSInfo() after taking the job\n3. qemuDomainFSFreeze()\n"
    ),
    "cases": (
        "1. If the object outlives the child process, then pass NULL for pid.\n"
        "2. If the child must exist after the call, then pass a pid_t and reap it.\n"
    ),
}


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipes_and_enumerations_are_not_races(name: str) -> None:
    assert find_races(RECIPES[name]) == ()


def test_a_recipe_says_why_it_is_not_a_race() -> None:
    (verdict,) = classify_lists(RECIPES["reproducer"])
    assert verdict.evidence[-1].startswith("a recipe or enumeration ('To reproduce'")
    (verdict,) = classify_lists(RECIPES["commands"])
    assert "steps 1, 2 are commands" in verdict.evidence[-1]


def test_a_recipe_with_two_threads_is_still_a_race() -> None:
    text = (
        "To reproduce:\n\n1. thread A calls virDomainDestroy()\n"
        "2. meanwhile thread B calls virDomainGetInfo()\n"
    )
    (race,) = find_races(text)
    assert race.actors == ("thread A", "thread B")


def test_shapes_come_out_in_text_order() -> None:
    text = (
        "A: virObjectLock(vm) -> B: qemuProcessStop(vm) -> A: virObjectUnlock(vm)\n\n"
        "1. thread A takes obj->lock\n2. thread B waits for obj->lock\n\n"
        "    CPU0                     CPU1\n"
        "    spin_lock(&a)\n"
        "                             spin_lock(&b)\n"
    )
    assert [r.shape for r in find_races(text)] == ["timeline", "list", "columns"]


def test_a_timeline_inside_a_race_list_is_part_of_it() -> None:
    text = (
        "1. thread A: virObjectLock(vm) -> thread B: qemuProcessStop(vm)\n"
        "2. thread A then reads vm->def\n"
    )
    (race,) = find_races(text)
    assert race.shape == "list"


def test_a_count_in_the_lead_does_not_make_alternatives() -> None:
    text = (
        "This still races, three ways at once:\n\n"
        "1. the main thread calls virObjectUnlock(vm)\n"
        "2. the event loop thread runs qemuProcessHandleMonitorEOF() meanwhile\n"
        "3. priv->mon is used after free\n"
    )
    (race,) = find_races(text)
    assert race.alternatives == ()
    assert [s.actor for s in race.steps] == ["main thread", "event loop", None]  # a field acts not

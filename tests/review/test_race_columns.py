"""Two-column race diagrams: "Thread A | Thread B" tables and lockdep-style columns."""

from __future__ import annotations

import pytest

from reviewbot.review.race_columns import column_races
from reviewbot.review.races import find_races

PIPED = """The window is here:

    Thread A                          | Thread B
    ----------------------------------+----------------------------------
    virDomainObjListRemove(doms, vm)  |
      drops doms->lock                |
                                      | virDomainObjListFindByUUID()
                                      | virObjectRef(vm)
    virObjectUnref(vm)                |
                                      | virObjectLock(vm) -> use after free

So the list must keep its reference until the lock is dropped.
"""

LOCKDEP = """> Possible unsafe locking scenario:
>
>        CPU0                    CPU1
>        ----                    ----
>   lock(&priv->lock);
>                                lock(&vm->lock);
>                                lock(&priv->lock);
>   lock(&vm->lock);
>
>  *** DEADLOCK ***

Yes, this is the ABBA I mentioned.
"""

TIMED = """\
time | qemuConnectAgent            | qemuProcessHandleAgentEOF
t1   | qemuAgentOpen() succeeds    |
t2   |                             | priv->agent == NULL: returns
t3   | priv->agent = agent         |
"""


def test_a_piped_table_is_a_race_with_one_lane_per_column() -> None:
    (race,) = find_races(PIPED)
    assert race.shape == "columns" and race.actors == ("thread A", "thread B")
    assert [(s.label, s.actor) for s in race.steps] == [
        ("1", "thread A"),
        ("2", "thread B"),
        ("3", "thread B"),
        ("4", "thread A"),
        ("5", "thread B"),
    ]
    # the deeper-indented line continues the step above it
    assert race.steps[0].text == "virDomainObjListRemove(doms, vm) drops doms->lock"
    assert race.steps[4].text == "virObjectLock(vm) -> use after free"
    assert race.outcome.startswith("So the list must keep its reference")
    assert race.lead == "The window is here:"
    assert "two-column diagram: thread A | thread B" in race.evidence


def test_lockdep_columns_by_position_in_a_quote() -> None:
    (race,) = find_races(LOCKDEP)
    assert race.depth == 1 and race.actors == ("CPU0", "CPU1")
    assert [s.actor for s in race.steps] == ["CPU0", "CPU1", "CPU1", "CPU0"]
    assert [s.text for s in race.steps] == [
        "lock(&priv->lock);",
        "lock(&vm->lock);",
        "lock(&priv->lock);",
        "lock(&vm->lock);",
    ]
    assert race.outcome == "*** DEADLOCK ***"


def test_a_time_column_labels_the_steps_and_functions_name_the_lanes() -> None:
    (race,) = find_races(TIMED)
    assert race.actors == ("qemuConnectAgent", "qemuProcessHandleAgentEOF")
    assert [(s.label, s.actor) for s in race.steps] == [
        ("t1", "qemuConnectAgent"),
        ("t2", "qemuProcessHandleAgentEOF"),
        ("t3", "qemuConnectAgent"),
    ]
    assert race.steps[1].identifiers == ("priv->agent",)


NOT_DIAGRAMS = {
    "settings": "   # virt-admin server-clients-info libvirtd\n"
    "   nclients_max        : 120\n   nclients            : 3\n",
    "option table": "Option        Description\n--verbose     print more\n--quiet       less\n",
    "one column used": "    Thread A              Thread B\n    virObjectLock(vm)\n"
    "    virObjectUnlock(vm)\n",
    "prose under actors": "    Thread A              Thread B\n    is fine               too\n",
}


@pytest.mark.parametrize("name", sorted(NOT_DIAGRAMS))
def test_tables_that_are_not_race_diagrams(name: str) -> None:
    assert column_races(NOT_DIAGRAMS[name]) == []

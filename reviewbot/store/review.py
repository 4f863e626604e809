"""Concerns and race scenarios: replaced wholesale when their series is rebuilt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session

from reviewbot.models import Concern, RaceScenario
from reviewbot.store._base import _chunks, _t


def replace_review(
    *,
    session: Session,
    series_ids: Sequence[int],
    concerns: Sequence[dict[str, Any]],
    races: Sequence[dict[str, Any]],
) -> None:
    """Replace the concerns and races of these series."""
    conn = session.connection()
    for chunk in _chunks(list(series_ids)):
        conn.execute(delete(_t(Concern)).where(_t(Concern).c.series_id.in_(chunk)))
        conn.execute(delete(_t(RaceScenario)).where(_t(RaceScenario).c.series_id.in_(chunk)))
    if concerns:
        conn.execute(insert(_t(Concern)), list(concerns))
    if races:
        conn.execute(insert(_t(RaceScenario)), list(races))

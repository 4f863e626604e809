"""What the API takes (the bodies of its PATCH requests) and its error body: strict
pydantic models, so an unknown field is a 422, not silently ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from reviewbot.events import Value
from reviewbot.models import ConcernStatus, PatchState


class StateUpdate(BaseModel):
    """A PATCH of a patch or series: any of state, delegate (null clears it), archived."""

    model_config = ConfigDict(extra="forbid")
    state: PatchState | None = None
    delegate: str | None = Field(default=None, max_length=255)
    archived: bool | None = None

    def values(self) -> dict[str, Value]:
        """The fields the request set (a null delegate is set; a null state is not)."""
        out: dict[str, Value] = {k: getattr(self, k) for k in self.model_fields_set}
        return {k: v for k, v in out.items() if v is not None or k == "delegate"}


class ConcernUpdate(BaseModel):
    """A PATCH of a concern: its new status and why."""

    model_config = ConfigDict(extra="forbid")
    status: ConcernStatus
    note: str = Field(default="", max_length=2000)


class Problem(BaseModel):
    """An error: `detail` says what was wrong (a list of problems for a 422)."""

    detail: str | list[dict[str, object]]

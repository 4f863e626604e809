"""The web UI: server-rendered pages over queries.py (issue 6)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

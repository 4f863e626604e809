"""The web UI: server-rendered pages over queries.py (issue 6).

pages.py holds the routes; listing.py, views.py, patchview.py and threadview.py
the read models; highlight.py, svg.py and search.py the pieces they draw with.
"""

from __future__ import annotations

from reviewbot.web.pages import install, router

__all__ = ["install", "router"]

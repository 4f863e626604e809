"""The web UI: server-rendered pages, thin over read/.

pages.py holds the routes; listing.py, seriesview.py, patchview.py and
threadview.py shape read/'s records for the templates; highlight.py and svg.py
draw the diff lines and the race diagrams.
"""

from __future__ import annotations

from reviewbot.web.pages import install, router

__all__ = ["install", "router"]

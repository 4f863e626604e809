"""The web UI's search box: reviewbot.search's interface, under its old name.

The dialect-dispatching core (FTS5 on SQLite, tsvector on PostgreSQL) lives in
reviewbot/search.py, which the REST API's `q` filter uses too.
"""

from __future__ import annotations

from reviewbot.search import SearchQuery, catch_up, fts_expression, matching_series, parse_query

__all__ = ["SearchQuery", "catch_up", "fts_expression", "matching_series", "parse_query"]

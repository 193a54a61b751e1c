"""Why the history cannot be used; every message names the database and what would fix it."""

from __future__ import annotations


class HistoryError(Exception):
    """Base class: the history database could not be used."""


class HistoryLocationError(HistoryError):
    """The location itself is wrong: a malformed URL, a missing file, a folder (bad input)."""


class HistorySchemaError(HistoryError):
    """The database is not (or not yet) one this version can use: newer schema, foreign tables."""


class HistoryUnavailableError(HistoryError):
    """The database exists but cannot be reached or written right now (server down, disk full, locked)."""


class HistoryBusyError(HistoryError):
    """Another recorded scan holds the history's scan lock (store/scan_lock.py) beyond the wait allowed."""

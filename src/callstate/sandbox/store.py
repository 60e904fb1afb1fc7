"""A small thread-safe JSON document store on SQLite: the emulators' only state.

Each emulator keeps its state in one `Store`: named collections of JSON documents keyed by
string, plus named counters. `path=None` keeps everything in memory (unit tests); a path makes
the state durable (WAL journal), so a sandbox process killed right after answering still holds
every object it acknowledged — a write is committed inside `transaction()`, before the HTTP
handler returns, hence before the response is sent.

One connection is shared by all threads behind a re-entrant lock; `transaction()` holds that
lock for its whole body, which is what makes check-then-write sequences (e.g. HubSpot's
upsert-by-unique-property) race-free inside one process.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Doc = dict[str, Any]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS docs ("
    " collection TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (collection, key))",
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)


class Tx:
    """Operations inside one store transaction (obtained from `Store.transaction`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, collection: str, key: str) -> Doc | None:
        row = self._conn.execute(
            "SELECT doc FROM docs WHERE collection = ? AND key = ?", (collection, key)
        ).fetchone()
        return None if row is None else _load(row[0])

    def put(self, collection: str, key: str, doc: Doc) -> None:
        # ON CONFLICT DO UPDATE keeps the rowid, so `scan` stays in first-insertion order.
        self._conn.execute(
            "INSERT INTO docs (collection, key, doc) VALUES (?, ?, ?) "
            "ON CONFLICT (collection, key) DO UPDATE SET doc = excluded.doc",
            (collection, key, json.dumps(doc, separators=(",", ":"))),
        )

    def delete(self, collection: str, key: str) -> bool:
        cur = self._conn.execute(
            "DELETE FROM docs WHERE collection = ? AND key = ?", (collection, key)
        )
        return cur.rowcount > 0

    def scan(self, collection: str) -> list[tuple[str, Doc]]:
        """All documents of a collection in first-insertion order."""
        rows = self._conn.execute(
            "SELECT key, doc FROM docs WHERE collection = ? ORDER BY rowid", (collection,)
        ).fetchall()
        return [(str(key), _load(doc)) for key, doc in rows]

    def next_value(self, counter: str, *, start: int = 1) -> int:
        """Increment and return a durable counter; its first value is `start`."""
        row = self._conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
            (counter, start),
        ).fetchone()
        return int(row[0])

    def raise_counter(self, counter: str, at_least: int) -> int:
        """Set a counter to max(current + 1, at_least) and return it (monotonic clocks)."""
        row = self._conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = max(value + 1, excluded.value) "
            "RETURNING value",
            (counter, at_least),
        ).fetchone()
        return int(row[0])

    def wipe(self, *, counters: bool = False) -> None:
        """Delete every document; counters too only when asked (ids must never be reused)."""
        self._conn.execute("DELETE FROM docs")
        if counters:
            self._conn.execute("DELETE FROM counters")


def _load(text: str) -> Doc:
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise TypeError("store documents are JSON objects")
    return doc


class Store:
    """JSON documents in SQLite; `path=None` → in memory, else durable (WAL) in that file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per `with`.
        self._conn = sqlite3.connect(
            ":memory:" if path is None else str(path),
            check_same_thread=False,
            isolation_level=None,
        )
        self._lock = threading.RLock()
        self._depth = 0
        if path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process (the WAL is in the OS page cache
            # once COMMIT returns); only an OS crash could lose the last commits.
            self._conn.execute("PRAGMA synchronous=NORMAL")
        for statement in _SCHEMA:
            self._conn.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Hold the store lock and one SQLite transaction; commit on exit, roll back on error.

        Re-entrant: a nested `transaction()` in the same thread joins the outer one.
        """
        with self._lock:
            if self._depth > 0:
                self._depth += 1
                try:
                    yield Tx(self._conn)
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def get(self, collection: str, key: str) -> Doc | None:
        with self.transaction() as tx:
            return tx.get(collection, key)

    def scan(self, collection: str) -> list[tuple[str, Doc]]:
        with self.transaction() as tx:
            return tx.scan(collection)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

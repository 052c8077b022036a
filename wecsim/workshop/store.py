"""Workshop state in SQLite: one file holds any number of workshops, each apart by its id.

Every write is one transaction (``BEGIN IMMEDIATE``), the journal is WAL (teams submit while
the projector reads), and nothing else holds state: reopening the file after a restart
continues the workshop where it was. Codes are stored as SHA-256 digests only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wecsim.i18n import _
from wecsim.workshop.errors import WorkshopError

SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS workshop (
    workshop_id TEXT PRIMARY KEY,
    created_utc TEXT NOT NULL,
    scenario_name TEXT NOT NULL,
    scenario_yaml TEXT NOT NULL,
    seed INTEGER NOT NULL,
    rounds INTEGER NOT NULL CHECK (rounds >= 1),
    years_per_round INTEGER NOT NULL CHECK (years_per_round >= 1),
    facilitator_hash TEXT NOT NULL,
    projector_hash TEXT,
    revision INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS team (
    workshop_id TEXT NOT NULL REFERENCES workshop(workshop_id),
    role TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    PRIMARY KEY (workshop_id, role)
);
CREATE TABLE IF NOT EXISTS round (
    workshop_id TEXT NOT NULL REFERENCES workshop(workshop_id),
    round INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'locked', 'done')),
    deadline_utc TEXT,
    outcome_json TEXT,
    counterfactual_json TEXT,
    comparing_since_utc TEXT,
    PRIMARY KEY (workshop_id, round)
);
CREATE TABLE IF NOT EXISTS decision (
    decision_id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    role TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    submitted_utc TEXT NOT NULL,
    FOREIGN KEY (workshop_id, round) REFERENCES round(workshop_id, round),
    FOREIGN KEY (workshop_id, role) REFERENCES team(workshop_id, role)
);
CREATE TABLE IF NOT EXISTS injection (
    injection_id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop_id TEXT NOT NULL REFERENCES workshop(workshop_id),
    event TEXT NOT NULL,
    year INTEGER NOT NULL,
    injected_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lesson (
    lesson_id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop_id TEXT NOT NULL REFERENCES workshop(workshop_id),
    round INTEGER,
    text TEXT NOT NULL,
    written_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    audit_id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop_id TEXT,
    time_utc TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL
);
"""


#: Columns each schema version added to the tables of the one before. Version 2: the projector's
#: code, the change counter the pages poll, the no-team run of each round (the ``lesson`` table is
#: new in version 2 too). Version 3: since when a round's comparison runs (without the teams, without
#: EU money) are being computed, after its own outcome was stored (``NULL``: stored, or not begun).
NEW_COLUMNS = {
    2: (
        ("workshop", "projector_hash", "TEXT"),
        ("workshop", "revision", "INTEGER NOT NULL DEFAULT 0"),
        ("round", "counterfactual_json", "TEXT"),
    ),
    3: (("round", "comparing_since_utc", "TEXT"),),
}


class Store:
    """An open workshop database: ``read`` for queries, ``write`` for one transaction."""

    def __init__(self, path: str | Path, *, create: bool = False):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise WorkshopError(
                _("--db {db}: no workshop database there (make one with `wecsim workshop new`)").format(db=self.path)
            )
        if create and self.path.parent and not self.path.parent.is_dir():
            raise WorkshopError(
                _("--db {db}: the folder {folder} does not exist").format(db=self.path, folder=self.path.parent)
            )
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" not in tables and (tables or not create):
                # another program's database, or an empty file where a workshop was expected: never touch it
                self.conn.close()
                raise WorkshopError(
                    _("--db {db}: not a wecsim workshop database (it has no workshop tables)").format(db=self.path)
                )
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA journal_mode = WAL")
            version = self._version() if "meta" in tables else None
            if version is None or int(version) < SCHEMA_VERSION:
                # a new file, or an older one: make the tables it lacks (a current file is only read, so
                # that the pages, which open it at every draw, never wait for a writer)
                with self.write() as c:
                    for stmt in SCHEMA.split(";"):
                        if stmt.strip():
                            c.execute(stmt)
                    c.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                version = self._version()
            if int(version) < SCHEMA_VERSION:
                self._upgrade(int(version))
                version = SCHEMA_VERSION
        except sqlite3.DatabaseError as exc:
            raise WorkshopError(
                _("--db {db}: not a wecsim workshop database ({error})").format(db=self.path, error=exc)
            ) from None
        if int(version) != SCHEMA_VERSION:
            raise WorkshopError(
                _("--db {db}: schema version {version}; this wecsim reads {expected}").format(
                    db=self.path, version=version, expected=SCHEMA_VERSION
                )
            )

    def _version(self) -> str:
        return self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]

    def _upgrade(self, version: int) -> None:
        """Add the later versions' columns to an older file in one transaction (nothing it holds changes)."""
        with self.write() as c:
            for table, column, kind in (col for v, cols in NEW_COLUMNS.items() if v > version for col in cols):
                have = {r[1] for r in c.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    c.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            c.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run the block as one transaction: all of it is written, or (on any error) none of it."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def read(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        """Return the rows of a query."""
        return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

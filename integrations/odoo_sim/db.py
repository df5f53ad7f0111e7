"""The simulator's database: records in memory, one transaction per call, kept in SQLite.

Every RPC runs in ``Database.transaction()``: the lock serialises calls (as a
single-worker Odoo would), every row written gets the transaction's start time
as ``write_date``, and an error rolls back everything the call changed, as
Odoo's per-request transaction does.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .fields import stored_datetime


class Database:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self.tables: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
        self.meta: dict[str, Any] = {"seq": {}, "names": {}}
        self.lock = threading.RLock()
        self._journal: dict[tuple[str, int], dict[str, Any] | None] | None = None
        self._meta_backup: dict[str, Any] | None = None
        self.txn_time: datetime = datetime.now(UTC).replace(tzinfo=None)
        self.clock_offset_seconds = 0.0
        self._versions: dict[str, int] = defaultdict(int)
        self._indexes: dict[tuple[str, str], tuple[int, dict[Any, list[int]]]] = {}
        if self.path and self.path.exists():
            self._load()

    # --- transactions -------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Database]:
        with self.lock:
            if self._journal is not None:  # nested: part of the outer call
                yield self
                return
            self._journal = {}
            self._meta_backup = copy.deepcopy(self.meta)
            self.txn_time = self.now()
            try:
                yield self
            except BaseException:
                self._rollback()
                raise
            else:
                self._commit()
            finally:
                self._journal = None
                self._meta_backup = None

    def now(self) -> datetime:
        from datetime import timedelta

        return datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=self.clock_offset_seconds)

    @property
    def txn_stamp(self) -> str:
        return stored_datetime(self.txn_time)

    def index(self, model: str, field: str) -> dict[Any, list[int]]:
        """Ids of ``model`` grouped by the value of ``field`` (rebuilt after the table changes)."""
        version = self._versions[model]
        cached = self._indexes.get((model, field))
        if cached and cached[0] == version:
            return cached[1]
        groups: dict[Any, list[int]] = defaultdict(list)
        for rid, row in self.tables[model].items():
            groups[row.get(field)].append(rid)
        self._indexes[(model, field)] = (version, groups)
        return groups

    def related(self, model: str, field: str, value: Any) -> list[dict[str, Any]]:
        table = self.tables[model]
        return [table[rid] for rid in self.index(model, field).get(value, ()) if rid in table]

    def _touch(self, model: str, rid: int) -> None:
        self._versions[model] += 1
        if self._journal is None:
            raise RuntimeError("write outside a transaction")
        key = (model, rid)
        if key not in self._journal:
            row = self.tables[model].get(rid)
            self._journal[key] = copy.deepcopy(row) if row is not None else None

    def _rollback(self) -> None:
        for model, _ in self._journal or {}:
            self._versions[model] += 1
        for (model, rid), old in (self._journal or {}).items():
            if old is None:
                self.tables[model].pop(rid, None)
            else:
                self.tables[model][rid] = old
        if self._meta_backup is not None:
            self.meta = self._meta_backup

    def _commit(self) -> None:
        if not self.path or not self._journal:
            return
        conn = self._connect()
        with conn:
            for model, rid in self._journal:
                row = self.tables[model].get(rid)
                if row is None:
                    conn.execute("DELETE FROM records WHERE model = ? AND id = ?", (model, rid))
                else:
                    conn.execute(
                        "INSERT OR REPLACE INTO records (model, id, data) VALUES (?, ?, ?)",
                        (model, rid, json.dumps(row)),
                    )
            conn.execute("INSERT OR REPLACE INTO meta (key, data) VALUES ('meta', ?)", (json.dumps(self.meta),))
        conn.close()

    # --- rows -----------------------------------------------------------------
    def next_id(self, model: str) -> int:
        seq = self.meta["seq"]
        seq[model] = seq.get(model, 0) + 1
        return seq[model]

    def next_name(self, key: str) -> int:
        names = self.meta["names"]
        names[key] = names.get(key, 0) + 1
        return names[key]

    def insert(self, model: str, row: dict[str, Any]) -> int:
        rid = row.get("id") or self.next_id(model)
        if rid > self.meta["seq"].get(model, 0):
            self.meta["seq"][model] = rid
        self._touch(model, rid)
        row["id"] = rid
        row.setdefault("create_date", self.txn_stamp)
        row["write_date"] = self.txn_stamp
        self.tables[model][rid] = row
        return rid

    def update(self, model: str, rid: int, values: dict[str, Any], *, bump: bool = True) -> None:
        self._touch(model, rid)
        row = self.tables[model][rid]
        row.update(values)
        if bump:
            row["write_date"] = self.txn_stamp

    def delete(self, model: str, rid: int) -> None:
        self._touch(model, rid)
        self.tables[model].pop(rid, None)

    def get(self, model: str, rid: int) -> dict[str, Any] | None:
        return self.tables[model].get(rid)

    # --- persistence ----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS records (model TEXT, id INTEGER, data TEXT, PRIMARY KEY (model, id))")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, data TEXT)")
        return conn

    def _load(self) -> None:
        conn = self._connect()
        for model, rid, data in conn.execute("SELECT model, id, data FROM records"):
            self.tables[model][rid] = json.loads(data)
        row = conn.execute("SELECT data FROM meta WHERE key = 'meta'").fetchone()
        if row:
            self.meta = json.loads(row[0])
        conn.close()

    def reset(self) -> None:
        with self.lock:
            self.tables.clear()
            self._indexes.clear()
            # A reset database still plays the same Odoo series (seed() reads it back).
            version = self.meta.get("version")
            self.meta = {"seq": {}, "names": {}, **({"version": version} if version else {})}
            if self.path and self.path.exists():
                conn = self._connect()
                with conn:
                    conn.execute("DELETE FROM records")
                    conn.execute("DELETE FROM meta")
                conn.close()

    def save_all(self) -> None:
        """Write every row (after a bulk seed done outside the journal)."""
        if not self.path:
            return
        conn = self._connect()
        with conn:
            conn.execute("DELETE FROM records")
            conn.executemany(
                "INSERT INTO records (model, id, data) VALUES (?, ?, ?)",
                ((m, rid, json.dumps(row)) for m, rows in self.tables.items() for rid, row in rows.items()),
            )
            conn.execute("INSERT OR REPLACE INTO meta (key, data) VALUES ('meta', ?)", (json.dumps(self.meta),))
        conn.close()

"""The run store: one SQLite file holding every run, every item's record, and the answer cache.

Each item is committed the moment it completes (WAL journal), so a crash or SIGKILL loses at
most the items in flight and never corrupts what was written; `--run NAME` resumes from it.
JSONL output is an export of this store, not the only copy. Schema changes are numbered
migrations tracked in `PRAGMA user_version`. A run is leased to one process at a time (see
`aimlabel.run.lease`). Commands that only read open the file read-only (`mode=ro`), so a store
on a read-only mount can still be listed, exported and reviewed; a store that cannot be opened
as asked is one `StoreUnavailable` error naming the path.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from aimlabel.core.record import LabelRecord
from aimlabel.core.redact import redact
from aimlabel.run.lease import STALE_AFTER, Owner, RunBusy, stale_because
from aimlabel.run.manifest import RunManifest

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        finished_at REAL,
        status TEXT NOT NULL,
        manifest TEXT NOT NULL,
        totals TEXT
    );
    CREATE TABLE items (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        seq INTEGER NOT NULL,
        item_key TEXT NOT NULL,
        article_hash TEXT,
        status TEXT NOT NULL,
        error_type TEXT,
        label TEXT,
        findings TEXT,
        requests INTEGER NOT NULL DEFAULT 0,
        answers INTEGER NOT NULL DEFAULT 0,
        total_tokens INTEGER NOT NULL DEFAULT 0,
        latency_ms REAL NOT NULL DEFAULT 0,
        record TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (run_id, seq)
    );
    CREATE INDEX items_by_status ON items(run_id, status);
    CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        answer TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    """,
    # 2: runs through the Batch API (see aimlabel.run.batch_store for what each table holds).
    """
    CREATE TABLE batch_jobs (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        config TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        state TEXT NOT NULL,
        local_path TEXT,
        requests INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        file_id TEXT,
        batch_id TEXT,
        status TEXT,
        counts TEXT,
        errors TEXT,
        output_file_id TEXT,
        error_file_id TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX batches_by_run ON batches(run_id, state);
    CREATE TABLE batch_steps (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        seq INTEGER NOT NULL,
        step INTEGER NOT NULL,
        custom_id TEXT NOT NULL,
        batch INTEGER NOT NULL REFERENCES batches(id),
        body_hash TEXT NOT NULL,
        est_cost REAL,
        answer TEXT,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        answered_at REAL,
        PRIMARY KEY (run_id, seq, step)
    );
    CREATE UNIQUE INDEX batch_steps_by_custom_id ON batch_steps(run_id, custom_id);
    CREATE INDEX batch_steps_by_batch ON batch_steps(batch);
    """,
    # 3: the run lease, one process per run name (see aimlabel.run.lease).
    """
    CREATE TABLE leases (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        token TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        acquired_at REAL NOT NULL,
        heartbeat_at REAL NOT NULL
    );
    """,
)
LEASES_FROM = 3  # the migration that added the leases table

ENV_VAR = "AIMLABEL_STORE"


def default_store_path() -> Path:
    """`$AIMLABEL_STORE`, else `runs.sqlite` in the user's data directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("aimlabel")) / "runs.sqlite"


class UnknownRun(LookupError):
    """A RUN argument that names no file and no stored run; the message says where it looked."""


class StoreUnavailable(Exception):
    """The store cannot be opened as asked (read-only place, no space, not a store); one line."""


def stored_run_records(name: str, path: Path) -> list[LabelRecord]:
    """The records of the run called `name` in the store at `path`, in input order (read-only)."""
    if not path.exists():
        raise UnknownRun(f"{name!r} is neither a file nor a stored run (no run store at {path})")
    try:
        store = RunStore(path, readonly=True)
    except StoreUnavailable as exc:
        raise UnknownRun(f"{name!r} is not a file, and {exc}") from None
    with store:
        info = store.find_run(name)
        if info is None:
            raise UnknownRun(f"{name!r} is neither a file nor a run in {path} (see `aimlabel runs`)")
        return list(store.export(info.id))


@dataclass(frozen=True)
class Claim:
    """A run leased to this process: new or resumed, and whose stale lease it took over, if any."""

    info: RunInfo
    created: bool
    took_over: Owner | None = None
    why: str | None = None


@dataclass(frozen=True)
class RunInfo:
    id: int
    name: str
    created_at: float
    finished_at: float | None
    status: str
    manifest: RunManifest
    totals: dict[str, Any] | None
    counts: dict[str, int]


class RunStore:
    """A thin, typed layer over the SQLite file; one connection per process.

    `readonly=True` opens with a `mode=ro` URI and never writes (no journal change, no
    migration), for the commands that only read.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        action = "read" if readonly else "write to"
        hint = "" if readonly else "; give --store a writable path, or --no-store"
        try:
            self.db = _open_readonly(path) if readonly else _open_writable(path)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot {action} the run store {path}: {exc}{_unwritable(path)}{hint}") from None
        try:
            self.version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if self.version > len(MIGRATIONS):
                raise RuntimeError(f"{self.path} was written by a newer aimlabel (schema {self.version}); upgrade aimlabel")
            if readonly and self.version == 0:
                raise StoreUnavailable(f"{path} is not an aimlabel run store")
            if not readonly:
                self._migrate()
        except BaseException as exc:
            self.db.close()
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"cannot {action} the run store {path}: {exc}{_unwritable(path)}{hint}") from None
            raise

    def _migrate(self) -> None:
        for number, script in enumerate(MIGRATIONS[self.version:], start=self.version + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";")):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.version = number

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # runs -----------------------------------------------------------------------------------

    def find_run(self, name: str) -> RunInfo | None:
        row = self.db.execute("SELECT id, name, created_at, finished_at, status, manifest, totals FROM runs WHERE name = ?", (name,)).fetchone()
        return self._run_info(row) if row else None

    def _run_info(self, row: tuple[Any, ...]) -> RunInfo:
        counts = dict(self.db.execute("SELECT status, COUNT(*) FROM items WHERE run_id = ? GROUP BY status", (row[0],)).fetchall())
        status = row[4]
        if status == "running" and not self._held(row[0]):
            status = "interrupted"  # its process is gone without saying so (SIGKILL, a full disk, a power cut)
        return RunInfo(row[0], row[1], row[2], row[3], status, RunManifest.model_validate_json(row[5]),
                       json.loads(row[6]) if row[6] else None, counts)

    def _held(self, run_id: int) -> bool:
        owner = self.lease_of(run_id)
        return owner is not None and stale_because(owner, time.time(), STALE_AFTER, socket.gethostname()) is None

    def create_run(self, name: str, manifest: RunManifest) -> RunInfo:
        now = time.time()
        self.db.execute(
            "INSERT INTO runs (name, created_at, updated_at, status, manifest) VALUES (?, ?, ?, 'running', ?)",
            (name, now, now, redact(json.dumps(manifest.model_dump(mode="json"), sort_keys=True))),
        )
        info = self.find_run(name)
        if info is None:
            raise RuntimeError(f"run {name!r} vanished after insert")
        return info

    def claim_run(self, name: str, manifest: RunManifest, owner: Owner, stale_after: float) -> Claim:
        """Create the run or take its lease, in one transaction: a live owner's lease is `RunBusy`."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            info = self.find_run(name)
            created, took_over, why = info is None, None, None
            if info is None:
                info = self.create_run(name, manifest)
            else:
                held = self.lease_of(info.id)
                if held is not None and held.token != owner.token:
                    why = stale_because(held, time.time(), stale_after, owner.host)
                    if why is None:
                        raise RunBusy(name, held)
                    took_over = held
            now = time.time()
            self.db.execute("INSERT OR REPLACE INTO leases (run_id, token, pid, host, acquired_at, heartbeat_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)", (info.id, owner.token, owner.pid, owner.host, now, now))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return Claim(info, created, took_over, why)

    def lease_of(self, run_id: int) -> Owner | None:
        if self.version < LEASES_FROM:
            return None
        row = self.db.execute("SELECT pid, host, token, acquired_at, heartbeat_at FROM leases WHERE run_id = ?", (run_id,)).fetchone()
        return Owner(*row) if row else None

    def heartbeat(self, run_id: int, token: str) -> bool:
        """Renew the lease; False when it is no longer ours (another process took it over)."""
        cursor = self.db.execute("UPDATE leases SET heartbeat_at = ? WHERE run_id = ? AND token = ?", (time.time(), run_id, token))
        return cursor.rowcount == 1

    def release(self, run_id: int, token: str) -> None:
        self.db.execute("DELETE FROM leases WHERE run_id = ? AND token = ?", (run_id, token))

    def update_manifest(self, run_id: int, manifest: RunManifest) -> None:
        self.db.execute("UPDATE runs SET manifest = ?, updated_at = ? WHERE id = ?",
                        (redact(json.dumps(manifest.model_dump(mode="json"), sort_keys=True)), time.time(), run_id))

    def mark_run(self, run_id: int, status: str, totals: dict[str, Any] | None = None) -> None:
        now = time.time()
        self.db.execute(
            "UPDATE runs SET status = ?, updated_at = ?, finished_at = ?, totals = ? WHERE id = ?",
            (status, now, now if status != "running" else None, json.dumps(totals) if totals is not None else None, run_id),
        )

    def list_runs(self) -> list[RunInfo]:
        rows = self.db.execute("SELECT id, name, created_at, finished_at, status, manifest, totals FROM runs ORDER BY id").fetchall()
        return [self._run_info(r) for r in rows]

    # items ----------------------------------------------------------------------------------

    def put_item(self, run_id: int, seq: int, record: LabelRecord) -> None:
        """Commit one item's record (replacing an earlier attempt at the same position), secrets redacted."""
        self.db.execute(
            """INSERT OR REPLACE INTO items (run_id, seq, item_key, article_hash, status, error_type, label, findings,
               requests, answers, total_tokens, latency_ms, record, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                run_id, seq, record.id, record.article.content_hash if record.article else None, record.status,
                record.error.type if record.error else None,
                redact(json.dumps(record.label)) if record.label is not None else None,
                redact(json.dumps([f.model_dump() for f in record.findings])),
                record.attempts.requests, record.attempts.answers, record.usage.total_tokens, record.latency_ms,
                redact(record.to_json()), time.time(),
            ),
        )

    def get_item(self, run_id: int, seq: int) -> tuple[str, LabelRecord] | None:
        row = self.db.execute("SELECT item_key, record FROM items WHERE run_id = ? AND seq = ?", (run_id, seq)).fetchone()
        return (row[0], LabelRecord.model_validate_json(row[1])) if row else None

    def finished_items(self, run_id: int) -> dict[int, str]:
        """seq -> item key of items that need no further model call (ok or needs_review)."""
        rows = self.db.execute("SELECT seq, item_key FROM items WHERE run_id = ? AND status IN ('ok', 'needs_review')", (run_id,))
        return dict(rows.fetchall())

    def export(self, run_id: int) -> Iterator[LabelRecord]:
        for (text,) in self.db.execute("SELECT record FROM items WHERE run_id = ? ORDER BY seq", (run_id,)):
            yield LabelRecord.model_validate_json(text)

    # cache ----------------------------------------------------------------------------------

    def cache_get(self, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT answer FROM cache WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def cache_put(self, key: str, answer: dict[str, Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO cache (key, answer, created_at) VALUES (?, ?, ?)", (key, redact(json.dumps(answer)), time.time()))


def _unwritable(path: Path) -> str:
    """' (read-only file system)' or ' (not writable)' when that is why SQLite could not write."""
    target = path if path.exists() else path.parent
    try:
        if os.statvfs(target).f_flag & os.ST_RDONLY:
            return " (read-only file system)"
    except OSError:
        return ""
    return "" if os.access(target, os.W_OK) else " (not writable by this user)"


def _open_writable(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the run store's folder {path.parent}: {exc.strerror or exc}; "
                               "give --store a writable path, or --no-store") from None
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error:
        db.close()
        raise
    return db


def _open_readonly(path: Path) -> sqlite3.Connection:
    """A `mode=ro` connection; on a read-only mount with no journal left, `immutable=1`.

    A WAL store needs its `-shm` file, which a read-only folder cannot get; SQLite then refuses
    `mode=ro`. With no `-wal` file left (a clean close checkpoints and removes it) the file holds
    everything, and nothing can write to a read-only mount, so reading it as immutable is exact.
    """
    if not path.is_file():
        raise StoreUnavailable(f"no run store at {path}")
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreUnavailable(f"cannot read the run store {path} ({exc}): it has an unfinished journal {wal.name} that "
                                   "this place does not let SQLite open read-only; copy both files somewhere writable") from None
    db = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)
    db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    return db

"""The run store: one SQLite file holding every run, every item's record, and the answer cache.

Each item is committed the moment it completes (WAL journal), so a crash or SIGKILL loses at
most the items in flight and never corrupts what was written; `--run NAME` resumes from it.
JSONL output is an export of this store, not the only copy. Schema changes are numbered
migrations tracked in `PRAGMA user_version`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from aimlabel.core.record import LabelRecord
from aimlabel.core.redact import redact
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
)

ENV_VAR = "AIMLABEL_STORE"


def default_store_path() -> Path:
    """`$AIMLABEL_STORE`, else `runs.sqlite` in the user's data directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("aimlabel")) / "runs.sqlite"


class UnknownRun(LookupError):
    """A RUN argument that names no file and no stored run; the message says where it looked."""


def stored_run_records(name: str, path: Path) -> list[LabelRecord]:
    """The records of the run called `name` in the store at `path`, in input order."""
    if not path.exists():
        raise UnknownRun(f"{name!r} is neither a file nor a stored run (no run store at {path})")
    with RunStore(path) as store:
        info = store.find_run(name)
        if info is None:
            raise UnknownRun(f"{name!r} is neither a file nor a run in {path} (see `aimlabel runs`)")
        return list(store.export(info.id))


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
    """A thin, typed layer over the SQLite file; one connection per process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(f"{self.path} was written by a newer aimlabel (schema {version}); upgrade aimlabel")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";")):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

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
        return RunInfo(row[0], row[1], row[2], row[3], row[4], RunManifest.model_validate_json(row[5]),
                       json.loads(row[6]) if row[6] else None, counts)

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

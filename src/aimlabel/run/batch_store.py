"""The run store's batch tables (migration 2 in `aimlabel.run.store`): what a batch run sent and got.

- `batch_jobs`: one row per batch run: its `BatchConfig` (everything `collect` needs to label
  exactly as the submit did) and its state (`open`, or `cancelled`: no new batches).
- `batches`: one row per request file. `state` walks `preparing` (being written; thrown away if
  the process dies) -> `sealed` (complete on disk) -> `uploaded` (file id stored) -> `submitted`
  (batch id stored) -> `collected` (its result files read); `offline` for a file written for
  another engine (`batch prepare`). `status` and `counts` are the API's last word.
- `batch_steps`: one row per request: the article (`seq`), its step number, the `custom_id`,
  the batch row, the body's hash, the cost estimate held against `--max-cost`, and, once
  answered, the output line and its token usage.

Each change is a single statement or a short transaction, so a process killed at any point
leaves rows that say exactly how far it got; see `aimlabel.run.batch_job` for how each state is
taken up again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aimlabel.run.store import RunStore

LIVE_STATES = ("submitted", "offline")  # batches whose requests are out, owed an answer
OWED_STATES = ("sealed", "uploading", "uploaded", "creating", *LIVE_STATES)  # and those on their way out


@dataclass(frozen=True)
class BatchRow:
    id: int
    state: str
    local_path: str | None
    requests: int
    bytes: int
    file_id: str | None
    batch_id: str | None
    status: str | None
    counts: dict[str, int]
    errors: list[str]
    output_file_id: str | None
    error_file_id: str | None
    created_at: float


@dataclass(frozen=True)
class StepRow:
    step: int
    custom_id: str
    batch: int
    body_hash: str
    answer: str | None
    batch_id: str | None


_BATCH_COLUMNS = ("id, state, local_path, requests, bytes, file_id, batch_id, status, counts, errors, output_file_id, "
                  "error_file_id, created_at")


def _batch_row(r: tuple[Any, ...]) -> BatchRow:
    return BatchRow(id=r[0], state=r[1], local_path=r[2], requests=r[3], bytes=r[4], file_id=r[5], batch_id=r[6], status=r[7],
                    counts=json.loads(r[8] or "{}"), errors=json.loads(r[9] or "[]"), output_file_id=r[10], error_file_id=r[11],
                    created_at=r[12])


class BatchTables:
    """Typed access to the batch tables of one open `RunStore`."""

    def __init__(self, store: RunStore) -> None:
        self.db = store.db

    # jobs -------------------------------------------------------------------------------------

    def job(self, run_id: int) -> tuple[str, str] | None:
        """(config JSON, state) of the run's batch job, or None for a run that is not a batch run."""
        row = self.db.execute("SELECT config, state FROM batch_jobs WHERE run_id = ?", (run_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def put_job(self, run_id: int, config: str, state: str = "open") -> None:
        now = time.time()
        self.db.execute("""INSERT INTO batch_jobs (run_id, config, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                           ON CONFLICT(run_id) DO UPDATE SET config = excluded.config, state = excluded.state,
                           updated_at = excluded.updated_at""", (run_id, config, state, now, now))

    def set_job_state(self, run_id: int, state: str) -> None:
        self.db.execute("UPDATE batch_jobs SET state = ?, updated_at = ? WHERE run_id = ?", (state, time.time(), run_id))

    # batches ----------------------------------------------------------------------------------

    def new_batch(self, run_id: int, state: str, local_path: str) -> int:
        now = time.time()
        cur = self.db.execute("INSERT INTO batches (run_id, state, local_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                              (run_id, state, local_path, now, now))
        return int(cur.lastrowid or 0)

    def update_batch(self, row: int, **fields: Any) -> None:
        for key in ("counts", "errors"):
            if key in fields:
                fields[key] = json.dumps(fields[key])
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE batches SET {sets}, updated_at = ? WHERE id = ?", (*fields.values(), time.time(), row))

    def batches(self, run_id: int, *states: str) -> list[BatchRow]:
        where = f" AND state IN ({', '.join('?' * len(states))})" if states else ""
        rows = self.db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE run_id = ?{where} ORDER BY id", (run_id, *states))
        return [_batch_row(r) for r in rows]

    def batch(self, row: int) -> BatchRow:
        found = self.db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE id = ?", (row,)).fetchone()
        return _batch_row(found)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: what a killed process had done inside is not there afterwards."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def discard_preparing(self, run_id: int) -> list[str]:
        """Forget request files a killed process was still writing; returns their paths to delete."""
        rows = self.db.execute("SELECT id, local_path FROM batches WHERE run_id = ? AND state = 'preparing'", (run_id,)).fetchall()
        if rows:
            with self.transaction():
                for row_id, _ in rows:
                    self.db.execute("DELETE FROM batch_steps WHERE batch = ?", (row_id,))
                    self.db.execute("DELETE FROM batches WHERE id = ?", (row_id,))
        return [path for _, path in rows if path]

    # steps ------------------------------------------------------------------------------------

    def add_step(self, run_id: int, seq: int, step: int, custom_id: str, batch: int, body_hash: str, est_cost: float | None) -> str:
        """Register a request; a `custom_id` already taken in this run gets the article's position
        added (two input lines with one id). Returns the custom_id used."""
        for candidate in (custom_id, f"{custom_id}#{seq}.{step}"):
            try:
                self.db.execute("""INSERT INTO batch_steps (run_id, seq, step, custom_id, batch, body_hash, est_cost)
                                   VALUES (?, ?, ?, ?, ?, ?, ?)""", (run_id, seq, step, candidate, batch, body_hash, est_cost))
                return candidate
            except sqlite3.IntegrityError as exc:
                if "custom_id" not in str(exc):
                    raise
        raise RuntimeError(f"no free custom_id for article {custom_id!r} at position {seq}")

    def steps(self, run_id: int, seq: int) -> list[StepRow]:
        rows = self.db.execute("""SELECT s.step, s.custom_id, s.batch, s.body_hash, s.answer, b.batch_id FROM batch_steps s
                                  JOIN batches b ON b.id = s.batch WHERE s.run_id = ? AND s.seq = ? ORDER BY s.step""",
                               (run_id, seq))
        return [StepRow(*r) for r in rows]

    def answer(self, run_id: int, custom_id: str, line: str, prompt_tokens: int, completion_tokens: int,
               batch: int | None = None) -> bool:
        """Store the output line for an unanswered request (of `batch`, when given); False when there
        is no such request (an unknown custom_id, or one answered already)."""
        sql = ("UPDATE batch_steps SET answer = ?, prompt_tokens = ?, completion_tokens = ?, answered_at = ? "
               "WHERE run_id = ? AND custom_id = ? AND answer IS NULL")
        params: tuple[Any, ...] = (line, prompt_tokens, completion_tokens, time.time(), run_id, custom_id)
        if batch is not None:
            sql += " AND batch = ?"
            params += (batch,)
        else:
            sql += f" AND batch IN (SELECT id FROM batches WHERE state IN {LIVE_STATES})"
        return self.db.execute(sql, params).rowcount == 1

    def unanswered(self, batch: int) -> Iterator[str]:
        for (custom_id,) in self.db.execute("SELECT custom_id FROM batch_steps WHERE batch = ? AND answer IS NULL", (batch,)).fetchall():
            yield custom_id

    def settled(self, run_id: int) -> Iterator[int]:
        """Articles with a final record (ok, needs_review or failed) in the run."""
        for (seq,) in self.db.execute("SELECT seq FROM items WHERE run_id = ?", (run_id,)).fetchall():
            yield seq

    def forget_failed(self, run_id: int) -> int:
        """Drop failed records, so the next pass labels those articles afresh. Their requests are
        set aside (moved to a negative position, custom_id suffixed), not deleted: what they cost
        still counts toward the run's tokens, cost and budget."""
        seqs = [s for (s,) in self.db.execute("SELECT seq FROM items WHERE run_id = ? AND status = 'failed'", (run_id,))]
        with self.transaction():
            for seq in seqs:
                self.db.execute("UPDATE batch_steps SET seq = -1 - rowid, custom_id = custom_id || '~' || rowid "
                                "WHERE run_id = ? AND seq = ?", (run_id, seq))
                self.db.execute("DELETE FROM items WHERE run_id = ? AND seq = ?", (run_id, seq))
        return len(seqs)

    def waiting(self, run_id: int) -> Iterator[int]:
        """Articles with a request still owed an answer (sent, or in a file on its way)."""
        rows = self.db.execute(f"""SELECT DISTINCT s.seq FROM batch_steps s JOIN batches b ON b.id = s.batch
                                   WHERE s.run_id = ? AND s.answer IS NULL AND b.state IN {OWED_STATES}""", (run_id,))
        for (seq,) in rows:
            yield seq

    def spend(self, run_id: int) -> tuple[int, int, float]:
        """Answered prompt and completion tokens, and the cost estimate of requests still out."""
        row = self.db.execute(f"""SELECT COALESCE(SUM(s.prompt_tokens), 0), COALESCE(SUM(s.completion_tokens), 0),
                                  COALESCE(SUM(CASE WHEN s.answer IS NULL AND b.state IN {OWED_STATES} THEN s.est_cost END), 0)
                                  FROM batch_steps s JOIN batches b ON b.id = s.batch WHERE s.run_id = ?""", (run_id,)).fetchone()
        return int(row[0]), int(row[1]), float(row[2])

    def counts(self, run_id: int) -> dict[str, int]:
        """Requests by state: answered, waiting (in a live batch), and in files not yet sent."""
        rows = self.db.execute("""SELECT CASE WHEN s.answer IS NOT NULL THEN 'answered'
                                  WHEN b.state IN ('submitted', 'offline') THEN 'waiting'
                                  WHEN b.state = 'discarded' THEN 'discarded' ELSE 'unsent' END, COUNT(*)
                                  FROM batch_steps s JOIN batches b ON b.id = s.batch WHERE s.run_id = ? GROUP BY 1""", (run_id,))
        return dict(rows.fetchall())

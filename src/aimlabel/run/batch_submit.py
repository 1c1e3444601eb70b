"""Request files to batches and back: upload, create, poll, download, and store every answer line.

Each step is stored before and after the call it makes, so a process killed anywhere resumes
where it was and never pays twice: a file being uploaded (`uploading`) is looked up by name and
size before it is uploaded again; a batch being created (`creating`) is looked up by its input
file and metadata before it is created again. Result files are downloaded to disk, then read a
line at a time; a file's lines are stored in one transaction together with the batch's
`collected` mark, so a collect killed mid-download or mid-file reads the whole file again next
time, and an answer is never stored twice (a request takes one answer). Requests the batch gave
no line for get one written here with the API's reason (expired, cancelled, failed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aimlabel.run.batch_store import BatchRow, BatchTables

if TYPE_CHECKING:
    from aimlabel.model.batch_api import BatchApi, RemoteBatch
    from aimlabel.run.batch_job import BatchRun

Note = Callable[[str], None]
UNSENT = ("sealed", "uploading", "uploaded", "creating")
NO_LINE = {
    "expired": ("batch_expired", "This request could not be executed before the completion window expired."),
    "cancelled": ("batch_cancelled", "The batch was cancelled before this request ran."),
    "completed": ("batch_missing", "The completed batch returned no line for this request."),
}


@dataclass
class IngestTotals:
    lines: int = 0
    answered: int = 0
    unknown: int = 0
    unreadable: int = 0

    def add(self, other: IngestTotals) -> None:
        self.lines += other.lines
        self.answered += other.answered
        self.unknown += other.unknown
        self.unreadable += other.unreadable


def remote_name(run_name: str, row: int) -> str:
    return f"aimlabel-{re.sub(r'[^A-Za-z0-9._-]', '_', run_name)[:80]}-{row}.jsonl"


def _metadata(run: BatchRun, row: int) -> dict[str, str]:
    return {"aimlabel_run": run.name[:512], "aimlabel_file": str(row)}


def send(run: BatchRun, api: BatchApi, row: BatchRow) -> None:
    """Take one request file from wherever it stopped to `submitted`."""
    tables = run.tables
    state, file_id = row.state, row.file_id
    path = Path(row.local_path or "")
    if state in ("sealed", "uploading"):
        found = api.find_file(remote_name(run.name, row.id), row.bytes) if state == "uploading" else None
        if found is None:
            tables.update_batch(row.id, state="uploading")
            found = api.upload(path, remote_name(run.name, row.id))
        file_id, state = found.id, "uploaded"
        tables.update_batch(row.id, state=state, file_id=file_id)
    if state in ("uploaded", "creating") and file_id is not None:
        remote = api.find_batch(file_id, _metadata(run, row.id), row.created_at - 3600) if state == "creating" else None
        if remote is None:
            tables.update_batch(row.id, state="creating")
            remote = api.create(file_id, _metadata(run, row.id))
        tables.update_batch(row.id, state="submitted", batch_id=remote.id, status=remote.status,
                            counts={"total": remote.total, "completed": remote.completed, "failed": remote.failed})
        path.unlink(missing_ok=True)


def send_unsent(run: BatchRun, api: BatchApi) -> int:
    rows = run.tables.batches(run.run_id, *UNSENT)
    for row in rows:
        send(run, api, row)
    return len(rows)


def refresh(run: BatchRun, api: BatchApi, row: BatchRow) -> RemoteBatch:
    remote = api.retrieve(row.batch_id or "")
    run.tables.update_batch(row.id, status=remote.status, errors=remote.errors, output_file_id=remote.output_file_id,
                            error_file_id=remote.error_file_id,
                            counts={"total": remote.total, "completed": remote.completed, "failed": remote.failed})
    return remote


def collect_batch(run: BatchRun, api: BatchApi, row: BatchRow, remote: RemoteBatch, note: Note) -> IngestTotals:
    """Download a finished batch's result files and store every line; mark it `collected`."""
    tables = run.tables
    directory = run.work_dir
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for file_id in (remote.output_file_id, remote.error_file_id):
        if file_id:
            target = directory / f"{row.id}-{file_id}.jsonl"
            api.download(file_id, target)
            files.append(target)
    from aimlabel.model.batch import line_error

    totals = IngestTotals()
    with tables.transaction():
        for path in files:
            totals.add(ingest_lines(tables, run.run_id, path, note, batch=row.id))
        code, message = NO_LINE.get(remote.status, ("batch_failed", "; ".join(remote.errors) or f"the batch {remote.status}"))
        for custom_id in list(tables.unanswered(row.id)):
            tables.answer(run.run_id, custom_id, line_error(code, message), 0, 0, batch=row.id)
        tables.update_batch(row.id, state="collected")
    for path in files:
        path.unlink(missing_ok=True)
    return totals


def ingest_lines(tables: BatchTables, run_id: int, path: Path, note: Note, batch: int | None = None) -> IngestTotals:
    """Store each line of an output or error file as the answer to its request (joined on custom_id)."""
    from aimlabel.model.batch import OutputLine

    totals = IngestTotals()
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            totals.lines += 1
            try:
                line = OutputLine.parse(raw)
            except ValueError as exc:
                totals.unreadable += 1
                note(f"{path}:{number}: skipped: {exc}")
                continue
            usage = line.usage()
            if tables.answer(run_id, line.custom_id, raw.decode("utf-8").rstrip("\n"), usage.prompt_tokens,
                             usage.completion_tokens, batch=batch):
                totals.answered += 1
            else:
                totals.unknown += 1
    return totals


def settle_offline(tables: BatchTables, run_id: int) -> None:
    """Offline request files whose every request has an answer are `collected`."""
    for row in tables.batches(run_id, "offline"):
        if next(tables.unanswered(row.id), None) is None:
            tables.update_batch(row.id, state="collected")


def cancel_all(run: BatchRun, api: BatchApi) -> list[str]:
    """Cancel every batch still running, and drop request files not yet sent; returns what was done."""
    done = []
    for row in run.tables.batches(run.run_id, *UNSENT):
        if row.state == "creating" and row.file_id:
            remote = api.find_batch(row.file_id, _metadata(run, row.id), row.created_at - 3600)
            if remote is not None:
                run.tables.update_batch(row.id, state="submitted", batch_id=remote.id, status=remote.status)
                continue
        run.tables.update_batch(row.id, state="discarded")
        Path(row.local_path or "").unlink(missing_ok=True)
        done.append(f"file {row.id}: not sent")
    for row in run.tables.batches(run.run_id, "submitted"):
        if row.status in ("completed", "failed", "expired", "cancelled"):
            continue
        remote = api.cancel(row.batch_id or "")
        run.tables.update_batch(row.id, status=remote.status)
        done.append(f"{remote.id}: {remote.status}")
    return done

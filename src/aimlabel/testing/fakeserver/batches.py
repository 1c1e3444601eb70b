"""The Files and Batches endpoints of the fake server, as the OpenAI API documents them.

Files: upload (multipart, purpose `batch`), list (cursor pages), retrieve, content, delete.
Batches: create over an uploaded file (endpoint `/v1/chat/completions`, window `24h`, metadata),
retrieve, cancel, list. Every object is shaped as `openai.types.FileObject` / `Batch` (a test
validates them with those types).

A batch moves one state per `retrieve` (`--batch-polls N`: every N): `validating` ->
`in_progress` -> `finalizing` -> `completed`; a file that breaks the input rules (bad JSON,
duplicate `custom_id`, another URL, more than 50,000 lines) or a batch named in `--batch-fail`
ends `failed` with its errors; one named in `--batch-expire` ends `expired` with only the first
half of its lines run (the rest are `batch_expired` lines in the error file); `cancel` moves it
to `cancelling`, then `cancelled`, with half run and the rest `batch_cancelled`. Lines are
answered as the chat endpoint answers, faults included (`--rate-500` etc. draw per line, in
order): 200s go to the output file, everything else to the error file.
`--batch-drop-downloads N` cuts the first N content downloads off half way (a lost connection);
`--batch-download-pause S` sends a download in 64 KB blocks S seconds apart (a slow link).
Files live on disk in a temp folder, so a large request file is never held in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from aimlabel.testing.fakeserver.answers import Answerer, FaultPlan

MAX_LINES = 50_000
MAX_FILE_BYTES = 200 * 1024 * 1024
ENDPOINTS = ("/v1/chat/completions",)
EXPIRED = "This request could not be executed before the completion window expired."
CANCELLED = "This request was not executed because the batch was cancelled."


@dataclass
class BatchOptions:
    polls: int = 1
    expire: frozenset[int] = frozenset()
    fail: frozenset[int] = frozenset()
    drop_downloads: int = 0
    download_pause: float = 0.0


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    bytes: int
    created_at: int
    path: Path

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "object": "file", "bytes": self.bytes, "created_at": self.created_at,
                "filename": self.filename, "purpose": self.purpose, "status": "processed", "expires_at": None,
                "status_details": None}


@dataclass
class FakeBatch:
    id: str
    ordinal: int
    input_file_id: str
    endpoint: str
    metadata: dict[str, str] | None
    created_at: int
    status: str = "validating"
    polls: int = 0
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    output_file_id: str | None = None
    error_file_id: str | None = None
    times: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        at = {f"{name}_at": self.times.get(name) for name in
              ("in_progress", "finalizing", "completed", "failed", "expired", "cancelling", "cancelled")}
        return {"id": self.id, "object": "batch", "endpoint": self.endpoint, "model": None,
                "errors": {"object": "list", "data": self.errors} if self.errors else None,
                "input_file_id": self.input_file_id, "completion_window": "24h", "status": self.status,
                "output_file_id": self.output_file_id, "error_file_id": self.error_file_id,
                "created_at": self.created_at, "expires_at": self.created_at + 86_400, **at,
                "request_counts": {"total": self.total, "completed": self.completed, "failed": self.failed},
                "metadata": self.metadata, "usage": None}


@dataclass
class BatchStats:
    uploads: int = 0
    created: int = 0
    lines: int = 0
    downloads: int = 0
    dropped_downloads: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_line: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {"uploads": self.uploads, "created": self.created, "lines": self.lines, "downloads": self.downloads,
                "dropped_downloads": self.dropped_downloads, "by_status": dict(self.by_status),
                "by_line": dict(self.by_line), "answered": dict(self.answered)}


@dataclass
class Reply:
    """What the server writes back: JSON or raw bytes from a file, maybe cut off at `cut_at`."""

    status: int
    json: Any = None
    path: Path | None = None
    cut_at: int | None = None


def _error(status: int, message: str, kind: str = "invalid_request_error") -> Reply:
    return Reply(status, {"error": {"message": message, "type": kind, "param": None, "code": None}})


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def multipart_fields(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """name -> (filename, bytes) of a multipart/form-data body."""
    boundary = next((p.split("=", 1)[1].strip('"') for p in content_type.split(";") if p.strip().startswith("boundary=")), None)
    if not boundary:
        raise ValueError("multipart body without a boundary")
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        disposition = next((line for line in head.decode("latin-1").split("\r\n") if line.lower().startswith("content-disposition")), "")
        params = dict(p.strip().split("=", 1) for p in disposition.split(";")[1:] if "=" in p)
        name = params.get("name", "").strip('"')
        filename = params["filename"].strip('"') if "filename" in params else None
        fields[name] = (filename, data.removesuffix(b"\r\n"))
    return fields


class BatchService:
    """The state behind `/v1/files` and `/v1/batches`."""

    def __init__(self, options: BatchOptions, answerer: Answerer, faults: FaultPlan) -> None:
        self.options = options
        self.answerer = answerer
        self.faults = faults
        self.stats = BatchStats()
        self.bodies: Counter[str] = Counter()  # answers given per request body: with --ignore-n, a repeat gets the next sample
        self.dir = Path(tempfile.mkdtemp(prefix="aimlabel-fake-files-"))
        self.files: dict[str, StoredFile] = {}
        self.batches: dict[str, FakeBatch] = {}

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        path, _, query = target.partition("?")
        parts = path.rstrip("/").split("/")[2:]  # after "", "v1"
        args = {k: v[0] for k, v in parse_qs(query).items()}
        if parts[0] == "files":
            return self._files(method, parts[1:], args, headers, body)
        return self._batches(method, parts[1:], args, body)

    # files ------------------------------------------------------------------------------------

    def _files(self, method: str, rest: list[str], args: dict[str, str], headers: dict[str, str], body: bytes) -> Reply:
        if not rest:
            if method == "POST":
                return self._upload(headers.get("content-type", ""), body)
            if method == "GET":
                found = [f for f in self.files.values() if f.purpose == args.get("purpose", f.purpose)]
                return self._page([f.as_json() for f in found], args)
            return _error(405, f"use GET or POST on /v1/files, not {method}")
        stored = self.files.get(rest[0])
        if stored is None:
            return _error(404, f"No such File object: {rest[0]}")
        if len(rest) == 1 and method == "GET":
            return Reply(200, stored.as_json())
        if len(rest) == 1 and method == "DELETE":
            del self.files[stored.id]
            stored.path.unlink(missing_ok=True)
            return Reply(200, {"id": stored.id, "object": "file", "deleted": True})
        if rest[1:] == ["content"] and method == "GET":
            self.stats.downloads += 1
            if self.stats.dropped_downloads < self.options.drop_downloads and stored.bytes > 1:
                self.stats.dropped_downloads += 1
                return Reply(200, path=stored.path, cut_at=stored.bytes // 2)
            return Reply(200, path=stored.path)
        return _error(404, f"no route {method} /v1/files/{'/'.join(rest)}")

    def _upload(self, content_type: str, body: bytes) -> Reply:
        try:
            fields = multipart_fields(content_type, body)
        except ValueError as exc:
            return _error(400, str(exc))
        purpose = fields.get("purpose", (None, b""))[1].decode()
        filename, data = fields.get("file", (None, b""))
        if purpose not in ("batch", "fine-tune", "assistants", "user_data", "vision"):
            return _error(400, f"'{purpose}' is not one of the supported purposes")
        if filename is None:
            return _error(400, "the 'file' field is missing")
        if purpose == "batch" and len(data) > MAX_FILE_BYTES:
            return _error(400, f"batch input files can be at most {MAX_FILE_BYTES} bytes")
        return Reply(200, self._store(filename, purpose, data).as_json())

    def _store(self, filename: str, purpose: str, data: bytes | None = None) -> StoredFile:
        file_id = _new_id("file-")
        path = self.dir / file_id
        if data is not None:
            path.write_bytes(data)
            self.stats.uploads += 1
        stored = StoredFile(file_id, filename, purpose, path.stat().st_size if path.exists() else 0, int(time.time()), path)
        self.files[file_id] = stored
        return stored

    def _page(self, items: list[dict[str, Any]], args: dict[str, str]) -> Reply:
        items = sorted(items, key=lambda i: i["created_at"], reverse=args.get("order", "desc") == "desc")
        after = args.get("after")
        if after:
            ids = [i["id"] for i in items]
            items = items[ids.index(after) + 1:] if after in ids else []
        limit = int(args.get("limit", "20"))
        page = items[:limit]
        return Reply(200, {"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                           "last_id": page[-1]["id"] if page else None, "has_more": len(items) > limit})

    # batches ----------------------------------------------------------------------------------

    def _batches(self, method: str, rest: list[str], args: dict[str, str], body: bytes) -> Reply:
        if not rest:
            if method == "POST":
                return self._create(body)
            if method == "GET":
                return self._page([b.as_json() for b in self.batches.values()], args)
            return _error(405, f"use GET or POST on /v1/batches, not {method}")
        batch = self.batches.get(rest[0])
        if batch is None:
            return _error(404, f"No batch found with id '{rest[0]}'.")
        if len(rest) == 1 and method == "GET":
            self._advance(batch)
            return Reply(200, batch.as_json())
        if rest[1:] == ["cancel"] and method == "POST":
            if batch.status in ("completed", "failed", "expired", "cancelled"):
                return _error(409, f"Cannot cancel a batch with status '{batch.status}'.")
            self._enter(batch, "cancelling")
            return Reply(200, batch.as_json())
        return _error(404, f"no route {method} /v1/batches/{'/'.join(rest)}")

    def _create(self, body: bytes) -> Reply:
        try:
            params = json.loads(body)
        except ValueError:
            return _error(400, "request body is not JSON")
        file_id, endpoint = params.get("input_file_id"), params.get("endpoint")
        if file_id not in self.files or self.files[file_id].purpose != "batch":
            return _error(400, f"Invalid 'input_file_id': '{file_id}'. A file with purpose 'batch' is required.")
        if endpoint not in ENDPOINTS:
            return _error(400, f"Invalid 'endpoint': {endpoint!r}; this fake serves {', '.join(ENDPOINTS)}")
        if params.get("completion_window") != "24h":
            return _error(400, "Invalid 'completion_window': only '24h' is supported.")
        metadata = params.get("metadata")
        if metadata is not None and (len(metadata) > 16 or any(len(k) > 64 or len(str(v)) > 512 for k, v in metadata.items())):
            return _error(400, "metadata holds at most 16 pairs, keys up to 64 and values up to 512 characters")
        self.stats.created += 1
        batch = FakeBatch(_new_id("batch_"), self.stats.created, file_id, endpoint, metadata, int(time.time()))
        self.batches[batch.id] = batch
        return Reply(200, batch.as_json())

    def _enter(self, batch: FakeBatch, status: str) -> None:
        batch.status, batch.polls = status, 0
        batch.times[status] = int(time.time())

    def _advance(self, batch: FakeBatch) -> None:
        """One poll: move on one state every `polls` retrieves."""
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return
        batch.polls += 1
        if batch.polls < self.options.polls and batch.status != "cancelling":
            return
        if batch.status == "validating":
            batch.errors = self._validate(batch)
            if batch.errors or batch.ordinal in self.options.fail:
                batch.errors = batch.errors or [{"code": "failed", "line": None, "message": "the batch failed (fake)", "param": None}]
                self._enter(batch, "failed")
            else:
                self._enter(batch, "in_progress")
        elif batch.status == "in_progress":
            self._enter(batch, "finalizing")
        elif batch.status == "finalizing":
            self._run(batch, "expired" if batch.ordinal in self.options.expire else "completed")
        elif batch.status == "cancelling":
            self._run(batch, "cancelled")

    def _lines(self, batch: FakeBatch) -> Iterator[tuple[int, str]]:
        with self.files[batch.input_file_id].path.open(encoding="utf-8") as fh:
            yield from enumerate((line for line in fh if line.strip()), start=1)

    def _validate(self, batch: FakeBatch) -> list[dict[str, Any]]:
        seen: set[str] = set()
        errors: list[dict[str, Any]] = []
        total = 0
        for number, line in self._lines(batch):
            total += 1
            problem, param = None, None
            try:
                row = json.loads(line)
            except ValueError:
                row, problem = {}, "invalid_json_line"
            if problem is None and row.get("custom_id") in seen:
                problem, param = "duplicate_custom_id", "custom_id"
            elif problem is None and (row.get("method") != "POST" or row.get("url") != batch.endpoint):
                problem, param = "mismatched_url", "url"
            elif problem is None and (not isinstance(row.get("custom_id"), str) or not isinstance(row.get("body"), dict)):
                problem, param = "invalid_request", "body"
            if problem:
                errors.append({"code": problem, "line": number, "message": f"line {number}: {problem}", "param": param})
            seen.add(row.get("custom_id"))
        if total > MAX_LINES:
            errors.append({"code": "too_many_requests", "line": None, "message": f"more than {MAX_LINES} requests", "param": None})
        batch.total = total
        return errors[:10]

    def _run(self, batch: FakeBatch, final: str) -> None:
        """Answer the lines (all, or the first half for an expired or cancelled batch) into files."""
        if not batch.total:  # cancelled before validation counted the lines
            batch.total = sum(1 for _ in self._lines(batch))
        run_upto = batch.total if final == "completed" else batch.total // 2
        out = self._store(f"batch_{batch.id}_output.jsonl", "batch_output")
        err = self._store(f"batch_{batch.id}_error.jsonl", "batch_output")
        with out.path.open("w", encoding="utf-8") as o, err.path.open("w", encoding="utf-8") as e:
            for number, line in self._lines(batch):
                row = json.loads(line)
                custom_id = row["custom_id"]
                if number > run_upto:
                    code, message = ("batch_expired", EXPIRED) if final == "expired" else ("batch_cancelled", CANCELLED)
                    e.write(json.dumps({"id": _new_id("batch_req_"), "custom_id": custom_id, "response": None,
                                        "error": {"code": code, "message": message}}) + "\n")
                    batch.failed += 1
                    continue
                status, answer = self._answer(row["body"], custom_id)
                line_out = {"id": _new_id("batch_req_"), "custom_id": custom_id, "error": None,
                            "response": {"status_code": status, "request_id": _new_id("req_"), "body": answer}}
                if status == "timeout":
                    line_out.update(response=None, error={"code": "request_timeout", "message": "The request timed out."})
                (o if status == 200 else e).write(json.dumps(line_out) + "\n")
                batch.completed += status == 200
                batch.failed += status != 200
        for stored in (out, err):
            stored.bytes = stored.path.stat().st_size
        batch.output_file_id = out.id if out.bytes else None
        batch.error_file_id = err.id if err.bytes else None
        self._enter(batch, final)

    def _answer(self, body: dict[str, Any], custom_id: str) -> tuple[Any, Any]:
        fault = self.faults.draw()
        stats = self.stats
        stats.lines += 1
        stats.by_line[custom_id] += 1
        if fault in ("429",):
            result: tuple[Any, Any] = (429, {"error": {"message": "rate limited (fake)", "type": "rate_limit_exceeded", "code": None}})
        elif fault in ("500", "junk", "drop"):
            result = (500, {"error": {"message": "internal error (fake)", "type": "server_error", "code": None}})
        elif fault == "timeout":
            result = ("timeout", None)
        else:
            digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
            result = (200, self.answerer.completion(body, fault, repeat=self.bodies[digest]))  # as the chat endpoint counts repeats
            self.bodies[digest] += 1
            if fault is None:
                stats.answered[custom_id] += 1
        stats.by_status[str(result[0])] += 1
        return result


def read_reply_body(reply: Reply) -> bytes:
    if reply.path is not None:
        with contextlib.suppress(FileNotFoundError):
            return reply.path.read_bytes()
        return b""
    return json.dumps(reply.json).encode()

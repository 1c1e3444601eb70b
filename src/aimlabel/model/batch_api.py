"""The Batch API's files and batches, through the openai SDK's own client methods.

Upload a request file (`files.create`, purpose `batch`), create a batch over it
(`batches.create`, 24 h window), read its state (`batches.retrieve`), cancel it, list files and
batches (to find, after a crash, one we made but did not get to store), and download a result
file to disk in blocks (`files.with_streaming_response.content`). Every answer is returned as a
plain `RemoteBatch`/`RemoteFile` so the run layer never sees an SDK type, and every failure as a
`BatchApiError` carrying the same error type and wording as a failed model call. The SDK's own
retries cover the API calls; a download cut off half way is started again, to a temp file that
replaces the target only when complete.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx2
import openai

from aimlabel.core.record import ErrorInfo
from aimlabel.core.redact import redact, register_secret
from aimlabel.model.base import ModelSettings
from aimlabel.model.batch import ENDPOINT
from aimlabel.model.errors import FATAL_ERRORS, classify_error
from aimlabel.model.openai import recognise

WINDOW: Final = "24h"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
BLOCK = 1 << 16


class BatchApiError(RuntimeError):
    """A Files or Batches call failed after the SDK's retries; `info` says how, as a model call would."""

    def __init__(self, info: ErrorInfo, what: str) -> None:
        super().__init__(f"{what}: {info.message}")
        self.info = info

    @property
    def fatal(self) -> bool:
        return self.info.type in FATAL_ERRORS


@dataclass(frozen=True)
class RemoteFile:
    id: str
    filename: str
    bytes: int


@dataclass(frozen=True)
class RemoteBatch:
    """A batch as the API reports it: state, counts, result files, and its problems if it failed."""

    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: int = 0

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


def _batch(b: Any) -> RemoteBatch:
    counts = b.request_counts
    errors = [f"line {e.line}: {e.message}" if e.line is not None else str(e.message or e.code)
              for e in ((b.errors.data if b.errors else None) or [])]
    return RemoteBatch(id=b.id, status=b.status, input_file_id=b.input_file_id, output_file_id=b.output_file_id,
                       error_file_id=b.error_file_id, total=counts.total if counts else 0,
                       completed=counts.completed if counts else 0, failed=counts.failed if counts else 0,
                       errors=errors, metadata=dict(b.metadata or {}), created_at=b.created_at)


class BatchApi:
    """The Files and Batches endpoints of `settings.base_url` (OpenAI by default)."""

    def __init__(self, settings: ModelSettings, *, transport: httpx2.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.sleep = sleep
        register_secret(settings.api_key)
        self._http = httpx2.Client(transport=transport or httpx2.HTTPTransport(),
                                   timeout=httpx2.Timeout(settings.timeout, connect=min(10.0, settings.timeout)))
        self.client = openai.OpenAI(base_url=settings.base_url, api_key=settings.api_key or "no-key",
                                    max_retries=settings.retry.max_retries, timeout=settings.timeout, http_client=self._http)

    def close(self) -> None:
        self._http.close()

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        try:
            yield
        except openai.OpenAIError as exc:
            info = classify_error(exc, self.settings, recognise)
            raise BatchApiError(ErrorInfo(type=info.type, message=redact(info.message)), what) from None

    def upload(self, path: Path, filename: str) -> RemoteFile:
        """Upload a request file; the SDK streams it from disk (it is never read whole here)."""
        with self._call(f"uploading {filename}"), open(path, "rb") as fh:
            f = self.client.files.create(file=(filename, fh, "application/jsonl"), purpose="batch")
        return RemoteFile(f.id, f.filename, f.bytes)

    def find_file(self, filename: str, size: int) -> RemoteFile | None:
        """A batch file of ours already uploaded (same name and size), if any."""
        with self._call("listing files"):
            for f in self.client.files.list(purpose="batch"):
                if f.filename == filename and f.bytes == size:
                    return RemoteFile(f.id, f.filename, f.bytes)
        return None

    def create(self, file_id: str, metadata: dict[str, str]) -> RemoteBatch:
        with self._call(f"creating a batch over {file_id}"):
            return _batch(self.client.batches.create(input_file_id=file_id, endpoint=ENDPOINT, completion_window=WINDOW,
                                                     metadata=metadata))

    def find_batch(self, file_id: str, metadata: dict[str, str], since: float) -> RemoteBatch | None:
        """A batch of ours already created over `file_id` with `metadata` (newest first, back to `since`)."""
        with self._call("listing batches"):
            for b in self.client.batches.list(limit=100):
                if b.input_file_id == file_id and all((b.metadata or {}).get(k) == v for k, v in metadata.items()):
                    return _batch(b)
                if b.created_at < since:
                    break
        return None

    def retrieve(self, batch_id: str) -> RemoteBatch:
        with self._call(f"reading batch {batch_id}"):
            return _batch(self.client.batches.retrieve(batch_id))

    def cancel(self, batch_id: str) -> RemoteBatch:
        with self._call(f"cancelling batch {batch_id}"):
            return _batch(self.client.batches.cancel(batch_id))

    def download(self, file_id: str, target: Path) -> int:
        """Write the file's content to `target` (through a temp file), in blocks; a download cut off
        half way starts again, up to the retry count. Returns the bytes written."""
        tmp = target.with_name(target.name + ".part")
        attempts = self.settings.retry.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                written = 0
                with self._call(f"downloading {file_id}"), self.client.files.with_streaming_response.content(file_id) as response, \
                        open(tmp, "wb") as fh:
                    for block in response.iter_bytes(BLOCK):
                        fh.write(block)
                        written += len(block)
                os.replace(tmp, target)
                return written
            except (httpx2.TransportError, BatchApiError) as exc:
                tmp.unlink(missing_ok=True)
                if isinstance(exc, BatchApiError) and exc.info.type not in ("connection", "timeout", "server_error", "rate_limited"):
                    raise
                if attempt == attempts:
                    message = str(exc) if isinstance(exc, BatchApiError) else f"the connection dropped: {exc}"
                    raise BatchApiError(ErrorInfo(type="connection", message=f"{message} ({attempts} attempts)"),
                                        f"downloading {file_id}") from None
                policy = self.settings.retry
                self.sleep(min(policy.base_wait * 2 ** (attempt - 1), policy.max_wait))
        raise AssertionError("unreachable")

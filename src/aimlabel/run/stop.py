"""When a run stops early: the one place that decides it.

These reasons stop a run, each seen here as records complete or as the run fails:
- a fatal error (`aimlabel.model.errors.FATAL_ERRORS`: refused credentials, a model or endpoint
  not found), since every later article would fail the same way;
- a server that could not be reached for `unreachable_limit` articles in a row, each after its
  own retries (a wrong --base-url, a server that is down); one dropped connection in a working
  run fails only its own article, and any answer resets the count. The stop reports one count,
  every article that could not reach the server, including calls in flight when it stopped;
- the budget (`--max-cost`), once the spend recorded so far reaches it; the stop reports what was
  spent at the end, calls in flight at the stop included, the amount the run summary gives;
- no space left to write (the store, a recording, the output): `stop_for` turns that exception
  into the reason, and the pipeline ends the run at once;
- anything the run itself calls off (`halt`: its lease taken over by another process).
The pipeline asks `skip_reason()` before each call and records the remaining articles as not
attempted with it; the run's totals keep `reason()`, and the CLI turns it into exit code 3.
"""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass

from aimlabel.core.record import ErrorInfo, LabelRecord
from aimlabel.model.base import ModelAdapter
from aimlabel.model.errors import FATAL_ERRORS

BUDGET = "budget"
NO_SPACE = "no_space"
UNREACHABLE_STOP = 3
_NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def no_space(exc: BaseException) -> str | None:
    """What ran out of space, when `exc` (or what caused it) is a full disk, quota or file-size limit."""
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, OSError) and node.errno in _NO_SPACE_ERRNOS:
            return (node.strerror or "no space left on device") + (f": {node.filename}" if node.filename else "")
        if isinstance(node, sqlite3.Error) and (getattr(node, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                                                or "database or disk is full" in str(node)):
            return f"the run store: {node}"
        node = node.__cause__ or node.__context__
    return None


@dataclass
class StopRule:
    where: str
    max_cost: float | None = None
    resume_hint: str | None = None
    unreachable_limit: int = UNREACHABLE_STOP
    _stop: ErrorInfo | None = None
    _unreachable: int = 0
    _spent: float | None = 0.0

    @classmethod
    def for_adapter(cls, adapter: ModelAdapter, **options: object) -> StopRule:
        return cls(where=adapter.settings.server_name(adapter.replay), **options)  # type: ignore[arg-type]

    def observe(self, record: LabelRecord, spent: float | None = 0.0) -> None:
        """Take note of a completed record and of the spend so far (None: unknown)."""
        error = record.error
        if record.attempts.requests:
            unreachable = error is not None and error.type == "connection"
            if self._stop is None:
                if error is not None and error.type in FATAL_ERRORS:
                    self._stop = error
                elif error is not None and unreachable:
                    self._unreachable += 1
                    if self._unreachable >= self.unreachable_limit:
                        self._stop = ErrorInfo(type="connection", message=error.message)
                else:
                    self._unreachable = 0
            elif self._stop.type == "connection" and unreachable:
                self._unreachable += 1  # a call in flight when the run stopped, failed the same way
        self._spent = spent

    def halt(self, error: ErrorInfo) -> None:
        """Stop the run for a reason found outside the records (the first reason wins)."""
        if self._stop is None:
            self._stop = error

    def stop_for(self, exc: BaseException) -> ErrorInfo | None:
        """The reason to end the run cleanly on this exception (no space left), or None."""
        what = no_space(exc)
        if what is None:
            return None
        resume = f" with --run {self.resume_hint}" if self.resume_hint else ""
        self._stop = ErrorInfo(type=NO_SPACE, message=f"no space left to write ({what}); free some space, then resume{resume}")
        return self._stop

    def reason(self) -> ErrorInfo | None:
        """Why the run stopped, or None if it was never stopped."""
        stop = self._stop
        if stop is not None and stop.type == "connection":
            return ErrorInfo(type="connection", message=(
                f"{self.where} could not be reached for {self._unreachable} articles (last error: {stop.message}); "
                "check --base-url and that the server is up"))
        if stop is not None and stop.type == BUDGET and self._spent is not None:
            # the spend once the calls in flight at the stop have answered: the run summary's amount
            return ErrorInfo(type=BUDGET, message=stop.message.replace(" reached;", f" reached (${self._spent:.4f} spent);", 1))
        return stop

    def skip_reason(self) -> ErrorInfo | None:
        """Asked before each call: the error to record the article with instead, or None to go on.

        The budget is judged here, before spending more, so a run whose last answer crosses it
        still finishes normally.
        """
        spent = self._spent
        if self._stop is None and self.max_cost is not None and spent is not None and spent >= self.max_cost:
            resume = f"resume with --run {self.resume_hint} and a higher --max-cost"
            self._stop = ErrorInfo(type=BUDGET, message=f"budget of ${self.max_cost:g} reached; {resume}")
        stop = self._stop
        if stop is None or stop.type == BUDGET:
            return stop
        if stop.type == "connection":  # the count is the run's to report, once it is known
            return ErrorInfo(type="not_attempted", message=f"run stopped: {self.where} could not be reached; "
                             "check --base-url and that the server is up")
        return ErrorInfo(type="not_attempted", message=f"run stopped: {stop.message}")

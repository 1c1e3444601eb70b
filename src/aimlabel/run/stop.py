"""When a run stops early: the one place that decides it.

Three reasons stop a run, and each is seen here as records complete:
- a fatal error (`aimlabel.model.errors.FATAL_ERRORS`: refused credentials, a model or endpoint
  not found), since every later article would fail the same way;
- a server that could not be reached for `unreachable_limit` articles in a row, each after its
  own retries (a wrong --base-url, a server that is down); one dropped connection in a working
  run fails only its own article, and any answer resets the count;
- the budget (`--max-cost`), once the spend recorded so far reaches it.
The pipeline asks `skip_reason()` before each call and records the remaining articles as not
attempted with it; the run's totals keep `reason()`, and the CLI turns it into exit code 3.
"""

from __future__ import annotations

from dataclasses import dataclass

from aimlabel.core.record import ErrorInfo, LabelRecord
from aimlabel.model.base import ModelAdapter
from aimlabel.model.errors import FATAL_ERRORS

BUDGET = "budget"
UNREACHABLE_STOP = 3


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
        if self._stop is None and record.attempts.requests:
            error = record.error
            if error is not None and error.type in FATAL_ERRORS:
                self._stop = error
            elif error is not None and error.type == "connection":
                self._unreachable += 1
                if self._unreachable >= self.unreachable_limit:
                    self._stop = ErrorInfo(type="connection", message=(
                        f"{error.message}; {self.where} could not be reached for {self._unreachable} articles in a "
                        "row: check --base-url and that the server is up"))
            else:
                self._unreachable = 0
        self._spent = spent

    def reason(self) -> ErrorInfo | None:
        """Why the run stopped, or None if it was never stopped."""
        return self._stop

    def skip_reason(self) -> ErrorInfo | None:
        """Asked before each call: the error to record the article with instead, or None to go on.

        The budget is judged here, before spending more, so a run whose last answer crosses it
        still finishes normally.
        """
        spent = self._spent
        if self._stop is None and self.max_cost is not None and spent is not None and spent >= self.max_cost:
            resume = f"resume with --run {self.resume_hint} and a higher --max-cost"
            self._stop = ErrorInfo(type=BUDGET, message=f"budget of ${self.max_cost:g} reached (${spent:.4f} spent); {resume}")
        stop = self._stop
        if stop is None or stop.type == BUDGET:
            return stop
        return ErrorInfo(type="not_attempted", message=f"run stopped: {stop.message}")

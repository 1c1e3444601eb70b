"""What `aimlabel label` tells a person at the end: the run's counts, and on a terminal a table.

The counts partition the articles twice, so they add up: by outcome (ok, needs review,
failed) and by where the answer came from (asked now, from cache, from the earlier run, not
sent). On a terminal with no -o, the records themselves stay in the run store and stdout gets
a table a person can read (`RecordTable`); piped or with -o, stdout gets the JSONL.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from aimlabel.core.record import LabelRecord
from aimlabel.core.redact import redact
from aimlabel.rules.text import snippet

if TYPE_CHECKING:
    from aimlabel.run.pipeline import RunTotals

TABLE_ROWS = 50  # rows shown on a terminal; the rest are counted and left to `aimlabel export`
FINDING_WIDTH = 70


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def summary_line(totals: RunTotals, tokens: int, cost: float | None) -> str:
    """'4 articles: 2 ok, 1 needs review, 1 failed; 2 asked now, 1 from cache, 1 not sent; ...'."""
    outcome = [f"{totals.ok - totals.needs_review} ok"]
    if totals.needs_review:
        outcome.append(f"{totals.needs_review} need{'s' if totals.needs_review == 1 else ''} review")
    failed = f"{totals.failed} failed"
    if totals.invalid_input:
        failed += f" ({plural(totals.invalid_input, 'unreadable input line')})"
    outcome.append(failed)
    if totals.fixed:
        outcome.append(f"{totals.fixed} sent back for a fix round ({totals.fix_round_share:.0%})")
    sources = [(totals.new, "asked now"), (totals.cached, "from cache"), (totals.resumed, "from the earlier run"),
               (totals.not_sent, "not sent")]
    where = ", ".join(f"{n} {what}" for n, what in sources if n)
    priced = "unknown cost" if cost is None else f"${cost:.4f}"
    return (f"{plural(totals.total, 'article')}: {', '.join(outcome)}" + (f"; {where}" if where else "")
            + f"; {tokens} tokens, {priced}")


def _top_finding(record: LabelRecord) -> str:
    if record.error is not None:
        return f"{record.error.type}: {record.error.message}"
    if not record.findings:
        return ""
    top = min(record.findings, key=lambda f: f.severity != "error")
    return f"{top.severity} {top.rule}: {top.message}"


def _confidence(record: LabelRecord) -> str:
    """The record's measured confidence in its class (calibrated when it is), or "" when it has none."""
    value = record.confidence.score() if record.confidence is not None else None
    return f"{value:.2f}" if value is not None else ""


@dataclass
class RecordTable:
    """The first `limit` records as table rows (key, class, confidence when a label has one,
    status, top finding), and a count of the rest: memory stays flat however long the run."""

    limit: int = TABLE_ROWS
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    more: int = 0

    def add(self, record: LabelRecord) -> None:
        if len(self.rows) >= self.limit:
            self.more += 1
            return
        label = record.label or {}
        self.rows.append((record.id, str(label.get("classification") or "-"), _confidence(record), record.status,
                          snippet(_top_finding(record), FINDING_WIDTH)))

    def render(self, out: TextIO | None = None, width: int | None = None) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, pad_edge=False, header_style="bold")
        with_confidence = any(row[2] for row in self.rows)
        for name in ("key", "class", *(("confidence",) if with_confidence else ()), "status", "top finding"):
            table.add_column(name, overflow="fold")
        for key, cls, confidence, status, finding in self.rows:
            cells = (key, cls, *((confidence,) if with_confidence else ()), status, finding)
            table.add_row(*(Text(redact(cell)) for cell in cells))
        console = Console(file=out or sys.stdout, width=width, highlight=False, soft_wrap=False)
        console.print(table)
        if self.more:
            console.print(f"... and {plural(self.more, 'more record')}", markup=False)

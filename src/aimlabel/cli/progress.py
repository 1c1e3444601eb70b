"""Progress on stderr: a live bar on a terminal, one line per article otherwise.

rich is imported only for the bar: on this machine it added 50 ms to every run's start-up,
before the first request, including runs with `--quiet` or with stderr in a file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from aimlabel.cli.exits import err
from aimlabel.core.record import LabelRecord
from aimlabel.core.redact import redact
from aimlabel.run.job import RunMeter


class Reporter(Protocol):
    def __call__(self, record: LabelRecord) -> None: ...


def count_lines(path: str) -> int | None:
    """A quick total for the ETA (JSONL lines; CSV rows may be fewer); None for stdin."""
    if path == "-":
        return None
    with open(Path(path), "rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))


def _line(record: LabelRecord) -> None:
    if record.status != "failed" and record.label:
        via = "cache" if record.cached else f"requests {record.attempts.requests}, answers {record.attempts.answers}"
        err(f"{record.id}\t{record.label.get('classification')}\t{record.status}\t({via})")
    elif record.error:
        err(f"{record.id}\tFAILED {record.error.type}: {record.error.message}")


@contextmanager
def progress_reporter(input: str, meter: RunMeter, quiet: bool) -> Iterator[Reporter]:
    if quiet:
        yield lambda record: None
        return
    if not sys.stderr.isatty():
        yield _line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    total = count_lines(input)
    columns = (
        TextColumn("[bold]labelling"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"), TextColumn("{task.fields[rate]}/s"),
        TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[tokens]} tok {task.fields[cost]}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task("label", total=total, failed=0, rate="0.0", tokens=0, cost="$0")

        def report(record: LabelRecord) -> None:
            elapsed = bar.tasks[0].elapsed or 1e-9
            cost = "$?" if meter.cost is None else f"${meter.cost:.4f}"
            bar.update(task, completed=meter.completed, failed=meter.failed, rate=f"{meter.done / elapsed:.1f}",
                       tokens=meter.tokens, cost=cost)
            if record.status == "failed" and record.error:
                bar.console.print(redact(f"{record.id}: FAILED {record.error.type}: {record.error.message}"), markup=False,
                                  highlight=False)

        yield report

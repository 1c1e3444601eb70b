"""`aimlabel check`: run the rule check on any labels file, from a model or from people."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Optional

import typer
from pydantic import ValidationError

from aimlabel.core.articles import Article, InputProblem, iter_articles
from aimlabel.cli import app
from aimlabel.cli.common import Exit, err, fail
from aimlabel.rules.engine import RuleConfig
from aimlabel.core.labels_file import LabelItem, LabelProblem, read_labels
from aimlabel.rules.render import FORMATS, RENDERERS, headline, render_rules
from aimlabel.rules.report import run_check

EPILOG = (
    "Exit codes: 0 no error-level findings (warnings do not fail); 1 error-level findings, or "
    "labels-file lines that could not be read (so were not checked); 2 usage error (missing or "
    "unreadable file, bad option). With --exit-zero (alias --report-only) the check only reports "
    "and exits 0 unless it is a usage error. Rules and what they catch: aimlabel check --list-rules."
)


def _read_items(labels: str) -> tuple[list[LabelItem], int]:
    source = "<stdin>" if labels == "-" else labels
    stream: IO[bytes] = sys.stdin.buffer if labels == "-" else open(labels, "rb")  # noqa: SIM115
    items: list[LabelItem] = []
    bad = 0
    try:
        for entry in read_labels(stream):
            if isinstance(entry, LabelProblem):
                bad += 1
                err(f"{source}:{entry.line}: skipped: {entry.message}")
            else:
                items.append(entry)
    finally:
        if labels != "-":
            stream.close()
    return items, bad


def _articles(path: str) -> Iterator[Article]:
    for entry in iter_articles(path):
        if isinstance(entry, InputProblem):
            err(f"{entry.source}:{entry.line}: skipped article: {entry.message}")
        else:
            yield entry[1]


@app.command("check", epilog=EPILOG)
def check_command(
    labels: Annotated[Optional[str], typer.Argument(help="Labels file (JSONL), or - for stdin.", show_default=False)] = None,
    articles: Annotated[Optional[str], typer.Option("--articles", help="Articles file (.jsonl/.csv) whose text the text rules check against, joined on the article id.", show_default=False)] = None,
    output_format: Annotated[str, typer.Option("--format", help="Output: table (for people), json (one document), jsonl (one line per label).")] = "table",
    exit_zero: Annotated[bool, typer.Option("--exit-zero", "--report-only", help="Only report: exit 0 even when error-level findings exist.")] = False,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="Print every rule (id, severity, description) and exit.")] = False,
    disable: Annotated[Optional[list[str]], typer.Option("--disable", help="Skip this rule id (repeatable).", show_default=False)] = None,
    max_ai_principles: Annotated[int, typer.Option(min=1, help="More AI principles than this on one label is a warning.")] = RuleConfig().max_ai_principles,
) -> None:
    """Check AIM labels against the rules: class vs harm, rationale vs label, evidence quotes in
    the article, taxonomy coherence, event consistency, and instructions aimed at AI in the article.

    LABELS can be what `aimlabel label` writes, or labels from people or other tools: one JSON
    object a line, either {"id": ..., "label": {...}} or a flat {"id": ..., "classification": ...,
    ...}, optionally with event_id, title and text. Rules that need the article text are skipped
    when a label has none (give --articles, or a text field on the line).

    Prints a summary per rule, then each finding, then the derived event labels.

    Examples:

      aimlabel check labels.jsonl --articles articles.jsonl

      aimlabel check reviewed.jsonl --format json --exit-zero
    """
    if list_rules:
        typer.echo(render_rules(), nl=False)
        return
    if labels is None:
        raise fail("no LABELS file: give a path, or - for stdin (see --help)")
    if output_format not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}")
    for path in (labels, articles):
        if path is not None and path != "-" and not Path(path).is_file():
            raise fail(f"file not found: {path}")
    try:
        config = RuleConfig(max_ai_principles=max_ai_principles, disabled=frozenset(disable or ()))
    except ValidationError as exc:
        raise fail("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None
    try:
        items, bad = _read_items(labels)
        report = run_check(
            items, _articles(articles) if articles else None, config=config, unreadable=bad, note=err
        )
    except OSError as exc:
        raise fail(f"cannot read: {exc}") from None

    typer.echo(RENDERERS[output_format](report), nl=False)
    if output_format == "jsonl":
        err(headline(report))
    if not exit_zero and (report.count("error") or bad):
        raise typer.Exit(int(Exit.ITEMS_FAILED))

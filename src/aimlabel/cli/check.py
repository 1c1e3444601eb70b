"""`aimlabel check`: run the rule check on any labels file, from a model or from people."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated

import typer
from pydantic import ValidationError

from aimlabel.cli import options as o
from aimlabel.cli.exits import ExitCode, epilog, err, fail
from aimlabel.core.articles import Article, InputProblem, iter_articles
from aimlabel.core.labels_file import LabelItem, LabelProblem, read_labels
from aimlabel.core.validation import validation_message
from aimlabel.rules.config import RuleConfig
from aimlabel.rules.render import RENDERERS, headline, render_rules
from aimlabel.rules.report import run_check


class CheckFormat(StrEnum):
    """The check's output formats: the keys of `aimlabel.rules.render.RENDERERS` (a test keeps them equal)."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"


EXITS = {
    ExitCode.OK: "no error-level findings (warnings do not fail)",
    ExitCode.FAILED: "error-level findings, or labels-file lines that could not be read (so were not checked)",
    ExitCode.USAGE: "usage error (missing or unreadable file, bad option)",
}
NOTE = ("With --exit-zero (alias --report-only) the check only reports and exits 0 unless it is a usage error. "
        "Rules and what they catch: aimlabel check --list-rules.")

commands = o.command_group()


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


@commands.command("check", epilog=epilog(EXITS, NOTE))
def check_command(
    labels: Annotated[str | None, typer.Argument(help="Labels file (JSONL), or - for stdin.", show_default=False)] = None,
    articles: Annotated[str | None, typer.Option("--articles", help="Articles file (.jsonl/.csv) whose text the text rules check against, joined on the article id.", show_default=False)] = None,
    output_format: Annotated[CheckFormat, typer.Option("--format", **o.choice(CheckFormat, "--format"), help="Output: table (for people), json (one document), jsonl (one line per label).")] = CheckFormat.TABLE,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", "--report-only", help="Only report: exit 0 even when error-level findings exist.")] = False,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="Print every rule (id, severity, description) and exit.")] = False,
    disable: Annotated[list[str] | None, typer.Option("--disable", help="Skip this rule id (repeatable).", show_default=False)] = None,
    max_ai_principles: o.MaxAiPrinciplesOpt = o.DEFAULT_MAX_AI_PRINCIPLES,
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
    for path in (labels, articles):
        if path is not None and path != "-" and not Path(path).is_file():
            raise fail(f"file not found: {path}")
    try:
        config = RuleConfig(max_ai_principles=max_ai_principles, disabled=frozenset(disable or ()))
    except ValidationError as exc:
        raise fail(validation_message(exc, locations=False)) from None
    try:
        items, bad = _read_items(labels)
        report = run_check(
            items, _articles(articles) if articles else None, config=config, unreadable=bad, note=err
        )
    except OSError as exc:
        raise fail(f"cannot read: {exc}") from None

    typer.echo(RENDERERS[output_format](report), nl=False)
    if output_format is CheckFormat.JSONL:
        err(headline(report))
    if not exit_zero and (report.count("error") or bad):
        raise typer.Exit(int(ExitCode.FAILED))

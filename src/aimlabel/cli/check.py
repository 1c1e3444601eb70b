"""`aimlabel check`: run the rule check on any labels file, from a model or from people."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from aimlabel.cli import options as o
from aimlabel.cli.exits import ExitCode, epilog, err, fail
from aimlabel.cli.sources import read_label_items
from aimlabel.core.articles import Article, InputProblem
from aimlabel.core.redact import redact
from aimlabel.core.validation import validation_message
from aimlabel.rules.config import RuleConfig
from aimlabel.rules.render import RENDERERS, headline, never_ran_lines, render_rules
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
SELFTEST_BAR = 0.95


def _selftest(corpus: list[Path], show_misses: bool) -> None:
    from aimlabel.core.resources import data_dir
    from aimlabel.rules.selftest import CorpusProblem, load_corpus, render_selftest, run_selftest

    if not corpus:
        try:
            root = data_dir("eval/rules")
        except FileNotFoundError as exc:
            raise fail(f"{exc}; give the corpus with --corpus DIR") from None
        corpus = sorted(p for p in root.iterdir() if p.is_dir())
    for path in corpus:
        if not path.exists():
            raise fail(f"corpus not found: {path}")
    try:
        result = run_selftest(load_corpus(corpus))
    except (CorpusProblem, OSError, KeyError, ValueError) as exc:
        raise fail(f"cannot read the corpus: {exc}") from None
    typer.echo(render_selftest(result, show_misses), nl=False)
    below = result.error_rules_below(SELFTEST_BAR)
    if below:
        err(f"aimlabel: error-level findings of {', '.join(below)} are right less than {SELFTEST_BAR:.0%} of the time on this corpus")
        raise typer.Exit(int(ExitCode.FAILED))


def _articles(path: str) -> Iterator[Article]:
    from aimlabel.core.readers import InputError, iter_articles

    try:
        entries = iter_articles(path)
    except InputError as exc:
        raise fail(f"--articles: {exc}") from None
    for entry in entries:
        if isinstance(entry, InputProblem):
            err(f"{entry.source}:{entry.line}: skipped article: {entry.message}")
        else:
            yield entry[1]


@commands.command("check", epilog=epilog(EXITS, NOTE))
def check_command(
    labels: Annotated[list[str] | None, typer.Argument(help="Labels files (JSONL), AIM event pages (text), stored run names, or - for stdin.", show_default=False)] = None,
    articles: Annotated[str | None, typer.Option("--articles", help="Articles file (.jsonl/.csv) whose text the text rules check against, joined on the article id.", show_default=False)] = None,
    output_format: Annotated[CheckFormat, typer.Option("--format", **o.choice(CheckFormat, "--format"), help="Output: table (for people), json (one document), jsonl (one line per label).")] = CheckFormat.TABLE,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", "--report-only", help="Only report: exit 0 even when error-level findings exist.")] = False,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="Print every rule (id, severity, description) and exit.")] = False,
    disable: Annotated[list[str] | None, typer.Option("--disable", help="Skip this rule id (repeatable).", show_default=False)] = None,
    max_ai_principles: o.MaxAiPrinciplesOpt = o.DEFAULT_MAX_AI_PRINCIPLES,
    store: o.StoreOpt = None,
    selftest: Annotated[bool, typer.Option("--selftest", help="Run the rules over their written corpus and print precision and recall per rule; exit 1 if any rule's errors are right less than 95% of the time.")] = False,
    corpus: Annotated[list[Path] | None, typer.Option("--corpus", help="With --selftest: corpus folder or file (repeatable; default: the bundled eval/rules corpus).", show_default=False)] = None,
    show_misses: Annotated[bool, typer.Option("--show-misses", help="With --selftest: list every false positive, missed finding and misread conclusion.")] = False,
) -> None:
    """Check AIM labels against the rules: class vs harm, rationale vs label, evidence quotes in
    the article, taxonomy coherence, event consistency, and instructions aimed at AI in the article.

    LABELS can be what `aimlabel label` writes (a file or a stored run name), or labels from
    people or other tools: one JSON object a line, either {"id": ..., "label": {...}} or a flat
    {"id": ..., "classification": ..., ...}, optionally with event_id, title and text; a label
    with only a rationale is judged with the class its rationale concludes. An AIM event page
    copied from oecd.ai as plain text is read as its event and articles. Rules that need the
    article text are skipped when a label has none (give --articles, or a text field on the line);
    the report says which rules could not run and why.

    Prints a summary per rule, then each finding, then each event's class.

    Examples:

      aimlabel check labels.jsonl --articles articles.jsonl

      aimlabel check aim-event-page.txt

      aimlabel check reviewed.jsonl --format json --exit-zero

      aimlabel check --selftest --show-misses
    """
    if list_rules:
        typer.echo(render_rules(), nl=False)
        return
    if selftest:
        _selftest(list(corpus or ()), show_misses)
        return
    if not labels:
        raise fail("no LABELS file: give a path, an AIM event page, a run name, or - for stdin (see --help)")
    if articles is not None and not Path(articles).is_file():
        raise fail(f"file not found: {articles}")
    try:
        config = RuleConfig(max_ai_principles=max_ai_principles, disabled=frozenset(disable or ()))
    except ValidationError as exc:
        raise fail(validation_message(exc, locations=False)) from None
    try:
        items, bad = read_label_items(labels, store)
        report = run_check(
            items, _articles(articles) if articles else None, config=config, unreadable=bad, note=err
        )
    except OSError as exc:
        raise fail(f"cannot read: {exc}") from None

    typer.echo(redact(RENDERERS[output_format](report)), nl=False)
    if output_format is CheckFormat.JSONL:
        err(headline(report))
    if output_format is not CheckFormat.TABLE:
        for line in never_ran_lines(report):
            if line:
                err(f"aimlabel: {line}")
    if not exit_zero and (report.count("error") or bad):
        raise typer.Exit(int(ExitCode.FAILED))

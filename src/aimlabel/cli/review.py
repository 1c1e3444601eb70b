"""`aimlabel review`, `show`, and the Label Studio / Argilla round trips.

`aimlabel review RUN ...` builds the page and `aimlabel review import FILE` brings decisions
back: `review` is a group whose first argument, when it is not a subcommand name, is taken as
the RUN of its default `build` subcommand (a run literally named "import" needs `review build import`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from aimlabel.cli import app
from aimlabel.cli.common import Exit, err, fail, output_stream
from aimlabel.cli.runs import StoreOption
from aimlabel.evaluation.gold import GoldProblem
from aimlabel.review import argilla, labelstudio
from aimlabel.review.decisions import Decision, DecisionsProblem, read_decisions
from aimlabel.review.goldwrite import import_decisions
from aimlabel.review.html import build_page
from aimlabel.review.pairs import Pair, build_pairs
from aimlabel.review.sides import (
    Side,
    SideProblem,
    attach_articles,
    load_side,
    read_article_texts,
)
from aimlabel.review.terminal import render_table, summary
from aimlabel.run.store import default_store_path


class _DefaultBuild(TyperGroup):
    """A group whose unknown first word is the RUN of `build`: `review RUN` and `review import F` both work."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["build", *args]
        return super().parse_args(ctx, args)


review_app = typer.Typer(
    cls=_DefaultBuild, no_args_is_help=True, rich_markup_mode="markdown",
    help=(
        "Review draft labels: `aimlabel review RUN [--against GOLD|RUN_B] -o review.html` builds the page; "
        "`aimlabel review import DECISIONS.jsonl --gold GOLD.jsonl` adds the decisions made in it to gold."
    ),
)
app.add_typer(review_app, name="review", cls=_DefaultBuild)

RunArg = Annotated[str, typer.Argument(help="Stored run name (see `aimlabel runs`), labels JSONL, or gold JSONL.", show_default=False)]
AgainstOpt = Annotated[str | None, typer.Option("--against", help="Gold JSONL, a labels JSONL, or a stored run to compare with.", show_default=False)]
ArticlesOpt = Annotated[str | None, typer.Option("--articles", help="Articles (.jsonl/.csv) giving the text, joined on id (gold files carry it).", show_default=False)]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.", show_default=False)]
GoldOpt = Annotated[Path, typer.Option("--gold", help="Gold JSONL to add the decisions to (created when missing).", show_default=False)]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Apply decisions that differ from an earlier reviewed decision (the earlier one stays in `reviews`).")]

IMPORT_EPILOG = (
    "Exit codes: 0 decisions applied (or already there); 1 conflicts with earlier reviewed decisions "
    "(nothing written; see --overwrite) or decisions skipped; 2 usage error or unreadable file."
)


def _sides(run: str, against: str | None, articles: str | None, store: Path | None) -> tuple[Side, Side | None]:
    for path in (articles,):
        if path is not None and path != "-" and not Path(path).is_file():
            raise fail(f"file not found: {path}")
    store_path = store or default_store_path()
    try:
        left = load_side(run, store_path, note=err)
        right = load_side(against, store_path, note=err) if against else None
    except SideProblem as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot read: {exc}") from None
    texts = read_article_texts(articles, note=err) if articles else {}
    sides = attach_articles([left] if right is None else [left, right], texts)
    return sides[0], (sides[1] if right is not None else None)


def _warn_missing_text(pairs: list[Pair]) -> None:
    missing = sum(1 for p in pairs if not p.article.text)
    if missing:
        err(f"aimlabel: {missing} of {len(pairs)} article(s) have no text (evidence not located, text rules not run): give --articles ARTICLES.jsonl")


@review_app.command("build")
def build_command(run: RunArg, against: AgainstOpt = None, articles: ArticlesOpt = None,
                  output: OutOpt = None, store: StoreOption = None) -> None:
    """Build the self-contained review page (the default: `aimlabel review RUN` = `aimlabel review build RUN`).

    One card per article, disagreements first: both sides' class, rationale, evidence (found in
    the article text or marked missing) and taxonomy, with rule findings, filters and keys.

    Examples:

      aimlabel review run-4o --against eval/gold.jsonl -o review.html

      aimlabel review labels.jsonl --against other.jsonl --articles articles.jsonl -o review.html
    """
    left, right = _sides(run, against, articles, store)
    pairs = build_pairs(left, right)
    _warn_missing_text(pairs)
    page = build_page(pairs, left, right)
    with output_stream(output) as out:
        out.write(page)
    if output is not None:
        err(f"aimlabel: wrote {len(pairs)} card(s) to {output}")


def _import(decisions: list[Decision], notes: list[str], gold: Path, overwrite: bool) -> None:
    for line in notes:
        err(f"aimlabel: {line}")
    if not decisions:
        raise fail("no decisions to import")
    try:
        report = import_decisions(gold, decisions, overwrite=overwrite)
    except GoldProblem as exc:
        raise fail(f"bad gold file: {exc}") from None
    for line in report.conflicts:
        err(f"aimlabel: conflict: {line}")
    for line in report.skipped:
        err(f"aimlabel: skipped: {line}")
    err(f"aimlabel: {gold}: {report.summary()}" + ("" if report.written or not report.conflicts
                                                 else "; nothing written: rerun with --overwrite to apply them"))
    if report.conflicts or report.skipped:
        raise typer.Exit(int(Exit.ITEMS_FAILED))


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise fail(f"file not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: not JSON: {exc}") from None


@review_app.command("import", epilog=IMPORT_EPILOG)
def import_command(
    decisions: Annotated[Path, typer.Argument(help="Decisions JSONL downloaded from the review page.", show_default=False)],
    gold: GoldOpt, overwrite: OverwriteOpt = False,
) -> None:
    """Add reviewer decisions to a gold file, with reviewer id and time, keeping earlier ones."""
    if not decisions.is_file():
        raise fail(f"file not found: {decisions}")
    try:
        found = read_decisions(decisions)
    except DecisionsProblem as exc:
        raise fail(str(exc)) from None
    _import(found, [], gold, overwrite)


@app.command("show")
def show_command(run: RunArg, against: AgainstOpt = None, articles: ArticlesOpt = None,
                 disagreements: Annotated[bool, typer.Option("--disagreements", help="Only articles where the classes differ.")] = False,
                 store: StoreOption = None) -> None:
    """Print a compact comparison table: id, class left, class right, agree mark (= X ?), rule errors, title.

    Rule errors are counted from the stored findings, or re-checked when the article text is known.
    """
    left, right = _sides(run, against, articles, store)
    pairs = build_pairs(left, right, sort=False)
    shown = [p for p in pairs if p.agreement == "disagree"] if disagreements else pairs
    typer.echo(render_table(shown, two_runs=right is not None and right.kind == "run"), nl=False)
    err(summary(pairs))


def _write_json(path: Path | None, data: Any) -> None:
    with output_stream(path) as out:
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command("export-labelstudio")
def export_labelstudio_command(
    run: RunArg, output: OutOpt = None, articles: ArticlesOpt = None,
    config: Annotated[Path | None, typer.Option("--config", help="Also write the labeling config XML here.", show_default=False)] = None,
    store: StoreOption = None,
) -> None:
    """Write Label Studio tasks (JSON) with the labels as predictions; --config writes the labeling config.

    Create a project with the config, import the tasks, annotate, export as JSON, then
    `aimlabel import-labelstudio EXPORT.json --gold GOLD.jsonl`.
    """
    side, _ = _sides(run, None, articles, store)
    tasks = labelstudio.export_tasks(side)
    _warn_missing_text(build_pairs(side, None, sort=False))
    _write_json(output, tasks)
    if config is not None:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(labelstudio.labeling_config(), encoding="utf-8")
    err(f"aimlabel: {len(tasks)} task(s)" + (f"; labeling config in {config}" if config else ""))


@app.command("import-labelstudio", epilog=IMPORT_EPILOG)
def import_labelstudio_command(
    export: Annotated[Path, typer.Argument(help="Label Studio JSON export (tasks with annotations).", show_default=False)],
    gold: GoldOpt, overwrite: OverwriteOpt = False,
) -> None:
    """Add the latest annotation of each Label Studio task to a gold file as a reviewer decision."""
    try:
        found, notes = labelstudio.decisions_from_export(_read_json(export))
    except DecisionsProblem as exc:
        raise fail(f"{export}: {exc}") from None
    _import(found, notes, gold, overwrite)


@app.command("export-argilla")
def export_argilla_command(
    run: RunArg, output: OutOpt = None, articles: ArticlesOpt = None,
    settings: Annotated[Path | None, typer.Option("--settings", help="Also write the Argilla dataset settings JSON here.", show_default=False)] = None,
    store: StoreOption = None,
) -> None:
    """Write Argilla records (JSON) with the labels as suggestions; --settings writes the dataset settings.

    Load with `rg.Settings.from_json(SETTINGS)` and log the records, annotate, export with
    `dataset.records.to_json(PATH)`, then `aimlabel import-argilla PATH --gold GOLD.jsonl`.
    """
    side, _ = _sides(run, None, articles, store)
    records = argilla.export_records(side)
    _warn_missing_text(build_pairs(side, None, sort=False))
    _write_json(output, records)
    if settings is not None:
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(argilla.dataset_settings(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    err(f"aimlabel: {len(records)} record(s)" + (f"; dataset settings in {settings}" if settings else ""))


@app.command("import-argilla", epilog=IMPORT_EPILOG)
def import_argilla_command(
    export: Annotated[Path, typer.Argument(help="Argilla records export (JSON list or JSONL) with responses.", show_default=False)],
    gold: GoldOpt, overwrite: OverwriteOpt = False,
) -> None:
    """Add each Argilla user's submitted responses to a gold file as reviewer decisions."""
    if not export.is_file():
        raise fail(f"file not found: {export}")
    try:
        found, notes = argilla.decisions_from_records(argilla.parse_export_text(export.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise fail(f"{export}: not JSON: {exc}") from None
    except DecisionsProblem as exc:
        raise fail(f"{export}: {exc}") from None
    _import(found, notes, gold, overwrite)

"""`aimlabel review` and `aimlabel show`: the review page, decisions back into gold, a terminal view.

`aimlabel review RUN ...` builds the page and `aimlabel review import FILE` brings decisions
back: `review` is a group whose first argument, when it is not a subcommand name, is taken as
the RUN of its default `build` subcommand (a run literally named "import" needs `review build import`).
The Label Studio and Argilla round trips are in `exchange.py`; they share the helpers here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from aimlabel.cli import options as o
from aimlabel.cli.exits import ExitCode, epilog, err, fail
from aimlabel.cli.output import refuse_overwrites, write_text

if TYPE_CHECKING:
    from aimlabel.review.decisions import Decision
    from aimlabel.review.pairs import Pair
    from aimlabel.review.sides import Side

class _DefaultBuild(TyperGroup):
    """A group whose unknown first word is the RUN of `build`: `review RUN` and `review import F` both work."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["build", *args]
        return super().parse_args(ctx, args)


review_app = o.command_group(
    cls=_DefaultBuild, no_args_is_help=True,
    help=(
        "Review draft labels: `aimlabel review RUN [--against GOLD|RUN_B] -o review.html` builds the page; "
        "`aimlabel review import DECISIONS.jsonl --gold GOLD.jsonl` adds the decisions made in it to gold."
    ),
)
commands = o.command_group()
commands.add_typer(review_app, name="review", cls=_DefaultBuild)

RunArg = Annotated[str, typer.Argument(help="Stored run name (see `aimlabel runs`), labels JSONL, or gold JSONL.", show_default=False)]
AgainstOpt = Annotated[str | None, typer.Option("--against", help="Gold JSONL, a labels JSONL, or a stored run to compare with.", show_default=False)]
ArticlesOpt = Annotated[str | None, typer.Option("--articles", help="Articles (.jsonl/.csv) giving the text, joined on id (gold files carry it).", show_default=False)]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.", show_default=False)]
GoldOpt = Annotated[Path, typer.Option("--gold", help="Gold JSONL to add the decisions to (created when missing).", show_default=False)]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Apply decisions that differ from an earlier reviewed decision (the earlier one stays in `reviews`).")]

IMPORT_EXITS = {
    ExitCode.OK: "decisions applied (or already there)",
    ExitCode.FAILED: "conflicts with earlier reviewed decisions (nothing written; see --overwrite) or decisions skipped",
    ExitCode.USAGE: "usage error or unreadable file",
}
IMPORT_EPILOG = epilog(IMPORT_EXITS)


def side_inputs(run: str, against: str | None, articles: str | None, store: Path | None) -> list[str | Path | None]:
    """The files a review or an export reads, which none of its outputs may be."""
    from aimlabel.run.store import default_store_path

    return [run, against, articles, store or default_store_path()]


def load_sides(run: str, against: str | None, articles: str | None, store: Path | None) -> tuple[Side, Side | None]:
    """The two sides of a review, with the article texts attached; problems are usage errors."""
    from aimlabel.review.sides import SideProblem, attach_articles, load_side, read_article_texts
    from aimlabel.run.store import default_store_path

    for path in (articles,):
        if path is not None and path != "-" and not Path(path).is_file():
            raise fail(f"file not found: {path}")
    store_path = store or default_store_path()
    try:
        left = load_side(run, store_path, note=err)
        right = load_side(against, store_path, note=err) if against else None
        texts = read_article_texts(articles, note=err) if articles else {}
    except SideProblem as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot read: {exc}") from None
    sides = attach_articles([left] if right is None else [left, right], texts)
    return sides[0], (sides[1] if right is not None else None)


def warn_missing_text(pairs: list[Pair]) -> None:
    missing = sum(1 for p in pairs if not p.article.text)
    if missing:
        err(f"aimlabel: {missing} of {len(pairs)} article(s) have no text (evidence not located, text rules not run): give --articles ARTICLES.jsonl")


@review_app.command("build")
def build_command(run: RunArg, against: AgainstOpt = None, articles: ArticlesOpt = None,
                  output: OutOpt = None, store: o.StoreOpt = None) -> None:
    """Build the self-contained review page (the default: `aimlabel review RUN` = `aimlabel review build RUN`).

    One card per article, disagreements first: both sides' class, rationale, evidence (found in
    the article text or marked missing) and taxonomy, with rule findings, filters and keys.

    Examples:

      aimlabel review run-4o --against eval/gold.jsonl -o review.html

      aimlabel review labels.jsonl --against other.jsonl --articles articles.jsonl -o review.html
    """
    from aimlabel.review.html import build_page
    from aimlabel.review.pairs import build_pairs

    refuse_overwrites({"-o": output}, side_inputs(run, against, articles, store))
    left, right = load_sides(run, against, articles, store)
    pairs = build_pairs(left, right)
    warn_missing_text(pairs)
    write_text(output, build_page(pairs, left, right))
    if output is not None:
        err(f"aimlabel: wrote {len(pairs)} card(s) to {output}")


def import_into_gold(decisions: list[Decision], notes: list[str], gold: Path, overwrite: bool) -> None:
    """Apply reviewer decisions to a gold file and report what happened (exit 1 on conflicts or skips)."""
    from aimlabel.evaluation.gold import GoldProblem
    from aimlabel.review.goldwrite import import_decisions

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
        raise typer.Exit(int(ExitCode.FAILED))


def read_export(path: Path, parse: Callable[[str], Any]) -> Any:
    """A tool's export file, parsed; a missing file or bad JSON is a usage error."""
    if not path.is_file():
        raise fail(f"file not found: {path}")
    try:
        return parse(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: not JSON: {exc}") from None


def import_export(path: Path, parse: Callable[[str], Any], to_decisions: Callable[[Any], tuple[list[Decision], list[str]]],
                  gold: Path, overwrite: bool) -> None:
    """Read a tool's export, turn it into decisions and import them into gold."""
    from aimlabel.review.decisions import DecisionsProblem

    try:
        found, notes = to_decisions(read_export(path, parse))
    except DecisionsProblem as exc:
        raise fail(f"{path}: {exc}") from None
    import_into_gold(found, notes, gold, overwrite)


@review_app.command("import", epilog=IMPORT_EPILOG)
def import_command(
    decisions: Annotated[Path, typer.Argument(help="Decisions JSONL downloaded from the review page.", show_default=False)],
    gold: GoldOpt, overwrite: OverwriteOpt = False,
) -> None:
    """Add reviewer decisions to a gold file, with reviewer id and time, keeping earlier ones."""
    from aimlabel.review.decisions import DecisionsProblem, read_decisions

    if not decisions.is_file():
        raise fail(f"file not found: {decisions}")
    try:
        found = read_decisions(decisions)
    except DecisionsProblem as exc:
        raise fail(str(exc)) from None
    import_into_gold(found, [], gold, overwrite)


@commands.command("show")
def show_command(run: RunArg, against: AgainstOpt = None, articles: ArticlesOpt = None,
                 disagreements: Annotated[bool, typer.Option("--disagreements", help="Only articles where the classes differ.")] = False,
                 store: o.StoreOpt = None) -> None:
    """Print a compact comparison table: id, class left, class right, agree mark (= X ?), rule errors, title.

    Rule errors are counted from the stored findings, or re-checked when the article text is known.
    """
    from aimlabel.review.pairs import build_pairs
    from aimlabel.review.terminal import render_table, summary

    left, right = load_sides(run, against, articles, store)
    pairs = build_pairs(left, right, sort=False)
    shown = [p for p in pairs if p.agreement == "disagree"] if disagreements else pairs
    typer.echo(render_table(shown, two_runs=right is not None and right.kind == "run"), nl=False)
    err(summary(pairs))



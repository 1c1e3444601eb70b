"""`aimlabel review` and `aimlabel show`: the review page, decisions back into gold, a terminal view.

`aimlabel review RUN ...` builds the page and `aimlabel review import FILE` brings decisions
back: `review` is a group whose first argument, when it is not a subcommand name, is taken as
the RUN of its default `build` subcommand (a run literally named "import" needs `review build import`).
The Label Studio and Argilla round trips are in `exchange.py`; they share the helpers here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from aimlabel.cli import options as o
from aimlabel.cli.exits import ExitCode, epilog, err, fail
from aimlabel.cli.output import refuse_overwrites, write_text

if TYPE_CHECKING:
    from aimlabel.review.adjudicate import Rule
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

UncertainFirstOpt = Annotated[bool, typer.Option("--uncertain-first", help="Order by confidence, lowest first (a label with none measured first of all), instead of disagreements first.")]
RunArg = Annotated[str, typer.Argument(help="Stored run name (see `aimlabel runs`), labels JSONL, or gold JSONL.", show_default=False)]
AgainstOpt = Annotated[str | None, typer.Option("--against", help="Gold JSONL, a labels JSONL, or a stored run to compare with.", show_default=False)]
ArticlesOpt = Annotated[str | None, typer.Option("--articles", help="Articles (.jsonl/.csv) giving the text, joined on id (gold files carry it).", show_default=False)]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.", show_default=False)]
GoldOpt = Annotated[Path, typer.Option("--gold", help="Gold JSONL to add the decisions to (created when missing).", show_default=False)]
PolicyOpt = Annotated[str, typer.Option(
    "--policy", metavar="unanimous|majority",
    help="How reviewers' current decisions become gold: unanimous (all who answered agree) or majority (more than half).")]
AdjudicatorOpt = Annotated[str | None, typer.Option(
    "--adjudicator", metavar="REVIEWER",
    help="This reviewer's decision wins where they gave one (e.g. labelstudio:lead@example.org); elsewhere --policy.",
    show_default=False)]

IMPORT_EXITS = {
    ExitCode.OK: "decisions applied (or already there)",
    ExitCode.FAILED: "conflicts the policy leaves open (decisions kept, gold unchanged there) or decisions skipped",
    ExitCode.USAGE: "usage error or unreadable file",
}
IMPORT_EPILOG = epilog(IMPORT_EXITS)


def side_inputs(run: str, against: str | None, articles: str | None, store: Path | None) -> list[str | Path | None]:
    """The files a review or an export reads, which none of its outputs may be."""
    from aimlabel.run.store import default_store_path

    return [run, against, articles, store or default_store_path()]


def load_sides(run: str, against: str | None, articles: str | None, store: Path | None) -> tuple[Side, Side | None]:
    """The two sides of a review, with the article texts attached; problems are usage errors."""
    from aimlabel.review.sides import SideProblem, attach_articles, load_side, own_source_texts, read_article_texts
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
    both = [left] if right is None else [left, right]
    texts = {**own_source_texts(both, have=texts, note=err), **texts}
    sides = attach_articles(both, texts)
    return sides[0], (sides[1] if right is not None else None)


def warn_missing_text(pairs: list[Pair]) -> None:
    missing = sum(1 for p in pairs if not p.article.text)
    if missing:
        err(f"aimlabel: {missing} of {len(pairs)} article(s) have no text (evidence not located, text rules not run): give --articles ARTICLES.jsonl")


@review_app.command("build")
def build_command(run: RunArg, against: AgainstOpt = None, articles: ArticlesOpt = None,
                  output: OutOpt = None, uncertain_first: UncertainFirstOpt = False, store: o.StoreOpt = None) -> None:
    """Build the self-contained review page (the default: `aimlabel review RUN` = `aimlabel review build RUN`).

    One card per article, disagreements first: both sides' class, rationale, evidence (found in
    the article text or marked missing) and taxonomy, with rule findings, filters and keys.

    Examples:

      aimlabel review run-4o --against eval/gold.jsonl -o review.html

      aimlabel review labels.jsonl --against other.jsonl --articles articles.jsonl -o review.html

      aimlabel review build daily -o review.html   (the same as: aimlabel review daily -o review.html)

      aimlabel review daily --uncertain-first -o review.html   (lowest confidence first)
    """
    from aimlabel.review.html import build_page
    from aimlabel.review.pairs import build_pairs

    refuse_overwrites({"-o": output}, side_inputs(run, against, articles, store))
    left, right = load_sides(run, against, articles, store)
    pairs = build_pairs(left, right, uncertain_first=uncertain_first)
    warn_missing_text(pairs)
    write_text(output, build_page(pairs, left, right))
    if output is not None:
        err(f"aimlabel: wrote {len(pairs)} card(s) to {output}")


def policy_rule(policy: str, adjudicator: str | None) -> Rule:
    """The adjudication rule the options describe; an unknown policy is a usage error."""
    from aimlabel.review.adjudicate import Policy, Rule

    choices = (Policy.UNANIMOUS.value, Policy.MAJORITY.value)
    if policy not in choices:
        raise fail(f"--policy must be one of {', '.join(choices)} (a named adjudicator: --adjudicator REVIEWER)")
    if adjudicator is not None:
        return Rule(Policy.ADJUDICATOR, adjudicator.strip() or None)
    return Rule(Policy(policy))


def import_into_gold(decisions: list[Decision], notes: list[str], gold: Path, rule: Rule) -> None:
    """Apply reviewer decisions to a gold file and report what happened (exit 1 on conflicts or skips)."""
    from aimlabel.evaluation.agreement import render_text
    from aimlabel.evaluation.gold import GoldProblem
    from aimlabel.review.agreement import agreement_in_gold
    from aimlabel.review.goldwrite import import_decisions

    for line in notes:
        err(f"aimlabel: {line}")
    if not decisions:
        raise fail("no decisions to import")
    try:
        report = import_decisions(gold, decisions, rule=rule)
    except GoldProblem as exc:
        raise fail(f"bad gold file: {exc}") from None
    err(f"aimlabel: reviewers: {', '.join(report.reviewers)}")
    for line in report.superseded:
        err(f"aimlabel: edit: {line}")
    for line in report.conflicts:
        err(f"aimlabel: conflict: {line}")
    for line in report.skipped:
        err(f"aimlabel: skipped: {line}")
    err(f"aimlabel: {gold}: {report.summary()} (policy {rule.describe()})")
    if report.written:
        agreement = agreement_in_gold(gold)
        for line in render_text(agreement.model_copy(update={"questions": agreement.questions[:1]})).splitlines():
            err(f"aimlabel: {line}")
    if report.conflicts or report.skipped:
        raise typer.Exit(int(ExitCode.FAILED))


def read_export(path: Path, parse: Callable[[bytes], Any]) -> Any:
    """A tool's export file, parsed; a missing file is a usage error."""
    if not path.is_file():
        raise fail(f"file not found: {path}")
    return parse(path.read_bytes())


def import_export(path: Path, parse: Callable[[bytes], Any], to_decisions: Callable[[Any], tuple[list[Decision], list[str]]],
                  gold: Path, rule: Rule) -> None:
    """Read a tool's export, turn it into decisions and import them into gold."""
    from aimlabel.review.decisions import DecisionsProblem

    try:
        found, notes = to_decisions(read_export(path, parse))
    except DecisionsProblem as exc:
        raise fail(f"{path}: {exc}") from None
    import_into_gold(found, notes, gold, rule)


@review_app.command("import", epilog=IMPORT_EPILOG)
def import_command(
    decisions: Annotated[Path, typer.Argument(help="Decisions JSONL downloaded from the review page.", show_default=False)],
    gold: GoldOpt, policy: PolicyOpt = "unanimous", adjudicator: AdjudicatorOpt = None,
) -> None:
    """Add reviewer decisions to a gold file, with reviewer id and time, keeping every one.

    Gold takes what the policy makes of each reviewer's latest decision; a reviewer's later
    decision supersedes their own earlier one. Conflicts are listed and leave gold as it was.

    Examples:

      aimlabel review import decisions-1a2b3c4d5e6f.jsonl --gold reviewed.jsonl

      aimlabel review import decisions.jsonl --gold reviewed.jsonl --adjudicator alice
    """
    from aimlabel.review.decisions import DecisionsProblem, read_decisions

    if not decisions.is_file():
        raise fail(f"file not found: {decisions}")
    try:
        found = read_decisions(decisions)
    except DecisionsProblem as exc:
        raise fail(str(exc)) from None
    import_into_gold(found, [], gold, policy_rule(policy, adjudicator))


@commands.command("show")
def show_command(run: RunArg, against: AgainstOpt = None, articles: ArticlesOpt = None,
                 disagreements: Annotated[bool, typer.Option("--disagreements", help="Only articles where the classes differ.")] = False,
                 uncertain_first: UncertainFirstOpt = False,
                 max_confidence: Annotated[float | None, typer.Option(min=0, max=1, help="Only labels whose confidence is at most this (or unmeasured).")] = None,
                 store: o.StoreOpt = None) -> None:
    """Print a compact comparison table: id, class left, class right, agree mark (= X ?), rule errors, title.

    Rule errors are counted from the stored findings, or re-checked when the article text is known.
    When labels carry a confidence (`label --confidence`), a confidence column comes before the title.

    Examples:

      aimlabel show daily --against eval/gold.jsonl --disagreements

      aimlabel show labels.jsonl --against other.jsonl | less -S

      aimlabel show daily --uncertain-first --max-confidence 0.8
    """
    from aimlabel.review.pairs import build_pairs
    from aimlabel.review.terminal import render_table, summary

    left, right = load_sides(run, against, articles, store)
    pairs = build_pairs(left, right, sort=False, uncertain_first=uncertain_first)
    shown = [p for p in pairs if p.agreement == "disagree"] if disagreements else pairs
    if max_confidence is not None:
        shown = [p for p in shown if p.confidence is None or p.confidence <= max_confidence]
    with_confidence = any(p.confidence is not None for p in pairs)
    typer.echo(render_table(shown, two_runs=right is not None and right.kind == "run", confidence=with_confidence), nl=False)
    err(summary(pairs))


@commands.command("agreement")
def agreement_command(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL whose `reviews` hold the reviewers' decisions.", show_default=False)],
    model: Annotated[str | None, typer.Option("--model", help="Also compare the model's labels (a stored run or labels JSONL) with each reviewer.", show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    store: o.StoreOpt = None,
) -> None:
    """Inter-annotator agreement: Cohen's kappa per pair, Krippendorff's alpha overall, per question.

    The questions are the class and each taxonomy field (an answer: the set of values, "none"
    when empty). Each reviewer's latest decision counts; untouched pre-filled values do not.

    Examples:

      aimlabel agreement reviewed.jsonl

      aimlabel agreement reviewed.jsonl --model run-4o --json
    """
    from aimlabel.evaluation.agreement import render_text
    from aimlabel.evaluation.gold import GoldProblem
    from aimlabel.review.agreement import agreement_in_gold

    if not gold.is_file():
        raise fail(f"file not found: {gold}")
    side = load_sides(model, None, None, store)[0] if model else None
    try:
        report = agreement_in_gold(gold, side)
    except GoldProblem as exc:
        raise fail(f"bad gold file: {exc}") from None
    if not report.reviewers:
        raise fail(f"{gold}: no reviewer decisions (import some with aimlabel review import)")
    typer.echo(report.model_dump_json(indent=2) if json_out else render_text(report), nl=json_out)

"""The `aimlabel` command: a root group that loads each command's module only when it runs.

Commands are registered here, explicitly, in the order `aimlabel --help` lists them (the data
flow), each with the module that defines it and its one-line summary. `aimlabel --help` and
`--version` import no command module at all; `aimlabel check FILE` imports only the check
command's. Every command runs inside the one error boundary (`aimlabel.cli.exits.boundary`).
A test keeps each summary equal to the first paragraph of its command's help.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from aimlabel import __version__
from aimlabel.cli.exits import COMMAND_ARGS, boundary
from aimlabel.core.redact import register_environment
from aimlabel.run.collector import collect_less_often, skip_final_collection


@dataclass(frozen=True)
class Entry:
    module: str
    summary: str


COMMANDS: dict[str, Entry] = {
    "label": Entry("aimlabel.cli.label", "Label news articles as AI Incident, AI Hazard, Complementary Information or Unrelated."),
    "plan": Entry("aimlabel.cli.plan", "Render the first article's full prompt, count articles and tokens, and estimate the cost. No model call."),
    "batch": Entry("aimlabel.cli.batch", "Label through the OpenAI Batch API at batch prices, or through an offline engine (vLLM `run_batch`): `aimlabel label INPUT --batch --run NAME` sends; `status`, `collect`, `cancel` and `prepare` follow it up."),
    "runs": Entry("aimlabel.cli.runs", "List the runs in the store: name, status, model, item counts, tokens and cost (tab-separated)."),
    "export": Entry("aimlabel.cli.runs", "Write a stored run's label records as JSONL, in input order."),
    "check": Entry("aimlabel.cli.check", "Check AIM labels against the rules: class vs harm, rationale vs label, evidence quotes in the article, taxonomy coherence, event consistency, and instructions aimed at AI in the article."),
    "events": Entry("aimlabel.cli.events", "Group a run's article labels by event_id and write one event record per event."),
    "calibrate": Entry("aimlabel.cli.calibrate", "Measure how well a run's confidence predicts right labels, and choose the threshold below which a person reads them."),
    "eval": Entry("aimlabel.cli.evaluate", "Score labels against gold: accuracy, macro-F1, per class, confusion, kappa, taxonomy, cost."),
    "compare": Entry("aimlabel.cli.evaluate", "Compare two runs: articles whose class flipped, per-class deltas, rule findings that moved."),
    "review": Entry("aimlabel.cli.review", "Review draft labels: `aimlabel review RUN [--against GOLD|RUN_B] -o review.html` builds the page; `aimlabel review import DECISIONS.jsonl --gold GOLD.jsonl` adds the decisions made in it to gold."),
    "agreement": Entry("aimlabel.cli.review", "Inter-annotator agreement: Cohen's kappa per pair, Krippendorff's alpha overall, per question."),
    "show": Entry("aimlabel.cli.review", "Print a compact comparison table: id, class left, class right, agree mark (= X ?), rule errors, title."),
    "export-labelstudio": Entry("aimlabel.cli.exchange", "Write Label Studio tasks (JSON) with the labels as predictions; --config writes the labeling config."),
    "import-labelstudio": Entry("aimlabel.cli.exchange", "Add every annotator's submitted Label Studio annotation to a gold file as a reviewer decision."),
    "export-argilla": Entry("aimlabel.cli.exchange", "Write Argilla records (JSON) with the labels as suggestions; --settings writes the dataset settings."),
    "import-argilla": Entry("aimlabel.cli.exchange", "Add each Argilla user's submitted responses to a gold file as reviewer decisions."),
    "schema": Entry("aimlabel.cli.schema", "Print the strict JSON Schema of the label the model returns (built from schemas/taxonomy.json)."),
}


def load_command(name: str) -> typer.core.click.Command:  # type: ignore[name-defined]
    """The click command `name`, built from the Typer of its module (`commands`)."""
    module = importlib.import_module(COMMANDS[name].module)
    group = typer.main.get_group(module.commands)
    command = group.commands[name]
    _guard(command)
    return command


def _guard(command: Any) -> None:
    """Run every leaf command inside the error boundary."""
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _guard(sub)
        return
    original = command.invoke

    def invoke(ctx: Any) -> Any:
        with boundary(debug=bool(ctx.params.get("debug")), debug_option="debug" in ctx.params):
            return original(ctx)

    command.invoke = invoke


class LazyGroup(TyperGroup):
    """Lists the registry; loads a command's module on first use (help lists summaries only)."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if self._listing:
            return TyperCommand(cmd_name, short_help=COMMANDS[cmd_name].summary)
        if cmd_name not in self.commands:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands[cmd_name]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """As TyperGroup's, with "did you mean" over every registered command, loaded or not."""
        ctx.meta[COMMAND_ARGS] = list(args)
        try:
            return super().resolve_command(ctx, args)
        except Exception as exc:
            message = getattr(exc, "message", "")
            matches = difflib.get_close_matches(args[0], list(COMMANDS)) if args else []
            if "No such command" in message and "Did you mean" not in message and matches:
                exc.message = message.rstrip(".") + ". Did you mean " + ", ".join(f"{m!r}" for m in matches) + "?"  # type: ignore[attr-defined]
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="aimlabel",
    cls=LazyGroup,
    help=(
        "Draft OECD AI Incidents and Hazards Monitor (AIM) labels for news articles with an LLM.\n\n"
        "Start with `aimlabel label --example` (offline, replays bundled answers), then "
        "`aimlabel label ARTICLES.jsonl --model M --base-url URL` against any OpenAI-compatible server."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aimlabel {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Draft, check and evaluate AIM labels."""
    register_environment()


def main() -> None:
    collect_less_often()
    try:
        app()
    finally:
        skip_final_collection()

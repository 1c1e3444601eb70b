"""The `aimlabel` command: one Typer app, one module per command group.

The CLI is the one boundary where exceptions become a single line on stderr and an exit code;
`--debug` re-raises instead. Data goes to stdout, progress and diagnostics to stderr.
"""

from __future__ import annotations

import typer

from aimlabel import __version__

app = typer.Typer(
    name="aimlabel",
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


# Registration order is the order `aimlabel --help` lists commands: the data flow.
from aimlabel.cli import label as _label  # noqa: E402,F401
from aimlabel.cli import plan as _plan  # noqa: E402,F401
from aimlabel.cli import runs as _runs  # noqa: E402,F401
from aimlabel.cli import check as _check  # noqa: E402,F401
from aimlabel.cli import evaluate as _evaluate  # noqa: E402,F401
from aimlabel.cli import review as _review  # noqa: E402,F401
from aimlabel.cli import schema as _schema  # noqa: E402,F401


def main() -> None:
    app()

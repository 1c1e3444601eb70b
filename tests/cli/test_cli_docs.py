"""The CLI describes itself in one place: docs/cli.md, summaries and epilogs cannot drift."""

from __future__ import annotations

import inspect
from pathlib import Path

from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.cli.app import COMMANDS, load_command
from aimlabel.cli.check import CheckFormat
from aimlabel.cli.exits import ExitCode, epilog
from aimlabel.cli.options import DEFAULT_MAX_AI_PRINCIPLES
from aimlabel.cli.reference import render_reference
from aimlabel.rules import RuleConfig
from aimlabel.rules.render import FORMATS, RENDERERS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_reference(), (
        "docs/cli.md is stale: run `python scripts/gen_cli_docs.py`"
    )


def test_registry_summaries_are_the_commands_own_first_paragraph() -> None:
    for name, entry in COMMANDS.items():
        first = inspect.cleandoc(load_command(name).help or "").split("\n\n")[0].replace("\n", " ")
        assert entry.summary == first, name


def test_root_help_lists_commands_in_registry_order_without_loading_them() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    positions = [result.stdout.index(f" {name} ") for name in COMMANDS]
    assert positions == sorted(positions)


def test_choices_match_what_they_choose_between() -> None:
    assert tuple(CheckFormat) == FORMATS and set(CheckFormat) == set(RENDERERS)
    assert RuleConfig().max_ai_principles == DEFAULT_MAX_AI_PRINCIPLES


def test_epilog_is_generated_from_exit_codes() -> None:
    text = epilog({ExitCode.OK: "all done", ExitCode.USAGE: None}, "More in the docs.")
    assert text == "Exit codes: 0 all done; 2 usage error. More in the docs."


def test_a_mistyped_command_suggests_registered_ones() -> None:
    result = CliRunner().invoke(app, ["chek", "x"])
    assert result.exit_code == 2
    assert "Did you mean 'check'" in result.stderr


def _leaves(name: str, command: object) -> list[tuple[str, object]]:
    subs = getattr(command, "commands", None)
    if not subs:
        return [(name, command)]
    return [leaf for sub, c in subs.items() for leaf in _leaves(f"{name} {sub}", c)]


def test_every_command_help_shows_an_example() -> None:
    """Before: eight commands (runs, export, show, review import, the Label Studio and Argilla
    ones) had no example in --help."""
    leaves = [leaf for name in COMMANDS for leaf in _leaves(name, load_command(name))]
    assert len(leaves) > len(COMMANDS)  # the groups' subcommands are walked too
    missing = []
    for name, _command in leaves:
        result = CliRunner().invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (name, result.output)
        body = result.stdout.split("Example", 1)
        if len(body) < 2 or f"aimlabel {name}" not in body[1]:
            missing.append(name)
    assert missing == [], f"--help without an example of the command: {missing}"

"""Exit codes, declared once, and the one boundary where exceptions become a line on stderr.

Every command's epilog is generated from `ExitCode` (`epilog`), and so is the table in
docs/cli.md, so the help, the docs and the code cannot disagree. A command says what each code
means for it; the generic meaning fills in where it does not. `boundary` wraps every command
(see `aimlabel.cli.app`): Ctrl-C exits 130 and SIGTERM 143, a closed stdout (`| head`) exits quietly, and an
unexpected exception is one line on stderr and exit 1 (`--debug`, or AIMLABEL_DEBUG=1,
re-raises it with its traceback).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import IntEnum

import typer

from aimlabel.core.redact import redact
from aimlabel.run.signals import Terminated


class ExitCode(IntEnum):
    """What `aimlabel` exits with; `help` is the meaning shared by every command."""

    OK = 0
    FAILED = 1
    USAGE = 2
    STOPPED = 3
    PENDING = 4
    INTERRUPTED = 130
    TERMINATED = 143

    @property
    def help(self) -> str:
        return _HELP[self]


_HELP: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "items failed or were flagged (each says why); also an unexpected error",
    ExitCode.USAGE: "usage error",
    ExitCode.STOPPED: "run stopped early (credentials refused, model not found, server unreachable, --max-cost reached)",
    ExitCode.PENDING: "batches still running (a batch run): run it again later",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitCode.TERMINATED: "stopped by SIGTERM, handled like Ctrl-C",
}

Outcomes = Mapping[ExitCode, str | None]

# Key in click's `ctx.meta`: the arguments after `aimlabel`, kept by the app's group for messages
# that repeat a command (the one that resumes an interrupted run).
COMMAND_ARGS = "aimlabel.command_args"


def repeat_command(args: list[str]) -> list[str]:
    """The words of `aimlabel ARGS` to run the same command again: the arguments without the key."""
    kept: list[str] = ["aimlabel"]
    words = iter(args)
    for word in words:
        if word == "--api-key":
            next(words, None)
        elif not word.startswith("--api-key="):
            kept.append(word)
    return kept


def epilog(outcomes: Outcomes, note: str = "") -> str:
    """'Exit codes: 0 ...; 1 ...' in code order, a command's own meaning or else the shared one."""
    parts = [f"{int(code)} {meaning or code.help}" for code, meaning in sorted(outcomes.items())]
    return "Exit codes: " + "; ".join(parts) + "." + (f" {note}" if note else "")


def err(message: str) -> None:
    """One diagnostic line on stderr, secrets redacted."""
    typer.echo(redact(message), err=True)


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> typer.Exit:
    """Say what is wrong in one line and return the exit to raise: `raise fail(...)`."""
    err(f"aimlabel: error: {message}")
    return typer.Exit(int(code))


def quiet_stdout() -> None:
    """After the reader of our stdout went away (`| head`), stop Python complaining at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def debugging() -> bool:
    return os.environ.get("AIMLABEL_DEBUG", "") not in ("", "0")


def interrupted(exc: KeyboardInterrupt, then: str = "") -> typer.Exit:
    """Say that Ctrl-C or SIGTERM stopped the command, and what to do next; the exit it ends with."""
    terminated = isinstance(exc, Terminated)
    err(f"aimlabel: {'stopped by SIGTERM' if terminated else 'interrupted'}" + (f": {then}" if then else ""))
    return typer.Exit(int(ExitCode.TERMINATED if terminated else ExitCode.INTERRUPTED))


@contextmanager
def boundary(debug: bool = False, debug_option: bool = False) -> Iterator[None]:
    """The CLI's one error boundary, around a command's body."""
    try:
        yield
    except KeyboardInterrupt as exc:
        raise interrupted(exc) from None
    except BrokenPipeError:
        quiet_stdout()
        raise typer.Exit(int(ExitCode.OK)) from None
    except (typer.Exit, typer.Abort, typer.BadParameter):
        raise
    except Exception as exc:
        if debug or debugging() or type(exc).__module__.startswith(("typer", "click")):
            raise
        how = "rerun with --debug" if debug_option else "set AIMLABEL_DEBUG=1"
        raise fail(f"{type(exc).__name__}: {exc} ({how} for a traceback)", ExitCode.FAILED) from None

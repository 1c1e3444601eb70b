"""Shared CLI plumbing: exit codes, stderr messages, output sinks."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from collections.abc import Iterator
from enum import IntEnum
from pathlib import Path
from typing import TextIO

import typer

from aimlabel.model.recording import RecordingReader
from aimlabel.core.redact import redact


class Exit(IntEnum):
    """Exit codes: documented in the README and in `aimlabel label --help`."""

    OK = 0
    ITEMS_FAILED = 1
    USAGE = 2
    RUN_STOPPED = 3
    INTERRUPTED = 130


def quiet_stdout() -> None:
    """After the reader of our stdout went away (`| head`), stop Python complaining at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def err(message: str) -> None:
    """One diagnostic line on stderr, secrets redacted."""
    typer.echo(redact(message), err=True)


FULL_REPLAY_HELP = ("Send every replayed request through the openai client, as a live run does (slower). By default "
                    "a recorded plain answer is parsed by instructor directly; the records are the same.")


def fail(message: str, code: Exit = Exit.USAGE) -> typer.Exit:
    err(f"aimlabel: error: {message}")
    return typer.Exit(int(code))


@contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """stdout, or a file written line by line (each line flushed, so a crash loses nothing)."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        yield fh


def resolve_model(replay: Path | None, model: str | None, api_key: str | None, base_url: str | None,
                  missing_model: str = "no model: pass --model or set AIMLABEL_MODEL") -> tuple[RecordingReader | None, str]:
    """Open the replay (if any), default the model to the recorded one, and check a live run can
    authenticate; every problem is a one-line usage error."""
    reader = None
    if replay is not None:
        try:
            reader = RecordingReader(replay)
        except FileNotFoundError as exc:
            raise fail(str(exc)) from None
        if model is None:
            recorded = reader.models()
            if len(recorded) != 1:
                raise fail(f"the recording holds models {sorted(recorded)}; pick one with --model")
            model = recorded.pop()
    if model is None:
        raise fail(missing_model)
    if reader is None and not api_key and base_url is None:
        raise fail("no API key for the default OpenAI endpoint: set OPENAI_API_KEY (or pass --base-url for a local server)")
    return reader, model

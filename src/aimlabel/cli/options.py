"""Options shared by several commands, declared once: same name, same help, same default.

Choices are `StrEnum`s (`choice` turns one into option settings): `--help` lists the values,
and a wrong value is one line on stderr and exit 2, worded the same for every option.
`model_settings` and `open_replay` turn the model options into the library's objects, with
every problem reported as a usage error.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from aimlabel.cli.exits import fail
from aimlabel.core.articles import InputFormat
from aimlabel.core.prompt import DEFAULT_MAX_ARTICLE_TOKENS
from aimlabel.model.base import Mode, ModelSettings, RetryPolicy

if TYPE_CHECKING:
    from aimlabel.model.recording import RecordingReader

E = TypeVar("E", bound=StrEnum)

DEFAULT_MAX_AI_PRINCIPLES = 4  # RuleConfig's default; a test keeps the two equal


class ReportFormat(StrEnum):
    """How `eval` and `compare` print their report."""

    TEXT = "text"
    JSON = "json"


def choices_text(values: list[str]) -> str:
    return " or ".join(values) if len(values) == 2 else "one of " + ", ".join(values)


def choice(enum: type[E], option: str) -> dict[str, Any]:
    """Option settings that parse `enum` values: `typer.Option("--mode", **choice(Mode, "--mode"))`."""

    def parse(value: Any) -> E:
        try:
            return enum(value)
        except ValueError:
            raise fail(f"{option} must be {choices_text([e.value for e in enum])}, not {value!r}") from None

    return {"parser": parse, "metavar": "[" + "|".join(e.value for e in enum) + "]"}


def command_group(**options: Any) -> typer.Typer:
    """A Typer for one command module, with the settings every aimlabel command has."""
    return typer.Typer(rich_markup_mode="markdown", add_completion=False, pretty_exceptions_enable=False,
                       cls=options.pop("cls", TyperGroup), **options)


FULL_REPLAY_HELP = ("Send every replayed request through the openai client, as a live run does (slower). By default "
                    "a recorded plain answer is parsed by instructor directly; the records are the same.")

ModelOpt = Annotated[str | None, typer.Option(envvar="AIMLABEL_MODEL", help="Model name the server knows (in replay, defaults to the recorded one).")]
BaseUrlOpt = Annotated[str | None, typer.Option(envvar="OPENAI_BASE_URL", help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (vLLM), :11434/v1 (Ollama), :1234/v1 (LM Studio).")]
ApiKeyOpt = Annotated[str | None, typer.Option(envvar="OPENAI_API_KEY", help="API key; prefer the environment variable. Never written anywhere.", show_default=False)]
ModeOpt = Annotated[Mode, typer.Option("--mode", **choice(Mode, "--mode"), help="How the schema is enforced: json_schema (OpenAI strict, vLLM, llama.cpp, Ollama, LM Studio), tools (function calling), md_json (last resort).")]
ReplayOpt = Annotated[Path | None, typer.Option(help="Serve model answers from a --record directory; no network.")]
FullReplayOpt = Annotated[bool, typer.Option("--full-replay", help=FULL_REPLAY_HELP)]
MaxReasksOpt = Annotated[int, typer.Option(min=0, max=10, help="Re-ask the model this many times when its answer does not fit the schema.")]
RetriesOpt = Annotated[int, typer.Option(min=0, max=20, help="Transport retries per request on 429/5xx/timeouts/dropped connections.")]
TimeoutOpt = Annotated[float, typer.Option(min=1, help="Seconds to wait for one HTTP response.")]
TemperatureOpt = Annotated[float | None, typer.Option(help="Sampling temperature sent to the model.")]
MaxCompletionTokensOpt = Annotated[int | None, typer.Option(help="Cap on answer tokens (not sent when unset).")]
ConcurrencyOpt = Annotated[int, typer.Option(min=1, max=512, help="Model calls in flight at once.")]
PromptOpt = Annotated[Path | None, typer.Option("--prompt", help="Use this prompt file instead of the packaged prompts/label.toml.")]
MaxArticleTokensOpt = Annotated[int, typer.Option(min=50, help="Cut article text (after the title) to about this many tokens, keeping whole opening paragraphs.")]
FixRoundsOpt = Annotated[int, typer.Option(min=0, max=5, help="Send rule-check errors back to the model this many times; what remains marks the label needs_review.")]
NoRulesOpt = Annotated[bool, typer.Option("--no-rules", help="Skip the rule check after each answer.")]
MaxAiPrinciplesOpt = Annotated[int, typer.Option(min=1, help="More AI principles than this on one label is a rule-check warning.")]
StoreOpt = Annotated[Path | None, typer.Option("--store", envvar="AIMLABEL_STORE", help="SQLite run store (default: runs.sqlite in the user data directory).")]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Keep nothing in the run store (no resume, no cache).")]
PricesOpt = Annotated[Path | None, typer.Option(help="Price table JSON (USD per million tokens by model); default: the packaged aimlabel/data/prices.json.")]
InputFormatOpt = Annotated[InputFormat, typer.Option("--format", **choice(InputFormat, "--format"), help="Input format: auto (by extension/content), jsonl, csv, text.")]
ReportFormatOpt = Annotated[ReportFormat, typer.Option("--format", **choice(ReportFormat, "--format"), help="Report on stdout as text (table) or json.")]
DebugOpt = Annotated[bool, typer.Option(help="Re-raise unexpected errors with a traceback.")]

MAX_ARTICLE_TOKENS = DEFAULT_MAX_ARTICLE_TOKENS


def open_replay(replay: Path | None, model: str | None, api_key: str | None, base_url: str | None,
                missing_model: str = "no model: pass --model or set AIMLABEL_MODEL") -> tuple[RecordingReader | None, str]:
    """Open the replay (if any), default the model to the recorded one, and check a live run can
    authenticate; every problem is a one-line usage error."""
    from aimlabel.model.recording import RecordingReader

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


def model_settings(model: str, base_url: str | None, api_key: str | None, mode: Mode, *, timeout: float, max_reasks: int,
                   temperature: float | None, max_completion_tokens: int | None, retries: int) -> ModelSettings:
    return ModelSettings(model=model, base_url=base_url, api_key=api_key, mode=mode, timeout=timeout, max_reasks=max_reasks,
                         temperature=temperature, max_completion_tokens=max_completion_tokens,
                         retry=RetryPolicy(max_retries=retries))


def check_prompt(prompt_file: Path | None) -> None:
    from aimlabel.core.prompt import load_prompt

    try:
        load_prompt(prompt_file)
    except (OSError, ValueError) as exc:
        raise fail(f"cannot load prompt: {exc}") from None

"""Options shared by several commands, declared once: same name, same help, same default.

Choices are `StrEnum`s (`choice` turns one into option settings): `--help` lists the values,
and a wrong value is one line on stderr and exit 2, worded the same for every option.
`with_model_options` gives a command the options every model-calling command shares, as one
`ModelOptions`; `open_replay` checks a replay or a live endpoint, every problem a usage error.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_type_hints

import typer
from typer.core import TyperGroup

from aimlabel.cli.exits import fail
from aimlabel.core.articles import InputFormat
from aimlabel.core.prompt import DEFAULT_MAX_ARTICLE_TOKENS
from aimlabel.model.base import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ConfidenceError,
    ConfidenceSpec,
    Mode,
    ModelSettings,
    RetryPolicy,
    TokenField,
    base_url_problem,
)
from aimlabel.rules import defaults

if TYPE_CHECKING:
    from aimlabel.model.recording import RecordingReader
    from aimlabel.rules import RuleConfig
    from aimlabel.run.confidence import CalibrationFile

E = TypeVar("E", bound=StrEnum)

DEFAULT_MAX_AI_PRINCIPLES = defaults.MAX_AI_PRINCIPLES


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
ModeOpt = Annotated[Mode, typer.Option("--mode", **choice(Mode, "--mode"), help="How the schema is enforced: json_schema (OpenAI strict, vLLM, llama.cpp's llama-server, Ollama, LM Studio), tools (function calling; llama-cpp-python's server), md_json (last resort).")]
ReplayOpt = Annotated[Path | None, typer.Option(help="Serve model answers from a --record directory; no network.")]
FullReplayOpt = Annotated[bool, typer.Option("--full-replay", help=FULL_REPLAY_HELP)]
MaxReasksOpt = Annotated[int, typer.Option(min=0, max=10, help="Re-ask the model this many times when its answer does not fit the schema.")]
RetriesOpt = Annotated[int, typer.Option(min=0, max=20, help="Transport retries per request on 429/5xx/timeouts/dropped connections.")]
TimeoutOpt = Annotated[float, typer.Option(min=1, help="Seconds to wait for one HTTP response.")]
TemperatureOpt = Annotated[float | None, typer.Option(help="Sampling temperature sent to the model.")]
MaxResponseBytesOpt = Annotated[int, typer.Option(min=1024, help="Refuse a model response body larger than this many bytes (the article fails with invalid_response); 4194304 is 4 MiB.")]
MaxCompletionTokensOpt = Annotated[int | None, typer.Option(help="Cap on answer tokens (not sent when unset).")]
MaxTokensFieldOpt = Annotated[TokenField, typer.Option("--max-tokens-field", **choice(TokenField, "--max-tokens-field"), help="Request field that carries --max-completion-tokens: max_completion_tokens (OpenAI) or max_tokens (servers that ignore the newer field, e.g. llama-cpp-python).")]
ConcurrencyOpt = Annotated[int, typer.Option(min=1, max=512, help="Model calls in flight at once.")]
PromptOpt = Annotated[Path | None, typer.Option("--prompt", help="Use this prompt file instead of the packaged prompts/label.toml.")]
MaxArticleTokensOpt = Annotated[int, typer.Option(min=50, help="Cut article text (after the title) to about this many tokens, keeping whole opening paragraphs.")]
FixRoundsOpt = Annotated[int, typer.Option(min=0, max=5, help="Send rule-check errors back to the model this many times; what remains marks the label needs_review.")]
NoRulesOpt = Annotated[bool, typer.Option("--no-rules", help="Skip the rule check after each answer.")]
MaxAiPrinciplesOpt = Annotated[int, typer.Option(min=1, help="More AI principles than this on one label is a rule-check warning.")]
StoreOpt = Annotated[Path | None, typer.Option("--store", envvar="AIMLABEL_STORE", help="SQLite run store (default: runs.sqlite in the user data directory).")]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Keep nothing in the run store (no resume, no cache).")]
PricesOpt = Annotated[Path | None, typer.Option(help="Price table JSON (USD per million tokens by model); default: the packaged aimlabel/data/prices.json.")]
InputFormatOpt = Annotated[InputFormat, typer.Option("--format", **choice(InputFormat, "--format"), help="Input format: auto (by extension, checked against the content), jsonl, json (an array), csv, tsv, xlsx, text (one article).")]


def _delimiter(value: str) -> str:
    char = _NAMED_DELIMITERS.get(value.lower(), value)
    if len(char) != 1 or char in "\"\r\n":
        raise fail(f"--delimiter must be one character (or tab), not {value!r}")
    return char


def _encoding(value: str) -> str:
    import codecs

    try:
        codecs.lookup(value)
    except LookupError:
        raise fail(f"unknown --encoding {value!r}") from None
    return value


_NAMED_DELIMITERS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
DelimiterOpt = Annotated[str | None, typer.Option("--delimiter", parser=_delimiter, metavar="CHAR", help="CSV/TSV column separator, e.g. ';' or tab (default: sniffed from the file).", show_default=False)]
EncodingOpt = Annotated[str, typer.Option("--encoding", parser=_encoding, help="Input text encoding; a byte-order mark (UTF-8, UTF-16, UTF-32) overrides it.")]
ReportFormatOpt = Annotated[ReportFormat, typer.Option("--format", **choice(ReportFormat, "--format"), help="Report on stdout as text (table) or json.")]
DebugOpt = Annotated[bool, typer.Option(help="Re-raise unexpected errors with a traceback.")]
ConfidenceOpt = Annotated[str, typer.Option("--confidence", metavar="[off|logprobs|samples:K[:T]]", help=(
    "Record each label's confidence: logprobs (the class's token probabilities; 'unavailable' where the server gives none), "
    "samples:K (K answers at temperature T, default 1; the majority class, the vote share as confidence; K times the "
    "answer tokens), or off."))]


CalibrationOpt = Annotated[Path | None, typer.Option("--calibration", help=(
    "A calibration file from `aimlabel calibrate`: labels whose calibrated confidence is under its threshold become "
    "needs_review (reason low_confidence)."), show_default=False)]


def confidence_spec(text: str) -> ConfidenceSpec:
    """`--confidence` parsed, a bad value a usage error."""
    try:
        return ConfidenceSpec.parse(text)
    except ConfidenceError as exc:
        raise fail(str(exc)) from None


@dataclass(frozen=True)
class ConfidenceChoice:
    """What `--confidence` and `--calibration` asked for, checked and read."""

    spec: ConfidenceSpec
    calibration: CalibrationFile | None


def confidence_choice(confidence: str, calibration: Path | None) -> ConfidenceChoice:
    """`--confidence` and `--calibration` of a labelling command (live, batch or offline), checked
    the one way: a calibration routes on a measured confidence, so it needs a method; a file that
    cannot be read is a usage error before anything is sent."""
    spec = confidence_spec(confidence)
    if calibration is None:
        return ConfidenceChoice(spec, None)
    if spec.method == "off":
        raise fail("--calibration routes on confidence: add --confidence (the method the file was calibrated with)")
    from aimlabel.run.confidence import CalibrationProblem, read_calibration

    try:
        return ConfidenceChoice(spec, read_calibration(calibration))
    except CalibrationProblem as exc:
        raise fail(str(exc)) from None


MAX_ARTICLE_TOKENS = DEFAULT_MAX_ARTICLE_TOKENS


def _model_options(
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    mode: ModeOpt = Mode.JSON_SCHEMA,
    replay: ReplayOpt = None,
    full_replay: FullReplayOpt = False,
    max_article_tokens: MaxArticleTokensOpt = MAX_ARTICLE_TOKENS,
    max_reasks: MaxReasksOpt = 2,
    retries: RetriesOpt = 4,
    timeout: TimeoutOpt = 60.0,
    temperature: TemperatureOpt = 0.0,
    max_completion_tokens: MaxCompletionTokensOpt = None,
    max_tokens_field: MaxTokensFieldOpt = TokenField.MAX_COMPLETION_TOKENS,
    max_response_bytes: MaxResponseBytesOpt = DEFAULT_MAX_RESPONSE_BYTES,
    concurrency: ConcurrencyOpt = 4,
    prompt_file: PromptOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    prices: PricesOpt = None,
    fix_rounds: FixRoundsOpt = 1,
    no_rules: NoRulesOpt = False,
    max_ai_principles: MaxAiPrinciplesOpt = DEFAULT_MAX_AI_PRINCIPLES,
) -> None:
    """The options of every command that calls a model, in the order `--help` lists them."""


@dataclass(frozen=True)
class ModelOptions:
    """What the shared model options were set to (see `with_model_options`)."""

    model: str | None
    base_url: str | None
    api_key: str | None
    mode: Mode
    replay: Path | None
    full_replay: bool
    max_article_tokens: int
    max_reasks: int
    retries: int
    timeout: float
    temperature: float | None
    max_completion_tokens: int | None
    max_response_bytes: int
    concurrency: int
    prompt_file: Path | None
    store: Path | None
    no_store: bool
    prices: Path | None
    fix_rounds: int
    no_rules: bool
    max_ai_principles: int
    max_tokens_field: TokenField = TokenField.MAX_COMPLETION_TOKENS

    def settings(self, model: str, confidence: ConfidenceSpec | None = None) -> ModelSettings:
        return ModelSettings(model=model, base_url=self.base_url, api_key=self.api_key, mode=self.mode, timeout=self.timeout,
                             max_reasks=self.max_reasks, temperature=self.temperature,
                             max_completion_tokens=self.max_completion_tokens, max_tokens_field=self.max_tokens_field,
                             retry=RetryPolicy(max_retries=self.retries), max_response_bytes=self.max_response_bytes,
                             confidence=confidence or ConfidenceSpec())

    def rules(self) -> RuleConfig | None:
        from aimlabel.rules import RuleConfig

        return None if self.no_rules else RuleConfig(max_ai_principles=self.max_ai_principles)


SHARED: Any = None  # the placeholder default of a command's `options: ModelOptions` parameter

F = TypeVar("F", bound=Callable[..., Any])


def with_model_options(command: F) -> F:
    """Give a command the shared model options: its `options: ModelOptions = SHARED` parameter
    stands for all of them in `--help` (and in that place), and receives them as one object."""
    shared = inspect.signature(_model_options, eval_str=True)
    own = inspect.signature(command, eval_str=True)
    hints = {**get_type_hints(command, include_extras=True), **get_type_hints(_model_options, include_extras=True)}
    params: list[inspect.Parameter] = []
    for param in own.parameters.values():
        params.extend(shared.parameters.values() if param.name == "options" else [param])

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in shared.parameters}
        return command(**kwargs, options=ModelOptions(**values))

    wrapper.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {name: hints[name] for name in [p.name for p in params]} | {"return": None}
    return wrapper  # type: ignore[return-value]


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
    if reader is None and base_url is not None and (problem := base_url_problem(base_url)):
        raise fail(problem)
    if reader is None and not api_key and base_url is None:
        raise fail("no API key for the default OpenAI endpoint: set OPENAI_API_KEY (or pass --base-url for a local server)")
    return reader, model


def check_prompt(prompt_file: Path | None) -> None:
    from aimlabel.core.prompt import load_prompt

    try:
        load_prompt(prompt_file)
    except (OSError, ValueError) as exc:
        raise fail(f"cannot load prompt: {exc}") from None

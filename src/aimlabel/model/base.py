"""The model interface: what a labelling run asks of a model, with no vendor SDK in sight.

`ModelSettings` is everything a user sets about the call, `ModelAnswer` is what one call gives
back, and `ModelAdapter` is the one method (plus `aclose`) a run needs. The OpenAI-compatible
adapter (`aimlabel.model.openai`) is the only implementation today; it is imported only when a
model is actually called (see `aimlabel.model.factory`), so commands that never call one start
without the SDK. `ModelAnswer` is the seam for what later providers report (per-label
confidence, batch ids): add fields with defaults and every caller keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel

from aimlabel.core.record import Attempts, Confidence, ErrorInfo, Usage

REPLAY_BASE_URL = "http://replay.invalid/v1"
MAX_RETRY_AFTER = 60.0
# A label is a few KB; a body this big is a broken or hostile server, refused before it is parsed.
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be an endpoint (no http/https scheme, no host), or None; checked before any call."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is not None and parts.scheme in ("http", "https") and host:
        return None
    shown = url.rsplit("@", 1)[-1]  # never echo credentials in the userinfo
    return (f"--base-url must be an http:// or https:// URL with a host, such as http://localhost:8000/v1, "
            f"not {shown!r}")


class Mode(StrEnum):
    """How the response schema is enforced on the wire."""

    TOOLS = "tools"
    JSON_SCHEMA = "json_schema"
    MD_JSON = "md_json"


class TokenField(StrEnum):
    """The request field that carries the answer-token cap.

    OpenAI's API takes `max_completion_tokens` (and refuses `max_tokens` for its reasoning
    models); several OpenAI-compatible servers, llama-cpp-python's among them, honour only the
    older `max_tokens` and ignore the other, so the cap would silently not apply.
    """

    MAX_COMPLETION_TOKENS = "max_completion_tokens"
    MAX_TOKENS = "max_tokens"


@dataclass(frozen=True)
class RetryPolicy:
    """Transport retries: how many, and how long to wait between them."""

    max_retries: int = 4
    base_wait: float = 0.5
    max_wait: float = 8.0
    honour_retry_after_up_to: float = MAX_RETRY_AFTER


TOP_LOGPROBS = 5  # alternatives asked for at each token: enough for the four classes and a stray token
SAMPLE_TEMPERATURE = 1.0  # samples:K without :T; the API's own default for sampling
TIE_RULE = "earliest: of the classes tied for most votes, the one whose first vote came first (answer order)"


class ConfidenceError(ValueError):
    """A `--confidence` value that cannot be parsed; the message says what is accepted."""


@dataclass(frozen=True)
class ConfidenceSpec:
    """How a run measures confidence: `off`, `logprobs`, or `samples` (K answers at `temperature`)."""

    method: str = "off"
    samples: int = 1
    temperature: float = SAMPLE_TEMPERATURE

    @classmethod
    def parse(cls, text: str) -> ConfidenceSpec:
        """`off`, `logprobs`, `samples:K` or `samples:K:T` (2 <= K <= 20, 0 < T <= 2)."""
        word, _, rest = text.strip().partition(":")
        if word in ("off", "logprobs") and not rest:
            return cls(word)
        if word == "samples" and rest:
            k_text, _, t_text = rest.partition(":")
            try:
                k = int(k_text)
                t = float(t_text) if t_text else SAMPLE_TEMPERATURE
            except ValueError:
                k, t = 0, 0.0
            if 2 <= k <= 20 and 0 < t <= 2:
                return cls("samples", k, t)
        raise ConfidenceError(f"--confidence must be off, logprobs, samples:K or samples:K:T (K from 2 to 20, "
                              f"temperature T above 0 up to 2, default {SAMPLE_TEMPERATURE:g}), not {text!r}")

    def __str__(self) -> str:
        return f"samples:{self.samples}:{self.temperature:g}" if self.method == "samples" else self.method


@dataclass(frozen=True)
class ModelSettings:
    """Everything about the model call that a user sets (and that a cache key must cover)."""

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: Mode = Mode.JSON_SCHEMA
    timeout: float = 60.0
    max_reasks: int = 2
    temperature: float | None = 0.0
    max_completion_tokens: int | None = None
    max_tokens_field: TokenField = TokenField.MAX_COMPLETION_TOKENS
    retry: RetryPolicy = RetryPolicy()
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    confidence: ConfidenceSpec = ConfidenceSpec()

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", Mode(self.mode))  # a plain "tools" from a caller becomes the enum
        object.__setattr__(self, "max_tokens_field", TokenField(self.max_tokens_field))

    def request_params(self) -> dict[str, Any]:
        """The sampling parameters sent with every request (and covered by the cache key)."""
        params: dict[str, Any] = {}
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.max_completion_tokens is not None:
            params[str(self.max_tokens_field)] = self.max_completion_tokens
        if self.confidence.method == "logprobs":
            params["logprobs"] = True
            params["top_logprobs"] = TOP_LOGPROBS
        elif self.confidence.method == "samples":
            params["temperature"] = self.confidence.temperature
            params["n"] = self.confidence.samples
        return params

    def server_name(self, replay: bool) -> str:
        """Where the calls go, for messages."""
        return REPLAY_BASE_URL if replay else (self.base_url or "the OpenAI API")


@dataclass
class ModelAnswer:
    """The outcome of one article's model call: a label, or a classified error, and its cost."""

    label: BaseModel | None
    error: ErrorInfo | None
    usage: Usage
    attempts: Attempts
    latency_ms: float
    model_served: str | None
    recording_producer: str | None
    cached: bool = False
    batch_id: str | None = None
    confidence: Confidence | None = None


class ModelAdapter(Protocol):
    """What the pipeline needs from a model: the OpenAI adapter, or a wrapper such as the cache."""

    settings: ModelSettings
    replay: bool

    async def ask(self, key: str, messages: list[dict[str, str]], response_model: type[BaseModel]) -> ModelAnswer: ...

    async def aclose(self) -> None: ...

"""The model adapter: rendered messages in, a parsed label (or a classified failure) out.

This is the only module that imports `openai` and `instructor`. It runs two retry loops, each
explicit: transport retries live in `RetryTransport` under the openai client (whose own retries
are off), and validation re-asks are instructor's, bounded by `max_reasks`. Whatever goes wrong
comes back as an `ErrorInfo` with a stable type, never as an exception, except that the
pipeline is told when an error is fatal for the whole run (a refused API key, say).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Protocol

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.v2.core.registry import mode_registry
from instructor.v2.core.response_model import prepare_response_model
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from aimlabel.core.record import Attempts, ErrorInfo, Usage
from aimlabel.model.recording import FIXTURE_PRODUCER, ItemRecording, RecordingReader, RecordingWriter, ReplayError
from aimlabel.core.redact import redact, register_secret
from aimlabel.core.schema import response_format
from aimlabel.model.http import CallContext, ReplayTransport, RetryPolicy, RetryTransport, Sleep, WireTransport, current_call

Mode = Literal["tools", "json_schema", "md_json"]
MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}
REPLAY_BASE_URL = "http://replay.invalid/v1"
UNREACHABLE_STOP = 3  # articles in a row that could not reach the server, each after its retries

logging.getLogger("instructor").setLevel(logging.CRITICAL)


@lru_cache(maxsize=8)
def _prepared(response_model: type[BaseModel]) -> type[BaseModel]:
    """instructor's wrapped model, built once: it otherwise re-creates the class on every call."""
    prepared = prepare_response_model(response_model)
    if prepared is None:
        raise TypeError("a response model is required")
    _freeze_json_schema(prepared)
    return prepared


def _freeze_json_schema(model: type[BaseModel]) -> None:
    """instructor asks for the model's JSON Schema on every request; compute it once.

    Calls with arguments still go to pydantic; the no-argument call instructor makes gets a
    fresh copy of the schema computed here.
    """
    frozen = json.dumps(model.model_json_schema())
    original = model.model_json_schema

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        return original(*args, **kwargs) if args or kwargs else json.loads(frozen)  # type: ignore[no-any-return]

    model.model_json_schema = classmethod(model_json_schema)  # type: ignore[method-assign,assignment]


@dataclass(frozen=True)
class ModelSettings:
    """Everything about the model call that a user sets (and that a cache key must cover)."""

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: Mode = "json_schema"
    timeout: float = 60.0
    max_reasks: int = 2
    temperature: float | None = 0.0
    max_completion_tokens: int | None = None
    retry: RetryPolicy = RetryPolicy()

    def request_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.max_completion_tokens is not None:
            params["max_completion_tokens"] = self.max_completion_tokens
        return params


@dataclass
class ModelAnswer:
    """The outcome of one article's model call."""

    label: BaseModel | None
    error: ErrorInfo | None
    fatal: bool
    usage: Usage
    attempts: Attempts
    latency_ms: float
    model_served: str | None
    recording_producer: str | None
    cached: bool = False


class ModelAdapter(Protocol):
    """What the pipeline needs from a model: `OpenAIAdapter`, or a wrapper such as the cache."""

    settings: ModelSettings
    replay: bool

    async def ask(self, key: str, messages: list[dict[str, str]], response_model: type[BaseModel]) -> ModelAnswer: ...

    async def aclose(self) -> None: ...


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in seen:
        seen.append(node)
        node = node.__cause__ or node.__context__
    return seen


def _refusal(exc: BaseException) -> str | None:
    """The refusal text of the last answer, if the model declined (OpenAI `message.refusal`)."""
    completion = getattr(exc, "last_completion", None)
    try:
        refusal = completion.choices[0].message.refusal  # type: ignore[union-attr]
    except (AttributeError, IndexError, TypeError):
        refusal = None
    if refusal:
        return str(refusal)
    text = str(exc)
    marker = "Unable to generate a response due to "
    return text.split(marker, 1)[1].strip() if marker in text else None


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return exc.message


def _validation_summary(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors()[:3]]
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _retries(settings: ModelSettings) -> str:
    n = settings.retry.max_retries
    return f"{n} retry" if n == 1 else f"{n} retries"


def classify_error(exc: BaseException, settings: ModelSettings) -> tuple[ErrorInfo, bool]:
    """Map any failure to (ErrorInfo, fatal). Fatal errors stop the run: retrying them is futile."""
    chain = _chain(exc)
    refusal = _refusal(exc)
    if refusal:
        return ErrorInfo(type="refusal", message=f"the model refused to answer: {refusal}"), False
    for node in chain:
        if isinstance(node, ReplayError):
            return ErrorInfo(type=node.kind, message=str(node)), False
    for node in chain:
        if isinstance(node, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return ErrorInfo(
                type="auth",
                message=f"the server refused the credentials (HTTP {node.status_code}: {_server_message(node)}); "
                "check --api-key / OPENAI_API_KEY and --base-url",
            ), True
        if isinstance(node, openai.NotFoundError):
            return ErrorInfo(
                type="not_found",
                message=f"HTTP 404 from the server ({_server_message(node)}); check --model "
                f"{settings.model!r} and --base-url (it usually ends in /v1)",
            ), True
        if isinstance(node, openai.RateLimitError):
            return ErrorInfo(type="rate_limited", message=f"HTTP 429 after {_retries(settings)}: {_server_message(node)}"), False
        if isinstance(node, openai.InternalServerError):
            return ErrorInfo(type="server_error", message=f"HTTP {node.status_code} after {_retries(settings)}: {_server_message(node)}"), False
        if isinstance(node, openai.BadRequestError):
            hint = ""
            text = _server_message(node)
            if any(w in text.lower() for w in ("response_format", "json_schema", "tool")):
                hint = "; the server may not support this --mode: try --mode tools, json_schema or md_json"
            return ErrorInfo(type="bad_request", message=f"HTTP {node.status_code}: {text}{hint}"), False
        if isinstance(node, openai.APIStatusError):
            return ErrorInfo(type=f"http_{node.status_code}", message=_server_message(node)), False
        if isinstance(node, openai.APITimeoutError):
            return ErrorInfo(type="timeout", message=f"no answer within {settings.timeout:g}s after {_retries(settings)}"), False
        if isinstance(node, openai.APIConnectionError):
            cause = node.__cause__
            detail = f": {cause}" if cause else ""
            return ErrorInfo(type="connection", message=f"could not reach the server after {_retries(settings)}{detail}"), False
        if isinstance(node, IncompleteOutputException):
            return ErrorInfo(type="incomplete", message="the answer was cut off at the token limit (finish_reason=length); raise --max-completion-tokens"), False
        if isinstance(node, openai.APIResponseValidationError):
            return ErrorInfo(type="invalid_response", message=f"the server's response was not a valid chat completion: {node.message}"), False
    for node in chain:
        if isinstance(node, ValidationError):
            n = exc.n_attempts if isinstance(exc, InstructorRetryException) else 1
            return ErrorInfo(type="invalid_answer", message=f"no valid answer after {n} attempt(s): {_validation_summary(node)}"), False
        if isinstance(node, (json.JSONDecodeError, ValueError)):
            n = exc.n_attempts if isinstance(exc, InstructorRetryException) else 1
            return ErrorInfo(type="invalid_answer", message=f"no valid answer after {n} attempt(s): {node}"), False
    return ErrorInfo(type="error", message=f"{type(exc).__name__}: {exc}"), False


def _usage_of(obj: Any) -> Usage:
    if obj is None:
        return Usage()
    get = obj.get if isinstance(obj, dict) else lambda k, d=0: getattr(obj, k, d)
    return Usage(
        prompt_tokens=get("prompt_tokens", 0) or 0,
        completion_tokens=get("completion_tokens", 0) or 0,
        total_tokens=get("total_tokens", 0) or 0,
    )


class OpenAIAdapter:
    """Ask any OpenAI-compatible chat endpoint (or a recording of one) for a label."""

    def __init__(
        self,
        settings: ModelSettings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        record_to: RecordingWriter | None = None,
        replay_from: RecordingReader | None = None,
        sleep: Sleep | None = None,
        fast_replay: bool = True,
    ) -> None:
        self.settings = settings
        self.record_to = record_to
        self.replay = replay_from is not None
        self._fast_replay_from = replay_from if fast_replay else None
        self.fast_replays = 0
        self._unreachable = 0
        self._handlers = mode_registry.get_handlers(instructor.Provider.OPENAI, MODES[settings.mode])
        register_secret(settings.api_key)
        if replay_from is not None:
            edge: httpx2.AsyncBaseTransport = ReplayTransport(replay_from)
            sleep = _no_sleep
        else:
            edge = WireTransport(transport or httpx2.AsyncHTTPTransport(), record=record_to is not None)
        http = httpx2.AsyncClient(
            transport=RetryTransport(edge, settings.retry, sleep or asyncio.sleep),
            timeout=httpx2.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
        )
        base_url = REPLAY_BASE_URL if self.replay else settings.base_url
        api_key = "replay" if self.replay else (settings.api_key or "no-key")
        self._client = instructor.from_openai(
            openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=settings.timeout, http_client=http),
            mode=MODES[settings.mode],
        )
        self._openai_http = http

    async def ask(self, key: str, messages: list[dict[str, str]], response_model: type[BaseModel]) -> ModelAnswer:
        kwargs: dict[str, Any] = dict(self.settings.request_params())
        if self.settings.mode == "json_schema":
            kwargs["extra_body"] = {"response_format": response_format(response_model)}
        if self._fast_replay_from is not None:
            recorded = self._recorded_answer(self._fast_replay_from, key, messages, response_model, kwargs)
            if recorded is not None:
                return recorded
        call = CallContext(item_key=key)
        token = current_call.set(call)
        label: BaseModel | None = None
        error: ErrorInfo | None = None
        fatal = False
        usage = Usage()
        model_served: str | None = None
        try:
            label, completion = await self._client.create_with_completion(
                model=self.settings.model,
                response_model=_prepared(response_model),
                messages=messages,  # type: ignore[arg-type]
                max_retries=self.settings.max_reasks,
                **kwargs,
            )
            usage = _usage_of(completion.usage)
            model_served = completion.model
        except Exception as exc:  # every failure becomes a record, never a crash
            error, fatal = classify_error(exc, self.settings)
            if call.junk_body is not None:
                error = ErrorInfo(type="invalid_response", message=f"the server answered HTTP 200 with a body that is "
                                  f"not JSON, after {_retries(self.settings)}: {call.junk_body!r}")
            error = ErrorInfo(type=error.type, message=redact(error.message))
            if isinstance(exc, InstructorRetryException):
                usage = _usage_of(exc.total_usage)
                last = exc.last_completion
                model_served = getattr(last, "model", None)
        finally:
            current_call.reset(token)
        if error is not None and error.type == "connection":
            error, fatal = self._count_unreachable(error)
        else:
            self._unreachable = 0
        if self.record_to is not None and call.exchanges:
            self.record_to.save(
                ItemRecording(item=key, producer=model_served or self.settings.model,
                              model_requested=self.settings.model, exchanges=call.exchanges)
            )
        return ModelAnswer(
            label=label,
            error=error,
            fatal=fatal,
            usage=usage,
            attempts=Attempts(requests=call.requests, answers=call.answers),
            latency_ms=round(call.elapsed_ms, 3),
            model_served=model_served,
            recording_producer=call.producer,
        )

    def _count_unreachable(self, error: ErrorInfo) -> tuple[ErrorInfo, bool]:
        """A server that cannot be reached for several articles in a row stops the run.

        Without this, a wrong --base-url or a server that is down fails every article of a bulk
        run, each only after its full retry back-off. One dropped connection in a working run
        still fails only its own article: any other outcome resets the count.
        """
        self._unreachable += 1
        if self._unreachable < UNREACHABLE_STOP:
            return error, False
        where = REPLAY_BASE_URL if self.replay else (self.settings.base_url or "the OpenAI API")
        return ErrorInfo(type="connection", message=(
            f"{error.message}; {where} could not be reached for {self._unreachable} articles in a row: "
            "check --base-url and that the server is up"
        )), True

    def _recorded_answer(self, reader: RecordingReader, key: str, messages: list[dict[str, str]],
                         response_model: type[BaseModel], kwargs: dict[str, Any]) -> ModelAnswer | None:
        """Replay's fast lane: a recorded plain answer, parsed by instructor without the HTTP client.

        Going through the openai client costs about 2 ms of CPU per call (request building,
        response objects, instructor's per-call checks), which dominates an offline evaluation.
        This lane builds the request body with instructor's own request handler, and takes the
        recorded answer only if that body equals the recorded request and instructor's own
        response parser accepts the answer. Anything else (a recorded error or retry, a re-ask,
        a refusal, a mismatch) returns None with the recording untouched, and the call goes the
        full way, where the same exchange is served and judged over HTTP. Both lanes give the
        same records; a test replays every bundled recording both ways and compares them.
        """
        try:
            _, exchange, recording = reader.peek_exchange(key)
        except ReplayError:
            return None
        content_type = next((v for k, v in exchange.headers.items() if k.lower() == "content-type"), "application/json")
        if (exchange.error is not None or exchange.status not in (None, 200) or "json" not in content_type
                or not isinstance(exchange.response, dict)):
            return None
        prepared = _prepared(response_model)
        handlers = self._handlers
        _, request = handlers.request_handler(
            response_model=prepared, kwargs={**kwargs, "model": self.settings.model, "messages": [dict(m) for m in messages]},
        )
        if handlers.message_converter is not None:
            request["messages"] = handlers.message_converter(request["messages"], autodetect_images=False)
        body = {k: v for k, v in request.items() if k != "extra_body"} | (request.get("extra_body") or {})
        if body != exchange.request:
            return None
        try:
            completion = ChatCompletion.model_validate(exchange.response)
            label = handlers.response_parser(response=completion, response_model=prepared, validation_context=None,
                                             strict=True, stream=False, is_async=True)
        except Exception:  # instructor would re-ask or fail: the full lane does exactly that
            return None
        reader.next_exchange(key)
        self.fast_replays += 1
        return ModelAnswer(
            label=label, error=None, fatal=False, usage=_usage_of(completion.usage),
            attempts=Attempts(requests=1, answers=1), latency_ms=round(exchange.elapsed_ms, 3),
            model_served=completion.model, recording_producer=recording.producer,
        )

    async def aclose(self) -> None:
        await self._openai_http.aclose()


async def _no_sleep(_: float) -> None:
    """Replay never waits: the recorded Retry-After already happened."""


__all__ = ["FIXTURE_PRODUCER", "MODES", "Mode", "ModelAdapter", "ModelAnswer", "ModelSettings", "OpenAIAdapter", "classify_error"]

"""The OpenAI-compatible adapter: rendered messages in, a parsed label (or a classified failure) out.

This is the only module that imports `openai` and `instructor`, and nothing imports it at start-up:
`aimlabel.model.factory` loads it when a run first needs a model (a replay counts). It runs two
retry loops, each explicit: transport retries live in `RetryTransport` under the openai client
(whose own retries are off), and validation re-asks are instructor's, bounded by `max_reasks`.
Whatever goes wrong comes back as an `ErrorInfo` with a stable type (see `errors.py`), never
as an exception.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.v2.core.registry import mode_registry
from instructor.v2.core.response_model import prepare_response_model
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from aimlabel.core.record import Attempts, Confidence, ErrorInfo, Usage
from aimlabel.core.redact import redact, register_secret, register_url
from aimlabel.core.schema import response_format, without_length_caps
from aimlabel.model.base import REPLAY_BASE_URL, Mode, ModelAnswer, ModelSettings
from aimlabel.model.confidence_wire import agreeing, strip_logprobs
from aimlabel.model.edge import Edge, open_edge
from aimlabel.model.errors import Kind, VendorError, classify_error, junk_body_error
from aimlabel.model.first_request import FirstAnswered, FirstRequest, RequestTemplate
from aimlabel.model.http import CallContext, Sleep, current_call
from aimlabel.model.logprobs import unavailable
from aimlabel.model.recording import Exchange, ItemRecording, RecordingReader, RecordingWriter, ReplayError

TemplateHook = Callable[[RequestTemplate, list[dict[str, str]], type[BaseModel], Callable[..., dict[str, Any]]], None]

MODES: dict[Mode, instructor.Mode] = {
    Mode.TOOLS: instructor.Mode.TOOLS,
    Mode.JSON_SCHEMA: instructor.Mode.JSON_SCHEMA,
    Mode.MD_JSON: instructor.Mode.MD_JSON,
}

logging.getLogger("instructor").setLevel(logging.CRITICAL)


def _checked_once(check: Callable[[Any], None]) -> Callable[[Any], None]:
    """instructor's `reject_async_validators`, remembering the types that passed.

    instructor walks the response model's whole type tree on every call, five times a call (every
    `Literal` vocabulary value and every field): about an eighth of a live call's CPU. The answer
    depends only on the type, so a type that passed once passes again; a type that fails is
    checked, and refused, every time."""
    passed: set[Any] = set()

    def reject_async_validators(response_model: Any) -> None:
        try:
            if response_model in passed:
                return
        except TypeError:  # an unhashable annotation: check it the long way
            check(response_model)
            return
        check(response_model)
        if len(passed) >= 64:
            passed.clear()
        passed.add(response_model)

    reject_async_validators.__wrapped__ = check  # type: ignore[attr-defined]
    return reject_async_validators


def _remember_checked_types() -> None:
    """Install `_checked_once` where instructor looks the check up: its own module (which the client
    and `prepare_response_model` read at call time) and `patch`, which bound the name at import."""
    from instructor.v2.core import patch
    from instructor.v2.validation import async_validators

    original = async_validators.reject_async_validators
    if hasattr(original, "__wrapped__"):
        return
    memo = _checked_once(original)
    for module in (async_validators, patch):
        if getattr(module, "reject_async_validators", None) is original:
            module.reject_async_validators = memo  # type: ignore[attr-defined]


_remember_checked_types()


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

    Calls with arguments still go to pydantic; the no-argument call instructor makes (for the
    tools parameters and the md_json prompt) gets a fresh copy of the schema computed here,
    without the string length caps, which are checked on our side as in json_schema mode.
    """
    frozen = marshal.dumps(without_length_caps(model.model_json_schema()))  # a copy, three times faster than JSON's
    original = model.model_json_schema

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        return original(*args, **kwargs) if args or kwargs else marshal.loads(frozen)

    model.model_json_schema = classmethod(model_json_schema)  # type: ignore[method-assign,assignment]


_SENT_AS_GIVEN = ("messages", "response_format", "tools", "tool_choice", "logprobs", "top_logprobs", "n")


def _sent_as_given(create: Callable[..., Any]) -> Callable[..., Any]:
    """The SDK's `create`, with the large request fields passed through `extra_body` as they are.

    The SDK runs every request body through its typed transform, which walks each message against
    the union of six message types and the whole JSON Schema of `response_format` or `tools`: about
    0.5 ms of CPU per message, the largest single cost of a live call (and 30 us for the confidence's
    `logprobs`, `top_logprobs` and `n`). Our bodies are plain JSON already (strings, lists and dicts
    built by instructor's request handler), so the transform changes nothing in them; `extra_body`
    is merged into the body unchanged, and takes precedence, which sends the same JSON. instructor's own kwargs are untouched: re-asks still extend them."""

    async def send(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _SENT_AS_GIVEN if name in kwargs}
        if given:
            kwargs["extra_body"] = given | (kwargs.get("extra_body") or {})
        if "messages" in given:
            kwargs["messages"] = []  # required by the signature; the body's messages are extra_body's
        return await create(*args, **kwargs)

    return send


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return exc.message


_STATUS_KINDS: tuple[tuple[type[openai.APIStatusError], Kind], ...] = (
    (openai.AuthenticationError, Kind.AUTH),
    (openai.PermissionDeniedError, Kind.AUTH),
    (openai.NotFoundError, Kind.NOT_FOUND),
    (openai.RateLimitError, Kind.RATE_LIMITED),
    (openai.InternalServerError, Kind.SERVER_ERROR),
    (openai.BadRequestError, Kind.BAD_REQUEST),
    (openai.APIStatusError, Kind.HTTP_STATUS),
)


def recognise(node: BaseException) -> VendorError | None:
    """The SDK's exceptions as neutral kinds (first match wins, most specific first)."""
    for cls, kind in _STATUS_KINDS:
        if isinstance(node, cls):
            return VendorError(kind, node.status_code, _server_message(node))
    if isinstance(node, openai.APITimeoutError):
        return VendorError(Kind.TIMEOUT)
    if isinstance(node, openai.APIConnectionError):
        return VendorError(Kind.CONNECTION, cause=node.__cause__)
    if isinstance(node, IncompleteOutputException):
        return VendorError(Kind.INCOMPLETE)
    if isinstance(node, openai.APIResponseValidationError):
        return VendorError(Kind.INVALID_RESPONSE, message=node.message)
    return None


def _usage_of(obj: Any) -> Usage:
    if obj is None:
        return Usage()
    get = obj.get if isinstance(obj, dict) else lambda k, d=0: getattr(obj, k, d)
    return Usage(
        prompt_tokens=get("prompt_tokens", 0) or 0,
        completion_tokens=get("completion_tokens", 0) or 0,
        total_tokens=get("total_tokens", 0) or 0,
    )


class PlainAnswer(NamedTuple):
    label: BaseModel
    usage: Usage
    model_served: str


def plain_exchange(exchange: Exchange) -> bool:
    """A 200 with a JSON object body: the only exchange the fast lanes may answer without the client."""
    content_type = next((v for k, v in exchange.headers.items() if k.lower() == "content-type"), "application/json")
    return (exchange.error is None and exchange.status in (None, 200) and "json" in content_type
            and isinstance(exchange.response, dict))


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
        fast_live: bool = True,
        pool_size: int | None = None,
        edge: Edge | None = None,
        template: RequestTemplate | None = None,
        on_template: TemplateHook | None = None,
    ) -> None:
        self.settings = settings
        self.record_to = record_to
        self.replay = replay_from is not None
        self._fast_replay_from = replay_from if fast_replay and settings.confidence.method != "samples" else None
        self.fast_replays = 0
        self._fast_live = fast_live and replay_from is None
        self.fast_lives = 0
        self._handlers = mode_registry.get_handlers(instructor.Provider.OPENAI, MODES[settings.mode])
        register_secret(settings.api_key)
        register_url(settings.base_url)
        if edge is None:
            edge = open_edge(settings, transport=transport, record=record_to is not None, replay_from=replay_from,
                             sleep=sleep, pool_size=pool_size)
        self._edge = edge.top
        self._measure = edge.measure
        self._answered = FirstAnswered(edge.top)
        self._answered.template = template
        self._on_template = on_template
        self._client_and_http: tuple[instructor.AsyncInstructor, httpx2.AsyncClient] | None = None

    def _instructor(self) -> instructor.AsyncInstructor:
        """The instructor-patched openai client, built on the first call that needs it: a
        replay whose answers all take the fast lane never pays for it (the SDK's chat resources
        import a large tree of types)."""
        if self._client_and_http is None:
            s = self.settings
            http = httpx2.AsyncClient(transport=self._answered, timeout=httpx2.Timeout(s.timeout, connect=min(10.0, s.timeout)))
            base_url = REPLAY_BASE_URL if self.replay else s.base_url
            api_key = "replay" if self.replay else (s.api_key or "no-key")
            sdk = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=s.timeout, http_client=http)
            completions = sdk.chat.completions
            completions.create = _sent_as_given(completions.create)  # type: ignore[method-assign]
            client = instructor.from_openai(sdk, mode=MODES[s.mode])
            self._client_and_http = client, http
        return self._client_and_http[0]

    def _request_kwargs(self, response_model: type[BaseModel]) -> dict[str, Any]:
        kwargs: dict[str, Any] = dict(self.settings.request_params())
        if self.settings.mode == Mode.JSON_SCHEMA:
            kwargs["extra_body"] = {"response_format": response_format(response_model)}
        return kwargs

    def request_body(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> dict[str, Any]:
        """The JSON body this adapter's first request for `messages` sends, built by instructor's own
        request handler without the HTTP client (the replay fast lane and the Batch API use it)."""
        handlers = self._handlers
        _, request = handlers.request_handler(
            response_model=_prepared(response_model),
            kwargs={**self._request_kwargs(response_model), "model": self.settings.model, "messages": [dict(m) for m in messages]},
        )
        if handlers.message_converter is not None:
            request["messages"] = handlers.message_converter(request["messages"], autodetect_images=False)
        return {k: v for k, v in request.items() if k != "extra_body"} | (request.get("extra_body") or {})

    def parse_plain(self, response: Any, response_model: type[BaseModel]) -> PlainAnswer | None:
        """A plain answer (a chat completion's JSON) parsed by instructor's own response parser, or
        None when instructor would not take it as it is (it would re-ask, or fail)."""
        try:
            completion = (ChatCompletion.model_validate_json(response) if isinstance(response, bytes)
                          else ChatCompletion.model_validate(response))
            label = self._handlers.response_parser(response=completion, response_model=_prepared(response_model),
                                                   validation_context=None, strict=True, stream=False, is_async=True)
        except Exception:  # instructor would re-ask or fail: the full lane does exactly that
            return None
        return PlainAnswer(label, _usage_of(completion.usage), completion.model)

    def measured_plain(self, response: Any, response_model: type[BaseModel]) -> tuple[PlainAnswer, Confidence | None] | None:
        """`parse_plain` of a stored answer (a recording's, a batch's), with its confidence read as
        the live path reads it: the logprobs measured and taken off before the parse. None where the
        full lane must judge it, and for samples, whose vote the full lane's transport takes."""
        confidence = None
        if self._measure is not None:
            if self._measure.spec.method != "logprobs":
                return None
            response, confidence = strip_logprobs(response, self._measure.classes)
        parsed = self.parse_plain(response, response_model)
        if parsed is None:
            return None
        return parsed, agreeing(confidence, getattr(parsed.label, "classification", None))

    async def ask(self, key: str, messages: list[dict[str, str]], response_model: type[BaseModel],
                  call: CallContext | None = None) -> ModelAnswer:
        """The label for `messages`; `call`: one whose first request was sent already (`head_start`)."""
        kwargs = self._request_kwargs(response_model)
        if self._fast_replay_from is not None:
            recorded = self._recorded_answer(self._fast_replay_from, key, messages, response_model)
            if recorded is not None:
                return recorded
        call = call or CallContext(item_key=key)
        token = current_call.set(call)
        label: BaseModel | None = None
        error: ErrorInfo | None = None
        usage = Usage()
        model_served: str | None = None
        confidence = None
        try:
            plain = await self._first_plain(call, messages, response_model)
            if plain is not None:
                label, usage, model_served = plain
            else:
                label, completion = await self._instructor().create_with_completion(
                    model=self.settings.model,
                    response_model=_prepared(response_model),
                    messages=messages,  # type: ignore[arg-type]
                    max_retries=self.settings.max_reasks,
                    **kwargs,
                )
                usage = _usage_of(completion.usage)
                model_served = completion.model
                self._learned(messages, response_model)
            if self._measure is not None:
                confidence = agreeing(self._measure.take(key), getattr(label, "classification", None)) or unavailable(
                    "the answer was not measured")
        except Exception as exc:  # every failure becomes a record, never a crash
            attempts = exc.n_attempts if isinstance(exc, InstructorRetryException) else 1
            error = classify_error(exc, self.settings, recognise, attempts)
            if call.junk_body is not None:
                error = junk_body_error(call.junk_body, self.settings)
            error = ErrorInfo(type=error.type, message=redact(error.message))
            if isinstance(exc, InstructorRetryException):
                usage = _usage_of(exc.total_usage)
                last = exc.last_completion
                model_served = getattr(last, "model", None)
        finally:
            current_call.reset(token)
            if self._measure is not None and confidence is None:
                self._measure.take(key)
        if self.record_to is not None and call.exchanges:
            self.record_to.save(
                ItemRecording(item=key, producer=model_served or self.settings.model,
                              model_requested=self.settings.model, exchanges=call.exchanges),
                continues=any(m.get("role") == "assistant" for m in messages),  # a fix round extends the article's file
            )
        return ModelAnswer(
            label=label,
            error=error,
            usage=usage,
            attempts=Attempts(requests=call.requests, answers=call.answers),
            latency_ms=round(call.elapsed_ms, 3),
            model_served=model_served,
            recording_producer=call.producer,
            confidence=confidence,
        )

    async def _first_plain(self, call: CallContext, messages: list[dict[str, str]],
                           response_model: type[BaseModel]) -> PlainAnswer | None:
        """The live lane (`first_request`): the call's first request sent through our transports and,
        when instructor's parser takes the answer as it is, the label. None sends the call through
        the client, whose first request is then answered with what came back here."""
        answered = self._answered
        first = call.first
        if first is None or not first.sent:
            if not self._fast_live or answered.refused:
                return None
            first = call.first = FirstRequest(self.request_body(messages, response_model))
            if answered.template is None:
                return None  # the client's first request of the run gives the template, and checks the body
            try:
                first.response = await self._edge.handle_async_request(answered.template.request(first.body))
            except Exception as exc:  # handed to the client, which raises and classifies it as ever
                first.error = exc
                return None
        response = first.response
        if response is None:
            return None
        if response.status_code != 200 or "json" not in response.headers.get("content-type", "application/json"):
            return None
        plain = self.parse_plain(response.content, response_model)
        if plain is not None:
            call.first = None
            self.fast_lives += 1
        return plain

    def _learned(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> None:
        """Hand the template the client's first request gave over, once (`head_start` stores it)."""
        hook, template = self._on_template, self._answered.template
        if hook is not None and template is not None:
            self._on_template = None
            with contextlib.suppress(Exception):  # a template not stored is only a later run's head start lost
                hook(template, messages, response_model, self.request_body)

    def _recorded_answer(self, reader: RecordingReader, key: str, messages: list[dict[str, str]],
                         response_model: type[BaseModel]) -> ModelAnswer | None:
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
        if not plain_exchange(exchange) or self.request_body(messages, response_model) != exchange.request:
            return None
        measured = self.measured_plain(exchange.response, response_model)
        if measured is None:
            return None
        parsed, confidence = measured
        reader.next_exchange(key)
        self.fast_replays += 1
        return ModelAnswer(
            label=parsed.label, error=None, usage=parsed.usage,
            attempts=Attempts(requests=1, answers=1), latency_ms=round(exchange.elapsed_ms, 3),
            model_served=parsed.model_served, recording_producer=recording.producer, confidence=confidence,
        )

    async def aclose(self) -> None:
        if self._client_and_http is not None:
            await self._client_and_http[1].aclose()
        else:
            await self._edge.aclose()

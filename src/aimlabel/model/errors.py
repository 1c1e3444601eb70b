"""Every way a model call can fail, as a stable error type and a message that says what to do next.

Only the vendor module knows the SDK's exception classes: it reports each one it recognises as a
`VendorError` (a neutral kind, the HTTP status and the server's own words), and this module
decides the wording. Replay errors, schema validation errors, refusals and anything unforeseen
are recognised here directly. Which types stop a whole run (`FATAL_ERRORS`) is declared here and
acted on in one place, `aimlabel.run.stop`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from aimlabel.core.record import ErrorInfo
from aimlabel.core.validation import validation_message
from aimlabel.model.base import ModelSettings
from aimlabel.model.recording import ReplayError

# Retrying these is futile: every later article would fail the same way.
FATAL_ERRORS = frozenset({"auth", "not_found"})
MODE_HINT_WORDS = ("response_format", "json_schema", "tool")


class Kind(StrEnum):
    """The vendor failures the SDK module maps its exceptions to."""

    AUTH = "auth"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    BAD_REQUEST = "bad_request"
    HTTP_STATUS = "http_status"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    INCOMPLETE = "incomplete"
    INVALID_RESPONSE = "invalid_response"


class ResponseTooLarge(Exception):
    """A response body over `--max-response-bytes`, refused at the transport before it is parsed."""

    def __init__(self, limit: int | None, size: int | None = None) -> None:
        if limit is None:  # replayed: the recording says only that it happened
            message = "the server's response was over --max-response-bytes when this was recorded"
        else:
            told = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
            message = f"the server's response was {told}, over the limit of {limit:,} (--max-response-bytes)"
        super().__init__(message + "; it was not read further")
        self.limit = limit


# Pydantic's error types for a value longer than the schema allows.
_TOO_LONG = frozenset({"string_too_long", "too_long"})


@dataclass(frozen=True)
class VendorError:
    """One SDK exception, reduced to what the messages need."""

    kind: Kind
    status: int | None = None
    message: str = ""
    cause: BaseException | None = None


Recognise = Callable[[BaseException], VendorError | None]


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


def retries_text(settings: ModelSettings) -> str:
    n = settings.retry.max_retries
    return f"{n} retry" if n == 1 else f"{n} retries"


def _vendor_info(v: VendorError, settings: ModelSettings) -> ErrorInfo:
    after = retries_text(settings)
    if v.kind is Kind.AUTH:
        return ErrorInfo(type="auth", message=f"the server refused the credentials (HTTP {v.status}: {v.message}); "
                         "check --api-key / OPENAI_API_KEY and --base-url")
    if v.kind is Kind.NOT_FOUND:
        return ErrorInfo(type="not_found", message=f"HTTP 404 from the server ({v.message}); check --model "
                         f"{settings.model!r} and --base-url (it usually ends in /v1)")
    if v.kind is Kind.RATE_LIMITED:
        return ErrorInfo(type="rate_limited", message=f"HTTP 429 after {after}: {v.message}")
    if v.kind is Kind.SERVER_ERROR:
        return ErrorInfo(type="server_error", message=f"HTTP {v.status} after {after}: {v.message}")
    if v.kind is Kind.BAD_REQUEST:
        hint = ("; the server may not support this --mode: try --mode tools, json_schema or md_json"
                if any(w in v.message.lower() for w in MODE_HINT_WORDS) else "")
        return ErrorInfo(type="bad_request", message=f"HTTP {v.status}: {v.message}{hint}")
    if v.kind is Kind.HTTP_STATUS:
        return ErrorInfo(type=f"http_{v.status}", message=v.message)
    if v.kind is Kind.TIMEOUT:
        return ErrorInfo(type="timeout", message=f"no answer within {settings.timeout:g}s after {after}")
    if v.kind is Kind.CONNECTION:
        detail = f": {v.cause}" if v.cause else ""
        return ErrorInfo(type="connection", message=f"could not reach the server after {after}{detail}")
    if v.kind is Kind.INCOMPLETE:
        return ErrorInfo(type="incomplete", message="the answer was cut off at the token limit (finish_reason=length); "
                         "raise --max-completion-tokens")
    return ErrorInfo(type="invalid_response", message=f"the server's response was not a valid chat completion: {v.message}")


def classify_error(exc: BaseException, settings: ModelSettings, recognise: Recognise, attempts: int = 1) -> ErrorInfo:
    """Map any failure of one call to an `ErrorInfo` with a stable type; `attempts` is how many
    answers the model gave (for the invalid-answer message)."""
    chain = _chain(exc)
    refusal = _refusal(exc)
    if refusal:
        return ErrorInfo(type="refusal", message=f"the model refused to answer: {refusal}")
    for node in chain:
        if isinstance(node, ReplayError):
            return ErrorInfo(type=node.kind, message=str(node))
        if isinstance(node, ResponseTooLarge):
            return ErrorInfo(type="invalid_response", message=str(node))
    for node in chain:
        found = recognise(node)
        if found is not None:
            return _vendor_info(found, settings)
    for node in chain:
        if isinstance(node, ValidationError):
            detail = validation_message(node, limit=3, whole="answer")
            if all(e["type"] in _TOO_LONG for e in node.errors()):
                return ErrorInfo(type="invalid_response", message=f"the answer was over the schema's size caps after "
                                 f"{attempts} attempt(s): {detail}")
            return ErrorInfo(type="invalid_answer", message=f"no valid answer after {attempts} attempt(s): {detail}")
        if isinstance(node, (json.JSONDecodeError, ValueError)):
            return ErrorInfo(type="invalid_answer", message=f"no valid answer after {attempts} attempt(s): {node}")
    return ErrorInfo(type="error", message=f"{type(exc).__name__}: {exc}")


def junk_body_error(body: str, settings: ModelSettings) -> ErrorInfo:
    """A 200 whose body was not JSON (a proxy's HTML page, a truncated body), after the retries."""
    return ErrorInfo(type="invalid_response", message=f"the server answered HTTP 200 with a body that is "
                     f"not JSON, after {retries_text(settings)}: {body!r}")

"""Confidence measured at the HTTP edge, above the retries: logprobs read and taken off, samples gathered.

Why here and not on the parsed completion: the openai client builds a Python object for every
token's logprobs (hundreds per answer, each with its alternatives), which costs more CPU than
the whole rest of a label. Read from the text (`logprobs_scan`: a window of entries around the
value), it costs about a tenth of a millisecond; the body handed on to the client carries no
logprobs, so the client and instructor do exactly what they do without `--confidence`. Below
this transport the wire is untouched: a recording keeps the server's logprobs and every
sample's exchange, so a replay measures the same confidence. A batch run's answers are measured
by the same code: through this transport, or, for a plain stored answer, by `strip_logprobs`
(`OpenAIAdapter.measured_plain`, as replay's fast lane).

Samples: a request asks for `n=K`; a server that answers fewer choices (one that ignores `n`)
is asked the same request again until K answers are in, at most K requests. The choices are
voted on (`aimlabel.model.samples`), the body handed on holds the kept answer alone, and its
usage is the sum over every request, so cost and budget count every sample.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx2

from aimlabel.core.record import Confidence
from aimlabel.model.base import ConfidenceSpec
from aimlabel.model.http import current_call_context, replace_body
from aimlabel.model.logprobs import choice_text, class_in, logprob_confidence, unavailable
from aimlabel.model.logprobs_scan import scan_logprobs
from aimlabel.model.samples import vote

_USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


def strip_logprobs(body: dict[str, Any], classes: Sequence[str]) -> tuple[dict[str, Any], Confidence]:
    """`body` without its first choice's logprobs, and the confidence they give."""
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return body, unavailable("the answer has no choices")
    first = choices[0]
    logprobs = first.get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if isinstance(content, list) and content:
        confidence = logprob_confidence(content, classes)
    else:
        confidence = unavailable("the server returned no logprobs for the answer")
    confidence.method = "logprobs"
    return {**body, "choices": [{**first, "logprobs": None}, *choices[1:]]}, confidence


def _json_body(response: httpx2.Response) -> dict[str, Any] | None:
    if response.status_code != 200:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) and isinstance(body.get("choices"), list) else None


def _rebuilt(response: httpx2.Response, body: dict[str, Any] | bytes) -> httpx2.Response:
    return replace_body(response, body if isinstance(body, bytes) else json.dumps(body).encode())


class ConfidenceTransport(httpx2.AsyncBaseTransport):
    """Measure each answer's confidence; `take(key)` hands the last one of an article's call over."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, spec: ConfidenceSpec, classes: Sequence[str]) -> None:
        self.inner = inner
        self.spec = spec
        self.classes = tuple(classes)
        self._found: dict[str, Confidence] = {}
        self._density: float | None = None  # aims the next scan (`scan_logprobs`)

    def take(self, key: str) -> Confidence | None:
        return self._found.pop(key, None)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        if response.status_code != 200:
            return response
        key = current_call_context().item_key
        if self.spec.method == "logprobs":
            scanned = scan_logprobs(response.content, self.classes, self._density)
            if scanned is not None:
                self._found[key] = scanned.confidence
                self._density = scanned.density or self._density
                return _rebuilt(response, scanned.text)
        body = _json_body(response)
        if body is None:
            return response
        if self.spec.method == "samples":
            body = await self._sampled(request, body, key)
        else:
            body, self._found[key] = strip_logprobs(body, self.classes)
        return _rebuilt(response, body)

    async def _sampled(self, request: httpx2.Request, body: dict[str, Any], key: str) -> dict[str, Any]:
        asked = self.spec.samples
        choices: list[dict[str, Any]] = [c for c in body["choices"] if isinstance(c, dict)][:asked]
        usage = {k: int((body.get("usage") or {}).get(k) or 0) for k in _USAGE_KEYS}
        requests = 1
        while len(choices) < asked and requests < asked:
            more = _json_body(await self.inner.handle_async_request(request))
            requests += 1
            if more is None:
                break  # a failed sample request: vote with what came back, and say so
            choices += [c for c in more["choices"] if isinstance(c, dict)][:asked - len(choices)]
            for k in _USAGE_KEYS:
                usage[k] += int((more.get("usage") or {}).get(k) or 0)
        result = vote([class_in(choice_text(c), self.classes) for c in choices], self.classes,
                      self.spec.temperature, asked)
        self._found[key] = result.confidence.model_copy(update={"method": str(self.spec)})
        kept = choices[result.chosen if result.chosen is not None else 0] if choices else {}
        return {**body, "choices": [{**kept, "index": 0}] if kept else [], "usage": usage}

    async def aclose(self) -> None:
        await self.inner.aclose()


def agreeing(confidence: Confidence | None, classification: object) -> Confidence | None:
    """The measured confidence, if it is about the class the parsed label has (else `unavailable`)."""
    if confidence is None or confidence.source != "logprobs" or confidence.distribution is None:
        return confidence
    if confidence.distribution.get(str(classification)) != confidence.probability:
        return unavailable("the logprobs spell another class than the label's")
    return confidence

"""Never pay twice for the same answer.

The cache key covers everything that changes the answer (model, mode, sampling parameters, the
rendered messages, the response schema) and nothing that does not (the base URL, key,
timeouts, retries, concurrency: connection settings, as for a run's identity, so a corrected
`--base-url` finds the answers already paid for). Only successful answers are cached. Recording and replay bypass it: a recording
must hold real exchanges, and replay is free anyway.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel

from aimlabel.core.hashing import sha256_json
from aimlabel.core.record import Attempts, Confidence, Usage
from aimlabel.core.schema import schema_hash
from aimlabel.model.base import ModelAdapter, ModelAnswer, ModelSettings
from aimlabel.run.store import RunStore

CACHE_KEY_VERSION = "2"  # 2: the base URL left the key


def cache_key(s: ModelSettings, messages: list[dict[str, str]], response_model: type[BaseModel]) -> str:
    return sha256_json({
        "v": CACHE_KEY_VERSION,
        "model": s.model,
        "mode": s.mode,
        "params": s.request_params(),
        "messages": messages,
        "schema": schema_hash(response_model),
    })


class AnswerCache(Protocol):
    """Where answers are kept: the run store, or a labelling worker's view of it (`run.workers`)."""

    def cache_get(self, key: str) -> dict[str, Any] | None: ...

    def cache_put(self, key: str, answer: dict[str, Any]) -> None: ...


class CachedAdapter:
    """An adapter that answers from the store's cache when it can, and fills it when it can't."""

    def __init__(self, inner: ModelAdapter, store: AnswerCache) -> None:
        self.inner = inner
        self.store = store
        self.settings = inner.settings
        self.replay = inner.replay
        self.hits = 0

    async def ask(self, key: str, messages: list[dict[str, str]], response_model: type[BaseModel]) -> ModelAnswer:
        ckey = cache_key(self.settings, messages, response_model)
        hit = self.store.cache_get(ckey)
        if hit is not None:
            try:
                label = response_model.model_validate(hit["label"])
            except ValueError:
                label = None
            if label is not None:
                self.hits += 1
                return ModelAnswer(
                    label=label, error=None, usage=Usage(), attempts=Attempts(), latency_ms=0.0,
                    model_served=hit.get("model_served"), recording_producer=None, cached=True,
                    confidence=Confidence.model_validate(hit["confidence"]) if hit.get("confidence") else None,
                )
        answer = await self.inner.ask(key, messages, response_model)
        if answer.label is not None:
            self.store.cache_put(ckey, _cache_entry(answer))
        return answer

    async def aclose(self) -> None:
        await self.inner.aclose()


class BatchAnswers(ModelAdapter, Protocol):
    def has_answer(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> bool: ...


class BatchCachedAdapter(CachedAdapter):
    """The cache in front of a batch run: a request a batch answered takes that answer (and caches
    it), any other is asked of the cache first and goes into the next batch only on a miss. The
    order matters: an answer the run paid for is never replaced by a cached copy on a later pass."""

    inner: BatchAnswers

    def __init__(self, inner: BatchAnswers, store: RunStore) -> None:
        super().__init__(inner, store)

    async def ask(self, key: str, messages: list[dict[str, str]], response_model: type[BaseModel]) -> ModelAnswer:
        if not self.inner.has_answer(messages, response_model):
            return await super().ask(key, messages, response_model)
        answer = await self.inner.ask(key, messages, response_model)
        if answer.label is not None:
            self.store.cache_put(cache_key(self.settings, messages, response_model), _cache_entry(answer))
        return answer


def _cache_entry(answer: ModelAnswer) -> dict[str, Any]:
    return {
        "label": answer.label.model_dump(mode="json") if answer.label is not None else None,
        "model_served": answer.model_served,
        "usage": answer.usage.model_dump(),
        "confidence": answer.confidence.model_dump(mode="json") if answer.confidence is not None else None,
    }

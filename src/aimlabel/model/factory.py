"""Open the adapter a run calls: the one place that loads a model SDK, and only when it is needed.

Commands that never call a model (`check`, `eval --labels`, `review`, `show`, `plan`, `--help`)
never reach this function, so they start without importing openai, instructor or httpx2. A
replay is a model call too: it goes through the same client. A new backend (another SDK, the
OpenAI Batch API) is a new branch here, keyed on `ModelSettings`, with its own lazy import: the
Batch API's adapter and its Files/Batches client are `open_batch_adapter` and `open_batch_api`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from aimlabel.model.base import ModelAdapter, ModelSettings

if TYPE_CHECKING:
    from aimlabel.model.batch import BatchAdapter
    from aimlabel.model.batch_api import BatchApi
    from aimlabel.model.http import Sleep
    from aimlabel.model.openai import OpenAIAdapter
    from aimlabel.model.recording import RecordingReader, RecordingWriter

INSTALL_HINT = "pip install 'instructor>=1.17,<2' 'openai>=3.3,<4'"


class ModelUnavailable(RuntimeError):
    """The SDK a model call needs is not installed; the message says what to install."""


_AIOHTTP_CLIENT = "openai._vendor.httpx_aiohttp"


@contextmanager
def _sdk_import() -> Iterator[None]:
    """Import the SDK without its optional aiohttp client.

    openai imports that client (and aiohttp, which instructor installs) whenever aiohttp is
    there, 0.2-0.3 s of start-up here with an SSL context, though no call of ours uses it: every
    request goes through our own httpx2 transports. While openai is first imported, its client
    module is marked missing, which openai takes as aiohttp absent; the mark is lifted after, so
    a later import of it works. In this process `openai.DefaultAioHttpClient` is then the SDK's
    "not installed" class."""
    if "openai" in sys.modules or _AIOHTTP_CLIENT in sys.modules:
        yield
        return
    sys.modules[_AIOHTTP_CLIENT] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if _AIOHTTP_CLIENT in sys.modules and sys.modules[_AIOHTTP_CLIENT] is None:
            del sys.modules[_AIOHTTP_CLIENT]


def load_sdk() -> type[OpenAIAdapter]:
    """Import the SDK a model call needs, once: a run that forks processes loads it before, so
    that each child starts with it (`run.shards`)."""
    try:
        with _sdk_import():
            from aimlabel.model.openai import OpenAIAdapter
    except ImportError as exc:  # pragma: no cover - the package depends on both
        raise ModelUnavailable(f"calling a model needs {exc.name or 'openai and instructor'}: {INSTALL_HINT}") from exc
    return OpenAIAdapter


def open_adapter(
    settings: ModelSettings,
    *,
    transport: Any = None,
    record_to: RecordingWriter | None = None,
    replay_from: RecordingReader | None = None,
    sleep: Sleep | None = None,
    fast_replay: bool = True,
    pool_size: int | None = None,
    head_start: bool = True,
) -> ModelAdapter:
    """The OpenAI-compatible adapter for `settings` (`transport`: an httpx2 transport under it;
    `pool_size`: connections kept, one per call in flight).

    A live run whose process has not loaded the SDK yet gets it loaded in a thread, with its
    first requests sent meanwhile from a stored template (`model.head_start`)."""
    if replay_from is not None or not head_start:
        return load_sdk()(settings, transport=transport, record_to=record_to, replay_from=replay_from, sleep=sleep,
                          fast_replay=fast_replay, pool_size=pool_size)
    from aimlabel.model.edge import open_edge
    from aimlabel.model.head_start import HeadStart, default_templates

    def build(**parts: Any) -> OpenAIAdapter:
        return load_sdk()(settings, record_to=record_to, **parts)

    edge = open_edge(settings, transport=transport, record=record_to is not None, sleep=sleep, pool_size=pool_size)
    return HeadStart(settings, edge, build, default_templates())


def open_batch_adapter(settings: ModelSettings, *, requests_allowed: bool = True, keep_exchanges: bool = False) -> BatchAdapter:
    """The adapter a batch run's labelling pass asks (answers from batch output lines; see `model.batch`)."""
    try:
        with _sdk_import():
            from aimlabel.model.batch import BatchAdapter
    except ImportError as exc:  # pragma: no cover - the package depends on both
        raise ModelUnavailable(f"a batch run needs {exc.name or 'openai and instructor'}: {INSTALL_HINT}") from exc
    return BatchAdapter(settings, requests_allowed=requests_allowed, keep_exchanges=keep_exchanges)


def open_batch_api(settings: ModelSettings, *, transport: Any = None) -> BatchApi:
    """The Files and Batches endpoints of `settings.base_url`, through the openai SDK."""
    try:
        with _sdk_import():
            from aimlabel.model.batch_api import BatchApi
    except ImportError as exc:  # pragma: no cover - the package depends on both
        raise ModelUnavailable(f"the Batch API needs {exc.name or 'openai'}: {INSTALL_HINT}") from exc
    return BatchApi(settings, transport=transport)

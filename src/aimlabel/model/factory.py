"""Open the adapter a run calls: the one place that loads a model SDK, and only when it is needed.

Commands that never call a model (`check`, `eval --labels`, `review`, `show`, `plan`, `--help`)
never reach this function, so they start without importing openai, instructor or httpx2. A
replay is a model call too: it goes through the same client. A new backend (another SDK, the
OpenAI Batch API) is a new branch here, keyed on `ModelSettings`, with its own lazy import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aimlabel.model.base import ModelAdapter, ModelSettings

if TYPE_CHECKING:
    from aimlabel.model.http import Sleep
    from aimlabel.model.recording import RecordingReader, RecordingWriter

INSTALL_HINT = "pip install 'instructor>=1.17,<2' 'openai>=3.3,<4'"


class ModelUnavailable(RuntimeError):
    """The SDK a model call needs is not installed; the message says what to install."""


def open_adapter(
    settings: ModelSettings,
    *,
    transport: Any = None,
    record_to: RecordingWriter | None = None,
    replay_from: RecordingReader | None = None,
    sleep: Sleep | None = None,
    fast_replay: bool = True,
) -> ModelAdapter:
    """The OpenAI-compatible adapter for `settings` (`transport`: an httpx2 transport under it)."""
    try:
        from aimlabel.model.openai import OpenAIAdapter
    except ImportError as exc:  # pragma: no cover - the package depends on both
        raise ModelUnavailable(f"calling a model needs {exc.name or 'openai and instructor'}: {INSTALL_HINT}") from exc
    return OpenAIAdapter(settings, transport=transport, record_to=record_to, replay_from=replay_from, sleep=sleep,
                         fast_replay=fast_replay)

"""SIGTERM ends a run the way Ctrl-C does.

systemd, docker and job schedulers stop a process with SIGTERM, whose default is to die on the
spot: no message, and the run left `running`. `run_interruptible` is `asyncio.run` with SIGTERM
doing what asyncio already does for SIGINT: cancel the main task, so every `finally` runs (calls
in flight are cancelled, the run is marked interrupted, its lease given back), then raise
`Terminated`, a `KeyboardInterrupt`, for the command to report. A second SIGTERM during that
clean-up kills at once, as the default would. `sigterm_interrupts` does the same for a command
that waits outside one event loop (a batch collect polling between passes).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")


class Terminated(KeyboardInterrupt):
    """The run was stopped by SIGTERM (handled like Ctrl-C; the exit code is 128 + 15)."""

    exit_code = 128 + signal.SIGTERM


def run_interruptible(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to the end; Ctrl-C raises KeyboardInterrupt and SIGTERM `Terminated`, both after clean-up."""
    terminated: list[int] = []

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def on_sigterm() -> None:
            terminated.append(signal.SIGTERM)
            loop.remove_signal_handler(signal.SIGTERM)  # a second one kills at once
            if task is not None:
                task.cancel()

        try:
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
            installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            installed = False
        try:
            return await main
        finally:
            if installed and not terminated:
                loop.remove_signal_handler(signal.SIGTERM)

    try:
        return asyncio.run(guarded())
    except asyncio.CancelledError:
        if terminated:
            raise Terminated() from None
        raise


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Inside the block SIGTERM raises `Terminated` where the program is, as Ctrl-C raises
    KeyboardInterrupt; a second SIGTERM kills at once. Outside the main thread, nothing changes."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

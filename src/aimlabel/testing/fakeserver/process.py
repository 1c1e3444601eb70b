"""Run the fake server as a child process: spawn it, learn its port, read its stats, stop it.

A separate process keeps the server's CPU out of the measurements of the labelling process, and
exercises the real socket path (connection pool, keep-alive, timeouts) that an in-memory
transport skips.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from types import TracebackType
from typing import Any

_ANNOUNCE = re.compile(r"listening on (http://[^\s]+/v1)")


class FakeServerError(RuntimeError):
    """The fake server did not start (or said something unexpected)."""


class FakeServerProcess:
    """A running `python -m aimlabel.testing.fakeserver`; use as a context manager so it always stops."""

    def __init__(self, args: list[str], startup_timeout: float = 30.0) -> None:
        self.args = args
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise FakeServerError("fake server not started")
        return self._proc.pid

    @property
    def root_url(self) -> str:
        return self.base_url.removesuffix("/v1")

    def start(self) -> FakeServerProcess:
        cmd = [sys.executable, "-m", "aimlabel.testing.fakeserver", *self.args]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        assert self._proc.stdout is not None
        line = b""
        deadline = time.monotonic() + self.startup_timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    self.close()
                    raise FakeServerError(f"fake server did not announce its port within {self.startup_timeout:g}s")
                chunk = os.read(self._proc.stdout.fileno(), 1)
                if not chunk:
                    code = self.close()
                    raise FakeServerError(f"fake server exited (code {code}) before listening: {' '.join(cmd)}")
                line += chunk
        found = _ANNOUNCE.search(line.decode())
        if not found:
            self.close()
            raise FakeServerError(f"unexpected first line from the fake server: {line!r}")
        self.base_url = found.group(1)
        return self

    def stats(self, timeout: float = 10.0) -> dict[str, Any]:
        """The server's counters (GET /stats)."""
        with urllib.request.urlopen(self.root_url + "/stats", timeout=timeout) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    def close(self, timeout: float = 10.0) -> int | None:
        """Stop the server (SIGTERM, then SIGKILL after `timeout`); returns its exit code."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        return proc.returncode

    def __enter__(self) -> FakeServerProcess:
        return self if self._proc is not None else self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def server_args(**options: Any) -> list[str]:
    """`latency=0.5, rate_429=0.2, echo_key=True` -> `--latency 0.5 --rate-429 0.2 --echo-key` (None and
    False values are left out)."""
    args: list[str] = []
    for name, value in options.items():
        flag = f"--{name.replace('_', '-')}"
        if value is True:
            args.append(flag)
        elif value is not None and value is not False:
            args += [flag, str(value)]
    return args


def start_fake_server(startup_timeout: float = 30.0, **options: Any) -> FakeServerProcess:
    """Spawn the fake server with CLI options given as keywords; use it in a `with` block."""
    options.setdefault("port", 0)
    return FakeServerProcess(server_args(**options), startup_timeout).start()

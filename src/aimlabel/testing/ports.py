"""A free TCP port on 127.0.0.1, for tests that start a real server process (Label Studio,
llama-cpp-python) which must be told its port before it starts."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

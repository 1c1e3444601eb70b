"""One process per run name: the run lease, kept in the store.

Two processes on one `--run` would each send the same articles and overwrite each other's
records. A run is therefore leased to one process (its pid, host and a random token), which
renews the lease with a heartbeat while it runs and gives it back when it ends. Another
process gets `RunBusy`, naming the owner, unless the lease is stale: no heartbeat for
`STALE_AFTER` seconds (a crashed or frozen process on any host), or an owner on this host whose
pid is gone (a SIGKILL; no need to wait). Stealing needs one of the two.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path

STALE_AFTER = 60.0
HEARTBEAT_EVERY = 10.0


@dataclass(frozen=True)
class Owner:
    pid: int
    host: str
    token: str
    acquired_at: float
    heartbeat_at: float

    def describe(self, now: float | None = None) -> str:
        age = max(0.0, (now if now is not None else time.time()) - self.heartbeat_at)
        return f"pid {self.pid} on host {self.host} (last heartbeat {age:.0f}s ago)"


def this_process() -> Owner:
    now = time.time()
    return Owner(os.getpid(), socket.gethostname(), secrets.token_hex(8), now, now)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def stale_because(owner: Owner, now: float, stale_after: float, host: str) -> str | None:
    """Why the lease may be taken over, or None while its owner is alive."""
    if now - owner.heartbeat_at > stale_after:
        return f"no heartbeat for {now - owner.heartbeat_at:.0f}s"
    if owner.host == host and not pid_alive(owner.pid):
        return f"pid {owner.pid} is gone"
    return None


class RunBusy(Exception):
    """Another live process holds the run's lease."""

    def __init__(self, name: str, owner: Owner) -> None:
        super().__init__(f"run {name!r} is in use by {owner.describe()}; wait for it to finish, stop it, "
                         "or pick another --run name")
        self.owner = owner

"""Run manifests: what produced a run, written before the first call.

Anything that could change a label is here (model, parameters, prompt/schema hashes, the
input's hash), plus the tool's own version and git commit, so any number traces back.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from aimlabel import __version__

_PACKAGES = ("openai", "instructor", "pydantic", "httpx2", "tenacity")


@lru_cache(maxsize=1)
def tool_info() -> dict[str, Any]:
    """aimlabel's version, the git commit of its source checkout (if any) and key package versions."""
    source = Path(__file__).resolve().parent
    commit: str | None = None
    dirty: bool | None = None
    try:
        commit = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip() or None
        dirty = bool(subprocess.run(["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=5, check=True).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"tool_version": __version__, "git_commit": commit, "git_dirty": dirty,
            "python": platform.python_version(), "packages": versions}


def file_sha256(path: str | Path) -> str | None:
    """sha256 of a file's bytes, streamed; None for stdin."""
    if str(path) == "-":
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()

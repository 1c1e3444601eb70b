"""What produced an output: aimlabel's version, its git commit, and the versions of the stack.

Every manifest (a labelling run's, an evaluation's) starts with this block, so a number can be
traced to the code that made it and two manifests can be matched.
"""

from __future__ import annotations

import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel

from aimlabel import __version__

PACKAGES = ("openai", "instructor", "pydantic", "httpx2", "tenacity")


class ToolInfo(BaseModel):
    """The tool block of a manifest (read leniently: manifests from older versions load too)."""

    tool_version: str | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None
    python: str | None = None
    packages: dict[str, str | None] = {}


@lru_cache(maxsize=1)
def tool_info() -> ToolInfo:
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
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return ToolInfo(tool_version=__version__, git_commit=commit, git_dirty=dirty, python=platform.python_version(),
                    packages=versions)

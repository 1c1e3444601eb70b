"""Locate the data directories (`prompts/`, `schemas/`, `examples/`) shipped with aimlabel.

A wheel carries `prompts/` and `schemas/` inside the package (hatch force-include); an editable
or source checkout keeps them at the repository root. Looking in both places means the same code
works from either without copying files at build time.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """Return the directory `name` (e.g. "prompts"), packaged copy first, then the repo root."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"aimlabel data directory {name!r} not found next to {_PACKAGE_DIR}; reinstall the package"
    )


def examples_dir() -> Path:
    """The bundled example articles and their recorded model answers."""
    return _PACKAGE_DIR / "examples"

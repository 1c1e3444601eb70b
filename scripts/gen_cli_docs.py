"""Write docs/cli.md from the commands themselves (a test fails while it is stale).

    python scripts/gen_cli_docs.py
"""

from __future__ import annotations

from pathlib import Path

from aimlabel.cli.reference import render_reference

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"

if __name__ == "__main__":
    OUT.write_text(render_reference(), encoding="utf-8")
    print(f"wrote {OUT}")

"""The wheel carries prompts, schemas and the bundled example, so an installed aimlabel works."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_data_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT, check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("aimlabel-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "aimlabel/prompts/label.toml",
        "aimlabel/prompts/event.toml",
        "aimlabel/schemas/taxonomy.json",
        "aimlabel/schemas/label_response.schema.json",
        "aimlabel/schemas/event_record.schema.json",
        "aimlabel/schemas/event_response.schema.json",
        "aimlabel/events/page.js",
        "aimlabel/events/page.css",
        "aimlabel/examples/articles.jsonl",
        "aimlabel/examples/recordings/recording.json",
        "aimlabel/py.typed",
    ):
        assert required in names, required
    assert any(n.startswith("aimlabel/examples/recordings/items/") for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)

"""`show` and the review page order the uncertain first and filter by confidence (issue 15)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from aimlabel.cli.app import app

runner = CliRunner()
RECORDING = Path(__file__).resolve().parents[2] / "eval" / "recordings" / "fixture-logprobs"
GOLD = RECORDING.parents[1] / "gold.jsonl"


def _labels(tmp: Path) -> tuple[Path, dict[str, float]]:
    out = tmp / "labels.jsonl"
    result = runner.invoke(app, ["label", str(GOLD), "--replay", str(RECORDING), "--confidence", "logprobs", "--no-store", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, {r["id"]: r["confidence"]["probability"] for r in map(json.loads, out.read_text().splitlines())}


def test_show_lists_the_least_sure_first_and_filters_by_confidence(tmp_path: Path) -> None:
    labels, conf = _labels(tmp_path)
    result = runner.invoke(app, ["show", str(labels), "--uncertain-first", "--max-confidence", "0.9"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "confidence" in lines[0].split()
    ids = [line.split()[0] for line in lines[1:]]
    assert ids == sorted((k for k, v in conf.items() if v <= 0.9), key=lambda k: (conf[k], list(conf).index(k)))
    assert ids and len(ids) < len(conf)
    shown = [float(re.search(r"\s(\d\.\d{3})\s", line).group(1)) for line in lines[1:]]  # type: ignore[union-attr]
    assert shown == sorted(shown) and max(shown) <= 0.9


def test_the_review_page_orders_by_confidence_and_has_both_filters(tmp_path: Path) -> None:
    labels, conf = _labels(tmp_path)
    page = tmp_path / "review.html"
    assert runner.invoke(app, ["review", str(labels), "--against", str(GOLD), "--uncertain-first", "-o", str(page)]).exit_code == 0
    html = page.read_text()
    assert 'id="f-conf"' in html and 'id="f-conf-max"' in html
    order = [html.index(f'data-id="{k}"') for k in sorted(conf, key=lambda k: (conf[k], list(conf).index(k)))]
    assert order == sorted(order)

"""The committed gold, fixture answers and recording: valid, attributed, and reproducible."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from aimlabel.evaluation.gold import GoldProblem, load_gold
from aimlabel.model.recording import RecordingReader

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "eval"
AIID = ROOT.parent / "shared" / "data" / "aiid"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"eval_{name}", EVAL / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_gold_is_valid_and_attributed() -> None:
    gold = load_gold(EVAL / "gold.jsonl")
    assert Counter(i.gold.classification for i in gold.items) == {
        "AI Incident": 114, "AI Hazard": 14, "Complementary Information": 6, "Unrelated": 5}
    for item in gold.items:
        assert item.licence and item.provenance, item.id
        if item.origin == "aiid-csetv1":
            assert "McGregor" in item.licence and f"/cite/{item.provenance['incident_id']}" in item.licence
            assert item.provenance["files"]["classifications_CSETv1.csv"].startswith("sha256:9a1af8a2")
        else:
            assert item.origin == "written-for-fixture"
            assert item.gold.classification in ("Complementary Information", "Unrelated")


@pytest.mark.skipif(not (AIID / "classifications_CSETv1.csv").is_file(), reason="needs ../shared/data/aiid")
def test_build_gold_reproduces_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "gold.jsonl"
    assert _script("build_gold").main(["--aiid", str(AIID), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (EVAL / "gold.jsonl").read_text(encoding="utf-8")


def test_sector_splitting_and_mapping() -> None:
    build = _script("build_gold")
    assert build.split_sectors("Arts, entertainment and recreation, information and communication") == [
        "arts, entertainment and recreation", "information and communication"]
    assert build.split_sectors("Education, law enforcement") == ["education", "law enforcement"]
    assert build.split_sectors("underwater basket weaving") is None
    row = [""] * 65
    row[21], row[34], row[50], row[51], row[56] = "AI tangible harm near-miss", "yes", "2", "0", "Education, public administration"
    assert build.gold_class(row) == "AI Incident"
    assert build.gold_taxonomy(row, "AI Incident") == {
        "industries": {"values": ["Education and training", "Government, security, and defence"], "scope": None},
        "harm_types": {"values": ["Physical (death)"], "scope": ["Physical (death)", "Physical (injury)"]},
    }
    row[34], row[56] = "maybe", "information and communication"
    assert build.gold_class(row) == "AI Hazard"
    assert build.gold_taxonomy(row, "AI Hazard") == {}
    row[21] = "none"
    assert build.gold_class(row) is None


def test_fixture_answers_are_the_heuristic_output() -> None:
    """The committed answers are exactly what the documented script makes (never gold copies)."""
    make = _script("make_fixture_answers")
    from aimlabel.core.readers import articles_only, iter_articles

    expected = {a.key: make.answer(a) for a in articles_only(iter_articles(str(EVAL / "gold.jsonl")))}
    committed = {r["id"]: r["label"] for r in map(json.loads, (EVAL / "fixture_answers.jsonl").read_text(encoding="utf-8").splitlines())}
    assert committed == expected
    assert RecordingReader(EVAL / "recordings" / "fixture").manifest.producer == "fixture"  # type: ignore[union-attr]


def test_gold_field_forms(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"id": 7, "text": "t", "origin": "staff", "gold": {
        "classification": "AI Hazard",
        "taxonomy": {"industries": ["Real estate"], "severity": "AI hazard", "autonomy_level": None,
                     "harm_types": {"values": [], "scope": ["Physical (death)"]}}}}) + "\n", encoding="utf-8")
    item = load_gold(path).items[0]
    assert item.id == "7"
    assert item.gold.taxonomy["severity"].values == ("AI hazard",)
    assert item.gold.taxonomy["autonomy_level"].values == ()
    assert item.gold.taxonomy["harm_types"].scope == ("Physical (death)",)
    path.write_text(path.read_text() * 2, encoding="utf-8")
    with pytest.raises(GoldProblem, match="duplicate id '7'"):
        load_gold(path)
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(GoldProblem, match="no gold items"):
        load_gold(path)

"""The seed page (../shared, never copied into the repository) as an event, end to end.

The page's 18 articles are parsed in the test; each gets the taxonomy we wrote for it
(tests/data/events/seed_article_taxonomy.jsonl, joined by article number and checked by outlet);
a hand-written event answer is recorded through the fake model at the HTTP edge and replayed
by `aimlabel events --replay`. Skipped, with the reason, when ../shared is absent.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.labels_file import LabelItem, read_labels_source
from aimlabel.testing.fixtures import record_event_answers

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "data" / "aim" / "000_e374795b14a8aa21.txt"
DATA = ROOT / "tests" / "data" / "events"
SCHEMA = json.loads((ROOT / "schemas" / "event_record.schema.json").read_text(encoding="utf-8"))
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason=f"the seed page {SEED} is not on this machine")
TAXONOMY_FIELDS = ("ai_principles", "industries", "affected_stakeholders", "harm_types", "ai_system_task")


def seed_items() -> list[LabelItem]:
    with open(SEED, "rb") as fh:
        return [e for e in read_labels_source(fh, SEED.stem) if isinstance(e, LabelItem)]


def seed_labels_with_taxonomy(path: Path) -> Path:
    """The page's articles as a labels file (form 2), each with the taxonomy written for it."""
    taxonomy = [json.loads(line) for line in (DATA / "seed_article_taxonomy.jsonl").read_text(encoding="utf-8").splitlines()]
    lines = []
    for item, tax in zip([i for i in seed_items() if i.kind == "label"], taxonomy, strict=True):
        ref = item.record.article
        assert ref is not None and ref.outlet is not None and tax["outlet_contains"].casefold() in ref.outlet.casefold()
        label = {"rationale": item.record.label["rationale"], **{k: tax[k] for k in TAXONOMY_FIELDS}}  # type: ignore[index]
        lines.append(json.dumps({"id": item.record.id, "event_id": ref.event_id, "title": ref.title, "outlet": ref.outlet,
                                 "date": ref.date, "label": label}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@needs_seed
def test_the_seed_page_becomes_one_hazard_event_with_merca_as_the_outlier_and_a_replayed_rationale(tmp_path: Path) -> None:
    labels = seed_labels_with_taxonomy(tmp_path / "seed-labels.jsonl")
    answer = json.loads((DATA / "seed_event_answer.json").read_text(encoding="utf-8"))
    with open(labels, "rb") as fh:
        items = [e for e in read_labels_source(fh, labels.stem) if isinstance(e, LabelItem)]
    recorded = record_event_answers(items, {SEED.stem: answer}, tmp_path / "rec")
    assert [r.written.status for r in recorded] == ["ok"]

    out = tmp_path / "events.jsonl"
    result = CliRunner().invoke(app, ["events", str(labels), "--replay", str(tmp_path / "rec"), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    [raw] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    jsonschema.validate(raw, SCHEMA)

    merca = next(i.record.id for i in items if i.record.article and i.record.article.outlet == "Merca2.0 Magazine")
    c = raw["classification"]
    assert (raw["event_id"], c["label"], c["votes"], c["tie"], c["excluded"]) == (
        SEED.stem, "AI Hazard", {"AI Incident": 1, "AI Hazard": 17}, False, [])
    assert raw["severity"] == "AI hazard"
    assert [(o["id"], o["rule"]) for o in raw["outliers"]] == [(merca, "event.class-conflict")]
    assert [a["id"] for a in raw["articles"] if a["role"] == "outlier"] == [merca]
    assert len(raw["articles"]) == 18 and all(a["rationale"] for a in raw["articles"])

    tax = raw["taxonomy"]
    assert merca not in tax["articles"] and len(tax["articles"]) == 17
    written_for = [json.loads(line) for line in (DATA / "seed_article_taxonomy.jsonl").read_text(encoding="utf-8").splitlines()]
    for key in TAXONOMY_FIELDS:  # the rule, counted here independently: kept when at least 9 of the 17 carry it
        counts = Counter(v for row in written_for if row["outlet_contains"] != "Merca2.0" for v in row[key])
        merged = tax["fields"][key]
        assert (merged["articles"], merged["needed"], merged["counts"]) == (17, 9, dict(counts))
        assert set(merged["values"]) == {v for v, n in counts.items() if n >= 9}
    principles = tax["fields"]["ai_principles"]
    assert principles["values"] == ["Respect of human rights", "Robustness & digital security", "Privacy & data governance"]
    assert principles["counts"]["Transparency & explainability"] == 5  # counted, not kept
    harm = tax["fields"]["harm_types"]
    assert harm["values"] == ["Human or fundamental rights", "Economic/Property"] and "Psychological" not in harm["counts"]
    assert tax["fields"]["industries"]["values"] == ["Digital security"]  # Media, ... is on 8 of 17

    w = raw["written"]
    assert (w["status"], w["title"], w["summary"], w["rationale"]) == ("ok", answer["title"], answer["summary"], answer["rationale"])
    assert w["findings"] == []
    assert merca not in w["articles_sent"] and len(w["articles_sent"]) == 17
    assert w["tokens_counted"] <= w["token_budget"]
    p = w["provenance"]
    assert (p["source"], p["recording_producer"], p["prompt_id"], p["prompt_version"], p["schema_version"]) == (
        "replay", "fixture", "aim-event", "1.0.0", "1")
    assert raw["title"] == answer["title"]


@needs_seed
def test_the_seed_page_itself_is_an_event_without_a_model(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = CliRunner().invoke(app, ["events", str(SEED), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    [raw] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    jsonschema.validate(raw, SCHEMA)
    assert (raw["classification"]["label"], raw["classification"]["votes"]) == ("AI Hazard", {"AI Incident": 1, "AI Hazard": 17})
    assert [o["rule"] for o in raw["outliers"]] == ["event.class-conflict"]
    assert raw["findings"] == []  # the page's own label (severity, rationale) agrees with its articles
    assert raw["stated"]["severity"] == "AI hazard" and "Privacy & data governance" in raw["stated"]["taxonomy"]["ai_principles"]
    assert raw["taxonomy"]["fields"] == {}  # the page's articles carry no taxonomy of their own
    assert raw["written"]["status"] == "not_requested" and "no --model or --replay" in raw["written"]["note"]
    assert "titles, summaries and event rationales were not written" in result.stderr

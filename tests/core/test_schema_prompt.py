"""The response model comes from data, its exported schema cannot drift, and prompts render safely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from aimlabel.core.articles import Article
from aimlabel.core.prompt import default_prompt, load_prompt, render
from aimlabel.core.resources import data_dir
from aimlabel.core.schema import build_label_model, exported_schema_text, label_model, schema_hash, strict_json_schema
from aimlabel.core.taxonomy import default_taxonomy


def test_exported_schema_matches_the_code() -> None:
    on_disk = (data_dir("schemas") / "label_response.schema.json").read_text(encoding="utf-8")
    assert on_disk == exported_schema_text(label_model()), (
        "schemas/label_response.schema.json is stale: run `aimlabel schema > schemas/label_response.schema.json`"
    )


def _objects(node: Any) -> list[dict]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for v in node.values():
            found += _objects(v)
    elif isinstance(node, list):
        for v in node:
            found += _objects(v)
    return found


def test_schema_is_openai_strict_compatible() -> None:
    schema = strict_json_schema(label_model())
    text = json.dumps(schema)
    assert "$ref" not in text and '"default"' not in text
    for obj in _objects(schema):
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
    order = list(schema["properties"])
    assert order[:6] == ["ai_system", "realised_harm", "plausible_harm", "evidence", "rationale", "classification"]
    assert set(order[6:]) == {f.key for f in default_taxonomy().fields}


def test_vocabulary_comes_from_data() -> None:
    tax = default_taxonomy()
    fields = [f.model_copy(update={"values": (*f.values, "Space")}) if f.key == "industries" else f for f in tax.fields]
    extended = build_label_model(tax.model_copy(update={"fields": tuple(fields)}))
    base = {"ai_system": None, "realised_harm": None, "plausible_harm": None, "evidence": ["q"], "rationale": "r",
            "classification": "Unrelated", "ai_principles": [], "industries": ["Space"], "affected_stakeholders": [],
            "harm_types": [], "severity": None, "business_function": [], "autonomy_level": None, "ai_system_task": []}
    assert extended.model_validate(base).industries == ["Space"]  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        label_model().model_validate(base)
    assert schema_hash(extended) != schema_hash(label_model())


def test_label_model_forbids_extras_and_needs_every_field() -> None:
    m = label_model()
    with pytest.raises(ValidationError):
        m.model_validate({"classification": "Unrelated"})
    good = {"ai_system": None, "realised_harm": None, "plausible_harm": None, "evidence": [" q ", "q"], "rationale": "r",
            "classification": "Unrelated", "ai_principles": [], "industries": [], "affected_stakeholders": [],
            "harm_types": [], "severity": None, "business_function": [], "autonomy_level": None, "ai_system_task": []}
    assert m.model_validate(good).evidence == ["q"]  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        m.model_validate({**good, "confidence": 0.9})
    with pytest.raises(ValidationError):
        m.model_validate({**good, "evidence": ["a", "b", "c", "d"]})


def test_long_article_is_cut_to_leading_paragraphs() -> None:
    paras = [f"Paragraph {i} " + "word " * 60 for i in range(40)]
    article = Article(id="long", title="A long story", text="\n\n".join(paras))
    r = render(default_prompt(), article, max_article_tokens=200)
    user = r.messages[1]["content"]
    assert r.cut.truncated and r.cut.paragraphs_total == 40
    assert 1 <= r.cut.paragraphs_kept < 40
    assert "Paragraph 0 " in user and "Paragraph 39" not in user
    assert f"first {r.cut.paragraphs_kept} of 40 paragraphs" in user
    assert len(r.cut.text) <= 200 * 4


def test_one_giant_paragraph_is_cut_at_a_sentence() -> None:
    text = "This is a sentence about an AI system. " * 400
    r = render(default_prompt(), Article(title="t", text=text), max_article_tokens=100)
    assert r.cut.truncated and r.cut.text.endswith(".") and len(r.cut.text) <= 400


def test_short_article_is_not_cut_and_markers_use_content_hash() -> None:
    article = Article(title="Short", text="Just one line.")
    r = render(default_prompt(), article)
    code = article.content_hash.removeprefix("sha256:")[:16]
    user = r.messages[1]["content"]
    assert not r.cut.truncated
    assert f"<<<ARTICLE {code}>>>" in user and f"<<<END ARTICLE {code}>>>" in user
    assert "cut" not in user


def test_prompt_with_unknown_placeholder_fails_loudly(tmp_path: Path) -> None:
    p = tmp_path / "p.toml"
    p.write_text('id = "x"\nversion = "0"\nsystem = "Hi ${nope}"\nuser = "${article}"\n')
    with pytest.raises(ValueError, match="nope"):
        load_prompt(p)


def test_prompt_hash_changes_with_text(tmp_path: Path) -> None:
    src = (data_dir("prompts") / "label.toml").read_text()
    p = tmp_path / "p.toml"
    p.write_text(src.replace("You label news articles", "You label news stories"))
    assert load_prompt(p).hash != default_prompt().hash
    assert load_prompt(p).version == default_prompt().version

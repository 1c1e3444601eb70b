"""`--group` on a fixture: what it merges, what it splits and why, and that it is deterministic."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.labels_file import LabelItem, read_labels
from aimlabel.events.group import GroupDoc, group_documents, group_items, similarities

DATA = Path(__file__).resolve().parents[1] / "data" / "events"
MERGED = [["tessa-1", "tessa-2"], ["tessa-3"], ["tessa-later"], ["city-bot"],
          ["ceo-voice-1", "ceo-voice-2", "ceo-voice-undated"], ["arrest-1", "arrest-2"]]


def fixture_items() -> list[LabelItem]:
    with open(DATA / "ungrouped.jsonl", "rb") as fh:
        return [e for e in read_labels(fh) if isinstance(e, LabelItem)]


def groups_of(items: list[LabelItem], **kw: float) -> list[list[str]]:
    grouped, _ = group_items(items, {}, **kw)  # type: ignore[arg-type]
    by_event: dict[str, list[str]] = {}
    for item in grouped:
        assert item.record.article is not None and item.record.article.event_id
        by_event.setdefault(item.record.article.event_id, []).append(item.record.id)
    return list(by_event.values())


def test_same_story_reports_merge_and_the_window_similarity_and_language_split() -> None:
    items = fixture_items()
    assert groups_of(items) == MERGED
    _, info = group_items(items, {})
    voice = next(g for g in info.values() if "ceo-voice-undated" in g.undated)
    assert voice.min_similarity is not None and voice.min_similarity >= 0.3
    assert voice.basis == "title and text" and "complete linkage" in voice.rule
    why = {g.nearest_outside.id if g.nearest_outside else None: g.nearest_outside for g in info.values()}
    later = next(g.nearest_outside for g in info.values() if g.nearest_outside and g.nearest_outside.id == "tessa-later")
    assert (later.days_apart, later.why) == (82, "more than 7 days from an article of this event") and later.similarity > 0.5
    spanish = next(g for g in info.values() if g.nearest_outside and g.nearest_outside.id == "tessa-1" and g.nearest_outside.days_apart == 2)
    assert spanish.nearest_outside is not None and spanish.nearest_outside.why == "less than 0.3 similar to an article of this event"
    assert "tessa-2" in why  # the look-alike city chatbot story's nearest is a Tessa report, below the threshold


def test_a_wider_window_merges_the_follow_up_and_a_higher_threshold_splits_pairs() -> None:
    items = fixture_items()
    assert ["tessa-1", "tessa-2", "tessa-later"] in groups_of(items, window_days=90)
    assert ["tessa-1", "tessa-2"] not in groups_of(items, threshold=0.55)


def test_grouping_does_not_depend_on_input_order() -> None:
    items = fixture_items()
    shuffled = items[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(map(sorted, groups_of(shuffled))) == sorted(map(sorted, MERGED))
    assert set(group_items(shuffled, {})[1]) == set(group_items(items, {})[1])  # the same event ids


def test_complete_linkage_never_chains_two_stories() -> None:
    """A is like B and B like C, but A and C are unlike: single linkage would merge all three."""
    docs = [GroupDoc("a", "Robotaxi drags pedestrian", "A robotaxi dragged a pedestrian through the city centre.", "2024-01-01", "t"),
            GroupDoc("b", "Robotaxi maker recalls cars after pedestrian was dragged", "The robotaxi maker recalls its cars and updates software.", "2024-01-02", "t"),
            GroupDoc("c", "Carmaker recalls cars to update software", "The carmaker recalls its cars and updates software.", "2024-01-03", "t")]
    sims = similarities(docs)
    assert sims[0, 1] > 0.3 and sims[1, 2] > 0.3 and sims[0, 2] < 0.3
    groups = group_documents(docs, threshold=0.3)
    assert [g.members for g in groups] == [("a",), ("b", "c")]
    assert groups[1].min_similarity == round(float(sims[1, 2]), 4)


def test_articles_with_an_event_id_are_never_regrouped() -> None:
    items = fixture_items()
    first = items[0]
    assert first.record.article is not None
    pinned = first.record.model_copy(update={"article": first.record.article.model_copy(update={"event_id": "mine"})})
    items[0] = LabelItem(first.line, pinned, first.article)
    grouped, info = group_items(items, {})
    assert grouped[0].record.article.event_id == "mine"  # type: ignore[union-attr]
    assert groups_of(items) == [["tessa-1"], ["tessa-2"], *MERGED[1:]]
    assert "mine" not in info


def test_group_from_the_command_line_writes_the_grouping_into_each_record(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = CliRunner().invoke(app, ["events", str(DATA / "ungrouped.jsonl"), "--group", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [[a["id"] for a in r["articles"]] for r in records] == MERGED
    assert all(r["grouping"]["threshold"] == 0.3 and r["grouping"]["window_days"] == 7 for r in records)
    assert "have no event_id" not in result.stderr
    plain = CliRunner().invoke(app, ["events", str(DATA / "ungrouped.jsonl")])
    assert (plain.exit_code, plain.stdout) == (0, "")
    assert "no events: 10 label(s) have no event_id and are in no event" in plain.stderr


def test_group_without_scikit_learn_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.feature_extraction.text", None)
    result = CliRunner().invoke(app, ["events", str(DATA / "ungrouped.jsonl"), "--group"])
    assert result.exit_code == 2
    assert "--group needs scikit-learn: pip install 'aimlabel[group]'" in result.stderr


def test_more_articles_than_group_takes_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import aimlabel.events.group as group

    monkeypatch.setattr(group, "MAX_GROUP_ARTICLES", 9)
    result = CliRunner().invoke(app, ["events", str(DATA / "ungrouped.jsonl"), "--group"])
    assert result.exit_code == 2
    assert "takes at most 9 without an event_id; these labels have 10: split them by date" in result.stderr

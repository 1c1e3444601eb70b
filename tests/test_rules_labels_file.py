"""The labels-file forms `aimlabel check` accepts."""

from __future__ import annotations

import io
import json

from aimlabel.core.labels_file import LabelItem, LabelProblem, parse_label_line, read_labels
from aimlabel.core.record import LabelRecord

LABEL = {"classification": "AI Hazard", "rationale": "Microsoft withheld VALL-E 2 because it could be misused, so this is an AI Hazard."}


def test_full_label_record() -> None:
    record = LabelRecord(id="a1", status="ok", label=LABEL)
    item = parse_label_line(json.loads(record.to_json()), 1)
    assert isinstance(item, LabelItem)
    assert item.record == record
    assert item.article is None


def test_nested_label_with_article_fields_beside_or_inside() -> None:
    beside = parse_label_line({"id": 7, "event_id": 12, "title": "Microsoft withholds VALL-E 2", "label": LABEL}, 3)
    inside = parse_label_line({"id": "7", "article": {"event_id": "12", "title": "Microsoft withholds VALL-E 2"}, "label": LABEL}, 3)
    for item in (beside, inside):
        assert isinstance(item, LabelItem)
        assert (item.record.id, item.record.status, item.record.label) == ("7", "ok", LABEL)
        assert item.record.article is not None and item.record.article.event_id == "12"
        assert item.record.provenance is not None and item.record.provenance.source == "import"
        assert item.article is not None and item.article.title == "Microsoft withholds VALL-E 2"


def test_flat_label_keeps_article_fields_out_of_the_label() -> None:
    item = parse_label_line({"id": "b", "text": "Microsoft said it will not release the model.", "outlet": "TechSpot", **LABEL}, 2)
    assert isinstance(item, LabelItem)
    assert item.record.label == LABEL
    assert item.article is not None and item.article.text == "Microsoft said it will not release the model."


def test_problems_name_what_is_wrong() -> None:
    cases = [
        ({"classification": "AI Hazard"}, "no 'id': every label needs the id of its article"),
        ({"id": "c", "label": "AI Hazard"}, "'label' must be a JSON object, got str"),
        ({"id": "d", "status": "done"}, "not a valid label record: status: Input should be 'ok', 'failed' or 'needs_review'"),
    ]
    for raw, message in cases:
        assert parse_label_line(raw, 5) == LabelProblem(5, message)


def test_read_labels_streams_and_reports_bad_lines() -> None:
    data = "\ufeff" + json.dumps({"id": "a", **LABEL}) + "\n\n{oops\n" + json.dumps({"id": "b", **LABEL}) + "\r\n"
    entries = list(read_labels(io.BytesIO(data.encode("utf-8") + b"\xff\n")))
    assert [type(e).__name__ for e in entries] == ["LabelItem", "LabelProblem", "LabelItem", "LabelProblem"]
    assert entries[1] == LabelProblem(3, "not JSON: Expecting property name enclosed in double quotes at column 2")
    assert entries[3] == LabelProblem(5, "not valid UTF-8 (byte 0)")

"""Label Studio: tasks with the model's label as a prediction out (the export back in: `labelstudio_import`).

Out: a JSON list of tasks in Label Studio's basic JSON format, `{"data": {...article...},
"predictions": [{"model_version", "score", "result": [...]}]}`, plus the labeling config XML
the results refer to (`Choices` named `classification` and one per taxonomy field, all on the
`Text` named `text`, and a `TextArea` named `note`). Every taxonomy field is required and offers
an explicit "none" first: Label Studio records no result for a field whose values were all
cleared, so without it the answer "none" could not be told from a field nobody looked at.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.review.exports import NONE, NONE_HINT, SKIPPED_FIELDS, answered_fields, exportable, review_fields
from aimlabel.review.sides import Side, SideItem

__all__ = ["SKIPPED_FIELDS", "export_tasks", "labeling_config", "review_fields"]

FROM_CLASS = "classification"
FROM_NOTE = "note"
TO_NAME = "text"


def labeling_config(taxonomy: Taxonomy | None = None) -> str:
    """The XML config; built with ElementTree so values such as "Transparency & explainability" are escaped."""
    taxonomy = taxonomy or default_taxonomy()
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$title")
    ET.SubElement(view, "Text", name=TO_NAME, value="$text")
    model = ET.SubElement(view, "View", style="border-left: 4px solid #ccc; padding-left: 8px")
    ET.SubElement(model, "Header", value="Model rationale ($model)", size="5")
    ET.SubElement(model, "Text", name="rationale", value="$rationale")
    ET.SubElement(view, "Header", value="Classification")
    choices = ET.SubElement(view, "Choices", name=FROM_CLASS, toName=TO_NAME, choice="single-radio",
                            required="true", showInline="true")
    for cls in taxonomy.classes:
        ET.SubElement(choices, "Choice", value=cls)
    for f in review_fields(taxonomy):
        ET.SubElement(view, "Header", value=f.label, size="5")
        group = ET.SubElement(view, "Choices", name=f.key, toName=TO_NAME,
                              choice="multiple" if f.multi else "single", required="true", showInline="true")
        ET.SubElement(group, "Choice", value=NONE, hint=NONE_HINT)
        for value in f.values:
            ET.SubElement(group, "Choice", value=value)
    ET.SubElement(view, "Header", value="Reviewer note", size="5")
    ET.SubElement(view, "TextArea", name=FROM_NOTE, toName=TO_NAME, rows="2", editable="true", maxSubmissions="1")
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def _result(item: SideItem, taxonomy: Taxonomy) -> list[dict[str, Any]]:
    results = [{"id": FROM_CLASS, "from_name": FROM_CLASS, "to_name": TO_NAME, "type": "choices",
                "value": {"choices": [item.classification]}}]
    for f, values in answered_fields(item, taxonomy):
        results.append({"id": f.key, "from_name": f.key, "to_name": TO_NAME, "type": "choices",
                        "value": {"choices": values if f.multi else values[:1]}})
    return results


def export_tasks(side: Side, taxonomy: Taxonomy | None = None) -> list[dict[str, Any]]:
    """One task per article with a class; the article id travels in `data.id` to come back."""
    taxonomy = taxonomy or default_taxonomy()
    tasks = []
    for item in exportable(side, taxonomy):
        art = item.article
        data = {**art.model_dump(), "title": art.title or "", "text": art.text or "",
                "rationale": item.rationale or "", "evidence": "\n".join(item.evidence),
                "model": item.model or side.name, "aimlabel_source": side.name}
        prediction: dict[str, Any] = {"model_version": item.model or side.name, "result": _result(item, taxonomy)}
        if item.confidence is not None:
            prediction["score"] = item.confidence
        tasks.append({"data": data, "predictions": [prediction]})
    return tasks

"""AIM event pages as plain text: the parser, and the rule check on the real seed page.

The seed page is read from ../shared (never copied into the repository); its tests are skipped,
with the reason, when that folder is absent.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from aimlabel.core.aim_page import parse_page, split_chips
from aimlabel.core.labels_file import LabelItem, LabelProblem, read_labels_source
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.rules.conclusion import conclude
from aimlabel.rules.report import run_check

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "aim"
SEED = SHARED / "000_e374795b14a8aa21.txt"
SEED_LABELS = SHARED / "seed_event_vall-e-2.jsonl"
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason=f"the seed page {SEED} is not on this machine")

WHY = "Why's our monitor labelling this an incident or hazard?"
PAGE = f"""Robotaxi drags pedestrian after collision

Thumbnail Image

The information displayed in the AIM should not be reported as representing the official views of the OECD or of its member countries.

A driverless car struck a pedestrian who had been thrown into its path and dragged her about six metres.[AI generated]

{WHY}

The automated driving system failed to detect the pedestrian under the car and dragged her, causing serious injuries, which qualifies as an AI Incident.[AI generated]
AI principles
SafetyAccountabilityCivil society liaison

Harm types
Physical (injury)

Severity
AI incident


Articles about this incident or hazard

Thumbnail Image

Robotaxi arrastra a una peatona

2023-10-03
Diario Ejemplo
{WHY}
The AI driving system dragged a pedestrian after a collision and she was critically injured, so this is an AI Incident.
Thumbnail Image

State suspends robotaxi permits

2023-10-25
Example Times
{WHY}
The article reports that the state regulator suspended the operator's permits after the crash. It is a regulatory response rather than a new harm, so it is Complementary Information.
"""


def items_of(text: str, name: str = "page") -> list[LabelItem]:
    entries = list(read_labels_source(io.BufferedReader(io.BytesIO(text.encode())), name))  # type: ignore[arg-type]
    assert not [e for e in entries if isinstance(e, LabelProblem)]
    return [e for e in entries if isinstance(e, LabelItem)]


def test_a_page_becomes_an_event_and_its_articles() -> None:
    page = parse_page(PAGE, "robotaxi")
    assert page.title == "Robotaxi drags pedestrian after collision"
    assert page.summary is not None and page.summary.endswith("about six metres.")
    assert page.rationale is not None and "[AI generated]" not in page.rationale
    assert page.chips["severity"] == ["AI incident"]
    assert page.chips["ai_principles"] == ["Safety", "Accountability", "Civil society liaison"]
    assert page.unknown_values == {"ai_principles": ["Civil society liaison"]}
    assert [(a.number, a.date, a.outlet, a.title) for a in page.articles] == [
        (1, "2023-10-03", "Diario Ejemplo", "Robotaxi arrastra a una peatona"),
        (2, "2023-10-25", "Example Times", "State suspends robotaxi permits"),
    ]
    assert PAGE.splitlines()[page.articles[1].line - 1] == WHY


def test_chips_are_split_by_the_vocabulary_longest_first() -> None:
    values = default_taxonomy().field("industries").values
    known, unknown = split_chips("Media, social platforms, and marketingDigital securityWidget making", values)
    assert known == ["Media, social platforms, and marketing", "Digital security"]
    assert unknown == ["Widget making"]


def test_checking_a_page_flags_the_complementary_article_and_reports_the_unknown_value() -> None:
    report = run_check(items_of(PAGE, "robotaxi"))
    found = {(i.id, f.rule) for i in report.items for f in i.findings}
    assert found == {("robotaxi-02", "event.complementary-member")}
    assert report.unknown_values == {"ai_principles": {"Civil society liaison": 1}}
    classes = {i.id: (i.classification, i.classification_source) for i in report.items}
    assert classes["robotaxi-01"] == ("AI Incident", "rationale")
    assert classes["event:robotaxi"] == ("AI Incident", "severity")


@needs_seed
def test_seed_page_gives_exactly_one_finding_the_merca_outlier() -> None:
    with open(SEED, "rb") as fh:
        items = [e for e in read_labels_source(fh, SEED.stem) if isinstance(e, LabelItem)]
    assert len(items) == 19  # the event and its 18 articles
    report = run_check(items)
    findings = [(i.id, f.rule, f.severity) for i in report.items for f in i.findings]
    merca = next(i.record.id for i in items if i.record.article and i.record.article.outlet == "Merca2.0 Magazine")
    assert findings == [(merca, "event.class-conflict", "warning")]
    assert report.count("error") == 0
    event = report.events.events[SEED.stem]
    assert (event.label, event.counts) == ("AI Hazard", {"AI Incident": 1, "AI Hazard": 17})


@needs_seed
def test_every_seed_rationale_concludes_the_class_aim_gave_it() -> None:
    aim = {json.loads(line)["outlet"]: json.loads(line)["aim_article_label"] for line in SEED_LABELS.read_text().splitlines()}
    page = parse_page(SEED.read_text(encoding="utf-8"), SEED.stem)
    assert conclude(page.rationale or "").cls == "AI Hazard"
    matched = 0
    for article in page.articles:
        label = next((cls for outlet, cls in aim.items() if article.outlet and outlet.casefold() in article.outlet.casefold()), None)
        if label is not None:
            matched += 1
            assert (article.outlet, conclude(article.rationale).cls) == (article.outlet, label)
    assert matched >= 15

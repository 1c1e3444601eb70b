"""The rule check against its written corpus (eval/rules/): the bar errors must clear.

Errors start fix rounds in `aimlabel label` and fail `aimlabel check`, so every rule's
error-severity findings must be right at least 95% of the time on the corpus, the conclusion
reader must never be confidently wrong, and clean cases must stay (almost) unflagged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimlabel.rules import rule_ids
from aimlabel.rules.selftest import SelfTest, load_corpus, run_selftest

CORPUS = Path(__file__).resolve().parent.parent / "eval" / "rules"


@pytest.fixture(scope="module")
def result() -> SelfTest:
    return run_selftest(load_corpus(sorted(p for p in CORPUS.iterdir() if p.is_dir())))


def test_error_findings_are_right_at_least_95_percent_of_the_time(result: SelfTest) -> None:
    assert result.items > 600
    assert result.error_rules_below(0.95) == []


def test_the_conclusion_reader_is_never_confidently_wrong(result: SelfTest) -> None:
    assert result.conclusions > 700
    assert result.conclusions_confidently_wrong == 0
    assert result.conclusions_right / result.conclusions >= 0.95


def test_clean_cases_are_not_flagged_and_flagged_ones_are_caught(result: SelfTest) -> None:
    assert result.clean_flagged / result.clean_items <= 0.02
    assert result.flag_caught / result.flag_items >= 0.85
    assert result.flag_pages_caught / result.flag_pages >= 0.85
    assert result.clean_pages_flagged == 0


def test_the_corpus_names_only_known_rules_and_unique_ids() -> None:
    known = set(rule_ids())
    ids: list[str] = []
    for file in CORPUS.glob("*/*.jsonl"):
        for line in file.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            ids.append(case["id"])
            rules = case["expect"] if case["kind"] == "rationale" else [e["rule"] for e in case["expect"]]
            assert set(rules) <= known, case["id"]
    assert len(ids) == len(set(ids))

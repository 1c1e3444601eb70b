"""The rule engine: registry, configuration, skipping, re-ask feedback, and the docs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from aimlabel.core.record import Finding
from aimlabel.rules import RULES_VERSION, RuleConfig, check_label, feedback_message, list_rules, run_item_rules

DOCS = Path(__file__).parent.parent / "docs" / "rules.md"

INCIDENT_WITHOUT_HARM = {
    "ai_system": "A customer-service chatbot",
    "realised_harm": None,
    "plausible_harm": None,
    "evidence": ["told him he could claim a bereavement fare refund"],
    "rationale": "An airline's chatbot gave a passenger false refund information; no harm occurred, so this is an AI Incident.",
    "classification": "AI Incident",
    "harm_types": ["Economic/Property"],
    "severity": "AI hazard",
}


def test_rules_have_stable_unique_ids_severities_and_one_line_descriptions() -> None:
    rules = list_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert re.fullmatch(r"[a-z]+\.[a-z-]+", rule.id)
        assert rule.severity in ("error", "warning")
        assert "\n" not in rule.description and rule.description.endswith(".")
        assert (rule.check is None) == (rule.scope == "event")
    assert re.fullmatch(r"rules-\d+", RULES_VERSION)


def test_every_rule_is_documented_with_its_severity() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for rule in list_rules():
        needs_text = "yes" if rule.needs_text else "no"
        assert f"| `{rule.id}` | {rule.severity} | {needs_text} | {rule.description} | {rule.example} |" in docs, rule.id


def test_the_generated_parts_of_the_rules_doc_are_current() -> None:
    """The rule table and the selftest numbers in docs/rules.md are what the code gives today."""
    script = DOCS.parent.parent / "scripts" / "docs_rules.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_config_forbids_unknown_keys_and_unknown_rule_ids() -> None:
    with pytest.raises(ValidationError, match="extra"):
        RuleConfig(max_principles=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="unknown rule id"):
        RuleConfig(disabled=frozenset({"harm.nonsense"}))


def test_disabled_rule_is_skipped() -> None:
    config = RuleConfig(disabled=frozenset({"harm.incident"}))
    result = run_item_rules(INCIDENT_WITHOUT_HARM, None, config=config)
    assert result.skipped["harm.incident"] == "disabled"
    assert "harm.incident" not in [f.rule for f in result.findings]


def test_findings_come_in_registry_order() -> None:
    rules = [f.rule for f in check_label(INCIDENT_WITHOUT_HARM, None)]
    assert rules == ["harm.incident", "rationale.no-harm", "taxonomy.severity"]


def test_feedback_message_lists_error_findings_only() -> None:
    findings = check_label(INCIDENT_WITHOUT_HARM, None) + [Finding(rule="taxonomy.padded", severity="warning", message="ai_principles lists 6 values")]
    message = feedback_message(findings)
    assert message == (
        "Your label has these problems:\n"
        "- labelled AI Incident but realised_harm is empty; check that the article reports harm that has "
        "already happened, otherwise label it AI Hazard or Complementary Information [harm.incident]\n"
        "- labelled AI Incident but the rationale says no harm occurred (\"no harm\"); check whether harm "
        "has happened: if not, label it AI Hazard or Complementary Information [rationale.no-harm]\n"
        "- severity is 'AI hazard' but AI Incident takes severity 'AI incident'; check the "
        "classification, then set severity to 'AI incident' [taxonomy.severity]\n"
        "Return a corrected label."
    )
    assert feedback_message(findings) == message


def test_feedback_message_is_empty_without_errors() -> None:
    assert feedback_message([Finding(rule="taxonomy.padded", severity="warning", message="too many")]) == ""
    assert feedback_message([]) == ""

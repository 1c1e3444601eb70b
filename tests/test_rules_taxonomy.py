"""Taxonomy coherence (taxonomy.* rules)."""

from __future__ import annotations

from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.rules import RuleConfig, check_label, run_item_rules

ROBOTAXI = {
    "ai_system": "A robotaxi company's autonomous driving software",
    "realised_harm": "A pedestrian was struck and dragged about 20 feet and critically injured.",
    "plausible_harm": None,
    "evidence": ["dragged her about 20 feet", "she was taken to hospital with multiple traumatic injuries"],
    "rationale": "A driverless car's software dragged a pedestrian after a collision, leaving her critically injured, so this is an AI Incident.",
    "classification": "AI Incident",
    "ai_principles": ["Safety", "Accountability"],
    "industries": ["Mobility and autonomous vehicles"],
    "affected_stakeholders": ["General public"],
    "harm_types": ["Physical (injury)"],
    "severity": "AI incident",
    "business_function": [],
    "autonomy_level": "High-action autonomy (human-out-of-the-loop)",
    "ai_system_task": ["Recognition/object detection"],
}


def taxonomy_findings(label: dict, config: RuleConfig | None = None) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for f in check_label(label, None, config=config) if f.rule.startswith("taxonomy.")]


def test_coherent_label_passes() -> None:
    assert taxonomy_findings(ROBOTAXI) == []


def test_values_outside_the_vocabulary_are_errors_with_a_suggestion() -> None:
    label = {**ROBOTAXI, "ai_principles": ["Safety & security"], "autonomy_level": "Full autonomy", "classification": "AI incident"}
    messages = [m for rule, m in taxonomy_findings(label) if rule == "taxonomy.vocabulary"]
    assert messages == [
        "classification 'AI incident' is not an AIM class (did you mean 'AI Incident'?); use one of "
        "AI Incident, AI Hazard, Complementary Information, Unrelated",
        "ai_principles value 'Safety & security' is not in the AIM vocabulary (did you mean 'Safety'?); "
        "use one of the values in schemas/taxonomy.json",
        "autonomy_level value 'Full autonomy' is not in the AIM vocabulary; use one of the values in "
        "schemas/taxonomy.json",
    ]


def test_vocabulary_is_read_from_the_taxonomy_data() -> None:
    taxonomy = default_taxonomy()
    field = taxonomy.field("ai_principles")
    extended = taxonomy.model_copy(
        update={"fields": tuple(f.model_copy(update={"values": (*f.values, "Safety & security")}) if f is field else f for f in taxonomy.fields)}
    )
    label = {**ROBOTAXI, "ai_principles": ["Safety & security"]}
    assert [f.rule for f in check_label(label, None, taxonomy=extended)] == []


def test_wrong_shapes_are_errors() -> None:
    label = {**ROBOTAXI, "industries": "Mobility and autonomous vehicles", "autonomy_level": ["High-action autonomy (human-out-of-the-loop)"]}
    messages = [m for rule, m in taxonomy_findings(label) if rule == "taxonomy.vocabulary"]
    assert [m.split(";")[0] for m in messages] == [
        "industries must be a list of values, not str",
        "autonomy_level takes one value, not a list",
    ]


def test_a_label_without_a_class_is_judged_with_the_class_its_rationale_concludes() -> None:
    result = run_item_rules({"rationale": "A driverless car dragged a pedestrian, which qualifies as an AI Incident.", "severity": "AI hazard"}, None)
    assert (result.classification, result.classification_source) == ("AI Incident", "rationale")
    assert [f.rule for f in result.findings] == ["taxonomy.severity"]
    nothing = run_item_rules({"rationale": "A driverless car dragged a pedestrian.", "severity": "AI hazard"}, None)
    assert (nothing.classification, nothing.findings) == ("", [])
    assert nothing.skipped["taxonomy.severity"] == "label has no classification and its rationale concludes none"


def test_severity_that_disagrees_with_the_class_is_an_error() -> None:
    assert taxonomy_findings({**ROBOTAXI, "severity": "AI hazard"}) == [
        ("taxonomy.severity", "severity is 'AI hazard' but AI Incident takes severity 'AI incident'; check the classification, then set severity to 'AI incident'")
    ]
    ci = {"classification": "Complementary Information", "severity": "AI incident"}
    assert [r for r, _ in taxonomy_findings(ci)] == ["taxonomy.severity"]
    assert taxonomy_findings({"classification": "Complementary Information", "severity": None}) == []


def test_death_harm_type_without_a_reported_death_is_an_error() -> None:
    label = {**ROBOTAXI, "harm_types": ["Physical (death)"]}
    findings = taxonomy_findings(label)
    assert [r for r, _ in findings] == ["taxonomy.physical-harm"]
    assert findings[0][1].startswith("harm_types has 'Physical (death)' but neither the rationale nor the article, its title or its event mentions a death")


def test_death_harm_type_with_a_reported_death_passes() -> None:
    label = {**ROBOTAXI, "harm_types": ["Physical (death)"], "rationale": "The car's software failed to brake and the pedestrian died at the scene, so this is an AI Incident."}
    assert taxonomy_findings(label) == []


def test_negated_injury_does_not_back_an_injury_harm_type() -> None:
    label = {**ROBOTAXI, "realised_harm": "A robotaxi blocked an ambulance.", "evidence": ["The company said its autonomous vehicle had braked aggressively"],
             "rationale": "A robotaxi blocked an ambulance; no one was injured, so this is an AI Incident."}
    assert [r for r, _ in taxonomy_findings(label)] == ["taxonomy.physical-harm"]


def test_too_many_ai_principles_is_a_warning_with_a_configurable_limit() -> None:
    principles = list(default_taxonomy().field("ai_principles").values[:9])
    label = {**ROBOTAXI, "ai_principles": principles}
    assert taxonomy_findings(label) == [
        ("taxonomy.padded", "ai_principles lists 9 values (more than 8); keep only those the article clearly engages")
    ]
    assert taxonomy_findings({**label, "ai_principles": principles[:8]}) == []  # AIM routinely lists up to eight
    assert taxonomy_findings(label, RuleConfig(max_ai_principles=9)) == []
    assert [f.severity for f in check_label(label, None) if f.rule == "taxonomy.padded"] == ["warning"]


def test_death_only_as_a_risk_does_not_back_an_incident() -> None:
    label = {**ROBOTAXI, "harm_types": ["Physical (death)"], "realised_harm": "The car ran a red light.",
             "evidence": ["ran a red light"], "rationale": "The robotaxi ran a red light, which creates a risk of death for pedestrians, so this is an AI Incident."}
    findings = [f for f in check_label(label, None) if f.rule == "taxonomy.physical-harm"]
    assert [(f.severity, f.trigger) for f in findings] == [("warning", "death")]


def test_death_as_a_plausible_harm_backs_a_hazard() -> None:
    label = {"classification": "AI Hazard", "harm_types": ["Physical (death)"], "rationale": "A flaw could let the drone hit crowds and cause deaths, so this is an AI Hazard."}
    assert taxonomy_findings(label) == []


def test_an_animal_death_is_not_physical_death() -> None:
    label = {**ROBOTAXI, "harm_types": ["Physical (death)"], "evidence": ["hit a cat"], "realised_harm": "A robotaxi killed a cat.",
             "rationale": "A robotaxi killed a neighbourhood cat, so this is an AI Incident."}
    assert [(f.rule, f.severity) for f in check_label(label, None) if f.rule == "taxonomy.physical-harm"] == [("taxonomy.physical-harm", "warning")]


def test_values_aimlabel_lacks_in_peoples_labels_are_not_findings_but_near_misses_are() -> None:
    label = {**ROBOTAXI, "affected_stakeholders": ["Trade unions"], "ai_principles": ["Saftey"]}
    result = run_item_rules(label, None, strict_vocabulary=False)
    assert [(f.rule, f.severity, f.trigger) for f in result.findings] == [("taxonomy.vocabulary", "warning", "Saftey")]

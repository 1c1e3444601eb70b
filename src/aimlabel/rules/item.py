"""Run the per-item rules on one label, and turn error findings into re-ask feedback.

`check_label` is what the labelling pipeline calls after each model answer; `run_item_rules`
also says which rules were skipped and why, which `aimlabel check` needs for its summary.

A label without a classification (an AIM page copied from the web has only rationales) is
judged with the class its rationale concludes, and the result says so; an event's own label is
judged with the class its severity stands for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aimlabel.core.articles import Article
from aimlabel.core.record import Finding
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.rules.base import NO_TEXT, ClassSource, Flag, ItemCheck, Rule, RuleContext, SkipRule, article_text
from aimlabel.rules.conclusion import CLASSES, conclude
from aimlabel.rules.config import RuleConfig
from aimlabel.rules.registry import RULES
from aimlabel.rules.text import present

DISABLED = "disabled"
CONCLUSION_RULE = "rationale.conclusion"
NO_CLASS = "label has no classification and its rationale concludes none"


@dataclass(frozen=True)
class ItemResult:
    """Findings in rule order, the rules that ran, the skipped ones with the reason, and the
    class the label was judged with."""

    findings: list[Finding]
    checked: tuple[str, ...]
    skipped: dict[str, str] = field(default_factory=dict)
    classification: str = ""
    classification_source: ClassSource = "label"


# An event whose own rationale concludes another class than its severity is reported once, by
# event.severity; these rules would only restate it.
_EVENT_DEFERS = frozenset({"rationale.no-harm", "rationale.prevented", "rationale.response", "rationale.harm-on-hazard",
                           "rationale.hazard-no-risk", "rationale.causation"})


# The rules run on every label, in registry order, picked out once rather than on every label.
_ITEM_RULES: tuple[tuple[Rule, ItemCheck], ...] = tuple(
    (r, r.check) for r in RULES if r.scope == "item" and r.check is not None)


def _event_concludes_otherwise(label: dict[str, Any], classification: str) -> bool:
    rationale = label.get("rationale")
    if not isinstance(rationale, str):
        return False
    concluded = conclude(rationale)
    return concluded.strength == "strong" and concluded.cls in CLASSES and concluded.cls != classification


def judged_class(label: dict[str, Any], taxonomy: Taxonomy, *, is_event: bool = False) -> tuple[str, ClassSource]:
    """The class a label is judged with, and where it came from."""
    value = label.get("classification")
    if isinstance(value, str) and present(value):
        return value, "label"
    if is_event:
        severity = label.get("severity")
        by_severity = {v: c for c, v in taxonomy.severity_for_class.items() if v}
        if isinstance(severity, str) and severity in by_severity:
            return by_severity[severity], "severity"
    rationale = label.get("rationale")
    if isinstance(rationale, str) and rationale.strip():
        concluded = conclude(rationale).cls
        if concluded in CLASSES:
            return concluded, "rationale"
    return "", "none"


def run_item_rules(
    label: dict[str, Any],
    article: Article | None,
    *,
    taxonomy: Taxonomy | None = None,
    config: RuleConfig | None = None,
    text: str | None = None,
    context: tuple[str, ...] = (),
    peers: tuple[str, ...] = (),
    strict_vocabulary: bool = True,
    is_event: bool = False,
) -> ItemResult:
    """Every item rule on one label. A rule is skipped, not failed, when the article text or a
    field it reads is absent: a label exported with only a class is judged on what it has.

    `text` is what the model read (defaults to the article's title and text); `context` and
    `peers` are the event's texts and the other articles' rationales, when the label is checked
    as part of an event."""
    taxonomy = taxonomy or default_taxonomy()
    config = config or RuleConfig()
    text = text if text is not None else article_text(article)
    classification, source = judged_class(label, taxonomy, is_event=is_event)
    ctx = RuleContext(
        label=label, article=article, text=text, taxonomy=taxonomy, limits=config.thresholds,
        classification=classification, classification_source=source, context=context, peers=peers,
        strict_vocabulary=strict_vocabulary, is_event=is_event,
    )
    findings: list[Finding] = []
    checked: list[str] = []
    skipped: dict[str, str] = {}
    for rule, check in _ITEM_RULES:
        if is_event and rule.id in _EVENT_DEFERS and _event_concludes_otherwise(label, classification):
            skipped[rule.id] = "the event's rationale concludes another class (see event.severity)"
            continue
        if rule.id in config.disabled:
            skipped[rule.id] = DISABLED
            continue
        if rule.needs_text and text is None:
            skipped[rule.id] = NO_TEXT
            continue
        missing = [f for f in rule.needs_fields if f not in label and not (f == "classification" and classification)]
        if missing:
            skipped[rule.id] = NO_CLASS if missing == ["classification"] else "label has no " + ", ".join(missing)
            continue
        try:
            said = list(check(ctx))
        except SkipRule as exc:
            skipped[rule.id] = str(exc)
            continue
        checked.append(rule.id)
        for item in said:
            flag = item if isinstance(item, Flag) else Flag(item)
            severity = "warning" if flag.severity == "warning" else rule.severity
            findings.append(Finding(rule=rule.id, severity=severity, message=flag.message, trigger=flag.trigger))
    return ItemResult(_one_error_per_cause(findings), tuple(checked), skipped, classification, source)


def _one_error_per_cause(findings: list[Finding]) -> list[Finding]:
    """When the rationale itself concludes another class, that is the error to fix; the rationale
    rules that point the same way (no harm, prevented, ...) stay as warnings beside it."""
    if not any(f.rule == CONCLUSION_RULE and f.severity == "error" for f in findings):
        return findings
    return [
        f.model_copy(update={"severity": "warning"}) if f.rule.startswith("rationale.") and f.rule != CONCLUSION_RULE else f
        for f in findings
    ]


def check_label(
    label: dict[str, Any],
    article: Article | None,
    *,
    taxonomy: Taxonomy | None = None,
    config: RuleConfig | None = None,
    text: str | None = None,
) -> list[Finding]:
    """The findings of every item rule on one label, in rule order."""
    return run_item_rules(label, article, taxonomy=taxonomy, config=config, text=text).findings


_NO_REASK = frozenset(r.id for r in RULES if not r.reask)


def feedback_message(findings: Iterable[Finding]) -> str:
    """The text of a re-ask after the rule check: error findings only (not those of rules that
    a re-ask cannot settle), in the order given, duplicates dropped; "" when there is nothing
    to fix, so the caller knows not to re-ask."""
    lines = list(dict.fromkeys(f"- {f.message} [{f.rule}]" for f in findings
                               if f.severity == "error" and f.rule not in _NO_REASK))
    if not lines:
        return ""
    return "Your label has these problems:\n" + "\n".join(lines) + "\nReturn a corrected label."

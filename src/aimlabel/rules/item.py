"""Run the per-item rules on one label, and turn error findings into re-ask feedback.

`check_label` is what the labelling pipeline calls after each model answer; `run_item_rules`
also says which rules were skipped and why, which `aimlabel check` needs for its summary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aimlabel.core.articles import Article
from aimlabel.core.record import Finding
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.rules.engine import NO_TEXT, RuleConfig, RuleContext, SkipRule, article_text
from aimlabel.rules.registry import RULES

DISABLED = "disabled"


@dataclass(frozen=True)
class ItemResult:
    """Findings in rule order, the rules that ran, and the skipped ones with the reason."""

    findings: list[Finding]
    checked: tuple[str, ...]
    skipped: dict[str, str] = field(default_factory=dict)


def run_item_rules(
    label: dict[str, Any],
    article: Article | None,
    *,
    taxonomy: Taxonomy | None = None,
    config: RuleConfig | None = None,
) -> ItemResult:
    """Every item rule on one label. A rule is skipped, not failed, when the article text or a
    field it reads is absent: a label exported with only a class is judged on what it has."""
    taxonomy = taxonomy or default_taxonomy()
    config = config or RuleConfig()
    text = article_text(article)
    context = RuleContext(label=label, article=article, text=text, taxonomy=taxonomy, config=config)
    findings: list[Finding] = []
    checked: list[str] = []
    skipped: dict[str, str] = {}
    for rule in RULES:
        if rule.scope != "item" or rule.check is None:
            continue
        if rule.id in config.disabled:
            skipped[rule.id] = DISABLED
            continue
        if rule.needs_text and text is None:
            skipped[rule.id] = NO_TEXT
            continue
        missing = [f for f in rule.needs_fields if f not in label]
        if missing:
            skipped[rule.id] = "label has no " + ", ".join(missing)
            continue
        try:
            messages = list(rule.check(context))
        except SkipRule as exc:
            skipped[rule.id] = str(exc)
            continue
        checked.append(rule.id)
        findings.extend(Finding(rule=rule.id, severity=rule.severity, message=m) for m in messages)
    return ItemResult(findings=findings, checked=tuple(checked), skipped=skipped)


def check_label(
    label: dict[str, Any],
    article: Article | None,
    *,
    taxonomy: Taxonomy | None = None,
    config: RuleConfig | None = None,
) -> list[Finding]:
    """The findings of every item rule on one label, in rule order."""
    return run_item_rules(label, article, taxonomy=taxonomy, config=config).findings


def feedback_message(findings: Iterable[Finding]) -> str:
    """The text of a re-ask after the rule check: error findings only, in the order given,
    duplicates dropped; "" when there is nothing to fix, so the caller knows not to re-ask."""
    lines = list(dict.fromkeys(f"- {f.message} [{f.rule}]" for f in findings if f.severity == "error"))
    if not lines:
        return ""
    return "Your label has these problems:\n" + "\n".join(lines) + "\nReturn a corrected label."

"""Check a whole labels file: per-item rules, event rules, and per-rule tallies.

Article texts are streamed from the articles file and each label is checked as soon as its
article goes by, so only the labels (not every article text) are held in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aimlabel.core.articles import Article
from aimlabel.core.labels_file import LabelItem
from aimlabel.core.record import Finding
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.rules.engine import RULES_VERSION, RuleConfig
from aimlabel.rules.events import EventReport, check_events
from aimlabel.rules.item import DISABLED, run_item_rules
from aimlabel.rules.registry import RULES

NO_EVENT = "no event_id"
UNUSABLE = "status not ok or class unknown"


@dataclass
class RuleStats:
    checked: int = 0
    findings: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class ItemOutcome:
    line: int
    id: str
    classification: str | None
    event_id: str | None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class CheckReport:
    """Everything `aimlabel check` prints, in labels-file order."""

    items: list[ItemOutcome]
    stats: dict[str, RuleStats]
    events: EventReport
    unreadable: int = 0
    without_label: int = 0
    rules_version: str = RULES_VERSION
    taxonomy_version: str = ""

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for item in self.items for f in item.findings)


def _outcome(item: LabelItem) -> ItemOutcome:
    label = item.record.label or {}
    cls = label.get("classification")
    event_id = item.record.article.event_id if item.record.article else None
    return ItemOutcome(item.line, item.record.id, cls if isinstance(cls, str) else None, event_id)


def run_check(
    items: list[LabelItem],
    articles: Iterable[Article] | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    config: RuleConfig | None = None,
    unreadable: int = 0,
    note: Callable[[str], None] | None = None,
) -> CheckReport:
    """Check every labelled item; `articles` supplies text for items that carry none, joined
    on the article key (its id, or art-<hash>). `note` receives non-fatal remarks."""
    taxonomy = taxonomy or default_taxonomy()
    config = config or RuleConfig()
    stats = {rule.id: RuleStats() for rule in RULES}
    labelled = [item for item in items if item.record.status != "failed" and item.record.label]
    outcomes = {id(item): _outcome(item) for item in labelled}

    def check(item: LabelItem, article: Article | None) -> None:
        result = run_item_rules(item.record.label or {}, article, taxonomy=taxonomy, config=config)
        outcomes[id(item)].findings.extend(result.findings)
        for rule_id in result.checked:
            stats[rule_id].checked += 1
        for rule_id, reason in result.skipped.items():
            stats[rule_id].skipped[reason] += 1
        for finding in result.findings:
            stats[finding.rule].findings += 1

    pending: dict[str, list[LabelItem]] = {}
    for item in labelled:
        if item.article is not None:
            check(item, item.article)
        else:
            pending.setdefault(item.record.id, []).append(item)
    for article in articles or ():
        for item in pending.pop(article.key, []):
            expected = item.record.article.content_hash if item.record.article else None
            if expected and note and expected != article.content_hash:
                note(f"{item.record.id}: the article text differs from the text that was labelled; checking against the articles file")
            check(item, article)
    for waiting in pending.values():
        for item in waiting:
            check(item, None)

    events = check_events((item.record for item in labelled), taxonomy=taxonomy, config=config)
    in_event = {rid for event in events.events.values() for rid in event.record_ids}
    for item in labelled:
        outcomes[id(item)].findings.extend(events.findings.get(item.record.id, []))
    for rule in RULES:
        if rule.scope != "event":
            continue
        for item in labelled:
            if rule.id in config.disabled:
                stats[rule.id].skipped[DISABLED] += 1
            elif item.record.id in in_event:
                stats[rule.id].checked += 1
            elif item.record.article and item.record.article.event_id:
                stats[rule.id].skipped[UNUSABLE] += 1
            else:
                stats[rule.id].skipped[NO_EVENT] += 1
        stats[rule.id].findings = sum(f.rule == rule.id for item in labelled for f in outcomes[id(item)].findings)

    return CheckReport(
        items=[outcomes[id(item)] for item in labelled],
        stats=stats,
        events=events,
        unreadable=unreadable,
        without_label=len(items) - len(labelled),
        taxonomy_version=taxonomy.taxonomy_version,
    )

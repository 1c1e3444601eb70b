"""Check a whole labels file: per-item rules, event rules, and per-rule tallies.

Labels are held in memory (they are small); article texts are streamed from the articles file
and each label is checked as soon as its article goes by. Labels of one event are checked with
their event's texts around them: the event's title, summary and rationale, and the other
articles' titles and rationales, which the physical-harm and off-topic rules read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aimlabel.core.articles import Article
from aimlabel.core.labels_file import LabelItem
from aimlabel.core.record import Finding
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.rules.config import RuleConfig
from aimlabel.rules.defaults import RULES_VERSION
from aimlabel.rules.events import EventInfo, EventReport, check_events
from aimlabel.rules.item import DISABLED, run_item_rules
from aimlabel.rules.registry import RULES

NO_EVENT = "no event_id"
UNUSABLE = "failed or states no class"


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
    classification_source: str = "label"
    kind: str = "label"


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
    unknown_values: dict[str, Counter[str]] = field(default_factory=dict)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for item in self.items for f in item.findings)

    def never_ran(self) -> dict[str, str]:
        """Rules that could not run on any label, with the commonest reason."""
        return {
            rule_id: stats.skipped.most_common(1)[0][0]
            for rule_id, stats in self.stats.items()
            if not stats.checked and stats.skipped and DISABLED not in stats.skipped
        }


@dataclass(frozen=True)
class _Surroundings:
    context: tuple[str, ...] = ()
    peers: dict[str, str] = field(default_factory=dict)

    def peers_of(self, record_id: str) -> tuple[str, ...]:
        return tuple(text for rid, text in self.peers.items() if rid != record_id)


def _surroundings(labelled: list[LabelItem]) -> dict[str, _Surroundings]:
    """Per event id: the event's own texts and each article's rationale (for its peers)."""
    context: dict[str, list[str]] = {}
    peers: dict[str, dict[str, str]] = {}
    for item in labelled:
        event_id = item.record.article.event_id if item.record.article else None
        if not event_id:
            continue
        label = item.record.label or {}
        rationale = label.get("rationale") if isinstance(label.get("rationale"), str) else ""
        title = item.record.article.title if item.record.article else None
        bucket = context.setdefault(event_id, [])
        if item.kind == "event":
            bucket += [t for t in (title, item.article.text if item.article else None, rationale) if t]
        else:
            bucket += [title] if title else []
            if rationale:
                peers.setdefault(event_id, {})[item.record.id] = str(rationale)
    return {e: _Surroundings(tuple(context.get(e, ())), peers.get(e, {})) for e in set(context) | set(peers)}


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
    around = _surroundings(labelled)

    def check(item: LabelItem, article: Article | None) -> None:
        event_id = item.record.article.event_id if item.record.article else None
        where = around.get(event_id or "", _Surroundings())
        own_texts = {t for t in (item.record.article.title if item.record.article else None,) if t}
        context = tuple(t for t in where.context if t not in own_texts) if item.kind == "label" else where.context
        result = run_item_rules(
            item.record.label or {}, article, taxonomy=taxonomy, config=config,
            context=context, peers=where.peers_of(item.record.id) if item.kind == "label" else tuple(where.peers.values()),
            strict_vocabulary=not item.written_by_people, is_event=item.kind == "event",
        )
        outcome = outcomes[id(item)]
        outcome.findings.extend(result.findings)
        outcome.classification = outcome.classification or result.classification or None
        outcome.classification_source = result.classification_source
        for rule_id in result.checked:
            stats[rule_id].checked += 1
        for rule_id, reason in result.skipped.items():
            stats[rule_id].skipped[reason] += 1
        for finding in result.findings:
            stats[finding.rule].findings += 1

    pending: dict[str, list[LabelItem]] = {}
    for item in labelled:
        if item.article is not None and (item.article.text or item.kind == "event" or not articles):
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
            check(item, item.article)

    infos = [EventInfo(i.record.article.event_id, i.record.id, i.record.label or {})
             for i in labelled if i.kind == "event" and i.record.article and i.record.article.event_id]
    members = [i.record for i in labelled if i.kind == "label"]
    events = check_events(members, taxonomy=taxonomy, config=config, events=infos)
    _event_stats(stats, labelled, events, config)
    for item in labelled:
        outcomes[id(item)].findings.extend(events.findings.get(item.record.id, []))

    return CheckReport(
        items=[outcomes[id(item)] for item in labelled],
        stats=stats,
        events=events,
        unreadable=unreadable,
        without_label=len(items) - len(labelled),
        taxonomy_version=taxonomy.taxonomy_version,
        unknown_values=_unknown_values(labelled, taxonomy),
    )


def _outcome(item: LabelItem) -> ItemOutcome:
    label = item.record.label or {}
    cls = label.get("classification")
    event_id = item.record.article.event_id if item.record.article else None
    return ItemOutcome(item.line, item.record.id, cls if isinstance(cls, str) else None, event_id, kind=item.kind)


def _event_stats(stats: dict[str, RuleStats], labelled: list[LabelItem], events: EventReport, config: RuleConfig) -> None:
    in_event = {rid for event in events.events.values() for rid in event.record_ids}
    event_items = {i.record.id for i in labelled if i.kind == "event"}
    for rule in RULES:
        if rule.scope != "event":
            continue
        for item in labelled:
            if rule.id in config.disabled:
                stats[rule.id].skipped[DISABLED] += 1
            elif item.record.id in in_event or item.record.id in event_items:
                stats[rule.id].checked += 1
            elif item.record.article and item.record.article.event_id:
                stats[rule.id].skipped[UNUSABLE] += 1
            else:
                stats[rule.id].skipped[NO_EVENT] += 1
        stats[rule.id].findings = sum(len([f for f in fs if f.rule == rule.id]) for fs in events.findings.values())


def _unknown_values(labelled: list[LabelItem], taxonomy: Taxonomy) -> dict[str, Counter[str]]:
    """Values in people's labels that aimlabel's vocabulary lacks (reported, not flagged)."""
    unknown: dict[str, Counter[str]] = {}
    for item in labelled:
        if not item.written_by_people:
            continue
        label = item.record.label or {}
        for f in taxonomy.fields:
            value = label.get(f.key)
            values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
            for v in values:
                if isinstance(v, str) and v.strip() and v not in f.values:
                    unknown.setdefault(f.key, Counter())[v] += 1
    return unknown

"""What a run cost and how it went: failures, tokens, price, latency, rule findings.

Prices are data (a JSON table, overridable with --prices), because they change more often than
the code and a stale built-in number would silently mislabel a budget. Each record is priced
with `PriceTable.record_cost`, the same calculation the run meter and the budget use.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from aimlabel.core.record import LabelRecord, Usage
from aimlabel.evaluation.report import CostSection, LatencySection, RuleCount, RunSection
from aimlabel.run.pricing import PriceTable


def _model_of(record: LabelRecord) -> str | None:
    p = record.provenance
    return (p.model_served or p.model_requested) if p else None


def cost(records: Sequence[LabelRecord], table: PriceTable) -> CostSection:
    total = 0.0
    unpriced: Counter[str] = Counter()
    for record in records:
        price = table.record_cost(record)
        if price is None:
            unpriced[_model_of(record) or "(unknown)"] += 1
        else:
            total += price
    return CostSection(total=round(total, 6) if not unpriced else None, priced_part=round(total, 6),
                       unpriced_models=dict(sorted(unpriced.items())))


def _nearest_rank(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def latency(records: Sequence[LabelRecord]) -> LatencySection:
    """Milliseconds; in a replay these are the recorded times, not this machine's."""
    values = sorted(r.latency_ms for r in records if r.attempts.requests)
    if not values:
        return LatencySection(mean=None, p50=None, p95=None, max=None)
    return LatencySection(
        mean=round(sum(values) / len(values), 1),
        p50=round(_nearest_rank(values, 0.5), 1),
        p95=round(_nearest_rank(values, 0.95), 1),
        max=round(values[-1], 1),
    )


def findings_by_rule(records: Sequence[LabelRecord]) -> list[RuleCount]:
    counts: dict[str, RuleCount] = {}
    for record in records:
        for rule in sorted({f.rule for f in record.findings}):
            counts.setdefault(rule, RuleCount(rule=rule)).items += 1
        for finding in record.findings:
            entry = counts[finding.rule]
            if finding.severity == "error":
                entry.error += 1
            else:
                entry.warning += 1
    return [counts[rule] for rule in sorted(counts)]


def run_stats(records: Sequence[LabelRecord], table: PriceTable) -> RunSection:
    failed = [r for r in records if r.status == "failed" or r.label is None]
    return RunSection(
        records=len(records),
        ok=sum(1 for r in records if r.status == "ok" and r.label is not None),
        needs_review=sum(1 for r in records if r.status == "needs_review" and r.label is not None),
        failed=len(failed),
        failure_rate=len(failed) / len(records) if records else 0.0,
        failures_by_type=dict(sorted(Counter(r.error.type if r.error else r.status for r in failed).items())),
        requests=sum(r.attempts.requests for r in records),
        answers=sum(r.attempts.answers for r in records),
        tokens=sum((r.usage for r in records), Usage()),
        cost=cost(records, table),
        latency_ms=latency(records),
        findings=findings_by_rule(records),
    )

"""What a run cost and how it went: failures, tokens, price, latency, rule findings.

Prices are data (a JSON table, overridable with --prices), because they change more often than
the code and a stale built-in number would silently mislabel a budget.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aimlabel.run.pricing import DEFAULT_PRICES, PriceTable, load_prices
from aimlabel.core.record import LabelRecord


class PricesProblem(ValueError):
    pass


def read_prices(path: Path | None = None) -> tuple[PriceTable, str, str]:
    """(table, where it came from, sha256); the packaged `aimlabel/data/prices.json` by default."""
    source = path or DEFAULT_PRICES
    try:
        table = load_prices(path)
        data = source.read_bytes()
    except OSError as exc:
        raise PricesProblem(f"cannot read --prices {source}: {exc.strerror}") from None
    except (json.JSONDecodeError, ValidationError) as exc:
        raise PricesProblem(f"{source} is not a price table: {str(exc).splitlines()[0]}") from None
    where = "aimlabel/data/prices.json (packaged)" if path is None else str(path)
    return table, where, "sha256:" + hashlib.sha256(data).hexdigest()


def _model_of(record: LabelRecord) -> str | None:
    p = record.provenance
    return (p.model_served or p.model_requested) if p else None


def cost(records: Sequence[LabelRecord], table: PriceTable) -> dict[str, Any]:
    total = 0.0
    unpriced: Counter[str] = Counter()
    for record in records:
        if record.cached or not record.usage.total_tokens:
            continue
        p = record.provenance
        price = table.price_for(p.model_served if p else None) or table.price_for(p.model_requested if p else None)
        if price is None:
            unpriced[_model_of(record) or "(unknown)"] += 1
            continue
        total += (record.usage.prompt_tokens * price.input + record.usage.completion_tokens * price.output) / 1_000_000
    return {
        "currency": "USD",
        "total": round(total, 6) if not unpriced else None,
        "priced_part": round(total, 6),
        "unpriced_models": dict(sorted(unpriced.items())),
    }


def _nearest_rank(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def latency(records: Sequence[LabelRecord]) -> dict[str, float | None]:
    """Milliseconds; in a replay these are the recorded times, not this machine's."""
    values = sorted(r.latency_ms for r in records if r.attempts.requests)
    if not values:
        return {"mean": None, "p50": None, "p95": None, "max": None}
    return {
        "mean": round(sum(values) / len(values), 1),
        "p50": round(_nearest_rank(values, 0.5), 1),
        "p95": round(_nearest_rank(values, 0.95), 1),
        "max": round(values[-1], 1),
    }


def findings_by_rule(records: Sequence[LabelRecord]) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, Any]] = {}
    for record in records:
        for rule in sorted({f.rule for f in record.findings}):
            counts.setdefault(rule, {"rule": rule, "items": 0, "error": 0, "warning": 0})["items"] += 1
        for finding in record.findings:
            counts[finding.rule][finding.severity] += 1
    return [counts[rule] for rule in sorted(counts)]


def run_stats(records: Sequence[LabelRecord], table: PriceTable) -> dict[str, Any]:
    failed = [r for r in records if r.status == "failed" or r.label is None]
    usage = {
        "prompt_tokens": sum(r.usage.prompt_tokens for r in records),
        "completion_tokens": sum(r.usage.completion_tokens for r in records),
        "total_tokens": sum(r.usage.total_tokens for r in records),
    }
    return {
        "records": len(records),
        "ok": sum(1 for r in records if r.status == "ok" and r.label is not None),
        "needs_review": sum(1 for r in records if r.status == "needs_review" and r.label is not None),
        "failed": len(failed),
        "failure_rate": len(failed) / len(records) if records else 0.0,
        "failures_by_type": dict(sorted(Counter(r.error.type if r.error else r.status for r in failed).items())),
        "requests": sum(r.attempts.requests for r in records),
        "answers": sum(r.attempts.answers for r in records),
        "tokens": usage,
        "cost": cost(records, table),
        "latency_ms": latency(records),
        "findings": findings_by_rule(records),
    }

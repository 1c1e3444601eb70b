"""Print a `CheckReport` as a table (for people), JSON (one document) or JSONL (one line per label).

Output is a pure function of the report: same labels, same bytes, so it can be diffed and
tested with exact strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from aimlabel.rules.base import Rule
from aimlabel.rules.registry import RULES
from aimlabel.rules.report import CheckReport, ItemOutcome, RuleStats

FORMATS = ("table", "json", "jsonl")


def headline(report: CheckReport) -> str:
    extra = []
    if report.unreadable:
        extra.append(f"{report.unreadable} unreadable line(s) skipped")
    if report.without_label:
        extra.append(f"{report.without_label} record(s) without a label not checked")
    tail = f" ({'; '.join(extra)})" if extra else ""
    return (
        f"aimlabel check ({report.rules_version}, taxonomy {report.taxonomy_version}): "
        f"{len(report.items)} label(s), {report.count('error')} error(s), {report.count('warning')} warning(s){tail}"
    )


def _skipped_text(stats: RuleStats) -> str:
    if not stats.skipped:
        return ""
    return "skipped: " + "; ".join(f"{reason} ({n})" for reason, n in sorted(stats.skipped.items()))


def _columns(rows: list[list[str]], right: frozenset[int] = frozenset()) -> Iterator[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        yield "  ".join(cells).rstrip()


def render_table(report: CheckReport) -> str:
    lines = [headline(report), ""]
    rows = [["rule", "severity", "checked", "skipped", "findings", ""]]
    for rule in RULES:
        stats = report.stats[rule.id]
        rows.append([rule.id, rule.severity, str(stats.checked), str(sum(stats.skipped.values())), str(stats.findings), _skipped_text(stats)])
    lines += _columns(rows, right=frozenset({2, 3, 4}))
    lines += never_ran_lines(report)
    lines += ["", "findings"]
    found = [[f"{item.id} (line {item.line})", f.severity, f.rule, f.message] for item in report.items for f in item.findings]
    lines += list(_columns(found)) if found else ["(none)"]
    if report.events.events:
        lines += ["", "events"]
        lines += _columns(
            [
                [e.event_id, e.label, f"{len(e.record_ids)} article(s): {e.counts_text()}", "conflict" if e.conflict else ""]
                for e in report.events.events.values()
            ]
        )
    if report.unknown_values:
        lines += ["", "values aimlabel's vocabulary lacks (not flagged; add them to schemas/taxonomy.json if AIM uses them)"]
        lines += _columns([[key, ", ".join(f"{v} ({n})" for v, n in sorted(counts.items()))] for key, counts in sorted(report.unknown_values.items())])
    return "\n".join(lines) + "\n"


def never_ran_lines(report: CheckReport) -> list[str]:
    """The rules that could not run on any label, and why (e.g. labels that carry only a rationale)."""
    never = report.never_ran()
    if not never:
        return []
    return ["", f"{len(never)} rule(s) could not run on any label: " + "; ".join(f"{rule} ({why})" for rule, why in never.items())]


def _item_json(item: ItemOutcome) -> dict[str, Any]:
    return {
        "id": item.id,
        "line": item.line,
        "classification": item.classification,
        "classification_source": item.classification_source,
        "event_id": item.event_id,
        "findings": [f.model_dump() for f in item.findings],
    }


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "severity": rule.severity,
        "description": rule.description,
        "example": rule.example,
        "needs_text": rule.needs_text,
        "scope": rule.scope,
    }


def render_json(report: CheckReport) -> str:
    document = {
        "rules_version": report.rules_version,
        "taxonomy_version": report.taxonomy_version,
        "totals": {
            "labels": len(report.items),
            "errors": report.count("error"),
            "warnings": report.count("warning"),
            "unreadable_lines": report.unreadable,
            "without_label": report.without_label,
        },
        "rules": [
            {
                **rule_json(rule),
                "checked": report.stats[rule.id].checked,
                "skipped": dict(sorted(report.stats[rule.id].skipped.items())),
                "findings": report.stats[rule.id].findings,
            }
            for rule in RULES
        ],
        "items": [_item_json(item) for item in report.items],
        "events": [
            {
                "event_id": e.event_id,
                "label": e.label,
                "severity": e.severity,
                "counts": e.counts,
                "articles": list(e.record_ids),
                "conflict": e.conflict,
                "decided_by": e.decided_by,
                "excluded": e.excluded,
            }
            for e in report.events.events.values()
        ],
        "cannot_run": report.never_ran(),
        "unknown_values": {k: dict(sorted(v.items())) for k, v in sorted(report.unknown_values.items())},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_jsonl(report: CheckReport) -> str:
    return "".join(json.dumps(_item_json(item), ensure_ascii=False) + "\n" for item in report.items)


def render_rules() -> str:
    """The rule list for `aimlabel check --list-rules`."""
    rows = [["id", "severity", "needs text", "description"]]
    rows += [[r.id, r.severity, "yes" if r.needs_text else "no", r.description] for r in RULES]
    return "\n".join(_columns(rows)) + "\n"


def rules_markdown() -> str:
    """The rule table of docs/rules.md, from the registry (a test keeps the two equal)."""
    lines = ["| Rule | Severity | Needs text | What it catches | Example it flags |", "|---|---|---|---|---|"]
    lines += [
        f"| `{r.id}` | {r.severity} | {'yes' if r.needs_text else 'no'} | {r.description} | {r.example} |" for r in RULES
    ]
    return "\n".join(lines) + "\n"


RENDERERS = {"table": render_table, "json": render_json, "jsonl": render_jsonl}

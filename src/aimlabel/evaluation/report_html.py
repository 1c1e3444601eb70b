"""A self-contained HTML report: inline CSS and SVG, no scripts, no network.

Reviewers open it from a mail attachment or a shared drive, often offline, so nothing may be
fetched; every value is escaped because labels and model names are data.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aimlabel.evaluation.manifest import producer_notice
from aimlabel.evaluation.report import EvalReport

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1000px;color:#222}
.notice{border:2px solid #b45309;background:#fffbeb;padding:.8em 1em;font-weight:600}
table{border-collapse:collapse;margin:.5em 0 1.2em}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f4f4f5}code{font-size:12px}
.kpi{display:inline-block;margin-right:2em}.kpi b{font-size:1.6em;display:block}
"""


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ci(pair: list[float] | None) -> str:
    return "95% CI n/a" if not pair else f"95% CI {pair[0]:.3f}-{pair[1]:.3f}"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def heatmap_svg(labels: list[str], matrix: list[list[int]]) -> str:
    """Confusion matrix as a grid of cells shaded by row share (recall view)."""
    cell, left, top = 64, 190, 130
    size = len(labels)
    width, height = left + cell * size + 140, top + cell * size + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="confusion matrix">']
    for j, label in enumerate(labels):
        x = left + j * cell + cell / 2
        parts.append(f'<text x="{x}" y="{top - 8}" font-size="11" transform="rotate(-35 {x} {top - 8})">{escape(label)}</text>')
    for i, (label, row) in enumerate(zip(labels, matrix)):
        total = sum(row)
        y = top + i * cell
        parts.append(f'<text x="{left - 8}" y="{y + cell / 2 + 4}" font-size="11" text-anchor="end">{escape(label)}</text>')
        for j, count in enumerate(row):
            share = count / total if total else 0.0
            colour = f"rgb({round(255 - 200 * share)},{round(255 - 130 * share)},{round(255 - 40 * share)})"
            ink = "#fff" if share > 0.55 else "#111"
            x = left + j * cell
            parts.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{colour}" stroke="#ccc"/>'
                         f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 4}" font-size="13" text-anchor="middle" '
                         f'fill="{ink}">{count}</text>')
    parts.append(f'<text x="{left}" y="{height - 4}" font-size="10" fill="#666">rows: gold; columns: predicted</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(per_class: list[dict[str, Any]]) -> str:
    """Precision, recall and F1 per class as grouped horizontal bars."""
    metrics = [("precision", "#60a5fa"), ("recall", "#34d399"), ("f1", "#f59e0b")]
    left, bar, span = 190, 12, 360
    height = len(per_class) * (len(metrics) * bar + 14) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + span + 80}" height="{height}" role="img" '
             f'aria-label="per-class scores">']
    y = 10
    for s in per_class:
        parts.append(f'<text x="{left - 8}" y="{y + bar * 2}" font-size="11" text-anchor="end">{escape(s["label"])}</text>')
        for name, colour in metrics:
            w = span * (s[name] or 0.0)
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 2}" fill="{colour}"/>'
                         f'<text x="{left + w + 4:.1f}" y="{y + bar - 3}" font-size="10">{name} {s[name]:.2f}</text>')
            y += bar
        y += 14
    parts.append("</svg>")
    return "".join(parts)


def render_html(typed: EvalReport) -> str:
    report = typed.to_json()
    m, c, run = report["manifest"], report["classification"], report["run"]
    lat = run["latency_ms"]
    sections = [
        f'<p class="notice">{escape(producer_notice(typed.manifest))}</p>',
        "<h2>Classification</h2>",
        f'<div class="kpi">accuracy<b>{_f(c["accuracy"])}</b>{_ci(c["accuracy_ci95"])}</div>'
        f'<div class="kpi">macro-F1<b>{_f(c["macro_f1"])}</b>{_ci(c["macro_f1_ci95"])}</div>'
        f'<div class="kpi">Cohen\'s kappa<b>{_f(c["kappa"])}</b>n = {c["n"]}</div>',
        "<h3>Confusion matrix</h3>", heatmap_svg(c["confusion"]["labels"], c["confusion"]["matrix"]),
        "<h3>Per class</h3>", bars_svg(c["per_class"]),
        _table(["class", "precision", "recall", "F1", "support", "predicted"],
               [[s["label"], _f(s["precision"]), _f(s["recall"]), _f(s["f1"]), s["support"], s["predicted"]] for s in c["per_class"]]),
        "<h2>Taxonomy</h2>",
        _table(["field", "n", "micro-F1", "macro-F1", "Jaccard", "exact"],
               [[k, v["n"], _f(v["micro_f1"]), _f(v["macro_f1"]), _f(v["jaccard"]), _f(v["exact_match"])]
                for k, v in report["taxonomy"].items()]),
    ]
    for key, scores in report["taxonomy"].items():
        sections.append(f"<h3>{escape(key)}</h3>" + _table(
            ["value", "precision", "recall", "F1", "support", "predicted"],
            [[v["value"], _f(v["precision"]), _f(v["recall"]), _f(v["f1"]), v["support"], v["predicted"]] for v in scores["per_value"]]))
    events = report.get("events")
    if events:
        ec = events["classification"]
        sections += [
            f"<h2>Events</h2><p>{events['events']} events (gold event_id) of {events['articles']} articles: {escape(events['rule'])}.</p>",
            f'<div class="kpi">event class accuracy<b>{_f(ec["accuracy"])}</b>{_ci(ec["accuracy_ci95"])}</div>'
            f'<div class="kpi">macro-F1<b>{_f(ec["macro_f1"])}</b>{_ci(ec["macro_f1_ci95"])}</div>',
            _table(["event", "articles", "gold", "predicted", "votes"],
                   [[e["event_id"], e["articles"], e["gold"], e["predicted"],
                     ", ".join(f"{k} {v}" for k, v in e["predicted_counts"].items())] for e in events["per_event"]]),
        ]
    sections += [
        "<h2>Run</h2>",
        _table(["records", "ok", "failed", "failure rate", "tokens", "cost", "latency mean / p50 / p95 / max (ms)"],
               [[run["records"], run["ok"], run["failed"], _f(run["failure_rate"]), run["tokens"]["total_tokens"],
                 f'{_f(run["cost"]["total"], 4)} {run["cost"]["currency"]}',
                 f'{lat["mean"]} / {lat["p50"]} / {lat["p95"]} / {lat["max"]}']]),
        "<h3>Failures by type</h3>", _table(["type", "count"], [[k, v] for k, v in run["failures_by_type"].items()]),
        "<h3>Rule findings</h3>", _table(["rule", "items", "errors", "warnings"],
                                          [[f["rule"], f["items"], f["error"], f["warning"]] for f in run["findings"]]),
        "<h2>Manifest</h2>", _table(["key", "value"], [[k, v] for k, v in m.items()]),
    ]
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>aimlabel evaluation</title>"
            f"<style>{CSS}</style></head><body><h1>aimlabel evaluation</h1>{''.join(sections)}</body></html>\n")

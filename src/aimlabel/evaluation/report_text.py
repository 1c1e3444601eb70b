"""The terminal report: plain fixed-width text, identical on every machine.

Latency and the git commit are left out on purpose (they are in `--format json` and the HTML
report): in a replay latency is whatever the recording machine measured, so keeping it out
lets the test suite check this output byte for byte across re-recordings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aimlabel.evaluation.manifest import producer_notice
from aimlabel.evaluation.report import CompareReport, EvalReport


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ci(pair: Sequence[float] | None) -> str:
    return "" if not pair else f"  [95% CI {pair[0]:.3f}-{pair[1]:.3f}]"


_NUMBER = re.compile(r"^([+-]?\d+(\.\d+)?|n/a|-)$")


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "  ") -> list[str]:
    """Numeric columns right-aligned, text columns left-aligned."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [i > 0 and all(_NUMBER.match(row[i]) for row in cells[1:]) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric)]
        lines.append((indent + "  ".join(parts)).rstrip())
    return lines


def _abbrev(label: str) -> str:
    short = {"AI Incident": "Incident", "AI Hazard": "Hazard", "Complementary Information": "CompInfo",
             "Unrelated": "Unrelated", "(no label)": "(none)"}
    return short.get(label, label[:12])


def render_text(typed: EvalReport) -> str:
    report = typed.to_json()
    m, items, c, run = report["manifest"], report["items"], report["classification"], report["run"]
    out = [producer_notice(typed.manifest), ""]
    out.append(f"Gold: {m['gold']['path']} ({m['gold']['count']} items, {m['gold']['sha256'][:19]}...)  "
               + "origins: " + ", ".join(f"{k} {v}" for k, v in items["by_origin"].items()))
    out.append(f"Source: {m['source']}  models requested: {', '.join(m['model_requested']) or 'n/a'}  "
               f"served: {', '.join(m['model_served']) or 'n/a'}")
    for prompt in m["prompt"]:
        out.append(f"Prompt: {prompt}")
    for schema in m["schema"]:
        out.append(f"Schema: {schema}")
    out.append(f"Items: {items['gold']} gold, {items['with_record']} with a record, {items['missing_record']} missing, "
               f"{items['records_not_in_gold']} records not in gold")
    out += ["", "Classification"]
    out.append(f"  accuracy  {_num(c['accuracy'])}{_ci(c['accuracy_ci95'])}")
    out.append(f"  macro-F1  {_num(c['macro_f1'])}{_ci(c['macro_f1_ci95'])}  over {len(c['macro_f1_over'])} classes")
    out.append(f"  kappa     {_num(c['kappa'])}")
    b = m.get("bootstrap") or {}
    if b:
        out.append(f"  (bootstrap: {b.get('resamples')} resamples, seed {b.get('seed')})")
    out += [""] + table(["class", "precision", "recall", "F1", "support", "predicted"],
                        [[s["label"], _num(s["precision"]), _num(s["recall"]), _num(s["f1"]), s["support"], s["predicted"]]
                         for s in c["per_class"]])
    labels = c["confusion"]["labels"]
    out += ["", "  Confusion matrix (rows gold, columns predicted)"]
    out += table(["gold \\ predicted", *map(_abbrev, labels)],
                 [[label, *row] for label, row in zip(labels, c["confusion"]["matrix"])])
    if report["taxonomy"]:
        out += ["", "Taxonomy (items with a label and a gold value for the field)"]
        out += table(["field", "n", "micro-F1", "macro-F1", "Jaccard", "exact"],
                     [[k, v["n"], _num(v["micro_f1"]), _num(v["macro_f1"]), _num(v["jaccard"]), _num(v["exact_match"])]
                      for k, v in report["taxonomy"].items()])
        for key, scores in report["taxonomy"].items():
            if scores["per_value"]:
                out += ["", f"  {key}"]
                out += table(["value", "precision", "recall", "support", "predicted"],
                             [[v["value"], _num(v["precision"]), _num(v["recall"]), v["support"], v["predicted"]]
                              for v in scores["per_value"]], indent="    ")
    if report.get("events"):
        out += _events_text(report["events"])
    if report.get("routing"):
        routing = report["routing"]
        out += ["", f"Confidence routing (calibration {', '.join(c[:19] for c in routing['calibrations'])}, threshold "
                    f"{', '.join(_num(t) for t in routing['thresholds'])})"]
        out += table(["labels", "n", "correct", "accuracy"],
                     [[name.replace("_", " "), part["labels"], part["correct"], _num(part["accuracy"])]
                      for name, part in (("auto_accepted", routing["auto_accepted"]), ("routed_low_confidence", routing["routed_low_confidence"]))])
    out += ["", "Run"]
    failures = ", ".join(f"{k} {v}" for k, v in run["failures_by_type"].items()) or "none"
    out.append(f"  records {run['records']}: ok {run['ok']}, needs_review {run['needs_review']}, failed {run['failed']} "
               f"(failure rate {_num(run['failure_rate'])}; {failures})")
    t = run["tokens"]
    out.append(f"  tokens: prompt {t['prompt_tokens']}, completion {t['completion_tokens']}, total {t['total_tokens']}; "
               f"requests {run['requests']}, answers {run['answers']}")
    cost = run["cost"]
    unpriced = ", ".join(f"{k} ({v} records)" for k, v in cost["unpriced_models"].items())
    out.append(f"  cost: {_num(cost['total'], 4)} {cost['currency']}" + (f" (no price for {unpriced}; priced part "
               f"{cost['priced_part']:.4f})" if unpriced else "") + f"  prices: {(m.get('prices') or {}).get('source', 'n/a')}")
    out.append("  latency: see --format json or --html (left out here: it depends on the machine)")
    out += ["", "Rule findings"]
    if run["findings"]:
        out += table(["rule", "items", "errors", "warnings"],
                     [[f["rule"], f["items"], f["error"], f["warning"]] for f in run["findings"]])
    else:
        out.append("  none recorded")
    return "\n".join(out) + "\n"


def _events_text(events: dict[str, Any], max_listed: int = 50) -> list[str]:
    c = events["classification"]
    out = ["", f"Events (gold event_id): {events['events']} events of {events['articles']} articles"]
    out.append(f"  event class accuracy  {_num(c['accuracy'])}{_ci(c['accuracy_ci95'])}")
    out.append(f"  event class macro-F1  {_num(c['macro_f1'])}{_ci(c['macro_f1_ci95'])}  over {len(c['macro_f1_over'])} classes")
    out.append(f"  kappa                 {_num(c['kappa'])}")
    rows = events["per_event"]
    out += table(["event", "articles", "gold", "predicted", "agree", "votes"],
                 [[e["event_id"], e["articles"], _abbrev(e["gold"]), _abbrev(e["predicted"]), "=" if e["gold"] == e["predicted"] else "X",
                   ", ".join(f"{_abbrev(k)} {v}" for k, v in e["predicted_counts"].items()) or "-"] for e in rows[:max_listed]])
    if len(rows) > max_listed:
        out.append(f"  ... and {len(rows) - max_listed} more (see --format json)")
    return out


def render_compare_text(typed: CompareReport, max_listed: int = 50) -> str:
    report = typed.to_json()
    name_a, name_b = typed.a, typed.b
    items = report["items"]
    out = [f"A: {name_a}", f"B: {name_b}",
           f"Articles: {items['common']} in both ({items['only_a']} only in A, {items['only_b']} only in B); "
           f"same class in {_num(report['agreement'])} of them", ""]
    mc = report["mcnemar"]
    if mc is not None:
        out.append(f"Against gold ({mc['n']} articles): accuracy A {_num(mc['accuracy_a'])}, B {_num(mc['accuracy_b'])}")
        out.append(f"  exact McNemar: A right/B wrong {mc['a_right_b_wrong']}, B right/A wrong {mc['b_right_a_wrong']}, "
                   f"two-sided p = {mc['p_value']:.4g}")
    else:
        out.append("No --gold: class changes only, no significance test.")
    out += ["", "Per class (B - A)"]
    rows = report["per_class"]
    if rows and "f1_a" in rows[0]:
        out += table(["class", "support", "F1 A", "F1 B", "delta", "recall A", "recall B"],
                     [[r["label"], r["support"], _num(r["f1_a"]), _num(r["f1_b"]), f"{r['f1_delta']:+.3f}",
                       _num(r["recall_a"]), _num(r["recall_b"])] for r in rows])
    else:
        out += table(["class", "predicted A", "predicted B", "delta"],
                     [[r["label"], r["predicted_a"], r["predicted_b"], f"{r['delta']:+d}"] for r in rows])
    flips = report["flips"]
    out += ["", f"Class changed: {len(flips)} article(s)"]
    if flips:
        header = ["id", "A", "B"] + (["gold"] if "gold" in flips[0] else [])
        out += table(header, [[f["id"], f["a"], f["b"]] + ([f["gold"] or "-"] if "gold" in f else []) for f in flips[:max_listed]])
        if len(flips) > max_listed:
            out.append(f"  ... and {len(flips) - max_listed} more (see --format json)")
    out += ["", "Rule findings"]
    if report["findings"]:
        out += table(["rule", "appeared", "went away"],
                     [[f["rule"], len(f["appeared"]), len(f["went_away"])] for f in report["findings"]])
    else:
        out.append("  no change")
    return "\n".join(out) + "\n"

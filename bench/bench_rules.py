"""CPU of the rule check per label, on distinct texts.

    python bench/bench_rules.py [--n 2000] [--repeats 5] [--dump findings.jsonl]

The check runs on the labels of a live run and of every replayed item, so its cost per label is
part of both (issue 19). The eval bench repeats the 139 fixture answers, so anything keyed on
a rationale would hit there more than on real data; this bench builds N labels whose texts are
all different instead. Each is made, with a fixed seed, from the project's own material:

- the rationales: 2 to 5 sentences drawn from the rule corpora (eval/rules/*), the fixture
  answers, and, when it is on this machine, the seed AIM page in ../shared (skipped, and said,
  when absent), with one of the four classes and taxonomy values drawn from the vocabularies;
- the articles: a title and 8 to 40 sentences from the same pool and the gold texts, sometimes
  with a sentence of the label's rationale or an instruction from the injection corpus in it,
  so that the evidence, overlap and injection rules have something to find.

It prints the CPU (`time.process_time`) per label of `run_item_rules` over all N, min and median of
`--repeats` passes after one warm-up pass, with the load average. `--dump` writes every label's
result (findings, rules run and skipped, the class judged) as JSON lines, so a change meant only
to make the check faster can be compared with the findings before it, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from aimlabel.core.aim_page import read_page
from aimlabel.core.articles import Article
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.rules.item import ItemResult, run_item_rules

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "data" / "aim" / "000_e374795b14a8aa21.txt"
CLASSES = ("AI Incident", "AI Hazard", "Complementary Information", "Unrelated")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.strip()) > 20]


def material() -> tuple[list[str], list[str], list[dict[str, Any]], list[str]]:
    """Rationale sentences, article sentences, base labels, and injected instructions."""
    rationale: list[str] = []
    article: list[str] = []
    injections: list[str] = []
    for path in sorted((ROOT / "eval" / "rules").glob("*/rationales.jsonl")):
        for row in _jsonl(path):
            rationale += _sentences(str(row.get("rationale") or ""))
            text = str(row.get("text") or "")
            if row.get("cause") == "injection":
                injections += [s for s in _sentences(text) if "ignore" in s.lower() or "instruction" in s.lower()]
            else:
                article += _sentences(text)
    for path in sorted((ROOT / "eval" / "rules").glob("*/events.jsonl")):
        for row in _jsonl(path):
            event = row.get("event") or {}
            article += _sentences(str(event.get("summary") or ""))
            rationale += _sentences(str(event.get("rationale") or ""))
            for member in row.get("articles") or []:
                rationale += _sentences(str(member.get("rationale") or ""))
    for row in _jsonl(ROOT / "eval" / "gold.jsonl"):
        article += _sentences(str(row.get("text") or "")) + [str(row.get("title") or "")]
    labels = [row["label"] for row in _jsonl(ROOT / "eval" / "fixture_answers.jsonl")]
    if SEED.is_file():
        page = read_page(SEED)
        for member in page.articles:
            rationale += _sentences(member.rationale)
            article += [member.title or ""]
        article += _sentences(page.summary or "")
        rationale += _sentences(page.rationale or "")
    else:
        print(f"the seed page {SEED} is not on this machine: its sentences are left out", file=sys.stderr)
    return sorted(set(rationale)), sorted({s for s in article if s}), labels, sorted(set(injections))


def build(n: int, seed: int = 7) -> list[tuple[dict[str, Any], Article]]:
    rationale, article, labels, injections = material()
    taxonomy = default_taxonomy()
    fields = {key: list(taxonomy.field(key).values) for key in
              ("ai_principles", "industries", "affected_stakeholders", "harm_types", "ai_system_task")}
    rng = random.Random(seed)
    cases: list[tuple[dict[str, Any], Article]] = []
    for i in range(n):
        label = dict(rng.choice(labels))
        said = rng.sample(rationale, rng.randint(2, 5))
        label["rationale"] = " ".join(said)
        label["classification"] = rng.choice(CLASSES)
        for key, values in fields.items():
            label[key] = rng.sample(values, min(len(values), rng.randint(0, 4)))
        body = rng.sample(article, min(len(article), rng.randint(8, 40)))
        if rng.random() < 0.3:
            body.insert(rng.randrange(len(body) + 1), rng.choice(said))
        if injections and rng.random() < 0.05:
            body.insert(rng.randrange(len(body) + 1), rng.choice(injections))
        label["evidence"] = [rng.choice(body)[:120]] if rng.random() < 0.7 else [rng.choice(rationale)[:120]]
        cases.append((label, Article(id=f"b{i}", title=rng.choice(article), text=" ".join(body))))
    return cases


def _result(result: ItemResult) -> dict[str, Any]:
    return {
        "findings": [f.model_dump(mode="json") for f in result.findings],
        "checked": list(result.checked), "skipped": result.skipped,
        "classification": result.classification, "source": result.classification_source,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dump", type=Path, help="write every label's result here (JSON lines)")
    args = parser.parse_args()
    cases = build(args.n, args.seed)
    chars = statistics.median(len(a.text or "") for _, a in cases)
    print(f"{len(cases)} labels, article text median {chars:.0f} characters, load {os.getloadavg()[0]:.2f}")
    results = [run_item_rules(label, article) for label, article in cases]  # warm-up (and the dump)
    if args.dump:
        args.dump.write_text("".join(json.dumps(_result(r), ensure_ascii=False) + "\n" for r in results),
                             encoding="utf-8")
    times = []
    for _ in range(args.repeats):
        start = time.process_time()
        for label, article in cases:
            run_item_rules(label, article)
        times.append((time.process_time() - start) / len(cases) * 1000)
    findings = sum(len(r.findings) for r in results)
    print(f"rule check: {min(times):.3f} ms CPU a label (min), {statistics.median(times):.3f} (median) "
          f"of {args.repeats} passes; {findings} findings; load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

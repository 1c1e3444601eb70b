"""The rule check checked: precision and recall per rule on a corpus of written cases.

A corpus (eval/rules/) holds AIM-style rationales and events, each with the class its
rationale concludes and the findings a careful reviewer would raise (`expect`). Running the
rules over it counts, per rule, the findings expected and raised (true positives), raised but
not expected (false positives) and expected but missed; for error-severity findings separately,
because errors start fix rounds in `aimlabel label` and must be very likely right. It also
scores the conclusion reader: how often it names the class the writer says the rationale
concludes, and how often it is confidently wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aimlabel import __version__
from aimlabel.core.articles import Article
from aimlabel.core.labels_file import LabelItem, event_item, read_labels_source
from aimlabel.core.record import ArticleRef, Finding, LabelRecord, Provenance
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.rules.conclusion import conclude
from aimlabel.rules.config import RuleConfig
from aimlabel.rules.defaults import RULES_VERSION
from aimlabel.rules.item import run_item_rules
from aimlabel.rules.registry import RULES
from aimlabel.rules.report import run_check

_TAXONOMY_KEYS = frozenset(f.key for f in default_taxonomy().fields) | {"severity"}


class CorpusProblem(ValueError):
    """A corpus line that cannot be read; the message names the file and line."""


@dataclass
class RuleScore:
    expected: int = 0
    raised: int = 0
    hits: int = 0
    errors_raised: int = 0
    errors_right: int = 0

    @property
    def precision(self) -> float | None:
        return self.hits / self.raised if self.raised else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.expected if self.expected else None

    @property
    def error_precision(self) -> float | None:
        return self.errors_right / self.errors_raised if self.errors_raised else None


@dataclass
class Miss:
    item: str
    rule: str
    kind: str  # "false positive" | "missed"
    detail: str


@dataclass
class SelfTest:
    scores: dict[str, RuleScore]
    items: int = 0
    clean_items: int = 0
    clean_flagged: int = 0
    flag_items: int = 0
    flag_caught: int = 0
    conclusions: int = 0
    conclusions_right: int = 0
    conclusions_confidently_wrong: int = 0
    misses: list[Miss] = field(default_factory=list)
    rules_version: str = RULES_VERSION
    pages: int = 0
    flag_pages: int = 0
    flag_pages_caught: int = 0
    clean_pages: int = 0
    clean_pages_flagged: int = 0

    def error_rules_below(self, bar: float) -> list[str]:
        return [r for r, s in self.scores.items() if s.error_precision is not None and s.error_precision < bar]


def load_corpus(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """Corpus items from files or folders: `*.jsonl` of kind "rationale"/"event" items, and a
    `pages/` folder of AIM event pages with `flags.jsonl` saying what each page should raise."""
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        if path.is_dir() and (path / "pages" / "flags.jsonl").is_file():
            yield from _pages(path / "pages")
        for file in files:
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusProblem(f"{file}:{number}: not JSON ({exc.msg})") from None
                if not isinstance(item, dict) or item.get("kind") not in ("rationale", "event"):
                    if file.name == "flags.jsonl":
                        break
                    raise CorpusProblem(f"{file}:{number}: expected an object with kind 'rationale' or 'event'")
                yield item


def _pages(folder: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate((folder / "flags.jsonl").read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        entry = json.loads(line)
        page = folder / entry["page"]
        if not page.is_file():
            raise CorpusProblem(f"{folder / 'flags.jsonl'}:{number}: no page {page.name}")
        yield {"kind": "page", "id": page.stem, "path": str(page), "expect": entry.get("flags", []),
               "classes": entry.get("classes", [])}


def _page_findings(item: dict[str, Any], config: RuleConfig) -> dict[str, list[Finding]]:
    page = Path(item["path"])
    with open(page, "rb") as fh:
        entries = [e for e in read_labels_source(fh, page.stem) if isinstance(e, LabelItem)]
    report = run_check(entries, config=config)
    found: dict[str, list[Finding]] = {}
    for outcome in report.items:
        target = "event" if outcome.kind == "event" else str(int(outcome.id.rsplit("-", 1)[1]))
        found.setdefault(target, []).extend(outcome.findings)
    return found


def _label(item: dict[str, Any]) -> dict[str, Any]:
    label = {k: v for k, v in item.items() if k in _TAXONOMY_KEYS}
    for key in ("classification", "rationale", "realised_harm", "plausible_harm", "evidence", "ai_system"):
        if key in item:
            label[key] = item[key]
    return label


def _rationale_findings(item: dict[str, Any], config: RuleConfig) -> list[Finding]:
    article = None
    if item.get("title") or item.get("text"):
        article = Article(id=item["id"], title=item.get("title"), text=item.get("text"), language=item.get("language"))
    context = tuple(t for t in (item.get("summary"),) if t)
    return run_item_rules(_label(item), article, config=config, context=context, strict_vocabulary=False).findings


def _event_findings(item: dict[str, Any], config: RuleConfig) -> dict[str, list[Finding]]:
    event_id = item["id"]
    head = event_item(0, {"kind": "event", "event_id": event_id, **item["event"]})
    entries: list[LabelItem] = [head] if isinstance(head, LabelItem) else []
    for number, art in enumerate(item["articles"], start=1):
        key = f"{event_id}/{art['id']}"
        label = _label(art)
        ref = ArticleRef(id=key, title=art.get("title"), outlet=art.get("outlet"), date=art.get("date"),
                         language=art.get("language"), event_id=event_id)
        record = LabelRecord(id=key, status="ok", label=label, article=ref,
                             provenance=Provenance(tool_version=__version__, source="import"))
        article = Article(id=key, title=art.get("title"), language=art.get("language"), event_id=event_id) if art.get("title") else None
        entries.append(LabelItem(number, record, article))
    report = run_check(entries, config=config)
    found: dict[str, list[Finding]] = {}
    for outcome in report.items:
        target = "event" if outcome.kind == "event" else outcome.id.split("/", 1)[1]
        found.setdefault(target, []).extend(outcome.findings)
    return found


def run_selftest(items: Iterable[dict[str, Any]], config: RuleConfig | None = None) -> SelfTest:
    config = config or RuleConfig()
    result = SelfTest(scores={r.id: RuleScore() for r in RULES})
    for item in items:
        if item["kind"] == "page":
            found = _page_findings(item, config)
            expected = {(str(e["target"]), e["rule"]) for e in item["expect"]}
        elif item["kind"] == "rationale":
            found = {"item": _rationale_findings(item, config)}
            expected = {("item", rule) for rule in item.get("expect", [])}
            _score_conclusion(result, item)
        else:
            found = _event_findings(item, config)
            expected = {(str(e["target"]), e["rule"]) for e in item.get("expect", [])}
            for art in item["articles"]:
                if "concludes" in art:
                    _score_conclusion(result, {**art, "id": f"{item['id']}/{art['id']}"})
        _score(result, item, found, expected)
    return result


def _score_conclusion(result: SelfTest, item: dict[str, Any]) -> None:
    if "concludes" not in item or not item.get("rationale"):
        return
    got = conclude(item["rationale"])
    want = item["concludes"]
    result.conclusions += 1
    if got.cls == want:
        result.conclusions_right += 1
        return
    if got.strength == "strong" and got.cls is not None:
        result.conclusions_confidently_wrong += 1
    result.misses.append(Miss(item["id"], "conclusion", "misread", f"reads {got.cls} ({got.strength}), written {want}"))


def _score(result: SelfTest, item: dict[str, Any], found: dict[str, list[Finding]], expected: set[tuple[str, str]]) -> None:
    raised = {(target, f.rule) for target, fs in found.items() for f in fs}
    result.items += 1
    if item["kind"] == "page":
        result.pages += 1
        if expected:
            result.flag_pages += 1
            result.flag_pages_caught += bool(raised)
        else:
            result.clean_pages += 1
            result.clean_pages_flagged += bool(raised)
    if expected:
        result.flag_items += 1
        result.flag_caught += bool(raised & expected)
    else:
        result.clean_items += 1
        result.clean_flagged += bool(raised)
    for _target, rule in expected:
        if rule in result.scores:
            result.scores[rule].expected += 1
    for target, fs in found.items():
        for f in {(f.rule, f.severity): f for f in fs}.values():
            score = result.scores[f.rule]
            right = (target, f.rule) in expected
            score.raised += 1
            score.hits += right
            if f.severity == "error":
                score.errors_raised += 1
                score.errors_right += right
            if not right:
                result.misses.append(Miss(item["id"] + ("" if target == "item" else f"/{target}"), f.rule, "false positive", f.message))
    for target, rule in sorted(expected - raised):
        result.misses.append(Miss(item["id"] + ("" if target == "item" else f"/{target}"), rule, "missed", ""))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render_selftest(result: SelfTest, show_misses: bool = False) -> str:
    rows = [["rule", "expected", "raised", "right", "precision", "recall", "errors", "error precision"]]
    for rule in RULES:
        s = result.scores[rule.id]
        if not (s.expected or s.raised):
            continue
        rows.append([rule.id, str(s.expected), str(s.raised), str(s.hits), _pct(s.precision), _pct(s.recall),
                     str(s.errors_raised), _pct(s.error_precision)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"aimlabel check --selftest ({result.rules_version}): {result.items} case(s)", ""]
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    lines += [
        "",
        f"flag cases caught: {result.flag_caught} of {result.flag_items}; clean cases flagged: "
        f"{result.clean_flagged} of {result.clean_items}",
        f"conclusions read right: {result.conclusions_right} of {result.conclusions}; confidently wrong: "
        f"{result.conclusions_confidently_wrong}",
    ]
    if result.pages:
        lines.append(
            f"pages: {result.flag_pages_caught} of {result.flag_pages} flagged pages caught; "
            f"{result.clean_pages_flagged} of {result.clean_pages} clean pages flagged"
        )
    if show_misses and result.misses:
        lines += ["", "misses"]
        lines += [f"{m.item}  {m.rule}  {m.kind}  {m.detail}" for m in result.misses]
    return "\n".join(lines) + "\n"

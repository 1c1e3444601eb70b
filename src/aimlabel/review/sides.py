"""Two sides to compare: a run (stored or a labels file) and gold or a second run.

Review puts the model's label next to something else, so both are reduced to one shape,
`SideItem`, and paired by article id. The article text is never in a label record: it comes
from `--articles`, from a gold file (gold lines are articles), or from a labels line that
carries it, and the rule check is re-run on it so the page shows what the text supports.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict

from aimlabel.core.articles import ARTICLE_FIELDS, Article, ArticleFields, InputProblem
from aimlabel.core.labels_file import LabelProblem, read_labels
from aimlabel.core.readers import InputError, iter_articles
from aimlabel.core.record import Finding, LabelRecord
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.evaluation.gold import GoldProblem, load_gold
from aimlabel.rules import check_label
from aimlabel.run.store import UnknownRun, stored_run_records

Note = Callable[[str], None]


class SideProblem(ValueError):
    """A RUN/GOLD argument that cannot be read; the message says what to give instead."""


class ArticleInfo(ArticleFields):
    """What a reviewer needs to recognise an article, and the text when some input carries it."""

    model_config = ConfigDict(frozen=True)

    id: str

    def public(self) -> dict[str, str | None]:
        """Everything but the id, for the page's script."""
        return self.model_dump(exclude={"id"})


@dataclass(frozen=True)
class SideItem:
    """One side's judgement of one article. `scope` is set for gold only: field -> the values
    that were judged (None: the whole vocabulary); a field missing from it was not judged."""

    id: str
    classification: str | None
    status: str
    article: ArticleInfo
    label: dict[str, Any] | None = None
    rationale: str | None = None
    evidence: tuple[str, ...] = ()
    taxonomy: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scope: dict[str, tuple[str, ...] | None] | None = None
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    confidence: float | None = None
    model: str | None = None
    harm: dict[str, str] = field(default_factory=dict)  # ai_system, realised_harm, plausible_harm as the label gives them
    source: str | None = None  # the article file the label was made from, and the hash of what was labelled
    content_hash: str | None = None

    @property
    def rule_errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")


@dataclass(frozen=True)
class Side:
    name: str
    kind: Literal["run", "gold"]
    items: dict[str, SideItem]
    base: Path | None = None  # where a labels file lies: relative article sources are found from there


def _values(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str) and v.strip())
    return ()


def _confidence(record: LabelRecord, label: dict[str, Any]) -> float | None:
    """The record's measured confidence (calibrated when it was), else a number the label itself carries
    (labels imported from elsewhere)."""
    if record.confidence is not None:
        return record.confidence.score()
    value = label.get("confidence")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


HARM_KEYS = ("ai_system", "realised_harm", "plausible_harm")


def item_from_record(record: LabelRecord, article: Article | None, taxonomy: Taxonomy) -> SideItem:
    ref = record.article
    info = ArticleInfo(
        id=record.id,
        title=(article.title if article else None) or (ref.title if ref else None),
        text=article.text if article else None,
        outlet=ref.outlet if ref else None, date=ref.date if ref else None, url=ref.url if ref else None,
        language=ref.language if ref else None, event_id=ref.event_id if ref else None,
    )
    label = record.label or {}
    cls = label.get("classification")
    prov = record.provenance
    return SideItem(
        id=record.id,
        classification=cls if isinstance(cls, str) and cls in taxonomy.classes else (str(cls) if cls else None),
        status=record.status,
        article=info,
        label=record.label,
        rationale=label.get("rationale") if isinstance(label.get("rationale"), str) else None,
        evidence=_values(label.get("evidence")),
        taxonomy={f.key: _values(label.get(f.key)) for f in taxonomy.fields if f.key in label},
        findings=tuple(record.findings),
        error=f"{record.error.type}: {record.error.message}" if record.error else None,
        confidence=_confidence(record, label),
        model=(prov.model_served or prov.model_requested) if prov else None,
        harm={k: label[k].strip() for k in HARM_KEYS if isinstance(label.get(k), str) and label[k].strip()},
        source=ref.source if ref else None,
        content_hash=ref.content_hash if ref else None,
    )


def _is_gold_file(path: Path) -> bool:
    with open(path, "rb") as fh:
        for raw in fh:
            if raw.strip():
                try:
                    first = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    return False
                return isinstance(first, dict) and isinstance(first.get("gold"), dict)
    return False


def _load_gold_side(path: Path, taxonomy: Taxonomy) -> Side:
    try:
        gold = load_gold(path, taxonomy)
    except GoldProblem as exc:
        raise SideProblem(f"bad gold file: {exc}") from None
    items: dict[str, SideItem] = {}
    for g in gold.items:
        extra = g.model_extra or {}
        reviews = extra.get("reviews") if isinstance(extra.get("reviews"), list) else []
        last = reviews[-1] if reviews and isinstance(reviews[-1], dict) else {}
        info = ArticleInfo.model_validate({k: getattr(g, k) for k in ARTICLE_FIELDS})
        items[g.id] = SideItem(
            id=g.id, classification=g.gold.classification, status="gold", article=info,
            rationale=last.get("note") if isinstance(last.get("note"), str) else None,
            taxonomy={k: f.values for k, f in g.gold.taxonomy.items()},
            scope={k: f.scope for k, f in g.gold.taxonomy.items()},
            model=f"reviewed by {last['reviewer']}" if isinstance(last.get("reviewer"), str) else f"gold ({g.origin})",
        )
    return Side(name=path.name, kind="gold", items=items)


def _load_labels_side(path: Path, taxonomy: Taxonomy, note: Note) -> Side:
    items: dict[str, SideItem] = {}
    with open(path, "rb") as fh:
        for entry in read_labels(fh):
            if isinstance(entry, LabelProblem):
                note(f"{path}:{entry.line}: skipped: {entry.message}")
                continue
            if entry.record.id in items:
                note(f"{path}:{entry.line}: skipped: duplicate id {entry.record.id!r}")
                continue
            items[entry.record.id] = item_from_record(entry.record, entry.article, taxonomy)
    if not items:
        raise SideProblem(f"{path}: no readable labels")
    return Side(name=path.name, kind="run", items=items, base=path.parent)


def load_side(spec: str, store_path: Path, *, taxonomy: Taxonomy | None = None, note: Note = lambda _: None) -> Side:
    """A labels JSONL file, a gold JSONL file (recognised by its `gold` key), or a stored run name."""
    taxonomy = taxonomy or default_taxonomy()
    path = Path(spec)
    if path.is_file():
        return _load_gold_side(path, taxonomy) if _is_gold_file(path) else _load_labels_side(path, taxonomy, note)
    try:
        records = stored_run_records(spec, store_path)
    except UnknownRun as exc:
        raise SideProblem(str(exc)) from None
    items = {r.id: item_from_record(r, None, taxonomy) for r in records}
    return Side(name=spec, kind="run", items=items)


def read_article_texts(path: str, note: Note = lambda _: None) -> dict[str, Article]:
    """Articles by key, from any input `aimlabel label` reads."""
    articles: dict[str, Article] = {}
    try:
        entries = iter_articles(path)
    except InputError as exc:
        raise SideProblem(f"--articles: {exc}") from None
    for entry in entries:
        if isinstance(entry, InputProblem):
            note(f"{entry.source}:{entry.line}: skipped article: {entry.message}")
        else:
            articles.setdefault(entry[1].key, entry[1])
    return articles


def _find_source(source: str, base: Path | None) -> Path | None:
    """The file a record says its article came from: as written, else beside the labels file."""
    path = Path(source)
    candidates = [path] + ([base / path, base / path.name] if base is not None else [])
    return next((c for c in candidates if c.is_file()), None)


def own_source_texts(sides: list[Side], have: Collection[str] = (), note: Note = lambda _: None) -> dict[str, Article]:
    """Articles for items that have no text, read from the file each record names as its source.

    Only an article whose content hash is the one the record was labelled from is used, so a
    changed or different file never puts the wrong text next to a label.
    """
    wanted: dict[Path, dict[str, str | None]] = {}
    for side in sides:
        for item in side.items.values():
            if item.article.text or not item.source or item.id in have:
                continue
            path = _find_source(item.source, side.base)
            if path is not None:
                wanted.setdefault(path, {})[item.id] = item.content_hash
    found: dict[str, Article] = {}
    for path, expected in wanted.items():
        for entry in iter_articles(str(path)):
            if isinstance(entry, InputProblem) or entry[1].key not in expected or entry[1].key in found:
                continue
            article = entry[1]
            if expected[article.key] not in (None, article.content_hash):
                note(f"{article.key}: the text in {path} is not the one that was labelled (content hash differs); not shown")
                continue
            found[article.key] = article
    return found


def _with_text(item: SideItem, article: ArticleInfo, taxonomy: Taxonomy) -> SideItem:
    """The item with the shared article; rule findings recomputed when the text is known."""
    findings = item.findings
    full = article.as_article()
    if item.label is not None and article.text and full is not None:
        findings = tuple(check_label(item.label, full, taxonomy=taxonomy))
    return replace(item, article=article, findings=findings)


def merge_article(items: list[SideItem | None], extra: Article | None) -> ArticleInfo | None:
    """One article for a pair: fields from the first side that has them, text from --articles first."""
    present = [i.article for i in items if i is not None]
    if not present:
        return None
    base = present[0]
    merged: dict[str, Any] = {k: next((getattr(a, k) for a in present if getattr(a, k)), None) for k in ARTICLE_FIELDS}
    if extra is not None:
        merged.update({k: getattr(extra, k) or merged.get(k) for k in ARTICLE_FIELDS if k != "id"})
    merged["id"] = base.id
    return ArticleInfo.model_validate(merged)


def attach_articles(sides: list[Side], articles: dict[str, Article], taxonomy: Taxonomy | None = None) -> list[Side]:
    """Give every item of every side the same article (and so the same text for the rules)."""
    taxonomy = taxonomy or default_taxonomy()
    ids = list(dict.fromkeys(i for s in sides for i in s.items))
    shared = {i: merge_article([s.items.get(i) for s in sides], articles.get(i)) for i in ids}
    return [
        Side(s.name, s.kind, {i: _with_text(it, shared[i] or it.article, taxonomy) for i, it in s.items.items()}, s.base)
        for s in sides
    ]


def iter_ids(left: Side, right: Side | None) -> Iterator[str]:
    """Left order first, then ids only the right side has."""
    yield from left.items
    if right is not None:
        yield from (i for i in right.items if i not in left.items)

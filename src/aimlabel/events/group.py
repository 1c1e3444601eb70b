"""`--group`: put articles that have no event_id into events, by one stated, deterministic rule.

The rule (docs/events.md shows it on a fixture):
- each article is its title and text (where no text is known, its label's rationale stands in);
- articles are compared by the cosine similarity of TF-IDF vectors (scikit-learn's
  `TfidfVectorizer`: character 3-5-grams inside word boundaries, accents stripped, sublinear term
  frequency), fitted on the articles being grouped;
- two articles can share an event only when their dates are at most `window_days` apart; an
  article without a readable date is compared by similarity alone, and the event lists it;
- events are formed by complete-linkage clustering (SciPy) cut at `1 - threshold`: every two
  articles in one event are at least `threshold` similar and inside the window, so a chain of
  near neighbours never merges two stories.
Character n-grams match names, numbers and inflections across outlets, but not a story told in
another language: a translated report usually falls below the threshold and stays apart.
Articles that already have an event_id are never regrouped. scikit-learn is an optional extra
(`pip install 'aimlabel[group]'`), imported only here and only when `--group` is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from aimlabel.core.articles import Article
from aimlabel.core.hashing import sha256_text
from aimlabel.core.labels_file import LabelItem
from aimlabel.core.record import ArticleRef
from aimlabel.events.record import Grouping, Nearest

DEFAULT_THRESHOLD = 0.3
DEFAULT_WINDOW_DAYS = 7
# Every pair is compared, so memory grows with the square of the articles: 3,000 take about
# 380 MiB at peak (python bench/bench_events.py, docs/benchmarks.md). More is refused.
MAX_GROUP_ARTICLES = 3000
INSTALL_HINT = "pip install 'aimlabel[group]'"
RULE = ("cosine similarity of TF-IDF vectors of title and text (character 3-5-grams within word boundaries, accents "
        "stripped, sublinear tf), complete linkage: every two articles of an event at least {threshold:g} similar and, "
        "when both are dated, at most {window} days apart")
APART = 2.0  # the distance given to two articles outside the window: above any cut, so they never share an event


class GroupingUnavailable(RuntimeError):
    """scikit-learn (and SciPy) are not installed, or there are more articles than `--group`
    takes; the message says what to do."""


@dataclass(frozen=True)
class GroupDoc:
    id: str
    title: str | None
    text: str | None
    date: str | None
    basis: str

    @property
    def content(self) -> str:
        return "\n".join(t for t in (self.title, self.text) if t)


@dataclass(frozen=True)
class Group:
    event_id: str
    members: tuple[str, ...]
    min_similarity: float | None
    undated: tuple[str, ...]
    basis: str
    nearest: Nearest | None = None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def similarities(docs: Sequence[GroupDoc]) -> Any:
    """The pairwise cosine similarities of the documents (a square numpy array)."""
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError as exc:
        raise GroupingUnavailable(f"--group needs scikit-learn: {INSTALL_HINT}") from exc
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), strip_accents="unicode", sublinear_tf=True,
                              lowercase=True).fit_transform([d.content or d.id for d in docs])
    return (vectors @ vectors.T).toarray()


def group_id(members: Sequence[str]) -> str:
    """A group's event id: a hash of its member ids, so the same articles always get the same id."""
    return "group-" + sha256_text("\n".join(sorted(members))).removeprefix("sha256:")[:12]


def group_documents(docs: Sequence[GroupDoc], threshold: float = DEFAULT_THRESHOLD,
                    window_days: int = DEFAULT_WINDOW_DAYS) -> list[Group]:
    """The events of `docs` under the rule above, in order of each event's first article."""
    if not docs:
        return []
    labels = [0]
    sims = None
    if len(docs) > 1:
        import numpy as np
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform

        sims = similarities(docs)
        distance = np.subtract(1.0, sims)
        np.clip(distance, 0.0, 1.0, out=distance)
        for start in range(0, len(docs), 512):  # in row blocks: the window test never holds a second n x n matrix
            block = distance[start:start + 512]
            block[_apart(docs, window_days, rows=slice(start, start + 512))] = APART
        np.fill_diagonal(distance, 0.0)
        tree = linkage(squareform(distance, checks=False), method="complete")
        labels = [int(x) for x in fcluster(tree, t=1.0 - threshold + 1e-9, criterion="distance")]
    order: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        order.setdefault(label, []).append(index)
    groups = []
    for indexes in order.values():
        members = tuple(docs[i].id for i in indexes)
        low = min((float(sims[i, j]) for i in indexes for j in indexes if i < j), default=None) if sims is not None else None
        groups.append(Group(
            event_id=group_id(members), members=members, min_similarity=None if low is None else round(low, 4),
            undated=tuple(docs[i].id for i in indexes if _day(docs[i].date) is None),
            basis=", ".join(sorted({docs[i].basis for i in indexes})),
            nearest=_nearest(docs, sims, indexes, threshold, window_days) if sims is not None else None,
        ))
    return groups


def _apart(docs: Sequence[GroupDoc], window_days: int, rows: slice = slice(None)) -> Any:
    """Pairs of dated articles more than `window_days` apart (a boolean matrix, for `rows` of the
    articles against all; an undated article is never apart)."""
    import numpy as np

    days = np.array([d.toordinal() if (d := _day(doc.date)) else np.nan for doc in docs])
    with np.errstate(invalid="ignore"):
        return np.abs(days[rows, None] - days[None, :]) > window_days


def _nearest(docs: Sequence[GroupDoc], sims: Any, indexes: list[int], threshold: float, window_days: int) -> Nearest | None:
    """The most similar article outside the group (to any member), and why complete linkage kept it out."""
    import numpy as np

    outside = np.setdiff1d(np.arange(len(docs)), indexes)
    if not outside.size:
        return None
    block = sims[np.ix_(np.asarray(indexes), outside)]
    row, col = np.unravel_index(int(np.argmax(block)), block.shape)
    i, j = indexes[int(row)], int(outside[col])
    a, b = _day(docs[i].date), _day(docs[j].date)
    days = abs((a - b).days) if a is not None and b is not None else None
    if bool(_apart([docs[j], *(docs[k] for k in indexes)], window_days)[0].any()):
        why = f"more than {window_days} days from an article of this event"
    elif float(block[:, col].min()) < threshold:
        why = f"less than {threshold:g} similar to an article of this event"
    else:
        why = "closer to the articles of its own event"
    return Nearest(id=docs[j].id, similarity=round(float(block[row, col]), 4), days_apart=days, why=why)


def _doc(item: LabelItem, texts: Mapping[str, Article]) -> GroupDoc:
    record, ref = item.record, item.record.article
    known = texts.get(record.id)
    text = (item.article.text if item.article else None) or (known.text if known else None)
    title = (ref.title if ref else None) or (known.title if known else None)
    rationale = (record.label or {}).get("rationale")
    if text:
        return GroupDoc(record.id, title, text, ref.date if ref else None, "title and text")
    if isinstance(rationale, str) and rationale.strip():
        return GroupDoc(record.id, title, rationale, ref.date if ref else None, "title and rationale (no article text)")
    return GroupDoc(record.id, title, None, ref.date if ref else None, "title only (no text, no rationale)")


def _with_event(item: LabelItem, event_id: str) -> LabelItem:
    ref = item.record.article or ArticleRef(id=item.record.id)
    record = item.record.model_copy(update={"article": ref.model_copy(update={"event_id": event_id})})
    article = item.article.model_copy(update={"event_id": event_id}) if item.article else None
    return replace(item, record=record, article=article)


def group_items(items: Sequence[LabelItem], texts: Mapping[str, Article], threshold: float = DEFAULT_THRESHOLD,
                window_days: int = DEFAULT_WINDOW_DAYS) -> tuple[list[LabelItem], dict[str, Grouping]]:
    """`items` with an event_id given to every article label that had none, and how each new event was made."""
    loose = [i for i in items if i.kind == "label" and not (i.record.article and i.record.article.event_id)]
    if len(loose) > MAX_GROUP_ARTICLES:
        raise GroupingUnavailable(f"--group compares every pair of articles and takes at most {MAX_GROUP_ARTICLES} without an "
                                  f"event_id; these labels have {len(loose)}: split them by date and group each part")
    groups = group_documents([_doc(i, texts) for i in loose], threshold, window_days)
    event_of = {rid: g.event_id for g in groups for rid in g.members}
    rule = RULE.format(threshold=threshold, window=window_days)
    chosen = {id(i) for i in loose}
    grouped = [_with_event(i, event_of[i.record.id]) if id(i) in chosen else i for i in items]
    return grouped, {g.event_id: Grouping(rule=rule, threshold=threshold, window_days=window_days, min_similarity=g.min_similarity,
                                          basis=g.basis, undated=list(g.undated), nearest_outside=g.nearest) for g in groups}

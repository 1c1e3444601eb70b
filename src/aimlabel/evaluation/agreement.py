"""Inter-annotator agreement: Cohen's kappa per pair of raters, Krippendorff's alpha over all.

Ratings are nominal labels, `ratings[rater][item] = label`, one set per question (the class, or
one taxonomy field, whose answer is the set of values: see `set_label`). Cohen's kappa compares
two raters on the items both rated (scikit-learn's `cohen_kappa_score`); Krippendorff's alpha
(nominal) takes every item rated by two or more raters, however many rated it, so it works when
not everyone rated everything (the `krippendorff` package's `alpha`). Both are checked against
those implementations in tests. A value with no definition (every rating the same, or fewer than
two ratings) is None, never NaN.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from aimlabel.evaluation.metrics import cohen_kappa, confusion_matrix, ordered_labels

Ratings = Mapping[str, Mapping[str, str]]  # rater -> item -> label
NONE_LABEL = "none"


def set_label(values: Sequence[str]) -> str:
    """A multi-value answer as one nominal label: the sorted values, or "none" when empty."""
    return " | ".join(sorted(values)) if values else NONE_LABEL


class PairAgreement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: str
    b: str
    items: int
    agreed: int
    kappa: float | None


class QuestionAgreement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    raters: int
    items: int  # items with two or more ratings (what alpha covers)
    alpha: float | None
    pairs: list[PairAgreement]
    model: list[PairAgreement]


class AgreementReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    reviewers: list[str]
    model: str | None
    items: int
    questions: list[QuestionAgreement]


def pair_agreement(a: str, b: str, left: Mapping[str, str], right: Mapping[str, str]) -> PairAgreement:
    common = [i for i in left if i in right]
    y_a, y_b = [left[i] for i in common], [right[i] for i in common]
    kappa = cohen_kappa(confusion_matrix(y_a, y_b, ordered_labels(y_a, y_b))) if common else None
    return PairAgreement(a=a, b=b, items=len(common), agreed=sum(x == y for x, y in zip(y_a, y_b)), kappa=kappa)


def krippendorff_alpha(units: Sequence[Sequence[str]]) -> float | None:
    """Nominal alpha from the coincidence matrix; units with fewer than two ratings carry no information."""
    coincidence: dict[tuple[str, str], float] = defaultdict(float)
    for unit in units:
        m = len(unit)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            coincidence[(unit[i], unit[j])] += 1 / (m - 1)
    totals: dict[str, float] = defaultdict(float)
    for (c, _), weight in coincidence.items():
        totals[c] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(w for (c, k), w in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k) / (n - 1)
    return None if expected == 0 else 1 - observed / expected


def question_agreement(question: str, ratings: Ratings, model: Mapping[str, str] | None = None) -> QuestionAgreement:
    raters = [r for r in ratings if ratings[r]]
    items = list(dict.fromkeys(i for r in raters for i in ratings[r]))
    units = [[ratings[r][i] for r in raters if i in ratings[r]] for i in items]
    pairs = [pair_agreement(a, b, ratings[a], ratings[b]) for a, b in itertools.combinations(raters, 2)]
    versus = [pair_agreement("model", r, model, ratings[r]) for r in raters] if model is not None else []
    return QuestionAgreement(question=question, raters=len(raters), items=sum(1 for u in units if len(u) >= 2),
                             alpha=krippendorff_alpha(units), pairs=pairs, model=versus)


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def render_text(report: AgreementReport) -> str:
    lines = [f"agreement in {report.source}: {len(report.reviewers)} reviewer(s) on {report.items} item(s)"
             + (f"; model: {report.model}" if report.model else "")]
    for q in report.questions:
        lines.append(f"{q.question}: Krippendorff's alpha {_number(q.alpha)} over {q.items} item(s) rated by 2+ of {q.raters} reviewer(s)")
        for p in (p for p in [*q.pairs, *q.model] if p.items):
            lines.append(f"  {p.a} vs {p.b}: {p.items} item(s), {p.agreed} agree, Cohen's kappa {_number(p.kappa)}")
    return "\n".join(lines) + "\n"

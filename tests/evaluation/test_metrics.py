"""The metric functions agree with scikit-learn (and scipy for McNemar) on randomized inputs."""

from __future__ import annotations

import math
import random

import pytest

sklearn_metrics = pytest.importorskip("sklearn.metrics")
from scipy.stats import binomtest  # noqa: E402
from sklearn.preprocessing import MultiLabelBinarizer  # noqa: E402

from aimlabel.evaluation.bootstrap import binomial, bootstrap_intervals, multinomial  # noqa: E402
from aimlabel.evaluation.compare import mcnemar_exact  # noqa: E402
from aimlabel.evaluation.metrics import (  # noqa: E402
    NO_LABEL,
    accuracy,
    cohen_kappa,
    confusion_matrix,
    macro_f1,
    ordered_labels,
    per_class,
    scored_labels,
)
from aimlabel.evaluation.taxonomy_metrics import FieldItem, as_values, field_scores  # noqa: E402

CLASSES = ("AI Incident", "AI Hazard", "Complementary Information", "Unrelated")


def _random_labels(rng: random.Random, n: int, pool: list[str]) -> list[str]:
    return [rng.choice(pool) for _ in range(n)]


@pytest.mark.parametrize("seed", range(40))
def test_classification_metrics_match_sklearn(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 60)
    true_pool = rng.sample(CLASSES, rng.randint(1, 4))
    pred_pool = rng.sample([*CLASSES, NO_LABEL], rng.randint(1, 5))
    y_true, y_pred = _random_labels(rng, n, true_pool), _random_labels(rng, n, pred_pool)
    labels = ordered_labels(y_true, y_pred, CLASSES)
    cm = confusion_matrix(y_true, y_pred, labels)

    assert [list(r) for r in cm.matrix] == sklearn_metrics.confusion_matrix(y_true, y_pred, labels=list(labels)).tolist()
    assert accuracy(cm) == pytest.approx(sklearn_metrics.accuracy_score(y_true, y_pred))
    scored = scored_labels(cm)
    assert macro_f1(cm) == pytest.approx(sklearn_metrics.f1_score(y_true, y_pred, labels=scored, average="macro", zero_division=0))
    p, r, f, s = sklearn_metrics.precision_recall_fscore_support(y_true, y_pred, labels=list(CLASSES), zero_division=0)
    for i, scores in enumerate(per_class(cm, CLASSES)):
        assert (scores.precision, scores.recall, scores.f1, scores.support) == pytest.approx((p[i], r[i], f[i], s[i]))
    kappa = cohen_kappa(cm)
    if len(set(y_true) | set(y_pred)) > 1:
        assert kappa == pytest.approx(sklearn_metrics.cohen_kappa_score(y_true, y_pred))
    else:
        assert kappa is None


def test_absent_classes() -> None:
    """A class absent from gold and predictions is reported with zeros but not averaged in."""
    y_true = ["AI Incident", "AI Incident", "AI Hazard"]
    y_pred = ["AI Incident", NO_LABEL, "AI Incident"]
    cm = confusion_matrix(y_true, y_pred, ordered_labels(y_true, y_pred, CLASSES))
    assert cm.labels == (*CLASSES, NO_LABEL)
    assert scored_labels(cm) == ["AI Incident", "AI Hazard"]
    rows = {s.label: s for s in per_class(cm)}
    assert rows["Unrelated"].f1 == 0.0 and rows["Unrelated"].support == 0
    assert rows["AI Hazard"].precision == 0.0 and rows["AI Hazard"].predicted == 0
    assert macro_f1(cm) == pytest.approx((0.5 + 0.0) / 2)
    assert accuracy(cm) == pytest.approx(1 / 3)


def test_empty_and_degenerate() -> None:
    cm = confusion_matrix([], [], CLASSES)
    assert accuracy(cm) == 0.0 and macro_f1(cm) == 0.0 and cohen_kappa(cm) is None
    assert bootstrap_intervals(cm) == {"accuracy": None, "macro_f1": None}
    with pytest.raises(ValueError, match="not in the label list"):
        confusion_matrix(["x"], ["AI Incident"], CLASSES)
    with pytest.raises(ValueError, match="items"):
        confusion_matrix(["AI Incident"], [], CLASSES)


@pytest.mark.parametrize("seed", range(30))
def test_taxonomy_metrics_match_sklearn(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = ["a", "b", "c", "d", "e"][: rng.randint(1, 5)]
    n = rng.randint(1, 30)

    def draw() -> frozenset[str]:
        return frozenset(v for v in vocabulary if rng.random() < 0.35)

    gold, pred = [draw() for _ in range(n)], [draw() for _ in range(n)]
    scores = field_scores([FieldItem(g, p) for g, p in zip(gold, pred)], vocabulary)
    seen = sorted(set().union(*gold, *pred))
    if not seen:
        assert scores.micro_f1 is None and scores.macro_f1 is None and scores.jaccard == 1.0
        return
    # An always-empty extra column keeps sklearn in multilabel mode even when one value is seen.
    mlb = MultiLabelBinarizer(classes=[*seen, "~unused"])
    yt, yp = mlb.fit_transform(gold), mlb.transform(pred)
    used = list(range(len(seen)))
    assert scores.micro_f1 == pytest.approx(sklearn_metrics.f1_score(yt, yp, average="micro", zero_division=0))
    assert scores.macro_f1 == pytest.approx(sklearn_metrics.f1_score(yt, yp, labels=used, average="macro", zero_division=0))
    assert scores.jaccard == pytest.approx(sklearn_metrics.jaccard_score(yt, yp, average="samples", zero_division=1.0))
    assert scores.exact_match == pytest.approx(sklearn_metrics.accuracy_score(yt, yp))
    p, r, _, s = sklearn_metrics.precision_recall_fscore_support(yt, yp, labels=used, zero_division=0)
    by_value = {v.value: v for v in scores.per_value}
    for i, value in enumerate(seen):
        assert (by_value[value].precision, by_value[value].recall, by_value[value].support) == pytest.approx((p[i], r[i], s[i]))


def test_taxonomy_scope_and_empty_lists() -> None:
    scope = frozenset({"Physical (death)", "Physical (injury)"})
    items = [
        FieldItem(frozenset({"Physical (death)"}), frozenset({"Physical (death)", "Economic/Property"}), scope),
        FieldItem(frozenset(), frozenset({"Economic/Property"}), scope),  # out of scope: not wrong
        FieldItem(frozenset(), frozenset()),  # both empty: perfect agreement
    ]
    scores = field_scores(items, ["Economic/Property", "Physical (injury)", "Physical (death)"])
    assert scores.micro_f1 == 1.0 and scores.jaccard == 1.0 and scores.exact_match == 1.0
    assert [v.value for v in scores.per_value] == ["Physical (death)"]
    assert as_values(None) == frozenset() and as_values("AI incident") == {"AI incident"} and as_values(["x", "x"]) == {"x"}
    empty = field_scores([], [])
    assert (empty.n, empty.micro_f1, empty.jaccard) == (0, None, None)


@pytest.mark.parametrize("b,c", [(0, 0), (0, 1), (1, 0), (3, 11), (11, 3), (10, 10), (0, 25), (40, 61), (700, 640)])
def test_mcnemar_exact_matches_scipy(b: int, c: int) -> None:
    expected = 1.0 if b + c == 0 else binomtest(min(b, c), b + c, 0.5).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9)


def test_binomial_sampler_moments() -> None:
    rng = random.Random(1)
    for n, p in [(30, 0.1), (1000, 0.3), (5000, 0.8)]:
        draws = [binomial(rng, n, p) for _ in range(4000)]
        mean = sum(draws) / len(draws)
        var = sum((d - mean) ** 2 for d in draws) / len(draws)
        assert abs(mean - n * p) < 4 * math.sqrt(n * p * (1 - p) / len(draws))
        assert var == pytest.approx(n * p * (1 - p), rel=0.1)
        assert all(0 <= d <= n for d in draws)
    assert binomial(rng, 10, 0.0) == 0 and binomial(rng, 10, 1.0) == 10
    assert sum(multinomial(rng, 500, [3, 0, 5, 2])) == 500


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = random.Random(7)
    y_true = _random_labels(rng, 300, list(CLASSES))
    y_pred = [t if rng.random() < 0.7 else rng.choice(CLASSES) for t in y_true]
    cm = confusion_matrix(y_true, y_pred, CLASSES)
    first = bootstrap_intervals(cm, resamples=500, seed=3)
    assert first == bootstrap_intervals(cm, resamples=500, seed=3)
    assert first != bootstrap_intervals(cm, resamples=500, seed=4)
    acc, f1 = first["accuracy"], first["macro_f1"]
    assert acc is not None and f1 is not None
    assert acc.low < accuracy(cm) < acc.high and f1.low < macro_f1(cm) < f1.high
    # The normal-approximation interval for a proportion is a sanity check on the width.
    half = 1.96 * math.sqrt(accuracy(cm) * (1 - accuracy(cm)) / cm.total)
    assert (acc.high - acc.low) == pytest.approx(2 * half, rel=0.2)

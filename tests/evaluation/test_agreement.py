"""Agreement numbers checked against independent implementations: scikit-learn's
`cohen_kappa_score` per pair and the `krippendorff` package's nominal alpha overall, on random
ratings with gaps, and on the real AIID per-annotator CSETv1 files when ../shared is present."""

from __future__ import annotations

import csv
import itertools
import math
import random
from pathlib import Path

import pytest

from aimlabel.evaluation.agreement import krippendorff_alpha, question_agreement, set_label

SHARED_AIID = Path(__file__).resolve().parents[3] / "shared" / "data" / "aiid"
LABELS = ["AI Incident", "AI Hazard", "Complementary Information", "Unrelated"]


def _reference_alpha(ratings: dict[str, dict[str, str]]) -> float:
    import krippendorff
    import numpy as np

    raters, items = list(ratings), sorted({i for r in ratings.values() for i in r})
    codes = {label: n for n, label in enumerate(sorted({v for r in ratings.values() for v in r.values()}))}
    data = np.array([[codes[ratings[r][i]] if i in ratings[r] else np.nan for i in items] for r in raters], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


@pytest.mark.parametrize("seed", range(6))
def test_kappa_and_alpha_match_scikit_learn_and_krippendorff(seed: int) -> None:
    from sklearn.metrics import cohen_kappa_score

    rng = random.Random(seed)
    truth = {f"a{i}": rng.choice(LABELS) for i in range(60)}
    ratings = {
        f"r{n}": {i: (v if rng.random() < 0.7 else rng.choice(LABELS)) for i, v in truth.items() if rng.random() < 0.8}
        for n in range(3)
    }
    result = question_agreement("classification", ratings, model=truth)
    assert result.raters == 3
    for pair in result.pairs:
        common = [i for i in ratings[pair.a] if i in ratings[pair.b]]
        assert pair.items == len(common)
        expected = cohen_kappa_score([ratings[pair.a][i] for i in common], [ratings[pair.b][i] for i in common])
        assert pair.kappa == pytest.approx(expected, abs=1e-12)
    for versus in result.model:
        common = list(ratings[versus.b])
        assert versus.kappa == pytest.approx(cohen_kappa_score([truth[i] for i in common], [ratings[versus.b][i] for i in common]))
    assert result.alpha == pytest.approx(_reference_alpha(ratings), abs=1e-12)


def test_undefined_values_are_none_not_nan() -> None:
    same = {"a": {"1": "x", "2": "x"}, "b": {"1": "x", "2": "x"}}
    result = question_agreement("q", same)
    assert result.alpha is None and result.pairs[0].kappa is None and result.pairs[0].agreed == 2
    assert krippendorff_alpha([["x"], ["y"]]) is None  # no item rated twice
    assert set_label([]) == "none" and set_label(["b", "a"]) == "a | b"


def _aiid_harm_levels(path: Path) -> dict[str, str]:
    """Incident id -> AI Harm Level (read by position: the header repeats some names)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    key, level = rows[0].index("Incident ID"), rows[0].index("AI Harm Level")
    return {row[key]: row[level] for row in rows[1:] if row[level].strip()}


def test_real_aiid_annotators_agree_as_published() -> None:
    if not SHARED_AIID.is_dir():
        pytest.skip(f"{SHARED_AIID} is not there (the shared reference data)")
    from sklearn.metrics import cohen_kappa_score

    ratings = {f"Annotator-{n}": _aiid_harm_levels(SHARED_AIID / f"classifications_CSETv1_Annotator-{n}.csv") for n in (1, 2, 3)}
    result = question_agreement("AI Harm Level", ratings)
    found = {(p.a, p.b): p for p in result.pairs}
    published = {("Annotator-1", "Annotator-2"): (85, 68), ("Annotator-1", "Annotator-3"): (75, 58),
                 ("Annotator-2", "Annotator-3"): (12, 10)}  # common incidents and same label, per the data's README
    for (a, b), (items, agreed) in published.items():
        pair = found[(a, b)]
        assert (pair.items, pair.agreed) == (items, agreed)
        assert pair.kappa is not None and 0.54 <= pair.kappa <= 0.70
        common = [i for i in ratings[a] if i in ratings[b]]
        assert pair.kappa == pytest.approx(cohen_kappa_score([ratings[a][i] for i in common], [ratings[b][i] for i in common]))
    assert result.items == 158  # incidents labelled in two or more files
    assert result.alpha is not None and not math.isnan(result.alpha)
    assert result.alpha == pytest.approx(_reference_alpha(ratings), abs=1e-12)
    assert all(a != b for a, b in itertools.combinations(ratings, 2))

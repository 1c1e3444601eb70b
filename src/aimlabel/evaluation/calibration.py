"""How far to trust a run's confidence, measured against gold, and the review threshold it supports.

Every number is over the labels that have both a gold class and a measured confidence (the
rest are counted, never scored): the chosen class's probability `p` against whether the class
is right (`y`). ECE uses equal-mass bins built the way scikit-learn's
`calibration_curve(strategy="quantile")` builds them (edges at the quantiles of `p`, a value on
an edge going to the lower bin), so the test suite checks the bins against it. The isotonic
map is pool-adjacent-violators on (p, y), a few lines written here rather than a dependency.
The threshold is the lowest one whose auto-accepted labels are right at least
`target_precision` of the time, with a seeded percentile bootstrap of the labels for its CI.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from aimlabel.core.record import LabelRecord
from aimlabel.evaluation.bootstrap import percentile
from aimlabel.run.confidence import CurvePoint, IsotonicMap

DEFAULT_BINS = 10
DEFAULT_TARGET = 0.95


class Bin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


class ClassCalibration(BaseModel):
    """One class: over labels that chose it (count, accuracy, mean confidence, ECE), and its one-vs-rest
    Brier score over every label whose distribution is known."""

    model_config = ConfigDict(extra="forbid")

    label: str
    count: int
    accuracy: float | None
    mean_confidence: float | None
    ece: float | None
    brier_one_vs_rest: float | None


class Scores(BaseModel):
    """Calibration of one set of probabilities (raw, or through the map)."""

    model_config = ConfigDict(extra="forbid")

    ece: float
    brier: float
    mean_confidence: float
    accuracy: float
    bins: list[Bin]


@dataclass(frozen=True)
class Scored:
    """The labels calibrate can use: the chosen probability, right or wrong, and the distribution."""

    ids: list[str]
    p: list[float]
    y: list[int]
    predicted: list[str]
    gold: list[str]
    distributions: list[dict[str, float] | None]
    skipped: dict[str, int]


def scored_pairs(records: Sequence[LabelRecord], gold: dict[str, str]) -> Scored:
    """Pair records with gold; say how many were left out and why."""
    ids: list[str] = []
    p: list[float] = []
    y: list[int] = []
    predicted: list[str] = []
    golds: list[str] = []
    dists: list[dict[str, float] | None] = []
    skipped = {"no_gold": 0, "failed": 0, "confidence_unavailable": 0, "no_confidence": 0}
    for record in records:
        truth = gold.get(record.id)
        if truth is None:
            skipped["no_gold"] += 1
            continue
        if record.label is None:
            skipped["failed"] += 1
            continue
        conf = record.confidence
        if conf is None:
            skipped["no_confidence"] += 1
            continue
        if conf.probability is None:
            skipped["confidence_unavailable"] += 1
            continue
        cls = str(record.label.get("classification"))
        ids.append(record.id)
        p.append(conf.probability)
        y.append(int(cls == truth))
        predicted.append(cls)
        golds.append(truth)
        dists.append(conf.distribution)
    return Scored(ids, p, y, predicted, golds, dists, skipped)


def reliability(p: Sequence[float], y: Sequence[int], n_bins: int = DEFAULT_BINS) -> list[Bin]:
    """Equal-mass bins (empty ones dropped), as `calibration_curve(strategy="quantile")`."""
    ordered = sorted(p)
    edges = [percentile(ordered, i / n_bins) for i in range(n_bins + 1)]
    inner = edges[1:-1]
    sums = [0.0] * n_bins
    hits = [0] * n_bins
    counts = [0] * n_bins
    for pi, yi in zip(p, y):
        b = bisect.bisect_left(inner, pi)
        sums[b] += pi
        hits[b] += yi
        counts[b] += 1
    return [Bin(low=edges[b], high=edges[b + 1], count=counts[b], mean_confidence=sums[b] / counts[b],
                accuracy=hits[b] / counts[b]) for b in range(n_bins) if counts[b]]


def ece(bins: Sequence[Bin]) -> float:
    total = sum(b.count for b in bins)
    return sum(b.count / total * abs(b.accuracy - b.mean_confidence) for b in bins) if total else 0.0


def brier(p: Sequence[float], y: Sequence[int]) -> float:
    return sum((pi - yi) ** 2 for pi, yi in zip(p, y)) / len(p)


def scores(p: Sequence[float], y: Sequence[int], n_bins: int = DEFAULT_BINS) -> Scores:
    bins = reliability(p, y, n_bins)
    return Scores(ece=round(ece(bins), 6), brier=round(brier(p, y), 6), mean_confidence=round(sum(p) / len(p), 6),
                  accuracy=round(sum(y) / len(y), 6), bins=bins)


def fit_isotonic(p: Sequence[float], y: Sequence[int]) -> IsotonicMap:
    """Pool adjacent violators: the non-decreasing step fit of y on p with least squared error,
    one point per distinct p (the same fit as scikit-learn's `IsotonicRegression`)."""
    pairs = sorted(zip(p, y))
    xs: list[float] = []
    sums: list[float] = []
    weights: list[float] = []
    for x, target in pairs:  # equal x values are one point, weighted by how many there are
        if xs and xs[-1] == x:
            sums[-1] += target
            weights[-1] += 1
        else:
            xs.append(x)
            sums.append(float(target))
            weights.append(1.0)
    blocks: list[list[float]] = []  # [sum, weight, first index, last index]
    for i, (s, w) in enumerate(zip(sums, weights)):
        blocks.append([s, w, i, i])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            s2, w2, _, last = blocks.pop()
            blocks[-1][0] += s2
            blocks[-1][1] += w2
            blocks[-1][3] = last
    ys = [0.0] * len(xs)
    for s, w, first, last in blocks:
        for i in range(int(first), int(last) + 1):
            ys[i] = s / w
    return IsotonicMap(x=[round(x, 6) for x in xs], y=[round(v, 6) for v in ys])


def coverage_curve(p: Sequence[float], y: Sequence[int]) -> list[CurvePoint]:
    """Accuracy of the labels accepted at each threshold (every distinct score), highest threshold first."""
    order = sorted(range(len(p)), key=lambda i: -p[i])
    points: list[CurvePoint] = []
    right = 0
    for rank, i in enumerate(order, start=1):
        right += y[i]
        if rank == len(order) or p[order[rank]] != p[i]:
            points.append(CurvePoint(threshold=round(p[i], 6), coverage=round(rank / len(p), 6),
                                     accuracy=round(right / rank, 6), accepted=rank))
    return points


def lowest_threshold(p: Sequence[float], y: Sequence[int], target: float, min_accepted: int = 1) -> float | None:
    """The lowest threshold whose accepted labels (score >= threshold) reach `target` precision."""
    best = None
    for point in coverage_curve(p, y):
        if point.accepted >= min_accepted and point.accuracy is not None and point.accuracy >= target:
            best = point.threshold
    return best


def threshold_interval(p: Sequence[float], y: Sequence[int], target: float, resamples: int, seed: int,
                       level: float = 0.95) -> tuple[float, float] | None:
    """Percentile bootstrap of the threshold over resampled labels; a resample where no threshold
    reaches the target counts as 1.0 (accept nothing), so the interval never hides it."""
    if resamples <= 0 or not p:
        return None
    rng = random.Random(seed)
    n = len(p)
    found: list[float] = []
    for _ in range(resamples):
        picks = [rng.randrange(n) for _ in range(n)]
        t = lowest_threshold([p[i] for i in picks], [y[i] for i in picks], target)
        found.append(1.0 if t is None else t)
    found.sort()
    tail = (1 - level) / 2
    return round(percentile(found, tail), 6), round(percentile(found, 1 - tail), 6)


def per_class(scored: Scored, classes: Sequence[str], p: Sequence[float], n_bins: int) -> list[ClassCalibration]:
    rows = []
    known = [i for i, d in enumerate(scored.distributions) if d is not None]
    for cls in classes:
        mine = [i for i, c in enumerate(scored.predicted) if c == cls]
        ps, ys = [p[i] for i in mine], [scored.y[i] for i in mine]
        brier_ovr = (sum(((scored.distributions[i] or {}).get(cls, 0.0) - (scored.gold[i] == cls)) ** 2 for i in known) / len(known)
                     if known else None)
        rows.append(ClassCalibration(
            label=cls, count=len(mine), accuracy=round(sum(ys) / len(ys), 6) if ys else None,
            mean_confidence=round(sum(ps) / len(ps), 6) if ps else None,
            ece=round(ece(reliability(ps, ys, min(n_bins, len(ps)))), 6) if ps else None,
            brier_one_vs_rest=round(brier_ovr, 6) if brier_ovr is not None else None,
        ))
    return rows

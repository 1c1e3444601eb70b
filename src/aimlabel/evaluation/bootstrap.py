"""Seeded percentile bootstrap for accuracy and macro-F1, by resampling confusion-matrix cells.

Both metrics depend on the items only through the confusion matrix, and resampling n items
with replacement gives multinomial counts over the matrix cells. So each resample draws one
multinomial (a chain of binomials) over at most ~25 cells instead of n random items: the same
distribution, and 10,000 items cost no more than 100. `random.Random(seed)` keeps the interval
identical across runs and machines.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aimlabel.evaluation.metrics import Confusion, accuracy, macro_f1, scored_labels

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20261125


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def binomial(rng: random.Random, n: int, p: float) -> int:
    """One Binomial(n, p) draw.

    Python 3.11 has no `random.binomialvariate` (added in 3.12); this follows the same
    algorithms as CPython's (geometric waiting times for small n*p, Hormann's BTRS otherwise).
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(rng, n, 1.0 - p)
    if n * p < 10.0:
        x = y = 0
        c = math.log(1.0 - p)
        if not c:
            return 0
        while True:
            y += math.floor(math.log(1.0 - rng.random()) / c) + 1
            if y > n:
                return x
            x += 1
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    vr = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = math.log(p / (1.0 - p))
    m = math.floor((n + 1) * p)
    h = math.lgamma(m + 1) + math.lgamma(n - m + 1)
    while True:
        u = rng.random() - 0.5
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        v = rng.random()
        if us >= 0.07 and v <= vr:
            return k
        v *= alpha / (a / (us * us) + b)
        if math.log(v) <= h - math.lgamma(k + 1) - math.lgamma(n - k + 1) + (k - m) * lpq:
            return k


def multinomial(rng: random.Random, n: int, weights: list[int]) -> list[int]:
    """Counts of n draws over cells with probability weight/sum(weights)."""
    out = []
    left, mass = n, sum(weights)
    for w in weights:
        if left == 0 or mass <= 0:
            out.append(0)
            continue
        k = binomial(rng, left, w / mass)
        out.append(k)
        left -= k
        mass -= w
    return out


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default method)."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def bootstrap_intervals(
    cm: Confusion, *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED, level: float = 0.95
) -> dict[str, Interval | None]:
    """95% percentile intervals for accuracy and macro-F1 (macro over the observed classes)."""
    n = cm.total
    if n == 0 or resamples <= 0:
        return {"accuracy": None, "macro_f1": None}
    size = len(cm.labels)
    weights = [count for row in cm.matrix for count in row]
    fixed_labels = scored_labels(cm)
    rng = random.Random(seed)
    metrics: dict[str, Callable[[Confusion], float]] = {
        "accuracy": accuracy,
        "macro_f1": lambda sample: macro_f1(sample, fixed_labels),
    }
    draws: dict[str, list[float]] = {name: [] for name in metrics}
    for _ in range(resamples):
        cells = multinomial(rng, n, weights)
        sample = Confusion(cm.labels, tuple(tuple(cells[i * size:(i + 1) * size]) for i in range(size)))
        for name, metric in metrics.items():
            draws[name].append(metric(sample))
    tail = (1.0 - level) / 2
    out: dict[str, Interval | None] = {}
    for name, values in draws.items():
        values.sort()
        out[name] = Interval(percentile(values, tail), percentile(values, 1.0 - tail))
    return out

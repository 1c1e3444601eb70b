"""Classification metrics as pure functions over a confusion matrix.

Everything is computed from the confusion matrix rather than from item lists, so the bootstrap
can resample matrix cells instead of items (see bootstrap.py) and 10,000 items cost the same
as 100. Definitions follow scikit-learn (checked by tests/test_metrics.py) with zero_division=0;
a quantity with no defined value (kappa when chance agreement is 1) is None, never NaN, so it
survives JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

NO_LABEL = "(no label)"


@dataclass(frozen=True)
class Confusion:
    """`matrix[i][j]`: items with gold `labels[i]` predicted as `labels[j]` (same order both ways)."""

    labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.matrix)

    def row_sums(self) -> list[int]:
        return [sum(row) for row in self.matrix]

    def col_sums(self) -> list[int]:
        return [sum(col) for col in zip(*self.matrix)] if self.matrix else []


@dataclass(frozen=True)
class ClassScores:
    label: str
    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


def ordered_labels(y_true: Sequence[str], y_pred: Sequence[str], known: Sequence[str] = ()) -> tuple[str, ...]:
    """`known` first in its order, then any other label seen (sorted), `NO_LABEL` last."""
    seen = set(y_true) | set(y_pred)
    extra = sorted(seen - set(known) - {NO_LABEL})
    return (*known, *extra, *((NO_LABEL,) if NO_LABEL in seen else ()))


def confusion_matrix(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> Confusion:
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    index = {label: i for i, label in enumerate(labels)}
    missing = (set(y_true) | set(y_pred)) - set(index)
    if missing:
        raise ValueError(f"labels {sorted(missing)} are not in the label list")
    counts = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred):
        counts[index[t]][index[p]] += 1
    return Confusion(tuple(labels), tuple(tuple(row) for row in counts))


def accuracy(cm: Confusion) -> float:
    total = cm.total
    return sum(cm.matrix[i][i] for i in range(len(cm.labels))) / total if total else 0.0


def _prf(tp: int, predicted: int, support: int) -> tuple[float, float, float]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / support if support else 0.0
    f1 = 2 * tp / (predicted + support) if predicted + support else 0.0
    return precision, recall, f1


def per_class(cm: Confusion, labels: Sequence[str] | None = None) -> list[ClassScores]:
    """Precision, recall, F1, support for each label in `labels` (default: all but NO_LABEL)."""
    rows, cols = cm.row_sums(), cm.col_sums()
    wanted = [label for label in cm.labels if label != NO_LABEL] if labels is None else list(labels)
    out = []
    for label in wanted:
        i = cm.labels.index(label)
        precision, recall, f1 = _prf(cm.matrix[i][i], cols[i], rows[i])
        out.append(ClassScores(label, precision, recall, f1, rows[i], cols[i]))
    return out


def scored_labels(cm: Confusion) -> list[str]:
    """Labels that macro averages cover: seen in gold or predictions, excluding NO_LABEL.

    A class nobody used has no F1 worth averaging in; a failed item still counts against
    recall of its gold class, but `(no label)` is not a class to be good at.
    """
    rows, cols = cm.row_sums(), cm.col_sums()
    return [label for i, label in enumerate(cm.labels) if label != NO_LABEL and (rows[i] or cols[i])]


def macro_f1(cm: Confusion, labels: Sequence[str] | None = None) -> float:
    wanted = scored_labels(cm) if labels is None else list(labels)
    scores = per_class(cm, wanted)
    return sum(s.f1 for s in scores) / len(scores) if scores else 0.0


def cohen_kappa(cm: Confusion) -> float | None:
    """Agreement beyond chance between gold and predictions; None when chance agreement is 1."""
    n = cm.total
    if not n:
        return None
    observed = sum(cm.matrix[i][i] for i in range(len(cm.labels))) / n
    expected = sum(r * c for r, c in zip(cm.row_sums(), cm.col_sums())) / (n * n)
    if expected == 1.0:
        return None
    return (observed - expected) / (1 - expected)

"""`aimlabel show`: the review comparison as a compact table, for a quick look in a terminal.

Plain text with fixed columns (no colour, ASCII marks), so it pipes into grep, sort and less.
"""

from __future__ import annotations

from aimlabel.review.pairs import Pair

MARK = {"agree": "=", "disagree": "X", "unknown": "?"}
HEADER = ("id", "left", "right", "agree", "rule_errors", "title")


def _cut(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _errors(pair: Pair, two_runs: bool) -> str:
    left = pair.left.rule_errors if pair.left else 0
    if not two_runs:
        return str(left)
    right = pair.right.rule_errors if pair.right else 0
    return f"{left}/{right}"


def render_table(pairs: list[Pair], *, two_runs: bool, title_width: int = 60, confidence: bool = False) -> str:
    """One line per pair in the order given; rule errors are `left/right` when both are runs;
    `confidence` adds a column (the lower side's, calibrated when it was; `-` when none)."""
    header = HEADER[:-1] + (("confidence",) if confidence else ()) + HEADER[-1:]
    rows: list[tuple[str, ...]] = [header] + [
        (
            p.id,
            (p.left.classification or p.left.status) if p.left else "-",
            (p.right.classification or p.right.status) if p.right else "-",
            MARK[p.agreement],
            _errors(p, two_runs),
            *((("-" if p.confidence is None else f"{p.confidence:.3f}"),) if confidence else ()),
            _cut(p.article.title or "", title_width),
        )
        for p in pairs
    ]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows]
    return "".join(line.rstrip() + "\n" for line in lines)


def summary(pairs: list[Pair]) -> str:
    counts = {a: sum(1 for p in pairs if p.agreement == a) for a in MARK}
    return (f"{len(pairs)} article(s): {counts['disagree']} disagree, {counts['agree']} agree, "
            f"{counts['unknown']} with one side or no class")

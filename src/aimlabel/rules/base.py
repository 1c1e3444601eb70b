"""What a rule is, what it sees, and what it says.

Rules are plain functions that look at one label (and, when known, its article and the texts
around it: the event's title and summary, the other articles' rationales) and yield what is
wrong. Everything shared by all rules (id, severity, skipping when a text or field is missing,
turning what they yield into `Finding`s) is declared here; the rules are listed in
`registry.py`, and the thresholds a user may change are in `config.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from aimlabel.core.articles import Article
from aimlabel.core.taxonomy import Taxonomy
from aimlabel.rules.conclusion import COMPLEMENTARY, HAZARD, INCIDENT, UNRELATED, Conclusion, conclude
from aimlabel.rules.defaults import Thresholds
from aimlabel.rules.language import Text, parse

Severity = Literal["error", "warning"]
Scope = Literal["item", "event"]
ClassSource = Literal["label", "rationale", "severity", "none"]

__all__ = ["COMPLEMENTARY", "HAZARD", "INCIDENT", "UNRELATED"]

NO_TEXT = "no article text"


class SkipRule(Exception):
    """Raised by a rule that cannot judge this label (e.g. rationale in another language)."""


@dataclass(frozen=True)
class Flag:
    """What a rule found: the message, the words that triggered it, and, when the rule is less
    sure than its own severity, a lower severity ("warning" from an error rule)."""

    message: str
    trigger: str | None = None
    severity: Severity | None = None


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at.

    `text` is what the model read (title and the text it was sent), or None when no article
    text is known. `classification` is the label's class, or the class its rationale
    concludes when the label has none (`classification_source` says which). `context` holds
    other texts about the same story (the event's title, summary and rationale); `peers` the
    rationales of the other articles of the same event. `strict_vocabulary` is False for
    labels people or other tools wrote, whose values aimlabel's vocabulary may lack.
    """

    label: dict[str, Any]
    article: Article | None
    text: str | None
    taxonomy: Taxonomy
    limits: Thresholds
    classification: str = ""
    classification_source: ClassSource = "label"
    context: tuple[str, ...] = ()
    peers: tuple[str, ...] = ()
    strict_vocabulary: bool = True
    is_event: bool = False

    @property
    def rationale(self) -> str:
        value = self.label.get("rationale")
        return value if isinstance(value, str) else ""

    @property
    def parsed(self) -> Text:
        return parse(self.rationale)

    @property
    def conclusion(self) -> Conclusion:
        return conclude(self.rationale)


ItemCheck = Callable[[RuleContext], Iterable["str | Flag"]]


@dataclass(frozen=True)
class Rule:
    """One rule. `example` is a one-line case it catches, shown in docs and `--list-rules`;
    `severity` is the most it reports (a rule may lower it for a finding it is less sure of);
    `reask` False keeps its errors out of fix rounds (asking the model again would prove nothing)."""

    id: str
    severity: Severity
    description: str
    example: str
    check: ItemCheck | None = None
    needs_text: bool = False
    needs_fields: tuple[str, ...] = ()
    scope: Scope = "item"
    reask: bool = True


def article_text(article: Article | None) -> str | None:
    """Title and body together: a quote may come from either."""
    if article is None:
        return None
    text = "\n".join(part for part in (article.title, article.text) if part)
    return text or None

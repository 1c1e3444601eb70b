"""The rule engine's vocabulary: what a rule is, what it sees, and how it is configured.

Rules are plain functions that look at one label (and, when available, its article) and yield
messages. Everything shared by all rules (id, severity, skipping when the article text or a
field is missing, turning messages into `Finding`s) lives here, so a rule body only says what
is wrong. The rules themselves are listed in one place, `registry.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aimlabel.core.articles import Article
from aimlabel.core.taxonomy import Taxonomy

RULES_VERSION = "rules-1"

Severity = Literal["error", "warning"]
Scope = Literal["item", "event"]

# The four OECD/AIM classes. Rules are written about these classes, so they are named here once;
# the taxonomy vocabularies (harm types, principles, ...) are always read from the taxonomy data.
INCIDENT = "AI Incident"
HAZARD = "AI Hazard"
COMPLEMENTARY = "Complementary Information"
UNRELATED = "Unrelated"

NO_TEXT = "no article text"


class RuleConfig(BaseModel):
    """Tunable thresholds and the rules to switch off; unknown keys are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_ai_principles: int = Field(default=4, ge=1, description="More AI principles than this is padding.")
    max_list_values: int = Field(default=5, ge=1, description="More values than this in any other list field is padding.")
    min_rationale_overlap: float = Field(
        default=0.35, ge=0.0, le=1.0, description="Share of the rationale's content words that must appear in the article."
    )
    disabled: frozenset[str] = frozenset()

    @field_validator("disabled")
    @classmethod
    def _known_ids(cls, value: frozenset[str]) -> frozenset[str]:
        from aimlabel.rules.registry import rule_ids

        unknown = sorted(value - set(rule_ids()))
        if unknown:
            raise ValueError(f"unknown rule id(s) {unknown}; see `aimlabel check --list-rules`")
        return value


class SkipRule(Exception):
    """Raised by a rule that cannot judge this label (e.g. rationale in another language)."""


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at. `text` is title + body, or None when no article text is known."""

    label: dict[str, Any]
    article: Article | None
    text: str | None
    taxonomy: Taxonomy
    config: RuleConfig


ItemCheck = Callable[[RuleContext], Iterable[str]]


@dataclass(frozen=True)
class Rule:
    """One rule. `example` is a one-line case it catches, shown in docs and `--list-rules`."""

    id: str
    severity: Severity
    description: str
    example: str
    check: ItemCheck | None = None
    needs_text: bool = False
    needs_fields: tuple[str, ...] = ()
    scope: Scope = "item"


def article_text(article: Article | None) -> str | None:
    """Title and body together: a quote may come from either."""
    if article is None:
        return None
    text = "\n".join(part for part in (article.title, article.text) if part)
    return text or None

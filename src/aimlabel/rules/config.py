"""The rule check's settings: thresholds and the rules to switch off.

Kept apart from the rules themselves so that checking a rule id against the registry does not
tie the registry back to what it registers.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aimlabel.rules.defaults import Thresholds

_DEFAULTS = Thresholds()


class RuleConfig(BaseModel):
    """Tunable thresholds and the rules to switch off; unknown keys are an error, not ignored.

    The defaults follow what AIM itself publishes: its event pages routinely list five to eight
    AI principles, so nine or more is padding.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_ai_principles: int = Field(default=_DEFAULTS.max_ai_principles, ge=1, description="More AI principles than this is padding.")
    max_list_values: int = Field(default=_DEFAULTS.max_list_values, ge=1, description="More values than this in any other list field is padding.")
    min_rationale_overlap: float = Field(
        default=_DEFAULTS.min_rationale_overlap, ge=0.0, le=1.0,
        description="Share of the rationale's content words that must appear in the article or its event.",
    )
    disabled: frozenset[str] = frozenset()

    @field_validator("disabled")
    @classmethod
    def _known_ids(cls, value: frozenset[str]) -> frozenset[str]:
        if not value:
            return value  # no need to load the registry (it compiles every rule's patterns)
        from aimlabel.rules.registry import rule_ids

        unknown = sorted(value - set(rule_ids()))
        if unknown:
            raise ValueError(f"unknown rule id(s) {unknown}; see `aimlabel check --list-rules`")
        return value

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(self.max_ai_principles, self.max_list_values, self.min_rationale_overlap)

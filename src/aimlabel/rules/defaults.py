"""The rule check's version and default thresholds, importable without loading the rules (the CLI
shows the thresholds in --help, and a run records the version in its manifest before its first
request; neither should wait for the rules' patterns to compile).

They follow what AIM publishes: its event pages routinely list five to eight AI principles, so
nine or more is padding; other lists rarely go past six values.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_AI_PRINCIPLES = 8
MAX_LIST_VALUES = 6
MIN_RATIONALE_OVERLAP = 0.1


RULES_VERSION = "rules-2"


@dataclass(frozen=True)
class Thresholds:
    """The numbers rules compare against (set through `RuleConfig`)."""

    max_ai_principles: int = MAX_AI_PRINCIPLES
    max_list_values: int = MAX_LIST_VALUES
    min_rationale_overlap: float = MIN_RATIONALE_OVERLAP

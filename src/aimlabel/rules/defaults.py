"""The rule check's default thresholds, importable without loading the rules (the CLI shows them
in --help, which must start fast).

They follow what AIM publishes: its event pages routinely list five to eight AI principles, so
nine or more is padding; other lists rarely go past six values.
"""

MAX_AI_PRINCIPLES = 8
MAX_LIST_VALUES = 6
MIN_RATIONALE_OVERLAP = 0.1

"""What a rationale says about harm, causation, prevention and responses, as parsed statements.

Each reader looks for one kind of statement with a few token patterns built from the word lists
in `words.py`, and keeps a hit only in the polarity it needs (a "no harm" statement that is
itself negated or only imagined is not a no-harm statement). The rules in `rules/rationale.py`
combine them; nothing here knows a rule id.
"""

from aimlabel.rules.cues.harm import (
    Statement,
    harm_happened,
    names_harm_beyond,
    no_harm_statements,
    prevented_harm,
    protective_intent,
    realised_harm,
)
from aimlabel.rules.cues.topics import (
    ai_used_elsewhere,
    causation_doubts,
    complementary_context,
    generic_risks,
    launch_statements,
    mentions_ai,
    no_ai_statements,
    no_risk_statements,
    response_statements,
    specific_risk,
)

__all__ = [
    "Statement", "ai_used_elsewhere", "causation_doubts", "complementary_context", "generic_risks", "harm_happened",
    "launch_statements", "mentions_ai", "names_harm_beyond", "no_ai_statements", "no_harm_statements",
    "no_risk_statements", "prevented_harm", "protective_intent", "realised_harm", "response_statements", "specific_risk",
]

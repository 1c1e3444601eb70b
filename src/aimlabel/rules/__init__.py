"""The rule check: deterministic rules that flag AIM labels needing another look.

Public API (used by `aimlabel check` and the labelling pipeline's re-ask):
`RULES_VERSION`, `RuleConfig`, `check_label`, `check_events`, `feedback_message`, `list_rules`.
docs/rules.md documents every rule.
"""

from aimlabel.rules.base import RULES_VERSION, Rule
from aimlabel.rules.config import RuleConfig
from aimlabel.rules.events import EventLabel, EventReport, check_events, derive_event_label
from aimlabel.rules.item import ItemResult, check_label, feedback_message, run_item_rules
from aimlabel.rules.registry import get_rule, list_rules, rule_ids

__all__ = [
    "RULES_VERSION",
    "EventLabel",
    "EventReport",
    "ItemResult",
    "Rule",
    "RuleConfig",
    "check_events",
    "check_label",
    "derive_event_label",
    "feedback_message",
    "get_rule",
    "list_rules",
    "rule_ids",
    "run_item_rules",
]

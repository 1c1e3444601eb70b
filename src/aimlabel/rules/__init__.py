"""The rule check: deterministic rules that flag AIM labels needing another look.

Public API (used by `aimlabel check` and the labelling pipeline's re-ask):
`RULES_VERSION`, `RuleConfig`, `check_label`, `check_events`, `feedback_message`, `list_rules`.
docs/rules.md documents every rule. Names are loaded on first use, so importing the package (or
`aimlabel.rules.defaults`, which `--help` needs) costs nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aimlabel.rules.base import Rule
    from aimlabel.rules.config import RuleConfig
    from aimlabel.rules.defaults import RULES_VERSION
    from aimlabel.rules.events import EventLabel, EventReport, check_events, derive_event_label
    from aimlabel.rules.item import ItemResult, check_label, feedback_message, run_item_rules
    from aimlabel.rules.registry import get_rule, list_rules, rule_ids

_WHERE = {
    "RULES_VERSION": "defaults", "Rule": "base", "RuleConfig": "config",
    "EventLabel": "events", "EventReport": "events", "check_events": "events", "derive_event_label": "events",
    "ItemResult": "item", "check_label": "item", "feedback_message": "item", "run_item_rules": "item",
    "get_rule": "registry", "list_rules": "registry", "rule_ids": "registry",
}

__all__ = [
    "RULES_VERSION", "EventLabel", "EventReport", "ItemResult", "Rule", "RuleConfig", "check_events", "check_label",
    "derive_event_label", "feedback_message", "get_rule", "list_rules", "rule_ids", "run_item_rules",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"aimlabel.rules.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'aimlabel.rules' has no attribute {name!r}")

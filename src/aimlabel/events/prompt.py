"""The event call's request: its strict answer model, the versioned prompt, and the articles it shows.

One call per event writes the title, the summary and the rationale from the articles' labels.
The call never sends more than a token budget, counted over the whole request before it goes
out. Which articles it shows (the rule docs/events.md states):
1. the articles that support the event's class; when none does, every labelled article;
   outliers and follow-ups are not the event's story and are left out, and listed;
2. earliest date first (undated articles last), then input order;
3. each article whole (headline, outlet, date, class, rationale), in that order, if it still fits
   the budget; one that does not fit is left out and the next is tried.
A budget too small for the prompt and the first article is an error on the event, not a cut
rationale. Headlines and rationales are untrusted: they go in as a value between marker lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from aimlabel.core.hashing import sha256_text
from aimlabel.core.labels_file import LabelItem
from aimlabel.core.prompt import Prompt, delimited, load_prompt
from aimlabel.core.resources import data_dir
from aimlabel.events.build import EventDraft

EVENT_SCHEMA_VERSION = "1"
DEFAULT_MAX_EVENT_TOKENS = 6000
MESSAGE_OVERHEAD = 4  # tokens a chat message costs beyond its text (role, separators), counted on the safe side
MAX_TITLE = 200
MAX_SUMMARY = 1500
MAX_RATIONALE = 4000
_LIMITS = {"title": MAX_TITLE, "summary": MAX_SUMMARY, "rationale": MAX_RATIONALE}
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Inc|Ltd|Co|Corp|vs|etc|e\.g|i\.e|No|Jr|Sr))\.$")
LEFT_OUT_ROLE = "not of the event's class ({role})"
LEFT_OUT_BUDGET = "did not fit the token budget"


def sentences(text: str) -> list[str]:
    """Sentences of a short English text: split after . ! ? where a capital or digit follows,
    except after an initial or a common abbreviation ("U.S.", "Dr.")."""
    out: list[str] = []
    for piece in (p for p in _SENTENCE.split(text.strip()) if p.strip()):
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


class AimEvent(BaseModel):
    """The event page text a model writes (strict-schema compatible: every field required)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="A short headline for the event (at most 15 words) naming the AI system and what happened or could happen.")
    summary: str = Field(description="Two or three sentences: what happened, which AI system, what harm occurred or could plausibly occur.")
    rationale: str = Field(description="Why the monitor labels this event as it does, in AIM's style, ending with a sentence that names the event's class.")

    @field_validator("title", "summary", "rationale", mode="after")
    @classmethod
    def _tidy(cls, value: str, info: ValidationInfo) -> str:
        value = " ".join(value.split())
        limit = _LIMITS[str(info.field_name)]
        if not value or len(value) > limit:
            raise ValueError(f"must be 1 to {limit} characters")
        if info.field_name == "summary" and not 2 <= len(sentences(value)) <= 3:
            raise ValueError(f"the summary must be two or three sentences; this one has {len(sentences(value))}")
        return value


def event_model() -> type[BaseModel]:
    return AimEvent


@lru_cache(maxsize=4)
def event_prompt(path: Path | None = None) -> Prompt:
    """The packaged prompts/event.toml, or another file of the same shape (one ${event} slot)."""
    return load_prompt(path or data_dir("prompts") / "event.toml", slot="event")


class BudgetTooSmall(ValueError):
    """Not even the prompt and the first article fit the token budget."""


class NothingToShow(ValueError):
    """No article of the event has a label to show (all failed, or none states a class)."""


@dataclass(frozen=True)
class EventRequest:
    messages: list[dict[str, str]]
    sent: list[str]
    left_out: list[tuple[str, str]]
    tokens: int


def _date_key(value: str | None) -> tuple[int, str]:
    try:
        return 0, date.fromisoformat((value or "")[:10]).isoformat()
    except ValueError:
        return 1, ""


def candidates(draft: EventDraft) -> tuple[list[LabelItem], list[tuple[str, str]]]:
    """The articles the call may show, in the order it tries them, and those left out by role."""
    roles = {a.id: a.role for a in draft.record.articles}
    pool = draft.supporting or [m for m in draft.members if roles.get(m.record.id) != "excluded"]
    chosen = {m.record.id for m in pool}
    left_out = [(m.record.id, LEFT_OUT_ROLE.format(role=roles.get(m.record.id, "excluded")))
                for m in draft.members if m.record.id not in chosen]
    order = {m.record.id: i for i, m in enumerate(draft.members)}
    ordered = sorted(pool, key=lambda m: (*_date_key(m.record.article.date if m.record.article else None), order[m.record.id]))
    return ordered, left_out


def _article_lines(number: int, item: LabelItem, cls: str | None) -> list[str]:
    ref = item.record.article
    label = item.record.label or {}
    rationale = label.get("rationale") if isinstance(label.get("rationale"), str) else None
    lines = [f"Article {number}", f"Headline: {(ref.title if ref else None) or '(none)'}"]
    lines += [f"{name.capitalize()}: {value}" for name in ("outlet", "date") if (value := getattr(ref, name, None))]
    lines += [f"Class: {cls or '(none)'}", f"Rationale: {' '.join((rationale or '(none)').split())}", ""]
    return lines


def _head(draft: EventDraft, shown: int) -> list[str]:
    c = draft.record.classification
    votes = ", ".join(f"{k} {n}" for k, n in c.counts.items()) or "no article states a class"
    return [f"Event class: {c.label}", f"How it was decided: {c.decided_by} ({votes})",
            f"Articles shown: {shown} of the event's {len(draft.members)}", ""]


def _messages(prompt: Prompt, draft: EventDraft, blocks: list[list[str]]) -> list[dict[str, str]]:
    inner = _head(draft, len(blocks)) + [line for block in blocks for line in block]
    inner = inner[:-1] if inner and inner[-1] == "" else inner
    body = "\n".join(delimited("EVENT", sha256_text("\n".join(inner)), inner))
    user = Template(prompt.user_template).substitute(event=body)
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]


def request_tokens(messages: list[dict[str, str]], count: Callable[[str], int]) -> int:
    return sum(count(m["content"]) + MESSAGE_OVERHEAD for m in messages)


def render_event(prompt: Prompt, draft: EventDraft, budget: int, count: Callable[[str], int]) -> EventRequest:
    """The request for `draft` under `budget` tokens, by the rule in this module's docstring."""
    ordered, left_out = candidates(draft)
    if not ordered:
        raise NothingToShow("no article of the event has a usable label to write from")
    classes = {a.id: a.classification for a in draft.record.articles}
    fixed = request_tokens(_messages(prompt, draft, []), count) + len(str(len(ordered)))
    blocks: list[list[str]] = []
    sent: list[str] = []
    used = fixed
    for item in ordered:
        block = _article_lines(len(blocks) + 1, item, classes.get(item.record.id))
        cost = count("\n".join(block) + "\n")
        if used + cost <= budget:
            blocks.append(block)
            sent.append(item.record.id)
            used += cost
        else:
            left_out.append((item.record.id, LEFT_OUT_BUDGET))
    messages = _messages(prompt, draft, blocks)
    while blocks and request_tokens(messages, count) > budget:  # the parts' counts are an estimate of the whole
        blocks.pop()
        left_out.append((sent.pop(), LEFT_OUT_BUDGET))
        messages = _messages(prompt, draft, blocks)
    if not blocks:
        first = _messages(prompt, draft, [_article_lines(1, ordered[0], classes.get(ordered[0].record.id))])
        raise BudgetTooSmall(f"the token budget of {budget} is less than the prompt and the first article need "
                             f"({request_tokens(first, count)}): raise --max-event-tokens")
    return EventRequest(messages, sent, left_out, request_tokens(messages, count))


def answer_json_schema() -> dict[str, Any]:
    """The strict schema of the answer (the text of schemas/event_response.schema.json)."""
    from aimlabel.core.schema import strict_json_schema

    return strict_json_schema(AimEvent)

"""What the fake server says: a deterministic, schema-valid label read off the request, or a fault.

The answer depends only on the article in the request, so a re-run (or a retry) gets the same
label and a test can predict it; different articles get different classes, so downstream code
sees a realistic mix. Faults are drawn from a seeded RNG in request order: the same run against
the same seed meets the same sequence of faults.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from typing import Any

from aimlabel.core.taxonomy import Taxonomy
from aimlabel.testing.fakes import chat_completion
from aimlabel.testing.fakeserver.generic import generic_answer
from aimlabel.testing.logprobs import fake_logprobs

FAULTS = ("429", "500", "timeout", "junk", "drop", "length", "invalid", "refusal")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
REFUSAL = "I'm sorry, but I can't help with that request."
# Enough of a story per class that the rule check (aimlabel.rules) has nothing to flag.
_RATIONALE = {
    "Complementary Information": "The article reports a regulator's response, an investigation into an earlier AI incident. ",
}


class NoSchema(ValueError):
    """A generic answer was asked for a request that carries no schema."""


def request_mode(body: dict[str, Any]) -> str:
    """The instructor mode that produced this request, read from what it put on the wire."""
    if body.get("tools"):
        return "tools"
    if body.get("response_format"):
        return "json_schema"
    return "md_json"


def article_block(body: dict[str, Any], kind: str = "ARTICLE") -> str | None:
    """The text between the `<<<ARTICLE code>>>` and `<<<END ARTICLE code>>>` marker lines (or
    another `kind` of block: `EVENT` for an event call)."""
    for message in body.get("messages", ()):
        content = message.get("content") if isinstance(message, dict) else None
        if message.get("role") != "user" or not isinstance(content, str):
            continue
        start = content.find(f"<<<{kind} ")
        if start < 0:
            continue
        open_end = content.find("\n", start)
        close = content.find(f"\n<<<END {kind} ", open_end)
        if open_end < 0 or close < 0:
            continue
        return content[open_end + 1:close]
    return None


# An event's rationale per class, worded so the rule check has nothing to flag.
_EVENT_RATIONALE = {
    "AI Incident": "The articles report harm that has occurred, and an AI system's use contributed to it. This is an AI Incident.",
    "AI Hazard": ("The articles describe an AI system whose use could plausibly lead to fraud and impersonation, and no harm "
                  "has occurred yet. This is an AI Hazard."),
    "Complementary Information": ("The articles report a regulator's response to an earlier AI incident, an investigation. "
                                  "This is Complementary Information."),
    "Unrelated": "The articles involve no AI system that caused or could cause harm. This is Unrelated.",
}


def event_answer(block: str) -> dict[str, Any]:
    """The fake's event page: read off the event block (its class line and first headline)."""
    lines = block.splitlines()
    cls = next((line.removeprefix("Event class: ") for line in lines if line.startswith("Event class: ")), "AI Hazard")
    headline = next((line.removeprefix("Headline: ") for line in lines if line.startswith("Headline: ")), "an AI system")
    shown = sum(1 for line in lines if line.startswith("Headline: "))
    return {
        "title": f"Event: {headline}"[:200],
        "summary": f"The event groups {shown} article(s), the first headlined {headline!r}. Their labels conclude {cls}.",
        "rationale": _EVENT_RATIONALE.get(cls, _EVENT_RATIONALE["AI Hazard"]),
    }


def _first_sentence(block: str) -> str:
    """A word-for-word quote: the body's first sentence, else the title."""
    head, _, body = block.partition("\n\n")
    body = body.strip()
    if body and not body.startswith("(no text;"):
        first = _SENTENCE_END.split(body, maxsplit=1)[0].strip()
        if first:
            return first[:300]
    for line in head.splitlines():
        if line.startswith("Title: ") and line[7:].strip():
            return line[7:].strip()
    return block.strip()[:300] or "(empty)"


@dataclass(frozen=True)
class Answerer:
    """Build the label for a request from the taxonomy the real response model is made of."""

    taxonomy: Taxonomy
    honour_n: bool = True
    give_logprobs: bool = True
    generic: bool = False  # answer from the request's JSON Schema alone (see `generic.py`)

    def distribution(self, block: str | None) -> dict[str, float]:
        """The fake's class probabilities for an article: its label's class gets 0.5 to 1.0 of the mass."""
        digest = hashlib.sha256((block or "").encode("utf-8")).digest()
        classes = self.taxonomy.classes
        chosen = classes[digest[0] % len(classes)]
        top = 0.5 + 0.5 * digest[2] / 255
        weights = {c: digest[3 + i] + 1 for i, c in enumerate(classes) if c != chosen}
        spread = sum(weights.values())
        return {c: round(top if c == chosen else (1 - top) * weights[c] / spread, 6) for c in classes}

    def sample_class(self, block: str | None, sample: int) -> str:
        """Sample `sample`'s class (0 is the label's own): drawn from `distribution`, seeded by the article."""
        dist = self.distribution(block)
        if sample == 0:
            return str(self.label(block)["classification"])
        rng = random.Random(f"{block}\x00{sample}")
        return rng.choices(list(dist), weights=list(dist.values()))[0]

    def label(self, block: str | None, cls: str | None = None) -> dict[str, Any]:
        text = block or ""
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        tax = self.taxonomy
        cls = cls or tax.classes[digest[0] % len(tax.classes)]
        related = cls != "Unrelated"
        label: dict[str, Any] = {
            "ai_system": "An AI system named in the article" if related else None,
            "realised_harm": "Harm reported in the article" if cls == "AI Incident" else None,
            "plausible_harm": "Harm the article says could follow" if cls == "AI Hazard" else None,
            "evidence": [_first_sentence(text)],
            "rationale": _RATIONALE.get(cls, "") + f"Deterministic fake label for tests and benchmarks; this is {cls}.",
            "classification": cls,
        }
        for i, f in enumerate(tax.fields):
            values = [v for v in f.values if not v.startswith("Physical")]  # the rule check wants a quoted death/injury
            pick = values[digest[1 + i % 30] % len(values)]
            if f.key == "severity":
                label[f.key] = tax.severity_for_class.get(cls)
            elif f.key == "harm_types" and cls in ("Unrelated", "Complementary Information"):
                label[f.key] = []
            elif f.multi:
                label[f.key] = [pick] if related else []
            else:
                label[f.key] = pick if related else None
        return label

    def completion(self, body: dict[str, Any], fault: str | None, echo: str | None = None, repeat: int = 0) -> dict[str, Any]:
        """The ChatCompletion JSON for a 200 answer, shaped by `fault` (length/invalid/refusal);
        `echo` (the request's credential) is written into the rationale, as a reflecting server would.
        `n` choices when asked (one when the server ignores `n`: then `repeat`, how many times this
        exact request came before, picks the sample), each with OpenAI-format logprobs when asked."""
        asked = int(body.get("n") or 1)
        if asked > 1:
            return self._samples(body, fault, echo, asked if self.honour_n else 1, 0 if self.honour_n else repeat)
        result = self._one(body, fault, echo)
        if body.get("logprobs") and self.give_logprobs and fault is None:
            self._add_logprobs(result, body)
        return result

    def _samples(self, body: dict[str, Any], fault: str | None, echo: str | None, n: int, repeat: int) -> dict[str, Any]:
        block = article_block(body)
        choices = []
        for j in range(n):
            one = self._one(body, fault, echo, self.sample_class(block, repeat * n + j))
            choices.append({**one["choices"][0], "index": j})
        first = self._one(body, fault, echo)
        usage = first["usage"]
        return {**first, "choices": choices, "usage": {**usage, "completion_tokens": usage["completion_tokens"] * n,
                                                       "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"] * n}}

    def _add_logprobs(self, result: dict[str, Any], body: dict[str, Any]) -> None:
        choice = result["choices"][0]
        message = choice["message"]
        calls = message.get("tool_calls")
        text = calls[0]["function"]["arguments"] if calls else message.get("content")
        if not isinstance(text, str) or '"classification"' not in text:
            return
        top = max(0, min(int(body.get("top_logprobs") or 0), 20))
        choice["logprobs"] = {**fake_logprobs(text, self.distribution(article_block(body)), top), "refusal": None}

    def _one(self, body: dict[str, Any], fault: str | None, echo: str | None, cls: str | None = None) -> dict[str, Any]:
        mode = request_mode(body)
        model = str(body.get("model") or "fake-model")
        event = article_block(body, "EVENT")
        if event is not None:
            answer = event_answer(event)
        elif self.generic:
            found = generic_answer(body, article_block(body))
            if found is None:
                raise NoSchema("generic answers need a JSON Schema in the request (json_schema or tools mode)")
            answer = found
        else:
            answer = self.label(article_block(body), cls)
        name = "AimEvent" if event is not None else "AimLabel"
        if echo is not None and "rationale" in answer:
            answer["rationale"] += f" (Request authorised with {echo}.)"
        if fault == "invalid":
            answer = {**answer, "classification": "Not a class"} if event is None else {**answer, "summary": "One sentence only."}
            answer.pop("rationale", None)
        if fault == "length":
            text = json.dumps(answer, ensure_ascii=False)
            return chat_completion(text[: len(text) // 2], mode=mode, model=model, finish_reason="length", tool_name=name)
        result = chat_completion(answer, mode=mode, model=model, tool_name=name)
        if fault == "refusal":
            result["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": REFUSAL}
            result["choices"][0]["finish_reason"] = "stop"
        return result


class FaultPlan:
    """Draw at most one fault per request from a seeded RNG: deterministic in request order."""

    def __init__(self, rates: dict[str, float], seed: int) -> None:
        unknown = set(rates) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(FAULTS)}")
        if any(r < 0 for r in rates.values()) or sum(rates.values()) > 1.0 + 1e-9:
            raise ValueError("fault rates must be >= 0 and sum to at most 1")
        self._bounds: list[tuple[float, str]] = []
        total = 0.0
        for kind in FAULTS:
            if rates.get(kind, 0.0) > 0:
                total += rates[kind]
                self._bounds.append((total, kind))
        self._rng = random.Random(seed)

    def draw(self) -> str | None:
        u = self._rng.random()
        for bound, kind in self._bounds:
            if u < bound:
                return kind
        return None

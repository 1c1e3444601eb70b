"""The chosen class's probability, read off an answer's token logprobs (OpenAI format).

The answer text is the tokens joined (json_schema and md_json: the message content; tools: the
function arguments, where a server covers them), so character offsets and tokens always agree.
The classification value starts after `"classification": "`; from its first token on, every
position's `top_logprobs` is read while more than one class still fits the chosen prefix:

- an alternative token that fits exactly one class gives that class the path's mass so far
  times its probability (one that fits several splits it evenly among them; one that fits none,
  such as a stray space, is dropped);
- the chosen token narrows the classes that fit and multiplies the path's mass;
- once one class fits, its remaining tokens are taken as given, and it gets the path's mass.

So "AI Incident" against "AI Hazard" is decided at the token after "AI", and "Unrelated"
against both at the first. The masses are normalised over the classes found; a class the
server's top_logprobs never listed gets probability 0 and is named in `classes_absent`, and
`coverage` keeps the raw mass found (1.0 when every alternative was a class). The scan touches
each token once up to the value and a handful after it: no re-tokenising, no JSON parse.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

from aimlabel.core.record import Confidence

VALUE_START = re.compile(r'"classification"\s*:\s*"')
CLASS_VALUE = re.compile(r'"classification"\s*:\s*"([^"\\]{1,64})"')


def _fits(name: str, text: str) -> bool:
    """`text` (the value so far) is a prefix of the quoted class name, or runs past its closing quote."""
    closed = name + '"'
    return closed.startswith(text) or text.startswith(closed)


def unavailable(note: str) -> Confidence:
    return Confidence(source="unavailable", note=note)


def logprob_confidence(content: Sequence[dict[str, Any]], classes: Sequence[str]) -> Confidence:
    """The class distribution from one answer's `logprobs.content` (see the module docstring); logprobs
    that are not in OpenAI's format give `unavailable`, never an error."""
    try:
        tokens = [str(entry.get("token", "")) for entry in content]
        found_key = VALUE_START.search("".join(tokens))
        if found_key is None:
            return unavailable("the logprobs tokens hold no classification value")
        return class_distribution(tokens, content.__getitem__, classes, found_key.end())
    except (AttributeError, TypeError, ValueError, IndexError, KeyError, ArithmeticError):
        return unavailable("the server's logprobs are not in the OpenAI format")


def class_distribution(tokens: Sequence[str], entry: Callable[[int], dict[str, Any]], classes: Sequence[str],
                       start: int) -> Confidence:
    """The distribution from the answer's chosen `tokens`, whose joined text has the classification
    value's first character at `start`; `entry(i)` gives token i's `logprob` and `top_logprobs`,
    asked only for the few tokens of the value (the scan of `logprobs_scan` parses just those)."""
    ends = list(accumulate(map(len, tokens)))
    index = bisect.bisect_right(ends, start)  # the token holding the value's first character
    if index == len(tokens):
        return unavailable("the logprobs tokens end before the classification value")
    offset = start - (ends[index - 1] if index else 0)  # characters of this token before the value's first one
    masses: dict[str, float] = {}
    fitting = list(classes)
    mass = 1.0
    so_far = ""
    for position in range(index, len(tokens)):
        read = entry(position)
        chosen = tokens[position]
        before = chosen[:offset]
        for alt in read.get("top_logprobs") or ():
            token = str(alt.get("token", ""))
            if token == chosen or not token.startswith(before):
                continue
            fits = [name for name in fitting if _fits(name, so_far + token[offset:])]
            share = mass * math.exp(float(alt.get("logprob", -math.inf))) / len(fits) if fits else 0.0
            for name in fits:
                masses[name] = masses.get(name, 0.0) + share
        so_far += chosen[offset:]
        offset = 0
        fitting = [name for name in fitting if _fits(name, so_far)]
        mass *= math.exp(float(read.get("logprob", -math.inf)))
        if len(fitting) <= 1:
            break
    if len(fitting) != 1:
        return unavailable("the chosen tokens spell no single class")
    chosen_class = fitting[0]
    masses[chosen_class] = masses.get(chosen_class, 0.0) + mass
    total = sum(masses.values())
    if total <= 0:
        return unavailable("the logprobs give the classes no probability")
    distribution = {name: round(masses.get(name, 0.0) / total, 6) for name in classes}
    return Confidence(
        source="logprobs", probability=distribution[chosen_class], distribution=distribution,
        classes_absent=[name for name in classes if name not in masses], coverage=round(total, 6),
    )


def choice_text(choice: dict[str, Any]) -> str | None:
    """The answer text of one choice: its content, or its first tool call's arguments."""
    message = choice.get("message") or {}
    calls = message.get("tool_calls") or ()
    if calls:
        function = calls[0].get("function") or {}
        arguments = function.get("arguments")
        return arguments if isinstance(arguments, str) else None
    content = message.get("content")
    return content if isinstance(content, str) else None


def class_in(text: str | None, classes: Sequence[str]) -> str | None:
    """The class an answer text names (a scan, not a parse), or None when it names none of them."""
    if not text:
        return None
    found = CLASS_VALUE.search(text)
    return found.group(1) if found and found.group(1) in classes else None

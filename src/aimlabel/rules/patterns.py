"""Token patterns: `phrase` templates compiled into regular expressions over a sentence's words,
and the words every match of one must contain.

A template names words, small word regexes and word classes (`phrase`); the rules match them
with `Text.find` (in `language.py`), which searches only the sentences holding one of a
pattern's anchor words (`anchors_of`): a sentence without any cannot match, so most of a long
article is never searched. Anchors are computed once, when the pattern is compiled, and only
from template items simple enough to spell out; anything else gives None, and the text is
searched whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words too frequent in news about AI to tell a text worth parsing (see `anchor_words`).
_FREQUENT = frozenset(
    ", . the this that it a an your you all any of to for is are be as in on and or if when with by do not no never from "
    "now was were have has been can will must should so ai model models system systems article story text content news "
    "page post report".split()
)
# By the pattern's id (hashing a compiled pattern hashes its whole code), with the pattern kept
# alive beside its anchors so that an id is never reused.
_ANCHORS: dict[int, tuple[re.Pattern[str], frozenset[str] | None]] = {}


def anchors_of(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Words of which every match of a `phrase` pattern holds one (None: unknown, or not a `phrase`)."""
    entry = _ANCHORS.get(id(pattern))
    return entry[1] if entry is not None and entry[0] is pattern else None


class Phrases(tuple[re.Pattern[str], ...]):
    """`phrase` patterns a rule searches together (`Text.find_each`), with their anchor words
    united: a text holding none of them is passed over with one test, not a search per pattern
    (None when one of them has no anchors)."""

    anchors: frozenset[str] | None

    def __new__(cls, patterns: Iterable[re.Pattern[str]]) -> Phrases:
        self = super().__new__(cls, patterns)
        found = [anchors_of(pattern) for pattern in self]
        self.anchors = None if any(a is None for a in found) else frozenset().union(*(a for a in found if a is not None))
        return self


def _items(template: str) -> list[str]:
    """Split a pattern template at spaces outside parentheses."""
    items, depth, current = [], 0, ""
    for char in template.strip():
        depth += (char == "(") - (char == ")")
        if char == " " and depth == 0:
            if current:
                items.append(current)
            current = ""
        else:
            current += char
    return [*items, current] if current else items


def _top_level(value: str) -> list[str]:
    """Split "a|b (?:c|d)" at the bars outside parentheses."""
    entries, depth, current = [], 0, ""
    for char in value:
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            entries.append(current)
            current = ""
        else:
            current += char
    return [*entries, current]


def _as_tokens(item: str) -> str:
    """A word-class item as the tokeniser writes it: "follow-up" is "follow - up"."""
    return re.sub(r"\s*-\s*", " - ", item).strip()


def phrase(template: str, **classes: str | frozenset[str] | tuple[str, ...]) -> re.Pattern[str]:
    """Compile a token pattern over a sentence's space-joined tokens.

    Items are separated by spaces: a word, a regex over words (a group that holds spaces must
    end with its own space, e.g. "(?:has been )?"), or `{NAME}` for a word class passed as a
    keyword (a "|"-separated string or a set of words; an entry may hold several words).
    `{NAME}?` is optional and `{NAME}*` repeats. Matches start and end at token boundaries, so
    "harm" never matches inside "pharmacy".
    """

    def alternation(value: str | frozenset[str] | tuple[str, ...]) -> str:
        entries = _top_level(value) if isinstance(value, str) else list(value)
        return "(?:" + "|".join(sorted((_as_tokens(e) for e in entries if e), key=len, reverse=True)) + ")"

    def inline(item: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: alternation(classes[m.group(1)]), item)

    parts = []
    for raw in _items(template):
        named = re.fullmatch(r"\{(\w+)\}([?*]?)", raw)
        item = raw if named else inline(raw)
        if named:
            body, suffix = alternation(classes[named.group(1)]), named.group(2)
            parts.append(f"(?:{body} ){suffix}")
        elif re.search(r"\s\)(?:[?*+]|\{\d*,?\d*\})$", item):
            parts.append(item)
        elif (optional := re.fullmatch(r"(\(.*\))([?*])", item)) is not None:
            parts.append(f"(?:{optional.group(1)} ){optional.group(2)}")
        else:
            parts.append(f"(?:{item}) ")
    compiled = re.compile("(?<= )" + "".join(parts))
    words = {name: value if isinstance(value, str) else "|".join(value) for name, value in classes.items()}
    _ANCHORS[id(compiled)] = compiled, anchor_words(template, _FREQUENT, **words)
    return compiled


_SIMPLE_WORD = re.compile(r"(?:[^\W\d_]|[\d']|\[[^\W\d_]+\]\??|[^\W\d_]\?)+")  # no "." : it is any character


def _spellings(fragment: str) -> set[str] | None:
    """The words a simple word regex spells ("labell?ed", "categori[sz]e"), or None if it is not simple."""
    if len(fragment) == 1 and not fragment.isalnum() and not fragment.isspace():
        return None if fragment in ".^$*+?|\\" else {fragment}  # a punctuation token: ":"
    if not _SIMPLE_WORD.fullmatch(fragment):
        return None
    words = {""}
    for piece in re.findall(r"\[[^\]]+\]\??|.\??", fragment):
        optional = piece.endswith("?")
        chars = piece.rstrip("?").strip("[]") if piece.startswith("[") else piece.rstrip("?")
        choices = set(chars) | ({""} if optional else set())
        words = {w + c for w in words for c in choices}
    return words


def _item_words(item: str, classes: dict[str, str]) -> set[str] | None:
    """Words one of which every match of a mandatory template item contains (one per alternative)."""
    named = re.fullmatch(r"\{(\w+)\}", item)
    group = re.fullmatch(r"\(\?:(.*)\)", item)
    body = classes.get(named.group(1)) if named else (group.group(1) if group else item)
    if body is None or "(" in body or "{" in body:
        return None
    words: set[str] = set()
    for entry in _top_level(body):
        tokens = [t for t in _as_tokens(entry).split() if t != "-"]
        spelt = _spellings(max(tokens, key=len)) if tokens else None
        if spelt is None:
            return None
        words |= spelt
    return words


def _unglued(item: str) -> list[str]:
    """"(?:only )?(?:as|under)" is two items written as one: split after each top-level optional group."""
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(item):
        depth += (char == "(") - (char == ")")
        if depth == 0 and char in "?*" and i > 0 and item[i - 1] == ")" and i + 1 < len(item):
            pieces.append(item[start : i + 1])
            start = i + 1
    return [*pieces, item[start:]]


def anchor_words(template: str, common: frozenset[str], **classes: str) -> frozenset[str] | None:
    """Words of which every match of `phrase(template, **classes)` contains one: the words of a
    mandatory item, the one with fewest `common` words. A text holding none cannot match, so a
    rule can skip parsing it; None when no item is simple enough to say."""
    best: set[str] | None = None
    for item in (piece for glued in _items(template) for piece in _unglued(glued)):
        if re.search(r"(?:[?*+]|\{\d*,?\d*\})$", item):
            continue
        words = _item_words(item, classes)
        if words is not None and (best is None or len(words & common) < len(best & common)):
            best = words
    return frozenset(best) if best is not None else None

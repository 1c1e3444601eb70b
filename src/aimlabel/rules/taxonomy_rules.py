"""Taxonomy coherence: values from the vocabulary, a severity that fits the class, physical
harm types backed by the text, and lists that are not padded.

Vocabularies are read from the taxonomy data, never spelled out here, so a new value in
`schemas/taxonomy.json` is accepted without a code change.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from aimlabel.rules.engine import RuleContext
from aimlabel.rules.text import affirmed, list_field, present, text_field

_DEATH = re.compile(
    r"\b(?:died|dies|dead|deaths?|deadly|killed|kill(?:s|ing)?|fatal\w*|lethal|suicides?|"
    r"lives? (?:were |was )?lost|lost (?:his|her|their) li(?:fe|ves)|drowned|murder\w*|homicides?|"
    r"manslaughter|passed away|perished)\b",
    re.IGNORECASE,
)
_INJURY = re.compile(
    r"\b(?:injur\w*|hurt|wound\w*|hospitali[sz]\w*|maim\w*|burns|burned|fractur\w*|broken bones?|"
    r"bruis\w*|concussions?|bodily harm|physical harm|physically harmed)\b",
    re.IGNORECASE,
)
PRINCIPLES_FIELD = "ai_principles"


def _suggest(value: str, allowed: tuple[str, ...]) -> str:
    """A likely intended value: same letters in another case, a prefix, or a close spelling."""
    folded = value.casefold()
    close = (
        [v for v in allowed if v.casefold() == folded]
        or [v for v in allowed if folded.startswith(v.casefold()) or v.casefold().startswith(folded)]
        or difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    )
    return f" (did you mean {close[0]!r}?)" if close else ""


def _bad_values(key: str, value: Any, allowed: tuple[str, ...], multi: bool) -> Iterator[str]:
    if multi:
        if value is None:
            return
        if not isinstance(value, list):
            yield f"{key} must be a list of values, not {type(value).__name__}; check the label's format"
            return
        items = value
    else:
        if value is None or (isinstance(value, str) and not present(value)):
            return
        if isinstance(value, list):
            yield f"{key} takes one value, not a list; keep the single best value"
            return
        items = [value]
    for item in items:
        if item not in allowed:
            yield (
                f"{key} value {item!r} is not in the AIM vocabulary{_suggest(str(item), allowed)}; "
                "use one of the values in schemas/taxonomy.json"
            )


def values_in_vocabulary(ctx: RuleContext) -> Iterator[str]:
    classification = ctx.label.get("classification")
    if not present(classification):
        yield "classification is missing; give one of " + ", ".join(ctx.taxonomy.classes)
    elif classification not in ctx.taxonomy.classes:
        yield (
            f"classification {classification!r} is not an AIM class{_suggest(str(classification), ctx.taxonomy.classes)}; "
            "use one of " + ", ".join(ctx.taxonomy.classes)
        )
    for field in ctx.taxonomy.fields:
        if field.key in ctx.label:
            yield from _bad_values(field.key, ctx.label[field.key], field.values, field.multi)


def severity_matches_class(ctx: RuleContext) -> Iterator[str]:
    classification = text_field(ctx.label, "classification")
    if classification not in ctx.taxonomy.severity_for_class:
        return
    expected = ctx.taxonomy.severity_for_class[classification]
    value = ctx.label.get("severity")
    actual = value if present(value) else None
    if actual != expected:
        shown = "null" if expected is None else repr(expected)
        yield (
            f"severity is {'null' if actual is None else repr(actual)} but {classification} takes "
            f"severity {shown}; check the classification, then set severity to {shown}"
        )


def _physical_values(ctx: RuleContext, word: str) -> set[str]:
    try:
        values = ctx.taxonomy.field("harm_types").values
    except KeyError:
        return set()
    return {v for v in values if word in v.casefold()}


def physical_harm_backed(ctx: RuleContext) -> Iterator[str]:
    harm_types = set(list_field(ctx.label, "harm_types"))
    texts = [
        *list_field(ctx.label, "evidence"),
        text_field(ctx.label, "rationale"),
        text_field(ctx.label, "realised_harm"),
        text_field(ctx.label, "plausible_harm"),
    ]
    for value in sorted(harm_types & _physical_values(ctx, "death")):
        if not affirmed(_DEATH, texts):
            yield (
                f"harm_types has {value!r} but neither evidence nor rationale mentions a death; check "
                "that the article reports one (or, for a hazard, that death is the plausible harm), "
                "otherwise remove it"
            )
    for value in sorted(harm_types & _physical_values(ctx, "injur")):
        if not (affirmed(_INJURY, texts) or affirmed(_DEATH, texts)):
            yield (
                f"harm_types has {value!r} but neither evidence nor rationale mentions an injury; check "
                "that the article reports one (or, for a hazard, that injury is the plausible harm), "
                "otherwise remove it"
            )


def lists_not_padded(ctx: RuleContext) -> Iterator[str]:
    for field in ctx.taxonomy.fields:
        if not field.multi:
            continue
        limit = ctx.config.max_ai_principles if field.key == PRINCIPLES_FIELD else ctx.config.max_list_values
        values = list_field(ctx.label, field.key)
        if len(values) > limit:
            yield (
                f"{field.key} lists {len(values)} values (more than {limit}); keep only those the "
                "article clearly engages"
            )

"""Does the rationale talk about this article?

A rationale written for a different story (a copy-paste slip, a model mixing up two articles)
shares few distinctive words with the article, its event's title and summary, and the other
articles of the event. Words are compared by a crude stem (common endings dropped, first six
letters kept), and AIM's labelling boilerplate ("explicitly", "involves", "qualifies",
"definition", "plausible", "harm", ...) does not count as content.

Judged two ways. Against the other articles of the event, relative to them: a rationale is off
topic when its overlap is far below what the event's other articles reach, so a terse event is
not held to a fixed bar. Against the article alone (a model's draft, no event): when fewer than
`min_rationale_overlap` of its distinctive words appear in what the model read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from statistics import median

from aimlabel.rules.base import UNRELATED, Flag, RuleContext, SkipRule
from aimlabel.rules.text import words

MIN_CONTENT_WORDS = 6
MIN_STORY_WORDS = 8  # a rationale naming a different story names its system, actors and harm
MIN_REFERENCE_WORDS = 15  # an article shorter than this says too little to judge against
RELATIVE = 0.4  # flagged below this share of the event's typical overlap
EVENT_CEILING = 0.1  # and below this share outright (AIM: off-topic 3-7%, ordinary 12-35%)
_SUFFIX = re.compile(r"(?:ations?|ments?|ings?|ions?|ers?|ies|ied|ly|ed|es|s|e)$")
_STOPWORDS = frozenset(
    """
    about above after again against also although among another because been before being below between both
    could does doing done down during each either even from further have having here into itself just least
    many more most much must neither only other over same should since some such than that their theirs them
    then there these they this those though through under until upon very were what when where which while
    whom whose will with within without would your yours article articles report reports reported reporting
    says said story news describes described describe system systems harm harms harmed incident incidents
    hazard hazards information complementary classification classified classify unrelated label labelled
    labeled plausible plausibly potential potentially possible possibly risk risks directly indirectly cause
    caused causes causing lead leads leading result resulted results involve involves involved involving used
    using uses therefore artificial intelligence occurred happened future explicitly explicit mentions
    mentioned mention qualifies qualify qualifying definition defined criteria criterion constitutes
    constitute constituting event events clearly clear actual actually realized realised realize realise
    rather making make makes made fits fitting align aligns aligned meets meet meeting considered consider
    focus focuses focused primarily mainly specific significant credible recognized recognised concern
    concerns concerned capable capabilities capability technology technologies tool tools model models related
    relating regarding including situation case given however thus hence since development developed
    developing context response responses discusses discussing discussion detail details detailed
    highlights highlighting indicates indicate indicating suggests suggest evidence noted notes note
    described describing presence present presents shows showing involvement nature type types form forms
    aspect aspects issue issues matter matters point points instead thereby whether might shall likely
    misuse misused malfunction malfunctions already still currently recently especially particularly
    overall general generally further additionally moreover furthermore incident's hazard's ai's
    """.split()
)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Cached: news reuses its words, so most of an article's have been stemmed before."""
    word = word.removesuffix("'s")
    return _SUFFIX.sub("", word)[:6] if len(word) > 4 else word


@lru_cache(maxsize=1 << 16)
def _content_stem(word: str) -> str | None:
    """The stem of a distinctive word; None for boilerplate and short words."""
    word = word.removesuffix("'s")
    if word in _STOPWORDS or word.removesuffix("s") in _STOPWORDS:
        return None
    if len(word) >= 4 or any(ch.isdigit() for ch in word):
        return stem(word)
    return None


@lru_cache(maxsize=256)
def content_stems(text: str) -> frozenset[str]:
    """The distinctive words of a text: names, numbers and longer words, boilerplate dropped
    (each distinct word is stemmed once; an article's words are computed once per run)."""
    stems: set[str | None] = set(map(_content_stem, set(words(text))))
    stems.discard(None)
    return frozenset(stems)  # type: ignore[arg-type]  # None is gone


def _share(mine: frozenset[str] | set[str], others: frozenset[str] | set[str]) -> float:
    return len(mine & others) / len(mine) if mine else 1.0


def rationale_overlap(rationale: str, reference: str) -> tuple[float, list[str]] | None:
    """Share of the rationale's distinctive words found in `reference`, and the missing ones in
    reading order; None when the rationale is too short to judge."""
    mine = content_stems(rationale)
    if len(mine) < MIN_CONTENT_WORDS:
        return None
    ref = content_stems(reference)
    missing = list(dict.fromkeys(w.removesuffix("'s") for w in words(rationale) if stem(w) in mine - ref and len(w) >= 4))
    return _share(mine, ref), missing


def rationale_about_article(ctx: RuleContext) -> Iterator[Flag]:
    if ctx.classification == UNRELATED:
        return  # an Unrelated rationale is about another story by definition (event rules say so)
    mine = content_stems(ctx.rationale)
    if len(mine) < MIN_CONTENT_WORDS:
        return
    if len(ctx.peers) >= 2:
        yield from _against_event(ctx, mine)
        return
    language = (ctx.article.language or "") if ctx.article else ""
    reference = " ".join(t for t in (ctx.text or "", *ctx.context) if t)
    if not reference.strip():
        raise SkipRule("no article text or event to compare with")
    if language and not language.casefold().startswith("en") and not ctx.context:
        raise SkipRule("article not in English")
    if len(content_stems(reference)) < MIN_REFERENCE_WORDS:
        raise SkipRule("article text too short to judge")
    result = rationale_overlap(ctx.rationale, reference)
    if result is None:
        return
    share, missing = result
    if share < ctx.limits.min_rationale_overlap:
        shown = ", ".join(missing[:6])
        yield Flag(
            f"only {share:.0%} of the rationale's distinctive words appear in the article (missing: {shown}); "
            "check that the rationale describes this article and not another story",
            shown,
        )


def _against_event(ctx: RuleContext, mine: frozenset[str]) -> Iterator[Flag]:
    """Overlap with the event's texts and other rationales, relative to what the others reach.
    A rationale too vague to name a story (few distinctive words) is not judged."""
    if len(mine) < MIN_STORY_WORDS:
        return
    context: frozenset[str] = frozenset().union(*(content_stems(t) for t in ctx.context))
    peers = [content_stems(p) for p in ctx.peers]
    pool = context.union(*peers)
    share = _share(mine, pool)
    baseline = median(
        _share(p, context.union(mine, *(q for j, q in enumerate(peers) if j != i))) for i, p in enumerate(peers) if p
    )
    if share < EVENT_CEILING and share < RELATIVE * baseline:
        missing = [w for w in dict.fromkeys(words(ctx.rationale)) if stem(w) in mine - pool and len(w) >= 4][:6]
        shown = ", ".join(missing)
        yield Flag(
            f"only {share:.0%} of the rationale's distinctive words appear in its event's other texts, where the "
            f"event's other articles reach {baseline:.0%} (missing: {shown}); check that the rationale describes "
            "this event's story and not another one",
            shown,
        )

"""Does the rationale talk about this article?

A rationale written for a different story (a copy-paste slip, a model mixing up two articles)
shares few content words with the article. Words are compared by their first six letters, a
crude stemmer that lets "transferred" match "transferring". The check needs English on both
sides, so it is skipped for articles marked as another language.
"""

from __future__ import annotations

from collections.abc import Iterator

from aimlabel.rules.engine import RuleContext, SkipRule
from aimlabel.rules.text import text_field, words

MIN_CONTENT_WORDS = 6
STEM = 6
_STOPWORDS = frozenset(
    """
    about above after again against also although among another because been before being below
    between both could does doing done down during each either even from further have having here
    into itself just least many more most much must neither only other over same should since some
    such than that their theirs them then there these they this those though through under until
    upon very were what when where which while whom whose will with within without would your
    yours article articles report reports reported reporting says said story news describes
    described system systems harm harms harmed incident incidents hazard hazards information
    complementary classification classified unrelated label labelled labeled plausible plausibly
    potential potentially possible risk risks directly indirectly cause caused causes causing lead
    leads leading result resulted involve involves involved involving used using uses therefore
    artificial intelligence occurred happened future
    """.split()
)


def content_words(text: str) -> list[str]:
    """Distinct words that carry the story: names, numbers and longer words, stopwords dropped."""
    seen: dict[str, None] = {}
    for word in words(text):
        word = word.removesuffix("'s").removesuffix("\u2019s")
        if word in _STOPWORDS:
            continue
        if len(word) >= 4 or any(ch.isdigit() for ch in word):
            seen.setdefault(word, None)
    return list(seen)


def rationale_overlap(rationale: str, article: str) -> tuple[float, list[str]] | None:
    """Share of the rationale's content words found in the article, and the missing ones;
    None when the rationale is too short to judge."""
    rationale_words = content_words(rationale)
    if len(rationale_words) < MIN_CONTENT_WORDS:
        return None
    article_stems = {w[:STEM] for w in content_words(article)}
    missing = [w for w in rationale_words if w[:STEM] not in article_stems]
    return 1 - len(missing) / len(rationale_words), missing


def rationale_about_article(ctx: RuleContext) -> Iterator[str]:
    if ctx.text is None:
        return
    language = (ctx.article.language or "") if ctx.article else ""
    if language and not language.casefold().startswith("en"):
        raise SkipRule("article not in English")
    result = rationale_overlap(text_field(ctx.label, "rationale"), ctx.text)
    if result is None:
        return
    share, missing = result
    if share < ctx.config.min_rationale_overlap:
        shown = ", ".join(missing[:6])
        yield (
            f"only {share:.0%} of the rationale's content words appear in the article (missing: {shown}); "
            "check that the rationale describes this article and not another story"
        )

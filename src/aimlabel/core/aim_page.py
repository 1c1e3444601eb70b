"""Read an AIM event page, as a user copies it from oecd.ai, into an event and its articles.

The page is plain text: the event title, a disclaimer, the summary ("[AI generated]"), the
line "Why's our monitor labelling this an incident or hazard?" and the event rationale, the
taxonomy chips (a heading such as "AI principles", then the values run together on one line:
"SafetyAccountabilityFairness"), the line "Articles about this incident or hazard", and then
per article a headline, a date, an outlet and the article's own rationale.

Chip values are split with the taxonomy's vocabulary, longest value first, so a value that
contains a comma or an ampersand stays whole; text the vocabulary does not know is split where a
lower-case letter meets a capital, and kept, so a value aimlabel lacks is reported rather than
lost. Nothing here guesses a class: each article's class is what its rationale concludes, and
the event's class is its Severity chip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from aimlabel.core.taxonomy import Taxonomy, default_taxonomy

WHY = "why's our monitor labelling this an incident or hazard?"
ARTICLES_HEADING = "articles about this incident or hazard"
DISCLAIMER = "the information displayed in the aim"
THUMBNAIL = "thumbnail image"
AI_GENERATED = "[AI generated]"
# Page headings of the chip sections, by the taxonomy field key they fill.
CHIP_HEADINGS = {
    "ai principles": "ai_principles",
    "industries": "industries",
    "affected stakeholders": "affected_stakeholders",
    "harm types": "harm_types",
    "severity": "severity",
    "ai system task": "ai_system_task",
    "business function": "business_function",
    "autonomy level": "autonomy_level",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CASE_BOUNDARY = re.compile(r"(?<=[a-z)\]])(?=[A-Z])")


@dataclass
class PageArticle:
    number: int
    title: str | None
    date: str | None
    outlet: str | None
    rationale: str
    line: int = 0


@dataclass
class AimPage:
    """One event page. `chips` maps a taxonomy field key to the values shown on the page."""

    event_id: str
    title: str
    summary: str | None
    rationale: str | None
    chips: dict[str, list[str]] = field(default_factory=dict)
    articles: list[PageArticle] = field(default_factory=list)
    unknown_values: dict[str, list[str]] = field(default_factory=dict)


class NotAnAimPage(ValueError):
    """The text does not have the shape of an AIM event page."""


def _key(line: str) -> str:
    return line.strip().replace("\u2019", "'").rstrip(":").strip().casefold()


def _clean(text: str) -> str:
    return " ".join(text.replace(AI_GENERATED, " ").split())


def split_chips(line: str, values: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Values run together on one line, split by the vocabulary; (known values, unknown pieces)."""
    known: list[str] = []
    unknown: list[str] = []
    rest = line.strip()
    by_length = sorted(values, key=len, reverse=True)
    pending = ""
    while rest:
        match = next((v for v in by_length if rest.startswith(v)), None)
        if match is None:
            pending += rest[0]
            rest = rest[1:]
            continue
        if pending:
            unknown += [p.strip() for p in _CASE_BOUNDARY.split(pending) if p.strip()]
            pending = ""
        known.append(match)
        rest = rest[len(match) :]
    if pending:
        unknown += [p.strip() for p in _CASE_BOUNDARY.split(pending) if p.strip()]
    return known, unknown


def looks_like_page(text: str) -> bool:
    lowered = text.replace("\u2019", "'").casefold()
    return WHY in lowered and ARTICLES_HEADING in lowered


def parse_page(text: str, event_id: str, taxonomy: Taxonomy | None = None) -> AimPage:
    """The event and articles of one page; raises NotAnAimPage when the shape is wrong."""
    taxonomy = taxonomy or default_taxonomy()
    if not looks_like_page(text):
        raise NotAnAimPage(
            "not an AIM event page: expected the lines \"Why's our monitor labelling this an incident or hazard?\" "
            "and \"Articles about this incident or hazard\""
        )
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    split_at = next(i for i, line in enumerate(lines) if _key(line) == ARTICLES_HEADING)
    page = _parse_head(lines[:split_at], event_id, taxonomy)
    page.articles = _parse_articles(lines[split_at + 1 :])
    why_lines = [i + 1 for i, line in enumerate(lines) if i > split_at and _key(line) == WHY]
    for article, line in zip(page.articles, why_lines):
        article.line = line
    return page


def _parse_head(lines: list[str], event_id: str, taxonomy: Taxonomy) -> AimPage:
    content = [line for line in lines if line.strip() and _key(line) != THUMBNAIL]
    if not content:
        raise NotAnAimPage("the page has no event title")
    title = content[0].strip()
    summary: list[str] = []
    rationale: list[str] = []
    chips: dict[str, list[str]] = {}
    unknown: dict[str, list[str]] = {}
    section: str | None = "summary"
    heading: str | None = None
    for line in content[1:]:
        key = _key(line)
        if key.startswith(DISCLAIMER):
            continue
        if key == WHY:
            section = "rationale"
            continue
        if key in CHIP_HEADINGS:
            section, heading = "chips", CHIP_HEADINGS[key]
            continue
        if section == "summary":
            summary.append(line)
        elif section == "rationale":
            rationale.append(line)
        elif heading is not None:
            values = _field_values(taxonomy, heading)
            found, missing = split_chips(line, values)
            chips.setdefault(heading, []).extend(found + missing)
            if missing:
                unknown.setdefault(heading, []).extend(missing)
    return AimPage(
        event_id=event_id, title=title, summary=_clean(" ".join(summary)) or None,
        rationale=_clean(" ".join(rationale)) or None, chips=chips, unknown_values=unknown,
    )


def _field_values(taxonomy: Taxonomy, key: str) -> tuple[str, ...]:
    if key == "severity":
        return tuple(v for v in taxonomy.severity_for_class.values() if v)
    try:
        return taxonomy.field(key).values
    except KeyError:
        return ()


def _parse_articles(lines: list[str]) -> list[PageArticle]:
    articles: list[PageArticle] = []
    for block in _article_blocks(lines):
        at = next(i for i, line in enumerate(block) if _key(line) == WHY)
        head, body = block[:at], block[at + 1 :]
        date = next((line for line in head if _DATE.match(line)), None)
        rest = [line for line in head if line != date]
        articles.append(PageArticle(
            number=len(articles) + 1, title=rest[0] if rest else None, date=date,
            outlet=rest[-1] if len(rest) >= 2 else None, rationale=_clean(" ".join(body)),
        ))
    return articles


def _article_blocks(lines: list[str]) -> list[list[str]]:
    """One list of non-empty lines per article: split at "Thumbnail Image" lines where the page
    has them, else at the headline before each date line that is followed by an outlet and the
    "Why's our monitor" line."""
    content = [line.strip() for line in lines if line.strip()]
    if any(_key(line) == THUMBNAIL for line in content):
        blocks: list[list[str]] = [[]]
        for line in content:
            if _key(line) == THUMBNAIL:
                blocks.append([])
            else:
                blocks[-1].append(line)
    else:
        starts = [max(0, i - 1) for i, line in enumerate(content)
                  if _DATE.match(line) and i + 2 < len(content) and _key(content[i + 2]) == WHY]
        blocks = [content[a:b] for a, b in zip(starts, [*starts[1:], len(content)])]
    return [block for block in blocks if any(_key(line) == WHY for line in block)]


def read_page(path: Path, taxonomy: Taxonomy | None = None) -> AimPage:
    return parse_page(path.read_text(encoding="utf-8-sig"), path.stem, taxonomy)

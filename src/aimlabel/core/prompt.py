"""Turn an article into chat messages from the versioned prompt file.

The prompt's own placeholders (definitions, vocabulary) are filled with `string.Template`,
which fails on a missing variable. The article goes in as a single value inside marker lines
derived from its content hash, so it can neither be rendered as a template nor close the block
early. Nothing here ever passes `context=` to instructor (that would render Jinja over the text).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from pydantic import BaseModel, ConfigDict

from aimlabel.core.articles import Article
from aimlabel.core.hashing import sha256_json
from aimlabel.core.resources import data_dir
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.core.truncate import CutText, cut_to_budget

DEFAULT_MAX_ARTICLE_TOKENS = 2000


class PromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    system: str
    user: str


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt with its article-independent parts already rendered."""

    id: str
    version: str
    system: str
    user_template: str
    hash: str


@dataclass(frozen=True)
class RenderedPrompt:
    messages: list[dict[str, str]]
    cut: CutText


def _definitions(tax: Taxonomy) -> str:
    return "\n".join(f"- {name}: {text}" for name, text in tax.definitions.items())


def _vocabulary(tax: Taxonomy) -> str:
    lines = [f"- classification (one): {', '.join(tax.classes)}"]
    for f in tax.fields:
        kind = "list, may be empty" if f.multi else "one value or null"
        values = "; ".join(f.values)
        lines.append(f"- {f.key} ({kind}): {values}")
    return "\n".join(lines)


def load_prompt(path: Path | None = None, taxonomy: Taxonomy | None = None, slot: str = "article") -> Prompt:
    """A prompt file: its system part rendered, its user part kept with one `${slot}` for the
    delimited block (an article, or an event's articles) that `render` and the event writer fill."""
    path = path or data_dir("prompts") / "label.toml"
    tax = taxonomy or default_taxonomy()
    spec = PromptFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    try:
        system = Template(spec.system.strip()).substitute(
            definitions=_definitions(tax), vocabulary=_vocabulary(tax)
        )
        Template(spec.user).substitute({slot: ""})
    except KeyError as exc:
        raise ValueError(f"prompt {path} uses unknown placeholder ${{{exc.args[0]}}}") from exc
    user = spec.user.strip()
    return Prompt(spec.id, spec.version, system, user, sha256_json({"system": system, "user": user}))


@lru_cache(maxsize=4)
def default_prompt() -> Prompt:
    return load_prompt()


def delimited(kind: str, digest: str, lines: list[str]) -> list[str]:
    """Untrusted lines between two marker lines carrying a code from `digest` (a content hash of
    what they hold), so the text inside cannot close the block early: it cannot know the code."""
    code = digest.removeprefix("sha256:")[:16]
    return [f"<<<{kind} {code}>>>", *lines, f"<<<END {kind} {code}>>>"]


def article_block(article: Article, text: str, cut: CutText) -> str:
    """The delimited article as the model sees it."""
    head = [f"Title: {article.title or '(none)'}"]
    for name in ("outlet", "date", "language", "url"):
        value = getattr(article, name)
        if value:
            head.append(f"{name.capitalize()}: {value}")
    body = text if text else "(no text; only the title is available)"
    lines = delimited("ARTICLE", article.content_hash, [*head, "", body])
    if cut.truncated:
        lines.append(
            f"(The article text was cut to its first {cut.paragraphs_kept} of "
            f"{cut.paragraphs_total} paragraphs to fit the length limit.)"
        )
    return "\n".join(lines)


def render(prompt: Prompt, article: Article, max_article_tokens: int = DEFAULT_MAX_ARTICLE_TOKENS) -> RenderedPrompt:
    cut = cut_to_budget(article.text or "", max_article_tokens)
    block = article_block(article, cut.text, cut)
    user = Template(prompt.user_template).substitute(article=block)
    return RenderedPrompt(
        messages=[{"role": "system", "content": prompt.system}, {"role": "user", "content": user}],
        cut=cut,
    )

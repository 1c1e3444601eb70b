"""The article, and what reading an input of articles yields: `(line, Article)` or an `InputProblem`.

The readers themselves (JSONL, JSON, CSV/TSV, .xlsx, plain text) are in `aimlabel.core.readers`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from aimlabel.core.hashing import sha256_text


class InputFormat(StrEnum):
    """How an articles file is read; `auto` goes by the extension, then the first bytes."""

    AUTO = "auto"
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"
    XLSX = "xlsx"
    TEXT = "text"


def invisible_only(value: str) -> bool:
    """Nothing a reader would see: whitespace and format characters (U+200B zero width space,
    U+2060 word joiner, U+FEFF, soft hyphens, direction marks) only."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value)  # stops at the first visible one


def _visible(value: object) -> bool:
    """A string that starts with a visible character (the quick answer for nearly every article)."""
    return isinstance(value, str) and bool(value) and (value[0].isalnum() or not invisible_only(value[0]))


class ArticleMeta(BaseModel):
    """What identifies and describes a news article, without its text. The fields are declared
    here once; every other shape of an article (the record's `ArticleRef`, a reviewer's
    `ArticleFields`, a gold line) is built on them."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    title: str | None = None
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    language: str | None = None
    event_id: str | None = None

    @field_validator("id", "event_id", "date", mode="before")
    @classmethod
    def _scalar_to_str(cls, value: object) -> object:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)):
            return str(value)
        return value


class ArticleFields(ArticleMeta):
    """An article as some input carries it: any of its fields, the text too, may be missing."""

    text: str | None = None

    def as_article(self) -> Article | None:
        """The article, when there is a title or a text to label."""
        if all(v is None or invisible_only(v) for v in (self.title, self.text)):
            return None
        return Article.model_validate(self.model_dump())


class Article(ArticleFields):
    """One news article. Only `title` or `text` is required."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _say_why_blank(cls, data: Any) -> Any:
        """A title and text of only invisible characters would reach the model as an empty article."""
        if isinstance(data, dict) and not _visible(data.get("title")) and not _visible(data.get("text")):
            given = [v for v in (data.get("title"), data.get("text")) if v is not None]
            if given and all(isinstance(v, str) and invisible_only(v) for v in given):
                seen = next((ch for v in given for ch in v if not ch.isspace()), None)
                if seen is not None:
                    name = unicodedata.name(seen, "format character")
                    raise ValueError(f"article has neither a title nor a text: they hold only invisible characters "
                                     f"(U+{ord(seen):04X} {name})")
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if not isinstance(value, str) or value[:1].isalnum():
            return value
        return None if invisible_only(value) else value

    @model_validator(mode="after")
    def _needs_content(self) -> Article:
        if not self.title and not self.text:
            raise ValueError("article has neither a title nor a text")
        return self

    @property
    def content_hash(self) -> str:
        return sha256_text(f"{self.title or ''}\n\n{self.text or ''}")

    @property
    def key(self) -> str:
        """Stable identity: the given id, else a hash of title and text."""
        return self.id if self.id else "art-" + self.content_hash.removeprefix("sha256:")[:12]


ARTICLE_FIELDS = tuple(ArticleFields.model_fields)


@dataclass(frozen=True)
class InputProblem:
    """A line (or file) that could not be read as an article."""

    source: str
    line: int
    message: str
    raw_id: str | None = None


InputItem = tuple[int, Article] | InputProblem

"""The readers underneath `aimlabel label`: decoding, column names, JSON documents, tables."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from aimlabel.core.articles import ARTICLE_FIELDS, InputProblem
from aimlabel.core.readers import InputError, iter_articles
from aimlabel.core.readers.columns import ALIASES, ColumnsProblem, article_fields, column_fields
from aimlabel.core.readers.seen import SeenKeys
from aimlabel.core.readers.source import HEAD_BYTES, open_source
from aimlabel.core.readers.xlsx import INSTALL

ROOT = Path(__file__).resolve().parents[2]


def _items(path: Path, **kw: str) -> list:
    return list(iter_articles(str(path), **kw))  # type: ignore[arg-type]


def test_every_article_field_has_an_alias_entry_and_no_alias_is_shared() -> None:
    assert set(ALIASES) == set(ARTICLE_FIELDS)
    names = [n for field, aliases in ALIASES.items() for n in (field, *aliases)]
    assert len(names) == len(set(names))


def test_the_alias_table_in_the_docs_is_the_code_s() -> None:
    doc = (ROOT / "docs" / "labelling.md").read_text()
    rows = {}
    for line in doc.split("| field | also read from |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]:
        field, aliases = (cell.strip() for cell in line.strip("|").split("|"))
        rows[field.strip("`")] = tuple(a.strip().strip("`") for a in aliases.split(","))
    assert rows == {field: aliases for field, aliases in ALIASES.items() if aliases}


def test_column_names_fold_case_spaces_and_separators() -> None:
    assert column_fields(["ID", " Headline ", "BODY", "Published-At", "publishedAt?", "Event ID", "notes"]) == [
        "id", "title", "text", "date", None, "event_id", None]
    assert column_fields(["articleId", "title"]) == ["id", "title"]
    with pytest.raises(ColumnsProblem, match="'Title' and 'title'"):
        column_fields(["Title", "title"])
    assert article_fields({"content": "raw", "text": "clean", "extra": 1}) == {"text": "clean"}
    assert article_fields({"body": "", "content": "only one has a value"}) == {"text": "only one has a value"}
    with pytest.raises(ColumnsProblem):
        article_fields({"body": "a", "content": "b"})


def test_the_issue_s_1001_rows_with_one_unclosed_quote_all_read_but_one(tmp_path: Path) -> None:
    """Issue 13: one of 1,001 rows was labelled, with a 54,708-character title, and exit 0."""
    rows = [f"r{i:04d},Title {i},Body {i} with some words in it" for i in range(1001)]
    rows[0] = 'r0000,"Unclosed title,Body 0'
    path = tmp_path / "news.csv"
    path.write_text("id,title,text\n" + "\n".join(rows) + "\n")
    items = _items(path)
    problems = [i for i in items if isinstance(i, InputProblem)]
    assert [(p.line, "never closes" in p.message) for p in problems] == [(2, True)]
    assert [i[0] for i in items if not isinstance(i, InputProblem)] == list(range(3, 1003))
    assert max(len(i[1].title) for i in items if not isinstance(i, InputProblem)) < 20


def test_lines_split_at_lone_carriage_returns_too(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"id,title\r1,One\r2,Two\r\n3,Three")
    assert [(i[0], i[1].title) for i in _items(path)] == [(2, "One"), (3, "Two"), (4, "Three")]


def test_utf16_lines_are_whole_across_read_blocks(tmp_path: Path) -> None:
    """A UTF-16 file bigger than a read block, with CRLF ends: no line is cut where a block ends."""
    rows = [json.dumps({"id": str(i), "title": f"Titel {i} ünï", "text": "x" * (i % 97)}) for i in range(3000)]
    path = tmp_path / "big.jsonl"
    path.write_bytes("\r\n".join(rows).encode("utf-16"))
    assert path.stat().st_size > 4 * HEAD_BYTES
    items = _items(path)
    assert [i[1].id for i in items] == [str(i) for i in range(3000)]
    assert [i[0] for i in items][-1] == 3000


def test_a_json_array_streams_across_read_blocks(tmp_path: Path) -> None:
    articles = [{"id": str(i), "title": f"T{i}", "text": "word " * 200} for i in range(400)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(articles, indent=1))
    assert path.stat().st_size > 4 * HEAD_BYTES
    items = _items(path)
    assert [i[1].id for i in items] == [str(i) for i in range(400)]
    assert not any(isinstance(i, InputProblem) for i in items)


def test_json_lines_in_a_json_file_keep_their_line_by_line_recovery(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"id": "1", "title": broken}\n{"id": "2", "title": "Two"}\n{"id": "3", "title": "Three"}\n')
    items = _items(path)
    assert isinstance(items[0], InputProblem) and items[0].line == 1
    assert [i[1].id for i in items[1:]] == ["2", "3"]


def test_a_json_array_that_never_closes_says_so(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('[{"id": "1", "title": "One"},\n{"id": "2", "title": "Two"},\n')
    items = _items(path)
    assert [i[1].id for i in items[:2]] == ["1", "2"]
    assert isinstance(items[2], InputProblem) and "never closes" in items[2].message


def test_duplicate_keys_fail_naming_the_first_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "a", "title": "One"}\n{"title": "Same", "text": "t"}\n{"id": "a", "title": "Two"}\n'
                    '{"title": "Same", "text": "t"}\n')
    items = _items(path)
    assert [type(i).__name__ for i in items] == ["tuple", "tuple", "InputProblem", "InputProblem"]
    assert items[2].line == 3 and "duplicate id 'a': line 1 has it too" in items[2].message and items[2].raw_id is None
    assert items[3].line == 4 and "the same title and text: line 2 has it too" in items[3].message


def test_seen_keys_find_every_repeat_as_the_table_grows() -> None:
    keys = SeenKeys(capacity=8)
    assert [keys.first_line(f"k{i}", i) for i in range(5000)] == list(range(5000))
    assert [keys.first_line(f"k{i}", 9999) for i in range(0, 5000, 7)] == list(range(0, 5000, 7))
    assert keys.first_line("k5000", 5000) == 5000 and keys.first_line("", 1) == 1 and keys.first_line("", 2) == 1


def test_a_missing_or_unreadable_input_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        open_source(str(tmp_path / "missing.jsonl"), "utf-8")
    path = tmp_path / "a.jsonl"
    path.write_text('{"title": "x"}\n')
    with pytest.raises(InputError, match="--delimiter applies to CSV and TSV"):
        iter_articles(str(path), delimiter=";")


def test_the_inputs_are_closed_when_reading_ends(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("title\nOne\nTwo\n")
    stream = iter_articles(str(path))
    assert len(list(stream)) == 2  # a file left open would fail this suite (ResourceWarning is an error)
    stream = iter_articles(str(path))
    next(stream)
    stream.close()


def test_the_xlsx_extra_is_declared_as_the_error_names_it() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert INSTALL == "pip install 'aimlabel[xlsx]'"
    assert any(dep.startswith("openpyxl") for dep in extras["xlsx"])
    assert "aimlabel[xlsx]" in extras["test"]

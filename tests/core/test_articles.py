"""Reading articles: every bad line is reported with its number; the rest are read."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from aimlabel.core.articles import Article, InputProblem
from aimlabel.core.readers import InputError, iter_articles


def _read(path: Path, **kw: str) -> tuple[list[tuple[int, Article]], list[InputProblem]]:
    items = list(iter_articles(str(path), **kw))  # type: ignore[arg-type]
    return [i for i in items if not isinstance(i, InputProblem)], [i for i in items if isinstance(i, InputProblem)]


def test_jsonl_bad_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_bytes(
        b'{"id": "a1", "title": "Good one", "text": "Body"}\n'
        b'{"id": "a2", "title": "broken\n'
        b'["not", "an", "object"]\n'
        b"\n"
        b'{"id": "a4", "outlet": "X"}\n'
        b'{"id": "a5", "title": "caf\xe9 latin-1"}\n'
        b'{"id": 6, "text": "numeric id", "event_id": 17}\n'
    )
    good, bad = _read(p)
    assert [(n, a.id) for n, a in good] == [(1, "a1"), (7, "6")]
    assert good[1][1].event_id == "17"
    assert [(b.line, b.raw_id) for b in bad] == [(2, None), (3, None), (5, "a4"), (6, None)]
    assert "not JSON" in bad[0].message
    assert "expected a JSON object" in bad[1].message
    assert "neither a title nor a text" in bad[2].message
    assert "not valid utf-8" in bad[3].message and "--encoding" in bad[3].message


def test_other_encoding_reads_with_flag(tmp_path: Path) -> None:
    p = tmp_path / "latin.jsonl"
    p.write_bytes('{"title": "Café über"}\n'.encode("latin-1"))
    good, bad = _read(p, encoding="latin-1")
    assert not bad and good[0][1].title == "Café über"


def test_bom_and_csv_with_extra_columns(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text(
        "\ufeffid,title,text,outlet,date,url,language,event_id,extra\n"
        'c1,"Title, with comma","Multi\nline body",Outlet,2024-01-01,http://x,en,ev1,zzz\n'
        "c2,,,Outlet,,,,,\n"
        "c3,Only title,,,,,,,\n",
        encoding="utf-8",
    )
    good, bad = _read(p)
    assert [a.id for _, a in good] == ["c1", "c3"]
    assert good[0][1].text == "Multi\nline body" and good[0][1].event_id == "ev1"
    assert len(bad) == 1 and bad[0].raw_id == "c2"


def test_csv_without_title_or_text_column(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("id,summary\n1,x\n")
    with pytest.raises(InputError, match=r"a.csv: line 1: the header needs a title or text column \(or headline, body, content\)"):
        _read(p)


def test_plain_text_file_is_one_article(tmp_path: Path) -> None:
    p = tmp_path / "story.txt"
    p.write_text("\n  Headline here\n\nFirst paragraph.\n\nSecond.\n")
    good, _ = _read(p)
    assert good[0][1].id == "story" and good[0][1].title == "Headline here"
    assert good[0][1].text == "First paragraph.\n\nSecond."
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(InputError, match="empty.txt is empty"):
        _read(empty)


def test_stdin_jsonl_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BufferedReader(io.BytesIO(b'{"title": "From stdin"}\n')))
    monkeypatch.setattr(sys, "stdin", fake)
    items = list(iter_articles("-"))
    assert isinstance(items[0], tuple) and items[0][1].title == "From stdin"


def test_key_is_id_or_content_hash() -> None:
    assert Article(id="x", title="t").key == "x"
    a, b = Article(title="t", text="u"), Article(title="t", text="u")
    assert a.key == b.key and a.key.startswith("art-") and len(a.key) == 16
    assert Article(title="t", text="v").key != a.key

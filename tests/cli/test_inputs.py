"""`aimlabel label` reads what a user hands over, and never drops a row without an error naming
its line: spreadsheets (CSV with any header case, `;` or tab, .xlsx), JSON arrays, UTF-16 files,
broken quotes, empty and invisible inputs.

Articles are sent to an empty recording: every readable article comes back as a
`replay_missing` record, so the records show exactly what was read, line by line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from aimlabel.cli import app

runner = CliRunner()


def _label(tmp_path: Path, path: Path | str, *args: str, stdin: str | bytes | None = None) -> tuple[Result, list[dict[str, Any]]]:
    rec = tmp_path / "empty-recording"
    (rec / "items").mkdir(parents=True, exist_ok=True)
    result = runner.invoke(app, ["label", str(path), "--replay", str(rec), "--model", "m", "--no-store", "-q", *args], input=stdin)
    return result, [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _read(records: list[dict[str, Any]]) -> list[tuple[int | None, str | None]]:
    """(line, title) of every article that was read (and so sent to the model)."""
    return [(r["article"]["line"], r["article"]["title"]) for r in records if r["error"]["type"] == "replay_missing"]


def _problems(records: list[dict[str, Any]]) -> list[tuple[int | None, str]]:
    return [(r["article"]["line"], r["error"]["message"]) for r in records if r["error"]["type"] == "invalid_input"]


# --- issue 13, item 2: an unterminated quote -----------------------------------------------------

def test_an_unterminated_quote_costs_its_own_row_only_with_an_error_naming_the_line(tmp_path: Path) -> None:
    rows = [f"r{i:04d},Title {i},Body {i}" for i in range(100)]
    rows[0] = 'r0000,"Unclosed title,Body 0'
    path = tmp_path / "news.csv"
    path.write_text("id,title,text\n" + "\n".join(rows) + "\n")
    result, records = _label(tmp_path, path)
    assert result.exit_code == 1
    assert len(records) == 100
    (line, message), = _problems(records)
    assert line == 2 and "a quote opened on this line never closes" in message and "lines 3-101" in message
    assert f"{path}:2: skipped: a quote opened on this line never closes" in result.stderr
    read = _read(records)
    assert read[0] == (3, "Title 1") and read[-1] == (101, "Title 99") and len(read) == 99
    assert max(len(title or "") for _, title in read) < 20


def test_a_runaway_quote_that_ends_on_a_later_quote_is_found_too(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_text('id,title,text\n'
                    'a,"Quote never closed,body a\n'
                    'b,Title b,body b\n'
                    'c,"Title, c",body c\n'          # csv: ',' expected after '"'
                    'd,Title d,body d\n'
                    'e,Title e,"Body e\nwith a second line"\n'  # a real multi-line field stays one row
                    'f,Big 55",x\n'
                    'g,Title g,body g\n'
                    'h,Title h,body h\n'
                    'i,Title i,body i\n')
    result, records = _label(tmp_path, path)
    assert [line for line, _ in _problems(records)] == [2]
    assert [t for _, t in _read(records)] == ["Title b", "Title, c", "Title d", "Title e", 'Big 55"', "Title g", "Title h", "Title i"]
    # A stray closing quote: the field swallows lines shaped like rows, with no csv error at all.
    path.write_text('id,title,text\n'
                    'a,"Opened here,x\n'
                    'b,Title b,body b\n'
                    'c,Title c,body c\n'
                    'd,Title d",body d\n'
                    'e,Title e,body e\n')
    result, records = _label(tmp_path, path)
    assert [line for line, _ in _problems(records)] == [2], result.stderr
    assert [t for _, t in _read(records)] == ["Title b", "Title c", 'Title d"', "Title e"]


def test_a_row_split_over_lines_keeps_its_first_line_number(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_text('id,title,text\na,"Two\nline title",x\nb,T,y\n')
    _, records = _label(tmp_path, path)
    assert _read(records) == [(2, "Two\nline title"), (4, "T")]


# --- issue 13, item 13: UTF-16 and byte-order marks --------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_byte_order_mark_decides_the_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes('{"id": "1", "title": "Café ünïcode ☃"}\n{"id": "2", "title": "Zweite"}\n'.encode(encoding))
    for flags in ([], ["--encoding", "utf-16"] if encoding == "utf-16" else ["--encoding", "latin-1"]):
        result, records = _label(tmp_path, path, *flags)
        assert _read(records) == [(1, "Café ünïcode ☃"), (2, "Zweite")], (flags, result.stderr)


def test_utf16_without_a_mark_reads_with_the_flag_and_is_named_without_it(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes('{"id": "1", "title": "Un"}\n{"id": "2", "title": "Deux"}\n'.encode("utf-16-le"))
    _, records = _label(tmp_path, path, "--encoding", "utf-16-le")
    assert _read(records) == [(1, "Un"), (2, "Deux")]
    result, _ = _label(tmp_path, path)
    assert result.exit_code == 2
    assert "looks like UTF-16 without a byte-order mark: pass --encoding utf-16-le" in result.stderr


def test_a_bad_byte_costs_its_line_only(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"id,title\n1,One\n2,caf\xe9\n3,Three\n")
    _, records = _label(tmp_path, path)
    assert _read(records) == [(2, "One"), (4, "Three")]
    assert [(line, "not valid utf-8" in m) for line, m in _problems(records)] == [(3, True)]


# --- issue 13, item 16: empty inputs, invisible text, "at at" ----------------------------------

@pytest.mark.parametrize("name, content", [
    ("empty.jsonl", b""), ("blank.jsonl", b"\n  \n\t\n"), ("bom.csv", b"\xef\xbb\xbf"),
    ("header.csv", b"id,title,text\n"), ("array.json", b"[]"), ("blank.txt", b"\n\n"),
])
def test_an_empty_input_is_an_error_naming_the_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result, records = _label(tmp_path, path)
    assert result.exit_code == 2 and records == []
    assert result.stderr.startswith(f"aimlabel: error: {path} ") and ("is empty" in result.stderr or "holds no articles" in result.stderr)


def test_empty_stdin_is_an_error(tmp_path: Path) -> None:
    result, records = _label(tmp_path, "-", stdin="\n")
    assert result.exit_code == 2 and records == [] and "<stdin> is empty" in result.stderr


def test_invisible_or_blank_text_is_invalid_input_with_why(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "zw", "title": "\u200b\u200b", "text": " \u2060\n\ufeff "}) + "\n"
                    + json.dumps({"id": "ws", "title": " \u3000 ", "text": "\t\n"}) + "\n"
                    + json.dumps({"id": "ok", "title": "\u200b", "text": "Real text."}) + "\n")
    result, records = _label(tmp_path, path)
    assert [(r["id"], r["error"]["type"]) for r in records] == [("zw", "invalid_input"), ("ws", "invalid_input"), ("ok", "replay_missing")]
    assert "only invisible characters (U+200B ZERO WIDTH SPACE)" in records[0]["error"]["message"]
    assert "neither a title nor a text" in records[1]["error"]["message"]
    assert records[2]["article"]["title"] is None
    path = tmp_path / "story.txt"
    path.write_text("\u200b\n\u200b\n")
    _, records = _label(tmp_path, path)
    assert records[0]["error"]["type"] == "invalid_input" and "U+200B" in records[0]["error"]["message"]


def test_json_errors_say_at_once(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "0", "title": "fine"}\n{"id": "1", "title": "never closed')
    result, records = _label(tmp_path, path)
    assert "line 2: not JSON: Unterminated string starting at column 22" in records[1]["error"]["message"]
    assert "at at" not in result.stderr + records[1]["error"]["message"]


# --- issue 18: spreadsheet inputs ---------------------------------------------------------------

def test_headers_match_whatever_their_case_and_spacing_with_documented_aliases(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(" ID ,Headline,Body,Source,Published At,Link,Extra\n"
                    "7,A title,The body.,The Outlet,2024-05-01,http://x.example,ignored\n")
    _, records = _label(tmp_path, path)
    article = records[0]["article"]
    assert (records[0]["id"], article["title"], article["outlet"], article["date"], article["url"]) == (
        "7", "A title", "The Outlet", "2024-05-01", "http://x.example")
    path.write_text("ID,Title,Text\n1,T,B\n")
    assert _read(_label(tmp_path, path)[1]) == [(2, "T")]


def test_two_names_for_one_field_are_an_error_and_a_field_name_wins(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,body,content\n1,x,y\n")
    result, _ = _label(tmp_path, path)
    assert result.exit_code == 2 and "columns 'body' and 'content' both give the text" in result.stderr
    path.write_text("id,Text,content\n1,kept,dropped\n")
    result, records = _label(tmp_path, path)
    assert result.exit_code == 1 and records[0]["error"]["type"] == "replay_missing"


@pytest.mark.parametrize("name, content, flags", [
    ("semi.csv", "id;title;text\n1;Un titre;Le texte, avec des virgules, 3,5 %\n2;Deux;Texte\n", []),
    ("excel.csv", "sep=;\nid;title;text\n1;Un titre;x\n2;Deux;y\n", []),
    ("tabbed.tsv", "id\ttitle\ttext\n1\tUn titre\tx, y\n2\tDeux\tz\n", []),
    ("tabbed.csv", "id\ttitle\ttext\n1\tUn titre\tx, y\n2\tDeux\tz\n", []),
    ("piped.txt.csv", "id|title|text\n1|Un titre|x\n2|Deux|y\n", ["--delimiter", "|"]),
    ("forced.dat", "id;title;text\n1;Un titre;x\n2;Deux;y\n", ["--format", "csv", "--delimiter", "semicolon"]),
], ids=lambda v: v if isinstance(v, str) and "\n" not in v else "")
def test_delimiters_are_sniffed_or_given(tmp_path: Path, name: str, content: str, flags: list[str]) -> None:
    path = tmp_path / name
    path.write_text(content)
    result, records = _label(tmp_path, path, *flags)
    assert [t for _, t in _read(records)] == ["Un titre", "Deux"], result.stderr


def test_a_tsv_is_never_one_article(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text("id\ttitle\ttext\n1\tOne\tx\n2\tTwo\ty\n3\tThree\tz\n")
    assert len(_read(_label(tmp_path, path)[1])) == 3
    result = runner.invoke(app, ["plan", str(path), "--model", "gpt-4o-mini", "--no-prompt"])
    assert result.exit_code == 0 and "articles          3 " in result.stdout
    as_text = tmp_path / "a.txt"
    as_text.write_text(path.read_text())
    result, records = _label(tmp_path, as_text)
    assert result.exit_code == 2 and records == [] and "looks like a table" in result.stderr


def test_a_header_without_title_or_text_says_what_was_expected(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id;summary;score\n1;x;2\n")
    result, records = _label(tmp_path, path)
    assert result.exit_code == 2 and records == []
    assert "the header needs a title or text column (or headline, body, content)" in result.stderr
    assert "--delimiter" in result.stderr


def test_a_json_array_is_read_element_by_element(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"id": "1", "Headline": "One"}, {"id": "2", "title": "Two"}, 5, {"id": "4", "body": "Four"}], indent=2))
    result, records = _label(tmp_path, path)
    assert _read(records) == [(2, "One"), (6, "Two"), (11, None)]
    assert [(line, "expected a JSON object" in m) for line, m in _problems(records)] == [(10, True)]
    path.write_text('[{"id": "1", "title": "One"},\n {"id": "2", "title": "Two" oops},\n {"id": "3", "title": "Three"}]')
    result, records = _label(tmp_path, path)
    assert _read(records) == [(1, "One")]
    (line, message), = _problems(records)
    assert line == 2 and "not JSON" in message and "was not read" in message
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"id": "solo", "title": "Pretty", "text": "printed"}, indent=2))
    assert _read(_label(tmp_path, one)[1]) == [(1, "Pretty")]


def test_stdin_is_read_by_its_content(tmp_path: Path) -> None:
    _, records = _label(tmp_path, "-", stdin="id;title\n1;From a pipe\n")
    assert _read(records) == [(2, "From a pipe")]
    _, records = _label(tmp_path, "-", stdin='[{"title": "Array"}]')
    assert _read(records) == [(1, "Array")]
    _, records = _label(tmp_path, "-", stdin="A plain story\n\nIts text.\n")
    assert _read(records) == [(1, "A plain story")]


@pytest.mark.parametrize("name, content, expected", [
    ("notes.dat", b"Just some words\nand more\n", "cannot tell what"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "save it as .xlsx or .csv"),
    ("a.txt", b'{"title": "json in a txt"}\n', "looks like JSON"),
])
def test_what_is_not_understood_is_an_error_saying_what_was_expected(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result, records = _label(tmp_path, path)
    assert result.exit_code == 2 and records == [] and expected in result.stderr, result.stderr


def test_xlsx_reads_the_first_sheet_with_a_header(tmp_path: Path) -> None:
    import datetime as dt

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["read me first"])
    sheet = book.create_sheet("Articles")
    sheet.append(["Article ID", "Headline", "Body", "Published"])
    sheet.append([101, "First", "Body one", dt.datetime(2024, 3, 1)])
    sheet.append([None, None, None, None])
    sheet.append([103.0, "Third", None, dt.date(2024, 3, 3)])
    sheet.append([104, None, None, "2024-03-04"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    result, records = _label(tmp_path, path)
    assert [(r["id"], r["article"]["line"], r["article"]["date"]) for r in records if r["error"]["type"] == "replay_missing"] == [
        ("101", 2, "2024-03-01"), ("103", 4, "2024-03-03")]
    assert [(line, "neither a title nor a text" in m) for line, m in _problems(records)] == [(5, True)]
    # Told by its content under another name, and on stdin; a CSV forced to be read as .xlsx is an error.
    other = tmp_path / "export.dat"
    other.write_bytes(path.read_bytes())
    assert [r["id"] for r in _label(tmp_path, other)[1]] == ["101", "103", "104"]
    assert [r["id"] for r in _label(tmp_path, "-", stdin=path.read_bytes())[1]] == ["101", "103", "104"]
    csv_file = tmp_path / "a.csv"
    csv_file.write_text("title\nOne\n")
    result, _ = _label(tmp_path, csv_file, "--format", "xlsx")
    assert result.exit_code == 2 and "not an .xlsx workbook openpyxl can read" in result.stderr


def test_xlsx_without_openpyxl_names_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    result, records = _label(tmp_path, path)
    assert result.exit_code == 2 and records == []
    assert "reading .xlsx needs openpyxl, an optional extra: pip install 'aimlabel[xlsx]'" in result.stderr


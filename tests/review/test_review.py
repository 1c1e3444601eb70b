"""`aimlabel review` (page and import) and `aimlabel show`, without a browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.review.highlight import locate, locate_all, render_marked

DATA = Path(__file__).resolve().parents[1] / "data" / "review"
runner = CliRunner()


def _invoke(*args: str) -> object:
    return runner.invoke(app, list(args))


def _gold_copy(tmp_path: Path) -> Path:
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes((DATA / "gold.jsonl").read_bytes())
    return gold


def _rows(path: Path) -> dict[str, dict]:
    return {json.loads(line)["id"]: json.loads(line) for line in path.read_text().splitlines() if line.strip()}


def _decision(id: str, cls: str, reviewer: str = "alice", at: str = "2025-03-01T10:00:00.000Z", **extra: object) -> dict:
    return {"decision_version": "1", "id": id, "classification": cls, "action": "edit", "reviewer": reviewer,
            "decided_at": at, "source": "review-page", **extra}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_page_against_gold_is_self_contained_and_escaped(tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    result = _invoke("review", str(DATA / "labels_a.jsonl"), "--against", str(DATA / "gold.jsonl"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "wrote 6 card(s)" in result.stderr
    page = out.read_text()
    ids = re.findall(r'<article class="card [a-z]+" tabindex="-1" data-id="([^"]+)"', page)
    assert ids[0] == "ex-005" and sorted(ids) == sorted(["ex-001", "ex-002", "ex-003", "ex-004", "ex-005", "evil-1"])
    assert "window.__pwned" in page
    assert "<script>window.__pwned" not in page and "<img src=x" not in page and "</script><script>" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<(link|script)[^>]+(src|href)=", page)
    assert page.count("<script") == 2  # the JSON data block and the page's own script
    assert "not in article" in page and '<mark class="l">' in page
    assert "judged: Economic/Property, Physical (death)" in page


def test_page_to_stdout_and_warns_without_text(tmp_path: Path) -> None:
    result = _invoke("review", str(DATA / "labels_a.jsonl"))
    assert result.exit_code == 0
    assert result.stdout.startswith("<!doctype html>")
    assert "have no text" in result.stderr and "--articles" in result.stderr


def test_unknown_run_is_a_usage_error() -> None:
    result = _invoke("review", "no-such-run", "-o", "x.html")
    assert result.exit_code == 2
    assert "neither a file nor" in result.stderr


def test_show_table_against_gold() -> None:
    result = _invoke("show", str(DATA / "labels_a.jsonl"), "--against", str(DATA / "gold.jsonl"))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "left", "right", "agree", "rule_errors", "title"]
    assert len(lines) == 7
    ex5 = next(line for line in lines if line.startswith("ex-005"))
    assert re.match(r"ex-005\s+AI Incident\s+AI Hazard\s+X\s+0\s+Airline ordered", ex5)
    evil = next(line for line in lines if line.startswith("evil-1"))
    assert re.match(r"evil-1\s+AI Incident\s+AI Incident\s+=\s+1\s+Chatbot leaks", evil)
    assert "1 disagree, 5 agree" in result.stderr


def test_show_disagreements_between_two_runs() -> None:
    result = _invoke("show", str(DATA / "labels_a.jsonl"), "--against", str(DATA / "labels_b.jsonl"),
                     "--articles", str(DATA / "articles.jsonl"), "--disagreements")
    assert result.exit_code == 0, result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert rows == ["ex-002", "ex-005"]
    assert re.search(r"ex-002\s+AI Hazard\s+AI Incident\s+X\s+0/2", result.stdout)  # rules-2: one error per cause


def test_show_reads_a_stored_run(tmp_path: Path) -> None:
    labelled = _invoke("label", "--example", "--run", "example-run", "-o", str(tmp_path / "ex.jsonl"))
    assert labelled.exit_code == 0, labelled.stderr
    result = _invoke("show", "example-run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("ex-001")


def test_review_import_then_reimport_then_conflict(tmp_path: Path) -> None:
    gold = _gold_copy(tmp_path)
    before = gold.read_text().splitlines()
    first = _write(tmp_path / "d1.jsonl", [_decision("ex-005", "AI Incident", note="chatbot misinformation harmed him")])
    result = _invoke("review", "import", str(first), "--gold", str(gold))
    assert result.exit_code == 0, result.stderr
    assert "1 changed" in result.stderr
    after = gold.read_text().splitlines()
    assert [a == b for a, b in zip(before, after)].count(False) == 1  # untouched lines byte for byte
    row = _rows(gold)["ex-005"]
    assert row["gold"]["classification"] == "AI Incident"
    (review,) = row["reviews"]
    assert review["reviewer"] == "alice" and review["decided_at"] == "2025-03-01T10:00:00Z"
    assert review["previous"] == {"classification": "AI Hazard"} and review["imported_at"]

    again = _invoke("review", "import", str(first), "--gold", str(gold))
    assert again.exit_code == 0 and "1 already imported" in again.stderr
    assert gold.read_text().splitlines() == after

    other = _write(tmp_path / "d2.jsonl", [_decision("ex-005", "AI Hazard", reviewer="bob", at="2025-03-02T10:00:00Z")])
    disputed = _invoke("review", "import", str(other), "--gold", str(gold))
    assert disputed.exit_code == 1
    assert "conflict: ex-005: alice says 'AI Incident', bob says 'AI Hazard'; gold keeps 'AI Incident' (policy unanimous" in disputed.stderr
    row = _rows(gold)["ex-005"]
    assert row["gold"]["classification"] == "AI Incident"  # unchanged: no policy decided it
    assert [r["reviewer"] for r in row["reviews"]] == ["alice", "bob"]  # but bob's decision is kept
    assert row["adjudication"]["open"] == ["classification"]

    edit = _write(tmp_path / "d3.jsonl", [_decision("ex-005", "AI Hazard", at="2025-03-03T10:00:00Z")])
    resolved = _invoke("review", "import", str(edit), "--gold", str(gold))
    assert resolved.exit_code == 0, resolved.stderr
    assert "edit: ex-005: alice's 'AI Hazard' (2025-03-03T10:00:00Z) supersedes their 'AI Incident' (2025-03-01T10:00:00Z)" in resolved.stderr
    row = _rows(gold)["ex-005"]
    assert row["gold"]["classification"] == "AI Hazard" and row["adjudication"]["decided_by"] == "unanimous"
    assert row["reviews"][2]["previous"] == {"classification": "AI Incident"}


def test_majority_and_adjudicator_policies(tmp_path: Path) -> None:
    gold = _gold_copy(tmp_path)
    votes = _write(tmp_path / "v.jsonl", [_decision("ex-001", "AI Hazard", reviewer=who) for who in ("alice", "bob")]
                   + [_decision("ex-001", "AI Incident", reviewer="carol")])
    unanimous = _invoke("review", "import", str(votes), "--gold", str(gold))
    assert unanimous.exit_code == 1 and _rows(gold)["ex-001"]["gold"]["classification"] == "AI Incident"
    majority = _invoke("review", "import", str(votes), "--gold", str(gold), "--policy", "majority")
    assert majority.exit_code == 0, majority.stderr
    assert _rows(gold)["ex-001"]["gold"]["classification"] == "AI Hazard"
    assert _rows(gold)["ex-001"]["adjudication"]["decided_by"] == "majority 2 of 3"
    carol = _invoke("review", "import", str(votes), "--gold", str(gold), "--adjudicator", "carol")
    assert carol.exit_code == 0 and _rows(gold)["ex-001"]["gold"]["classification"] == "AI Incident"
    assert len(_rows(gold)["ex-001"]["reviews"]) == 3


def test_second_reviewer_agreeing_is_a_confirmation(tmp_path: Path) -> None:
    gold = _gold_copy(tmp_path)
    _invoke("review", "import", str(_write(tmp_path / "a.jsonl", [_decision("ex-001", "AI Incident")])), "--gold", str(gold))
    result = _invoke("review", "import", str(_write(tmp_path / "b.jsonl", [_decision("ex-001", "AI Incident", reviewer="bob")])),
                     "--gold", str(gold))
    assert result.exit_code == 0 and "1 confirmed" in result.stderr
    assert len(_rows(gold)["ex-001"]["reviews"]) == 2


def test_new_articles_are_added_and_unknown_ones_without_text_skipped(tmp_path: Path) -> None:
    gold = tmp_path / "new" / "gold.jsonl"
    rows = [_decision("n-1", "AI Hazard", article={"title": "Robot arm nearly hits worker", "text": "A near miss."}),
            _decision("n-2", "Unrelated")]
    result = _invoke("review", "import", str(_write(tmp_path / "d.jsonl", rows)), "--gold", str(gold))
    assert result.exit_code == 1
    assert "skipped: n-2: not in the gold file" in result.stderr
    made = _rows(gold)
    assert list(made) == ["n-1"] and made["n-1"]["origin"] == "review" and made["n-1"]["text"] == "A near miss."
    scored = _invoke("eval", "--gold", str(gold), "--labels", str(DATA / "labels_a.jsonl"))
    # the new gold file loads; its one article has no label there, which eval says (not "bad gold file")
    assert scored.exit_code == 2 and "no label in" in scored.stderr and "bad gold" not in scored.stderr


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "not JSON"),
    (json.dumps(_decision("ex-1", "Incident")), "classification 'Incident' is not one of"),
    (json.dumps({**_decision("ex-1", "AI Hazard"), "reviewer": ""}), "reviewer"),
])
def test_bad_decisions_are_refused(tmp_path: Path, line: str, message: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(line + "\n")
    result = _invoke("review", "import", str(bad), "--gold", str(_gold_copy(tmp_path)))
    assert result.exit_code == 2
    assert message in result.stderr


def test_review_help_names_both_forms() -> None:
    result = _invoke("review", "--help")
    assert result.exit_code == 0
    assert "build" in result.stdout and "import" in result.stdout


def test_locate_uses_the_rule_normalisation() -> None:
    text = "He said \u201cthe model is\u00a0too   risky\u201d \u2014 and then left. Later it was released."
    assert locate('"The model is too risky"', text) == ((9, 33),)
    assert text[9:33] == "the model is\u00a0too   risky"
    spans = locate("the model ... was released", text)
    assert [text[s:e] for s, e in spans] == ["the model", "was released"]
    assert locate("not there", text) == ()
    (in_title, in_text), = locate_all(["Big Title"], "A big title here", "body")
    assert in_title.found and in_title.spans == ((2, 11),) and in_text.spans == ()


def test_render_marked_escapes_and_overlaps() -> None:
    html = render_marked("a <b> c", [(0, 5, "l"), (2, 7, "r")])
    assert html == '<mark class="l">a </mark><mark class="l r">&lt;b&gt;</mark><mark class="r"> c</mark>'

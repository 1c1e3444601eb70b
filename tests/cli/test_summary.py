"""The end-of-run line and the terminal table of `aimlabel label`."""

from __future__ import annotations

import io

from aimlabel.cli.summary import RecordTable, summary_line
from aimlabel.core.record import ErrorInfo, Finding, LabelRecord
from aimlabel.run.pipeline import RunTotals


def test_the_counts_partition_the_articles_by_outcome_and_by_source() -> None:
    """Before: "12 ok (11 need review)" and "4 from cache" for 2 articles."""
    totals = RunTotals(ok=12, failed=2, needs_review=11, invalid_input=1, resumed=3, cached=2, not_sent=2)
    line = summary_line(totals, 4200, 0.0123)
    assert line == ("14 articles: 1 ok, 11 need review, 2 failed (1 unreadable input line); "
                    "7 asked now, 2 from cache, 3 from the earlier run, 2 not sent; 4200 tokens, $0.0123")
    assert summary_line(RunTotals(ok=4, fixed=1), 10, 0.0) == ("4 articles: 4 ok, 0 failed, 1 sent back for a fix round (25%); "
                                                              "4 asked now; 10 tokens, $0.0000")
    assert summary_line(RunTotals(ok=1, needs_review=1), 10, None) == "1 article: 0 ok, 1 needs review, 0 failed; 1 asked now; 10 tokens, unknown cost"


def _record(i: int, **fields: object) -> LabelRecord:
    return LabelRecord.model_validate({"id": f"a{i:03d}", "status": "ok", "label": {"classification": "AI Hazard"}, **fields})


def test_the_table_shows_class_status_and_the_top_finding_and_counts_rows_past_its_limit() -> None:
    table = RecordTable(limit=3)
    table.add(_record(0))
    table.add(_record(1, status="needs_review", findings=[
        Finding(rule="taxonomy.principles", severity="warning", message="nine principles"),
        Finding(rule="harm.no-harm", severity="error", message="the rationale says [no harm] occurred")]))
    table.add(LabelRecord(id="a002", status="failed", error=ErrorInfo(type="timeout", message="no answer in 60 s")))
    table.add(_record(3))
    table.add(_record(4))
    out = io.StringIO()
    table.render(out, width=200)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["key", "class", "status", "top", "finding"]
    assert lines[1].split() == ["a000", "AI", "Hazard", "ok"]
    assert "needs_review  error harm.no-harm: the rationale says [no harm] occurred" in lines[2]
    assert lines[3].split()[:3] == ["a002", "-", "failed"] and "timeout: no answer in 60 s" in lines[3]
    assert lines[4] == "... and 2 more records" and len(lines) == 5


def test_the_table_has_a_confidence_column_once_a_record_carries_one() -> None:
    table = RecordTable(limit=5)
    table.add(_record(0, confidence={"source": "logprobs", "method": "logprobs", "probability": 0.912}))
    table.add(_record(1, confidence={"source": "logprobs", "method": "logprobs", "probability": 0.9, "calibrated": 0.634}))
    table.add(_record(2, confidence={"source": "unavailable", "note": "the server sent no logprobs"}))
    out = io.StringIO()
    table.render(out, width=200)
    lines = out.getvalue().splitlines()
    assert "confidence" in lines[0].split()
    assert "0.91" in lines[1].split() and "0.63" in lines[2].split() and "0.90" not in lines[2].split()
    assert not any(cell.replace(".", "").isdigit() for cell in lines[3].split())

"""Evidence quotes must come from the article (evidence.in-article)."""

from __future__ import annotations

from pathlib import Path

from aimlabel.rules import check_label, run_item_rules
from aimlabel.rules.evidence import quote_in_text
from aimlabel.rules.text import normalise
from conftest import check_article

DATA = Path(__file__).parent / "data" / "check"


article = check_article


def evidence_findings(quotes: list[str], article_id: str = "bank-voice-fraud") -> list[str]:
    label = {"evidence": quotes}
    return [f.message for f in check_label(label, article(article_id)) if f.rule == "evidence.in-article"]


def test_quotes_copied_with_other_quote_marks_case_and_spacing_pass() -> None:
    quotes = [
        '"the attempt was stopped within minutes,"',  # article uses curly quotes and capital T
        "the  transfer was blocked\nbefore any money left the account.",
        "Bank's fraud system stops deepfake voice call",  # from the title
    ]
    assert evidence_findings(quotes) == []


def test_quote_with_an_ellipsis_passes_when_each_piece_is_in_order() -> None:
    text = normalise(article("bank-voice-fraud").text or "")
    assert quote_in_text("a caller used a cloned voice ... to request an urgent transfer", text)
    assert not quote_in_text("to request an urgent transfer ... a caller used a cloned voice", text)


def test_invented_quote_is_an_error_naming_the_quote() -> None:
    messages = evidence_findings(["the transfer was blocked", "police arrested two suspects"])
    assert messages == [
        'evidence quote 2 of 2 is not in the article: "police arrested two suspects"; check the '
        "article and copy the passage word for word, or drop the quote"
    ]


def test_paraphrase_is_an_error() -> None:
    assert len(evidence_findings(["the bank blocked the transfer before money left"])) == 1


def test_skipped_without_article_text() -> None:
    result = run_item_rules({"evidence": ["anything at all"]}, None)
    assert result.skipped["evidence.in-article"] == "no article text"
    assert [f for f in result.findings if f.rule == "evidence.in-article"] == []

"""The rule check after each answer reads what the model read, and runs off the event loop."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from aimlabel.core.articles import Article
from aimlabel.rules import RuleConfig
from aimlabel.run import pipeline
from conftest import Harness, example_articles, ok_reply

HIDDEN = "The vault was later emptied by a rogue trading robot."


def _huge_article() -> Article:
    base = next(a for a in example_articles() if a.key == "ex-001")
    filler = ("Officials repeated that the review of the payment was still going on at the bank. " * 12 + "\n\n")
    text = (base.text or "") + "\n\n" + filler * (10_200_000 // len(filler)) + HIDDEN
    return base.model_copy(update={"text": text})


def test_a_quote_only_in_the_cut_off_part_is_not_in_the_article(harness: Harness, answers: dict[str, Any],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, bool]] = []
    real = pipeline.check_label

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append((len(kwargs["text"]), threading.current_thread() is threading.main_thread()))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "check_label", spy)
    article = _huge_article()
    assert len(article.text or "") > 10_000_000
    harness.fake.queue(ok_reply(dict(answers["ex-001"], evidence=[*answers["ex-001"]["evidence"], HIDDEN])))
    harness.run([article], rules=RuleConfig(), fix_rounds=0)
    record = harness.records[0]
    assert record.article is not None and record.article.truncated
    sent = record.article.chars_sent or 0
    assert seen and all(n <= sent + len(article.title or "") + 1 for n, _ in seen), (seen, sent)
    assert sent < 20_000
    evidence = [f for f in record.findings if f.rule == "evidence.in-article"]
    assert len(evidence) == 1 and "rogue trading robot" in evidence[0].message
    assert record.status == "needs_review"
    assert not any(on_loop for _, on_loop in seen), "the rule check ran on the event loop's thread"

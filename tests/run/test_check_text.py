"""The rule check after each answer reads what the model read."""

from __future__ import annotations

from typing import Any

import pytest

from aimlabel.core.articles import Article
from aimlabel.rules import RuleConfig
from aimlabel.rules import item as rule_item
from conftest import Harness, example_articles, ok_reply

HIDDEN = "The vault was later emptied by a rogue trading robot."


def _huge_article() -> Article:
    base = next(a for a in example_articles() if a.key == "ex-001")
    filler = ("Officials repeated that the review of the payment was still going on at the bank. " * 12 + "\n\n")
    text = (base.text or "") + "\n\n" + filler * (10_200_000 // len(filler)) + HIDDEN
    return base.model_copy(update={"text": text})


def test_a_quote_only_in_the_cut_off_part_is_not_in_the_article(harness: Harness, answers: dict[str, Any],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = rule_item.check_label

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(len(kwargs["text"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(rule_item, "check_label", spy)  # the pipeline loads it from there on first use
    article = _huge_article()
    assert len(article.text or "") > 10_000_000
    harness.fake.queue(ok_reply(dict(answers["ex-001"], evidence=[*answers["ex-001"]["evidence"], HIDDEN])))
    harness.run([article], rules=RuleConfig(), fix_rounds=0)
    record = harness.records[0]
    assert record.article is not None and record.article.truncated
    sent = record.article.chars_sent or 0
    assert seen and all(n <= sent + len(article.title or "") + 1 for n in seen), (seen, sent)
    assert sent < 20_000
    evidence = [f for f in record.findings if f.rule == "evidence.in-article"]
    assert len(evidence) == 1 and "rogue trading robot" in evidence[0].message
    assert record.status == "needs_review"


def test_the_rule_check_keeps_no_memory_per_article(answers: dict[str, Any]) -> None:
    """A parsed article text weighs hundreds of KB: a check that cached thousands grew a run by GBs."""
    import gc
    import tracemalloc

    from aimlabel.core.taxonomy import default_taxonomy
    from aimlabel.rules import check_label

    base = next(a for a in example_articles() if a.key == "ex-001")
    taxonomy, config = default_taxonomy(), RuleConfig()
    label = dict(answers["ex-001"], harm_types=["Physical (death)"])  # the rule that reads the article text

    def check(i: int) -> None:
        text = " ".join(f"Officials in district {i} said camera {i * 7 + k} flagged {k} wrong cars." for k in range(120))
        check_label(label, base, taxonomy=taxonomy, config=config, text=text)

    tracemalloc.start()  # before the warm-up: objects made earlier would not be counted when freed
    try:
        for i in range(70):  # past whatever a bounded cache holds
            check(i)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(70, 170):
            check(i)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 5_000_000, f"the rule check kept {grown:,} more bytes after 100 more articles"

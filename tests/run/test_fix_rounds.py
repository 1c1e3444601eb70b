"""Rule errors go back to the model for a bounded re-ask; what remains marks `needs_review`."""

from __future__ import annotations

from pathlib import Path

from aimlabel.rules import RULES_VERSION, RuleConfig
from conftest import Harness, example_articles, ok_reply

FAKE_QUOTE = "the CFO admitted the AI system was hacked by North Korea"


def _bad(answers: dict) -> dict:
    return dict(answers["ex-001"], evidence=[FAKE_QUOTE])


def test_hallucinated_quote_is_fed_back_and_fixed(answers: dict) -> None:
    h = Harness()
    h.fake.queue(ok_reply(_bad(answers), usage=(100, 10))).queue(ok_reply(answers["ex-001"], usage=(200, 20)))
    h.run(example_articles()[:1], rules=RuleConfig(), fix_rounds=1)
    rec = h.records[0]
    assert rec.status == "ok" and rec.findings == []
    assert rec.label == answers["ex-001"]
    assert rec.attempts.model_dump() == {"requests": 2, "answers": 2, "fix_rounds": 1}
    assert rec.usage.total_tokens == 330
    assert rec.provenance is not None and rec.provenance.rules_version == RULES_VERSION
    feedback = h.fake.requests[1]["messages"]
    assert feedback[-2]["role"] == "assistant" and FAKE_QUOTE in feedback[-2]["content"]
    assert feedback[-1]["role"] == "user" and "Your label has these problems" in feedback[-1]["content"]
    assert FAKE_QUOTE in feedback[-1]["content"]


def test_errors_left_after_the_rounds_mark_needs_review(answers: dict) -> None:
    h = Harness()
    h.fake.queue(ok_reply(_bad(answers))).queue(ok_reply(_bad(answers)))
    totals = h.run(example_articles()[:1], rules=RuleConfig(), fix_rounds=1)
    rec = h.records[0]
    assert rec.status == "needs_review" and rec.label is not None and rec.error is None
    assert [f.severity for f in rec.findings if f.rule == "evidence.in-article"] == ["error"]
    assert totals.ok == 1 and totals.needs_review == 1 and totals.failed == 0
    no_fix = Harness()
    no_fix.fake.queue(ok_reply(_bad(answers)))
    no_fix.run(example_articles()[:1], rules=RuleConfig(), fix_rounds=0)
    assert len(no_fix.fake.requests) == 1 and no_fix.records[0].status == "needs_review"


def test_fix_round_replays_identically(answers: dict, tmp_path: Path) -> None:
    live = Harness()
    live.fake.queue(ok_reply(_bad(answers))).queue(ok_reply(answers["ex-001"]))
    live.run(example_articles()[:1], rules=RuleConfig(), record=tmp_path / "rec")
    again = Harness()
    again.run(example_articles()[:1], rules=RuleConfig(), replay=tmp_path / "rec")
    a, b = live.records[0].model_dump(), again.records[0].model_dump()
    for r in (a, b):
        r["provenance"].pop("source")
        r["provenance"].pop("recording_producer")
    assert a == b and b["status"] == "ok"


def test_a_fix_round_the_recording_lacks_fails_the_replayed_article(answers: dict, tmp_path: Path) -> None:
    """Recorded without the rule check, replayed with it: the label is not what a live run would
    give, so the article fails with replay_mismatch instead of passing as needs_review."""
    live = Harness()
    live.fake.queue(ok_reply(_bad(answers)))
    live.run(example_articles()[:1], rules=None, record=tmp_path / "rec")
    for fast in (True, False):
        again = Harness()
        totals = again.run(example_articles()[:1], rules=RuleConfig(), replay=tmp_path / "rec", fast_replay=fast)
        rec = again.records[0]
        assert rec.status == "failed" and rec.label is None and totals.failed == 1
        assert rec.error is not None and rec.error.type == "replay_mismatch" and "--fix-rounds" in rec.error.message


AIM_STYLE_HAZARD = (
    "The article explicitly involves an AI system (VALL-E 2) that can clone a voice from a few seconds of "
    "audio. Microsoft has withheld it because its misuse could plausibly lead to an AI Incident through "
    "impersonation and fraud. No actual harm has occurred or been reported, so this is not an AI Incident or "
    "Complementary Information; it fits the definition of an AI Hazard rather than a realised incident."
)


def test_a_correct_aim_style_label_is_not_sent_back(answers: dict) -> None:
    """AIM's own formulas (negated class lists, "could plausibly lead to an AI Incident") must not
    read as a contradiction: no fix round, no finding."""
    label = dict(answers["ex-002"], rationale=AIM_STYLE_HAZARD)
    h = Harness()
    h.fake.queue(ok_reply(label))
    h.run(example_articles()[1:2], rules=RuleConfig(), fix_rounds=1)
    rec = h.records[0]
    assert len(h.fake.requests) == 1
    assert rec.status == "ok" and rec.findings == []
    assert rec.attempts.model_dump() == {"requests": 1, "answers": 1, "fix_rounds": 0}

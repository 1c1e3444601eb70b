"""The review page in a real headless Chromium: cards render, filters, keys, decisions, download.

The browser is the `driver` fixture of tests/conftest.py (it skips without Chromium, except on CI).
"""

from __future__ import annotations

import json
import time
from datetime import UTC
from pathlib import Path

from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.review.decisions import read_decisions
from aimlabel.review.goldwrite import import_decisions

DATA = Path(__file__).resolve().parents[1] / "data" / "review"


def _build(tmp_path: Path) -> Path:
    page = tmp_path / "review.html"
    result = CliRunner().invoke(app, ["review", str(DATA / "labels_a.jsonl"), "--against", str(DATA / "labels_b.jsonl"),
                                      "--articles", str(DATA / "articles.jsonl"), "-o", str(page)])
    assert result.exit_code == 0, result.stderr
    return page


def _shown(browser: object) -> list[str]:
    return browser.execute_script(  # type: ignore[attr-defined]
        "return Array.from(document.querySelectorAll('article.card')).filter(c => !c.hidden).map(c => c.dataset.id)")


def test_review_page_in_chromium(driver: object, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser = driver
    page = _build(tmp_path)
    browser.get(page.as_uri())  # type: ignore[attr-defined]

    cards = browser.find_elements(By.CSS_SELECTOR, "article.card")  # type: ignore[attr-defined]
    assert [c.get_attribute("data-id") for c in cards][:2] == ["ex-002", "ex-005"]  # disagreements first
    assert len(cards) == 6
    assert browser.execute_script("return window.__pwned === undefined")  # type: ignore[attr-defined]
    evil = browser.find_element(By.CSS_SELECTOR, 'article.card[data-id="evil-1"]')  # type: ignore[attr-defined]
    assert "<script>window.__pwned=1</script>" in evil.find_element(By.CSS_SELECTOR, "h2").text
    assert evil.find_elements(By.CSS_SELECTOR, ".text mark.l")
    assert "not in article" in evil.find_element(By.CSS_SELECTOR, ".side.left .evidence").text

    Select(browser.find_element(By.ID, "f-agree")).select_by_value("disagree")  # type: ignore[attr-defined]
    assert _shown(browser) == ["ex-002", "ex-005"]
    Select(browser.find_element(By.ID, "f-agree")).select_by_value("")  # type: ignore[attr-defined]
    Select(browser.find_element(By.ID, "f-rule")).select_by_value("evidence.in-article")  # type: ignore[attr-defined]
    assert _shown(browser) == ["evil-1"]
    Select(browser.find_element(By.ID, "f-rule")).select_by_value("")  # type: ignore[attr-defined]
    conf = browser.find_element(By.ID, "f-conf")  # type: ignore[attr-defined]
    browser.execute_script("arguments[0].value = '0.75'; arguments[0].dispatchEvent(new Event('input'))", conf)  # type: ignore[attr-defined]
    assert sorted(_shown(browser)) == ["ex-001", "ex-003", "ex-004"]
    browser.execute_script("arguments[0].value = '0'; arguments[0].dispatchEvent(new Event('input'))", conf)  # type: ignore[attr-defined]
    assert len(_shown(browser)) == 6

    browser.find_element(By.ID, "reviewer").send_keys("alice")  # type: ignore[attr-defined]
    body = browser.find_element(By.TAG_NAME, "body")  # type: ignore[attr-defined]
    browser.execute_script("document.activeElement.blur()")  # type: ignore[attr-defined]
    body.send_keys("j")
    body.send_keys("2")  # ex-002: accept the right side (AI Incident), and move on
    assert _current(browser) == "ex-005"
    body.send_keys("e")  # ex-005: edit
    Select(browser.find_element(By.ID, "edit-class")).select_by_value("AI Hazard")  # type: ignore[attr-defined]
    browser.find_element(By.ID, "edit-note").send_keys("refund invented, but <b>no</b> harm yet")  # type: ignore[attr-defined]
    _tick(browser, "ai_principles", "none")  # "none" is an answer; untouched fields are not recorded
    _tick(browser, "harm_types", "Reputational")  # added to the pre-ticked Economic/Property
    browser.find_element(By.ID, "edit-save").click()  # type: ignore[attr-defined]
    assert browser.find_element(By.ID, "ndec").text == "2"  # type: ignore[attr-defined]
    assert "decided: AI Incident" in browser.find_element(By.CSS_SELECTOR, 'article[data-id="ex-002"] .decision').text  # type: ignore[attr-defined]
    body.send_keys("?")
    assert browser.find_element(By.ID, "help").is_displayed()  # type: ignore[attr-defined]
    body.send_keys("\ue00c")  # Escape
    browser.save_screenshot(str(tmp_path / "review.png"))  # type: ignore[attr-defined]
    assert (tmp_path / "review.png").stat().st_size > 0

    browser.refresh()  # type: ignore[attr-defined]
    assert browser.find_element(By.ID, "ndec").text == "2"  # type: ignore[attr-defined]  (kept in localStorage)

    # alice changes her mind on ex-002; then bob, on the same page, disagrees with her there
    browser.execute_script("document.activeElement.blur()")  # type: ignore[attr-defined]
    body = browser.find_element(By.TAG_NAME, "body")  # type: ignore[attr-defined]
    body.send_keys("j")
    assert _current(browser) == "ex-002"
    body.send_keys("1")
    reviewer = browser.find_element(By.ID, "reviewer")  # type: ignore[attr-defined]
    reviewer.clear()
    reviewer.send_keys("bob\t")
    assert "others: AI Hazard (accept left by alice)" in browser.find_element(By.CSS_SELECTOR, 'article[data-id="ex-002"] .decision').text  # type: ignore[attr-defined]
    button = browser.find_element(By.CSS_SELECTOR, 'article[data-id="ex-002"] .accept-right')  # type: ignore[attr-defined]
    browser.execute_script("arguments[0].click()", button)  # type: ignore[attr-defined]  (the sticky header covers it)
    assert browser.find_element(By.ID, "ndec").text == "4"  # type: ignore[attr-defined]

    browser.find_element(By.ID, "download").click()  # type: ignore[attr-defined]
    downloads: Path = browser.downloads  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not [f for f in downloads.glob("decisions-*.jsonl") if f.stat().st_size]:
        time.sleep(0.05)
    (saved,) = downloads.glob("decisions-*.jsonl")
    decisions = read_decisions(saved)
    assert [(d.id, d.reviewer, d.action, d.classification) for d in decisions] == [
        ("ex-002", "alice", "accept_right", "AI Incident"), ("ex-005", "alice", "edit", "AI Hazard"),
        ("ex-002", "alice", "accept_left", "AI Hazard"), ("ex-002", "bob", "accept_right", "AI Incident")]
    edit = decisions[1]
    assert edit.note == "refund invented, but <b>no</b> harm yet" and edit.decided_at is not None
    assert edit.taxonomy == {"ai_principles": [], "harm_types": ["Reputational", "Economic/Property"]}  # vocabulary order
    assert edit.origin == {"classification": "manual", "ai_principles": "manual", "harm_types": "manual"}

    gold = tmp_path / "gold.jsonl"
    gold.write_bytes((DATA / "gold.jsonl").read_bytes())
    report = import_decisions(gold, decisions)
    assert report.reviewers == ["alice", "bob"]
    assert report.superseded == [f"ex-002: alice's 'AI Hazard' ({_iso(decisions[2])}) supersedes their 'AI Incident' ({_iso(decisions[0])})"]
    assert len(report.conflicts) == 1 and report.conflicts[0].startswith("ex-002: alice says 'AI Hazard', bob says 'AI Incident'; gold keeps")
    assert report.written and report.changed == ["ex-005"]  # its taxonomy: ai_principles none, harm types
    rows = {json.loads(line)["id"]: json.loads(line) for line in gold.read_text().splitlines()}
    assert [r["reviewer"] for r in rows["ex-002"]["reviews"]] == ["alice", "alice", "bob"]
    assert rows["ex-005"]["gold"]["taxonomy"]["ai_principles"] == {"values": []}


def _iso(decision: object) -> str:
    return decision.decided_at.astimezone(UTC).isoformat().replace("+00:00", "Z")  # type: ignore[attr-defined]


def _current(browser: object) -> str:
    return browser.execute_script("return document.querySelector('article.card.current').dataset.id")  # type: ignore[attr-defined,no-any-return]


def _tick(browser: object, field: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    box = browser.find_element(By.CSS_SELECTOR, f'#edit-taxonomy fieldset[data-key="{field}"]')  # type: ignore[attr-defined]
    next(i for i in box.find_elements(By.TAG_NAME, "input") if i.get_attribute("value") == value).click()


def test_card_shows_the_labels_harm_and_finds_the_text_from_the_records_source(driver: object, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    articles = [json.loads(line) for line in (DATA / "articles.jsonl").read_text().splitlines()]
    for article in articles:
        if article["id"] == "ex-004":
            article["text"] += " Edited after labelling."
    (tmp_path / "articles.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    for name in ("labels_a.jsonl", "labels_b.jsonl"):
        rows = [json.loads(line) for line in (DATA / name).read_text().splitlines()]
        for row in rows:
            row["article"]["source"] = "articles.jsonl"  # where it was read, relative to the labels file
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    page = tmp_path / "review.html"
    result = CliRunner().invoke(app, ["review", str(tmp_path / "labels_a.jsonl"), "--against", str(tmp_path / "labels_b.jsonl"), "-o", str(page)])
    assert result.exit_code == 0, result.stderr
    assert "ex-004: the text in" in result.stderr and "is not the one that was labelled" in result.stderr
    browser = driver
    browser.get(page.as_uri())  # type: ignore[attr-defined]
    card = browser.find_element(By.CSS_SELECTOR, 'article.card[data-id="ex-001"]')  # type: ignore[attr-defined]
    assert card.find_elements(By.CSS_SELECTOR, ".text mark.l") and card.find_elements(By.CSS_SELECTOR, ".text mark.r")
    harm = card.find_element(By.CSS_SELECTOR, ".side.left .harm").text
    assert "AI system" in harm and "Deepfake video" in harm and "realised harm" in harm
    assert "confidence 0.90" in card.find_element(By.CSS_SELECTOR, ".side.right").text
    changed = browser.find_element(By.CSS_SELECTOR, 'article.card[data-id="ex-004"]')  # type: ignore[attr-defined]
    assert "article text not available" in changed.text

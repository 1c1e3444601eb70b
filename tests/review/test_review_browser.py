"""The review page in a real headless Chromium: cards render, filters, keys, decisions, download.

The browser is the `driver` fixture of tests/conftest.py (it skips without Chromium, except on CI).
"""

from __future__ import annotations

import json
import time
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
    body.send_keys("2")  # ex-002: accept the right side (AI Incident)
    body.send_keys("j")
    body.send_keys("e")  # ex-005: edit
    Select(browser.find_element(By.ID, "edit-class")).select_by_value("AI Hazard")  # type: ignore[attr-defined]
    browser.find_element(By.ID, "edit-note").send_keys("refund invented, but <b>no</b> harm yet")  # type: ignore[attr-defined]
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

    browser.find_element(By.ID, "download").click()  # type: ignore[attr-defined]
    downloads: Path = browser.downloads  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not list(downloads.glob("decisions-*.jsonl")):
        time.sleep(0.05)
    (saved,) = downloads.glob("decisions-*.jsonl")
    decisions = {d.id: d for d in read_decisions(saved)}
    assert set(decisions) == {"ex-002", "ex-005"}
    assert decisions["ex-002"].action == "accept_right" and decisions["ex-002"].classification == "AI Incident"
    assert decisions["ex-005"].note == "refund invented, but <b>no</b> harm yet"
    assert decisions["ex-005"].reviewer == "alice" and decisions["ex-005"].decided_at is not None

    gold = tmp_path / "gold.jsonl"
    gold.write_bytes((DATA / "gold.jsonl").read_bytes())
    report = import_decisions(gold, list(decisions.values()))
    assert report.written and sorted(report.changed) == ["ex-002"] and report.confirmed == ["ex-005"]
    rows = {json.loads(line)["id"]: json.loads(line) for line in gold.read_text().splitlines()}
    assert rows["ex-002"]["gold"]["classification"] == "AI Incident"
    assert rows["ex-002"]["reviews"][0]["reviewer"] == "alice"

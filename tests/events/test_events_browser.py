"""The event pages in a real headless Chromium (the `driver` fixture of tests/conftest.py): the
AIM layout, one event at a time, outliers marked with their finding, each article opening its
review card, and nothing from the labels able to run script."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.testing.fakeserver import start_fake_server

DATA = Path(__file__).resolve().parents[1] / "data" / "events"


def _build(tmp_path: Path, *extra: str) -> Path:
    page = tmp_path / "events.html"
    result = CliRunner().invoke(app, ["events", str(DATA / "labels.jsonl"), "--articles", str(DATA / "articles.jsonl"),
                                      "--html", str(page), "-o", str(tmp_path / "events.jsonl"), *extra])
    assert result.exit_code == 0, result.stderr
    return page


def _visible(browser: object) -> list[str]:
    return browser.execute_script(  # type: ignore[attr-defined]
        "return Array.from(document.querySelectorAll('section.event')).filter(s => !s.hidden).map(s => s.dataset.eventId)")


def test_event_pages_in_chromium(driver: object, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser = driver
    with start_fake_server(max_seconds=60) as server:
        page = _build(tmp_path, "--against", str(DATA / "gold.jsonl"), "--model", "fake", "--base-url", server.base_url, "--api-key", "k")
    browser.get(page.as_uri())  # type: ignore[attr-defined]
    find = browser.find_element  # type: ignore[attr-defined]

    assert _visible(browser) == ["robotaxi"]
    event = find(By.CSS_SELECTOR, 'section.event[data-event-id="robotaxi"]')
    headings = [h.text for h in event.find_elements(By.CSS_SELECTOR, "h2, h3")]
    assert headings == ["Event: Robotaxi drags pedestrian after collision", "Why's our monitor labelling this an incident or hazard?",
                        "Articles about this incident or hazard"]
    assert event.find_element(By.CSS_SELECTOR, ".event-summary").text.startswith("The event groups 3 article(s)")
    assert event.find_element(By.CSS_SELECTOR, ".event-rationale").text.endswith("This is an AI Incident.")
    assert "written by fake" in event.find_element(By.CSS_SELECTOR, ".source").text
    chips = {f.get_attribute("data-field"): [c.text for c in f.find_elements(By.CSS_SELECTOR, ".chip")]
             for f in event.find_elements(By.CSS_SELECTOR, ".chip-field")}
    assert chips["ai_principles"] == ["Safety 3/3"] and chips["severity"] == ["AI incident"]

    articles = event.find_elements(By.CSS_SELECTOR, "li.article")
    assert [a.get_attribute("data-id") for a in articles] == ["rt-1", "rt-2", "rt-3", "rt-4", "rt-5", "rt-6"]
    outlier = event.find_element(By.CSS_SELECTOR, 'li.article[data-id="rt-3"]')
    assert "role-outlier" in outlier.get_attribute("class")
    assert "event.class-conflict" in outlier.find_element(By.CSS_SELECTOR, ".outlier-flag").text
    assert outlier.find_element(By.CSS_SELECTOR, ".cls").text == "AI Hazard"
    follow_up = event.find_element(By.CSS_SELECTOR, 'li.article[data-id="rt-4"]')
    assert "event.complementary-member" in follow_up.find_element(By.CSS_SELECTOR, ".outlier-flag").text
    assert not event.find_elements(By.CSS_SELECTOR, 'li.article[data-id="rt-1"] .outlier-flag')
    evil = event.find_element(By.CSS_SELECTOR, 'li.article[data-id="rt-6"] button.open-card')
    assert evil.text.startswith("<script>window.__pwned=1</script>")
    assert browser.execute_script("return window.__pwned === undefined")  # type: ignore[attr-defined]

    outlier.find_element(By.CSS_SELECTOR, "button.open-card").click()
    overlay = find(By.ID, "card-overlay")
    assert overlay.is_displayed()
    card = overlay.find_element(By.CSS_SELECTOR, ".card-holder:not([hidden]) article.card")
    assert card.get_attribute("data-id") == "rt-3" and card.get_attribute("data-agree") == "disagree"
    sides = [s.find_element(By.CSS_SELECTOR, ".cls").text.rstrip(" ≠") for s in card.find_elements(By.CSS_SELECTOR, "section.side")]
    assert sides == ["AI Hazard", "AI Incident"]  # the label beside gold
    assert "could fail to detect pedestrians" in card.find_element(By.CSS_SELECTOR, ".text mark.l").text
    assert not card.find_element(By.CSS_SELECTOR, ".actions").is_displayed()
    browser.save_screenshot(str(tmp_path / "card.png"))  # type: ignore[attr-defined]
    find(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape
    assert not overlay.is_displayed()

    find(By.CSS_SELECTOR, '#event-nav a[data-event="event-2"]').click()
    assert _visible(browser) == ["voice"]
    assert browser.execute_script("return location.hash") == "#event-2"  # type: ignore[attr-defined]
    browser.refresh()  # type: ignore[attr-defined]
    assert _visible(browser) == ["voice"]  # the hash picks the event
    browser.save_screenshot(str(tmp_path / "event.png"))  # type: ignore[attr-defined]
    assert (tmp_path / "event.png").stat().st_size > 0


def test_without_a_model_the_page_says_so_and_shows_a_pages_own_text(driver: object, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser = driver
    page = _build(tmp_path)
    browser.get(page.as_uri())  # type: ignore[attr-defined]
    event = browser.find_element(By.CSS_SELECTOR, "section.event:not([hidden])")  # type: ignore[attr-defined]
    assert event.find_element(By.CSS_SELECTOR, ".event-title").text == "(untitled event robotaxi)"
    assert "Not written: no --model or --replay was given" in event.find_element(By.CSS_SELECTOR, ".source").text
    assert event.find_element(By.CSS_SELECTOR, ".event-summary").text == "no summary"
    excluded = event.find_element(By.CSS_SELECTOR, 'li.article[data-id="rt-5"]')
    assert excluded.find_element(By.CSS_SELECTOR, ".role").text.lower() == "does not vote"

"""Per-label confidence (issue 15): logprobs in every mode and samples:K, over HTTP against the fake
server process, recorded and replayed; `unavailable` where a server gives none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aimlabel.cli.app import app
from aimlabel.core.prompt import default_prompt, render
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.model.base import ConfidenceError, ConfidenceSpec
from aimlabel.model.logprobs import VALUE_START, logprob_confidence
from aimlabel.model.samples import vote
from aimlabel.testing.fakeserver.answers import Answerer, article_block
from aimlabel.testing.fakeserver.process import FakeServerProcess, start_fake_server
from aimlabel.testing.logprobs import fake_logprobs
from conftest import example_articles

CLASSES = default_taxonomy().classes
runner = CliRunner()
DIST = {"AI Incident": 0.5, "AI Hazard": 0.3, "Complementary Information": 0.15, "Unrelated": 0.05}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServerProcess]:
    with start_fake_server() as s:
        yield s


@pytest.fixture(scope="module")
def plain_server() -> Iterator[FakeServerProcess]:
    """A server that ignores `n` and never returns logprobs."""
    with start_fake_server(ignore_n=True, no_logprobs=True) as s:
        yield s


def _articles(tmp: Path) -> Path:
    path = tmp / "a.jsonl"
    path.write_text("".join(a.model_dump_json() + "\n" for a in example_articles()), encoding="utf-8")
    return path


def _label(tmp: Path, *args: str) -> list[dict[str, Any]]:
    out = tmp / f"out-{len(list(tmp.glob('out-*')))}.jsonl"
    result = runner.invoke(app, ["label", str(_articles(tmp)), "--no-store", "-q", "--api-key", "k" * 20, "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _expected_distribution(article_index: int) -> dict[str, float]:
    """What the fake server put in its logprobs for this article: its own distribution, read off the
    article block exactly as the server reads it."""
    messages = render(default_prompt(), example_articles()[article_index]).messages
    return Answerer(default_taxonomy()).distribution(article_block({"messages": messages}))


@pytest.mark.parametrize("name", CLASSES)
def test_the_class_probability_is_read_where_the_class_names_part(name: str) -> None:
    text = json.dumps({"rationale": 'says "classification": no', "classification": name, "severity": None})
    found = logprob_confidence(fake_logprobs(text, DIST, top=5)["content"], CLASSES)
    assert found.source == "logprobs" and found.probability == pytest.approx(DIST[name], abs=1e-5)
    if name.startswith("AI"):  # both AI classes are read at their second token: the whole distribution is known
        assert found.distribution == pytest.approx(DIST, abs=1e-5)
    assert found.classes_absent == [] and found.coverage == pytest.approx(1.0, abs=1e-5)


def test_a_class_missing_from_top_logprobs_gets_zero_and_is_named() -> None:
    text = json.dumps({"classification": "AI Hazard"})
    found = logprob_confidence(fake_logprobs(text, DIST, top=2)["content"], CLASSES)
    assert found.classes_absent == ["Unrelated"]
    assert found.coverage == pytest.approx(0.95, abs=1e-5)
    assert found.distribution is not None and found.distribution["Unrelated"] == 0
    assert found.probability == pytest.approx(0.3 / 0.95, abs=1e-5)


def test_tokens_without_a_classification_value_are_unavailable() -> None:
    found = logprob_confidence([{"token": '{"x": 1}', "logprob": 0.0, "top_logprobs": []}], CLASSES)
    assert found.source == "unavailable" and found.probability is None and found.note


def test_the_vote_keeps_the_first_answer_of_the_majority_and_breaks_ties_by_the_earliest_vote() -> None:
    result = vote(["AI Hazard", "AI Incident", "AI Incident", None, "AI Hazard"], CLASSES, 1.0, 5)
    assert result.winner == "AI Hazard" and result.chosen == 0  # 2 against 2: AI Hazard voted first
    assert result.confidence.probability == 0.4 and result.confidence.votes == {
        "AI Incident": 2, "AI Hazard": 2, "Complementary Information": 0, "Unrelated": 0}
    assert "1 answer(s) named no class" in (result.confidence.note or "")
    assert vote(["Unrelated", "AI Hazard", "AI Hazard"], CLASSES, 1.0, 4).chosen == 1


@pytest.mark.parametrize("text", ["samples", "samples:1", "samples:21", "samples:3:0", "logprobs:2", "on"])
def test_bad_confidence_values_are_refused(text: str) -> None:
    with pytest.raises(ConfidenceError):
        ConfidenceSpec.parse(text)
    result = runner.invoke(app, ["label", "--example", "-q", "--confidence", text])
    assert result.exit_code == 2 and "--confidence must be" in result.output


@pytest.mark.parametrize("mode", ["json_schema", "tools", "md_json"])
def test_logprobs_confidence_in_every_mode(server: FakeServerProcess, tmp_path: Path, mode: str) -> None:
    records = _label(tmp_path, "--base-url", server.base_url, "--model", "fake-model", "--mode", mode, "--confidence", "logprobs")
    assert len(records) == 5
    for i, record in enumerate(records):
        conf = record["confidence"]
        expected = _expected_distribution(i)
        assert conf["source"] == "logprobs" and conf["method"] == "logprobs"
        assert conf["probability"] == pytest.approx(expected[record["label"]["classification"]], abs=1e-5)
        if record["label"]["classification"].startswith("AI"):
            assert conf["distribution"] == pytest.approx(expected, abs=1e-5)
        assert record["findings"] is not None and "review_reasons" in record  # rule findings stay beside confidence


def test_off_asks_for_no_logprobs_and_records_none(server: FakeServerProcess, tmp_path: Path) -> None:
    records = _label(tmp_path, "--base-url", server.base_url, "--model", "fake-model")
    assert all(r["confidence"] is None for r in records)


def test_a_server_without_logprobs_gives_unavailable_and_nothing_invented(plain_server: FakeServerProcess, tmp_path: Path) -> None:
    for mode in ("json_schema", "tools"):
        records = _label(tmp_path, "--base-url", plain_server.base_url, "--model", "fake-model", "--mode", mode, "--confidence", "logprobs")
        for record in records:
            assert record["status"] in ("ok", "needs_review")
            conf = record["confidence"]
            assert conf["source"] == "unavailable" and conf["probability"] is None and conf["distribution"] is None
            assert "no logprobs" in conf["note"]


@pytest.mark.parametrize("mode", ["json_schema", "tools", "md_json"])
def test_samples_through_n_count_every_answer(server: FakeServerProcess, tmp_path: Path, mode: str) -> None:
    single = _label(tmp_path, "--base-url", server.base_url, "--model", "fake-model", "--mode", mode)
    records = _label(tmp_path, "--base-url", server.base_url, "--model", "fake-model", "--mode", mode, "--confidence", "samples:5:0.7")
    for one, record in zip(single, records):
        conf = record["confidence"]
        assert conf["source"] == "samples" and conf["samples"] == 5 and conf["temperature"] == 0.7 and conf["tie_rule"]
        assert sum(conf["votes"].values()) == 5
        winner = record["label"]["classification"]
        assert conf["votes"][winner] == max(conf["votes"].values()) and conf["probability"] == conf["votes"][winner] / 5
        assert record["attempts"]["requests"] == 1  # the server honours n: one request
        assert record["usage"]["completion_tokens"] == 5 * one["usage"]["completion_tokens"]
        assert record["usage"]["prompt_tokens"] == one["usage"]["prompt_tokens"]
    stats = server.stats()
    assert stats["by_mode"][mode] >= 10


def test_samples_where_the_server_ignores_n_send_k_requests(plain_server: FakeServerProcess, tmp_path: Path) -> None:
    single = _label(tmp_path, "--base-url", plain_server.base_url, "--model", "fake-model")
    records = _label(tmp_path, "--base-url", plain_server.base_url, "--model", "fake-model", "--confidence", "samples:3")
    for one, record in zip(single, records):
        assert record["attempts"] == {"requests": 3, "answers": 3, "fix_rounds": 0}
        assert record["usage"]["total_tokens"] == 3 * one["usage"]["total_tokens"]
        assert record["confidence"]["samples"] == 3 and record["confidence"]["temperature"] == 1.0
    assert any(r["confidence"]["probability"] < 1 for r in records)  # the repeated requests gave different samples


@pytest.mark.parametrize("spec", ["logprobs", "samples:3"])
def test_record_and_replay_keep_the_confidence(server: FakeServerProcess, plain_server: FakeServerProcess, tmp_path: Path,
                                               spec: str) -> None:
    live_server = server if spec == "logprobs" else plain_server
    rec = tmp_path / "rec"
    live = _label(tmp_path, "--base-url", live_server.base_url, "--model", "fake-model", "--confidence", spec, "--record", str(rec))
    fast = _label(tmp_path, "--replay", str(rec), "--confidence", spec)
    full = _label(tmp_path, "--replay", str(rec), "--confidence", spec, "--full-replay")
    assert [r["confidence"] for r in live] == [r["confidence"] for r in fast] == [r["confidence"] for r in full]
    assert [r["label"] for r in live] == [r["label"] for r in fast]


def test_the_cache_keeps_the_confidence(server: FakeServerProcess, tmp_path: Path) -> None:
    args = ["--base-url", server.base_url, "--model", "fake-model", "--confidence", "logprobs"]
    out = [tmp_path / "one.jsonl", tmp_path / "two.jsonl"]
    for path in out:
        result = runner.invoke(app, ["label", str(_articles(tmp_path)), "-q", "--api-key", "k" * 20, "-o", str(path), *args])
        assert result.exit_code == 0, result.output
    first, second = ([json.loads(x) for x in p.read_text().splitlines()] for p in out)
    assert all(r["cached"] for r in second)
    assert [r["confidence"] for r in first] == [r["confidence"] for r in second]


def _completion_with_logprobs(name: str) -> dict[str, Any]:
    from aimlabel.testing.fakes import chat_completion

    answer = {"rationale": 'He said "classification" twice {x} [y].', "classification": name, "severity": None}
    body = chat_completion(answer)
    body["choices"][0]["logprobs"] = {**fake_logprobs(json.dumps(answer, ensure_ascii=False), DIST, top=5), "refusal": None}
    return body


@pytest.mark.parametrize("separators", [(", ", ": "), (",", ":")])
@pytest.mark.parametrize("name", CLASSES)
def test_the_scan_of_the_text_gives_what_a_full_parse_gives(name: str, separators: tuple[str, str]) -> None:
    from aimlabel.model.confidence_wire import strip_logprobs
    from aimlabel.model.logprobs_scan import scan_logprobs

    body = _completion_with_logprobs(name)
    scanned = scan_logprobs(json.dumps(body, separators=separators, ensure_ascii=False).encode(), CLASSES)
    parsed_body, parsed = strip_logprobs(body, CLASSES)
    assert scanned is not None
    assert json.loads(scanned.text) == parsed_body and parsed_body["choices"][0]["logprobs"] is None
    assert scanned.confidence == parsed


def test_a_layout_the_scan_does_not_know_falls_back_to_the_full_parse() -> None:
    from aimlabel.model.logprobs_scan import scan_logprobs

    body = _completion_with_logprobs("AI Hazard")
    content = body["choices"][0]["logprobs"]["content"]
    body["choices"][0]["logprobs"]["content"] = [{"top_logprobs": e["top_logprobs"], "token": e["token"], "logprob": e["logprob"]}
                                                 for e in content]  # alternatives before the token
    assert scan_logprobs(json.dumps(body).encode(), CLASSES) is None
    assert logprob_confidence(body["choices"][0]["logprobs"]["content"], CLASSES).probability == pytest.approx(0.3, abs=1e-5)


def _server_body(mode: str, index: int = 0) -> dict[str, Any]:
    """The fake server's answer with logprobs (5 alternatives at every token) for an example article."""
    messages = render(default_prompt(), example_articles()[index]).messages
    shape: dict[str, Any] = {"json_schema": {"response_format": {"type": "json_schema"}},
                             "tools": {"tools": [{"type": "function", "function": {"name": "AimLabel"}}]},
                             "md_json": {}}[mode]
    return Answerer(default_taxonomy()).completion({"model": "m", "messages": messages, **shape, "logprobs": True, "top_logprobs": 5}, None)


@pytest.mark.parametrize("layout", [{}, {"separators": (",", ":")}, {"indent": 2}])
@pytest.mark.parametrize("mode", ["json_schema", "tools", "md_json"])
def test_the_scan_of_a_whole_answer_reads_what_the_full_parse_reads(mode: str, layout: dict[str, Any]) -> None:
    from aimlabel.model.confidence_wire import strip_logprobs
    from aimlabel.model.logprobs_scan import scan_logprobs

    for index in range(len(example_articles())):
        body = _server_body(mode, index)
        scanned = scan_logprobs(json.dumps(body, **layout).encode(), CLASSES)
        parsed_body, parsed = strip_logprobs(body, CLASSES)
        assert scanned is not None and parsed.source == "logprobs"
        assert json.loads(scanned.text) == parsed_body
        assert scanned.confidence == parsed


def test_logprobs_of_several_choices_are_not_scanned() -> None:
    from aimlabel.model.logprobs_scan import scan_logprobs

    body = _server_body("json_schema")
    body["choices"].append({**body["choices"][0], "index": 1})
    assert scan_logprobs(json.dumps(body).encode(), CLASSES) is None


def test_a_repeated_stretch_of_text_does_not_misplace_the_value() -> None:
    """The rationale repeats the text around the value (escaped, as JSON strings are): the window
    must be placed by text that occurs once."""
    from aimlabel.model.confidence_wire import strip_logprobs
    from aimlabel.model.logprobs_scan import scan_logprobs

    for name in CLASSES:
        answer = {"rationale": "Hazard, Hazard, AI Hazard AI Hazard ai_principles industries " * 6, "classification": name,
                  "ai_principles": [], "industries": []}
        body = chat_completion_with(answer)
        scanned = scan_logprobs(json.dumps(body).encode(), CLASSES)
        assert scanned is not None and scanned.confidence == strip_logprobs(body, CLASSES)[1]


def chat_completion_with(answer: dict[str, Any]) -> dict[str, Any]:
    from aimlabel.testing.fakes import chat_completion

    body = chat_completion(answer)
    body["choices"][0]["logprobs"] = {**fake_logprobs(json.dumps(answer, ensure_ascii=False), DIST, top=5), "refusal": None}
    return body


@pytest.mark.parametrize("damage", ["top_logprobs", "logprob", "entry"])
def test_malformed_logprobs_give_unavailable_not_an_error(damage: str) -> None:
    from aimlabel.model.confidence_wire import strip_logprobs
    from aimlabel.model.logprobs_scan import scan_logprobs

    body = _completion_with_logprobs("AI Hazard")
    content = body["choices"][0]["logprobs"]["content"]
    at = next(i for i, e in enumerate(content) if "AI" in e["token"])
    if damage == "top_logprobs":
        content[at]["top_logprobs"] = "none"
    elif damage == "logprob":
        content[at]["logprob"] = "high"
    else:
        content[at] = ["not", "an", "entry"]
    scanned = scan_logprobs(json.dumps(body).encode(), CLASSES)
    _, parsed = strip_logprobs(body, CLASSES)
    assert parsed.source == "unavailable" and parsed.probability is None and "OpenAI format" in (parsed.note or "")
    assert scanned is None or scanned.confidence.source == "unavailable"


def _random_answer_body(rng: Any) -> dict[str, Any]:
    """A chat completion whose answer has a random length, field order and tokenization (1 to 9
    characters a token outside the value, 2 to 8 alternatives listed), for the scan to place."""
    from aimlabel.testing.fakes import chat_completion
    from aimlabel.testing.logprobs import pieces

    words = ["AI", "Hazard", "Incident", "the", '"quoted"', "classification", "Un", "related", "{", "}", "é", "ß", "\\n", "2024"]
    fields: dict[str, Any] = {"rationale": " ".join(rng.choice(words) for _ in range(rng.randrange(0, 400))),
                              "classification": rng.choice(CLASSES), "severity": rng.choice([None, "low", "high"]),
                              "ai_principles": rng.sample(["Safety", "Fairness", "Privacy", "Accountability"], rng.randrange(0, 4)),
                              "notes": " ".join(rng.choice(words) for _ in range(rng.randrange(0, 60)))}
    keys = list(fields)
    rng.shuffle(keys)
    answer = {k: fields[k] for k in keys}
    text = json.dumps(answer, ensure_ascii=rng.random() < 0.5)
    top = rng.randrange(2, 9)
    value = fake_logprobs(text, DIST, top=top)["content"]
    before = VALUE_START.search(text)
    assert before is not None
    cut = len(pieces(answer["classification"]))

    def recut(piece_of_text: str) -> list[dict[str, Any]]:
        out, at = [], 0
        while at < len(piece_of_text):
            token = piece_of_text[at:at + rng.randrange(1, 10)]
            out.append({"token": token, "logprob": -0.001, "bytes": None,
                        "top_logprobs": [{"token": token, "logprob": -0.001, "bytes": None}]
                        + [{"token": f" w{k}", "logprob": -8.0 - k, "bytes": None} for k in range(top - 1)]})
            at += len(token)
        return out

    first = next(i for i, e in enumerate(value) if e["token"] == '"' + pieces(answer["classification"])[0])
    value_text = "".join(e["token"] for e in value[first:first + cut])
    content = recut(text[:before.end() - 1]) + value[first:first + cut] + recut(text[before.end() - 1 + len(value_text):])
    assert "".join(e["token"] for e in content) == text
    body = chat_completion(answer)
    body["choices"][0]["message"]["content"] = text
    body["choices"][0]["logprobs"] = {"content": content, "refusal": None}
    return body

def test_the_scan_places_the_value_in_answers_of_any_shape() -> None:
    """Seeded random answers (the value early, late or in the middle, tokens of every size): the
    scan gives what the full parse gives, and takes the fast path on every one of them. Aimed by a
    hint (the last answer's density, a wild one) it gives the same, or, rarely, leaves the answer
    to the full parse."""
    import random

    from aimlabel.model.confidence_wire import strip_logprobs
    from aimlabel.model.logprobs_scan import scan_logprobs

    rng = random.Random(15)
    last: float | None = None
    missed = {"last": 0, "wild": 0}
    for case in range(100):
        body = _random_answer_body(rng)
        layout: dict[str, Any] = rng.choice([{}, {"separators": (",", ":")}, {"indent": 2}])
        text = json.dumps(body, **layout).encode()
        scanned = scan_logprobs(text, CLASSES)
        parsed_body, parsed = strip_logprobs(body, CLASSES)
        assert parsed.source == "logprobs", case
        assert scanned is not None, case
        assert json.loads(scanned.text) == parsed_body, case
        assert scanned.confidence == parsed, case
        for hint, density in (("last", last), ("wild", rng.uniform(0.01, 5000.0))):
            aimed = scan_logprobs(text, CLASSES, density)
            if aimed is None:
                missed[hint] += 1  # the caller parses the whole body instead: slower, the same result
            else:
                assert aimed.text == scanned.text and aimed.confidence == parsed, (case, density)
        last = scanned.density
        assert last is not None and last > 0
    assert missed["last"] <= 5 and missed["wild"] <= 5, missed


def test_a_window_at_the_end_whose_text_repeats_gives_up() -> None:
    """The last entries spell text that occurs earlier too (inside a string) and there is nothing
    after them to read on to: the search gives up, it does not read nothing forever."""
    from aimlabel.model import logprobs_scan

    answer = {"classification": "AI Hazard", "notes": "[]}", "tags": []}
    text = json.dumps(chat_completion_with(answer)).encode()
    span = logprobs_scan._logprobs_span(text)
    assert span is not None
    last_two = text.rfind(b'"top_logprobs"', 0, text.rfind(b'"top_logprobs"'))
    answer_text = json.dumps(answer, ensure_ascii=False)
    assert logprobs_scan._placed(text, answer_text, last_two - 1, span) is None


@pytest.mark.parametrize("tail", ["refusal_list", "entry_member_after", "unclosed", "nested_bytes"])
def test_an_end_of_the_logprobs_the_scan_does_not_know_falls_back(tail: str) -> None:
    """The end of the logprobs is found by one match from the last `"top_logprobs"` key: anything
    there but scalar members after the content (a list, a member after the alternatives, a list
    never closed, bytes nested deeper) leaves the answer to the full parse, which reads it as ever."""
    from aimlabel.model.confidence_wire import strip_logprobs
    from aimlabel.model.logprobs_scan import scan_logprobs

    body = _completion_with_logprobs("AI Hazard")
    logprobs = body["choices"][0]["logprobs"]
    last = logprobs["content"][-1]
    if tail == "refusal_list":
        logprobs["refusal"] = [{"token": "x", "logprob": -1.0}]
    elif tail == "entry_member_after":
        logprobs["content"][-1] = {**last, "extra": 1}
    elif tail == "nested_bytes":
        last["top_logprobs"][0]["bytes"] = [[1, 2]]
    text = json.dumps(body).encode()
    if tail == "unclosed":
        text = text.replace(b"]}], \"refusal\"", b"}], \"refusal\"")
        assert scan_logprobs(text, CLASSES) is None
        return
    assert scan_logprobs(text, CLASSES) is None
    assert strip_logprobs(body, CLASSES)[1].source == "logprobs"
    logprobs["refusal"] = None
    logprobs["content"][-1] = {k: v for k, v in last.items() if k != "extra"}
    last["top_logprobs"][0]["bytes"] = [1, 2]
    scanned = scan_logprobs(json.dumps(body).encode(), CLASSES)
    assert scanned is not None and scanned.confidence == strip_logprobs(body, CLASSES)[1]

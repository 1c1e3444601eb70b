"""A newcomer's first hour, scripted: the real `aimlabel` as subprocesses against the fake server.

Each case is a stumble a new user hit (issue 18): the spreadsheet inputs monitor staff bring,
the first output on a terminal (read through a pseudo-terminal), Ctrl-C and resume, a wrong
URL, an eval whose labels match no gold id, the budget messages, and export and check taking a
file or a run. The checks are on what the user sees (stdout, stderr, exit codes) and on what
was written.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aimlabel.testing.fakeserver import FakeServerProcess, start_fake_server
from conftest import items_stored, write_articles

MODEL = "fake"
ENV = {**os.environ, "OPENAI_API_KEY": "sk-newcomer-not-a-real-key", "COLUMNS": "150", "TERM": "xterm"}
ENV.pop("AIMLABEL_DEBUG", None)
ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServerProcess]:
    with start_fake_server(model=MODEL) as proc:
        yield proc


@pytest.fixture(scope="module")
def slow_server() -> Iterator[FakeServerProcess]:
    with start_fake_server(model=MODEL, latency=0.25) as proc:
        yield proc


def aimlabel(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aimlabel", *args], env=env or ENV, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def on_terminal(*args: str, timeout: float = 120) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal, as a user at a shell; (exit code, screen text)."""
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "aimlabel", *args], stdin=subprocess.DEVNULL, stdout=child, stderr=child,
                            env=ENV)
    os.close(child)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    code = proc.wait(timeout=10)
    os.close(main)
    return code, ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r", "")


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def summary(stderr: str) -> str:
    """The run's count line: 'N articles: ...'."""
    found = re.findall(r"^aimlabel: (\d+ articles?: .*)$", stderr, re.M)
    assert found, stderr
    return str(found[-1])


def partition(line: str) -> tuple[int, dict[str, int], dict[str, int]]:
    """'4 articles: 3 ok, 1 failed; 2 asked now, 2 from cache; ...' -> (4, by outcome, by source)."""
    parts = line.split("; ")
    head, outcomes = parts[0].split(": ", 1)
    by_outcome = {name.replace("needs", "need"): int(n) for n, name in re.findall(r"(\d+) (ok|needs? review|failed)", outcomes)}
    sources = parts[1] if len(parts) > 2 else ""
    by_source = {name: int(n) for n, name in re.findall(r"(\d+) (asked now|from cache|from the earlier run|not sent)", sources)}
    return int(head.split()[0]), by_outcome, by_source


def live(server: FakeServerProcess, tmp_path: Path, *args: str) -> list[str]:
    return ["--base-url", server.base_url, "--model", MODEL, "--store", str(tmp_path / "runs.sqlite"), *args]


# --- the inputs monitor staff bring -----------------------------------------------------------------

def _xlsx(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID", "Headline", "Body"])
    sheet.append(["n1", "Robotaxi drags pedestrian", "A driverless car dragged a woman 20 feet."])
    sheet.append(["n2", "Chatbot invents refund policy", "An airline's chatbot promised a refund the policy did not allow."])
    book.save(path)


INPUTS = {
    "ID,Title,Text header.csv": "ID,Title,Text\nn1,Robotaxi drags pedestrian,A driverless car dragged a woman.\n"
                                "n2,Chatbot invents refund policy,An airline's chatbot promised a refund.\n",
    "semicolons (European Excel).csv": "id;title;text\nn1;Robotaxi drags pedestrian;A driverless car dragged a woman, 20 feet.\n"
                                       "n2;Chatbot invents refund policy;An airline's chatbot promised a refund.\n",
    "json array.json": json.dumps([{"id": "n1", "headline": "Robotaxi drags pedestrian", "body": "A driverless car dragged a woman."},
                                   {"id": "n2", "title": "Chatbot invents refund policy", "content": "An airline's chatbot promised a refund."}]),
    "tabs.tsv": "Id\tTitle\tText\nn1\tRobotaxi drags pedestrian\tA driverless car dragged a woman.\n"
                "n2\tChatbot invents refund policy\tAn airline's chatbot promised a refund.\n",
    "workbook.xlsx": None,
}


def test_every_spreadsheet_form_is_read_as_its_articles(server: FakeServerProcess, tmp_path: Path) -> None:
    runs = {}
    for name, content in INPUTS.items():  # all at once: five whole processes, side by side
        path = tmp_path / name.replace(" ", "-")
        if content is None:
            _xlsx(path)
        else:
            path.write_text(content, encoding="utf-8")
        out = tmp_path / f"{path.name}.labels.jsonl"
        args = ["label", str(path), "--base-url", server.base_url, "--model", MODEL, "--no-store", "-o", str(out)]
        runs[name] = (out, subprocess.Popen([sys.executable, "-m", "aimlabel", *args], env=ENV, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for name, (out, proc) in runs.items():
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, (name, stderr)
        got = records(out)
        assert [(r["id"], r["status"]) for r in got] == [("n1", "ok"), ("n2", "ok")], name
        assert got[0]["article"]["title"] == "Robotaxi drags pedestrian", name
        assert summary(stderr).startswith("2 articles: 2 ok, 0 failed; 2 asked now;"), (name, stderr)


def test_an_input_that_is_not_understood_says_what_was_expected(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    done = aimlabel("label", str(path), "--base-url", "http://127.0.0.1:9/v1", "--model", MODEL, "--no-store")
    assert done.returncode == 2 and done.stdout == ""
    assert "the header needs a title or text column" in done.stderr and "--delimiter" in done.stderr


# --- the first output on a terminal -------------------------------------------------------------------

def test_on_a_terminal_label_shows_a_table_counts_that_add_up_and_the_next_step(server: FakeServerProcess, tmp_path: Path) -> None:
    articles = tmp_path / "a.jsonl"
    write_articles(articles, 3)
    code, screen = on_terminal("label", str(articles), *live(server, tmp_path, "--run", "first"))
    assert code == 0, screen
    assert '"record_version"' not in screen  # no raw JSON on the terminal
    header = next(line for line in screen.splitlines() if line.startswith("key "))
    assert header.split() == ["key", "class", "status", "top", "finding"]
    rows = [line.split()[0] for line in screen.splitlines() if re.match(r"a00\d ", line)]
    assert rows == ["a000", "a001", "a002"]
    assert "3 articles: 3 ok, 0 failed; 3 asked now;" in screen
    assert "review with: aimlabel review first --store" in screen and "-o review.html" in screen
    assert "aimlabel export first --store" in screen

    # the records are in the store: export writes them, and check takes the run name
    exported = aimlabel("export", "first", "--store", str(tmp_path / "runs.sqlite"))
    assert exported.returncode == 0, exported.stderr
    assert [json.loads(x)["id"] for x in exported.stdout.splitlines()] == ["a000", "a001", "a002"]
    checked = aimlabel("check", "first", "--store", str(tmp_path / "runs.sqlite"))
    assert checked.returncode == 0, checked.stderr
    assert "3 label(s)" in checked.stdout

    # the same articles again, into another run: every article is counted once, from the cache
    again = aimlabel("label", str(articles), *live(server, tmp_path, "--run", "second"))
    assert again.returncode == 0, again.stderr
    total, by_outcome, by_source = partition(summary(again.stderr))
    assert (total, by_outcome, by_source) == (3, {"ok": 3, "failed": 0}, {"from cache": 3})
    assert [json.loads(x)["id"] for x in again.stdout.splitlines()] == ["a000", "a001", "a002"]  # piped: JSONL

    # export takes an existing labels file as well as a run
    saved = tmp_path / "h.jsonl"
    saved.write_text(again.stdout, encoding="utf-8")
    copied = aimlabel("export", str(saved), "-o", str(tmp_path / "copy.jsonl"))
    assert copied.returncode == 0, copied.stderr
    assert records(tmp_path / "copy.jsonl") == records(saved)


# --- Ctrl-C, resume, a wrong URL ---------------------------------------------------------------------

def test_ctrl_c_names_the_resume_command_and_resuming_counts_what_was_done(slow_server: FakeServerProcess, tmp_path: Path) -> None:
    n = 8
    articles, store, out = tmp_path / "a.jsonl", tmp_path / "runs.sqlite", tmp_path / "out.jsonl"
    write_articles(articles, n)
    cmd = ["label", str(articles), *live(slow_server, tmp_path, "--run", "nightly", "--concurrency", "1", "-o", str(out))]
    first = subprocess.Popen([sys.executable, "-m", "aimlabel", *cmd], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while items_stored(store) < 2 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 130, stderr
    found = re.search(r"aimlabel: interrupted: run nightly is saved with (\d+) article\(s\) done; resume with: (.*)", stderr)
    assert found, stderr
    done, resume = int(found.group(1)), shlex.split(found.group(2))
    assert 2 <= done < n and resume[:2] == ["aimlabel", "label"]
    assert "sk-newcomer" not in stderr

    code, screen = on_terminal(*resume[1:])
    assert code == 0, screen
    frames = re.findall(rf"labelling\S* +\S* +(\d+)/{n}", screen)
    assert frames and frames[-1] == str(n), screen  # the bar counts the articles done before
    total, by_outcome, by_source = partition(summary(screen))
    assert total == n and by_outcome == {"ok": n, "failed": 0}
    assert by_source == {"asked now": n - done, "from the earlier run": done}
    assert [r["id"] for r in records(out)] == [f"a{i:03d}" for i in range(n)]


@pytest.mark.parametrize("url", ["localhost:8000/v1", "127.0.0.1:8000"])
def test_a_url_without_http_is_refused_before_any_request(tmp_path: Path, url: str) -> None:
    articles = tmp_path / "a.jsonl"
    write_articles(articles, 2)
    started = time.monotonic()
    done = aimlabel("label", str(articles), "--base-url", url, "--model", MODEL, "--store", str(tmp_path / "runs.sqlite"))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("aimlabel: error: --base-url must be an http:// or https:// URL"), done.stderr
    assert time.monotonic() - started < 30  # no retries: nothing was sent


def test_a_run_stopped_by_a_wrong_url_resumes_with_the_right_one(server: FakeServerProcess, tmp_path: Path) -> None:
    articles, store, out = tmp_path / "a.jsonl", str(tmp_path / "runs.sqlite"), tmp_path / "out.jsonl"
    write_articles(articles, 5)
    wrong = aimlabel("label", str(articles), "--base-url", "http://127.0.0.1:9/v1", "--model", MODEL, "--store", store,
                     "--run", "morning", "--retries", "0", "--concurrency", "1", "-q", "-o", str(out))
    assert wrong.returncode == 3, wrong.stderr
    stop = re.search(r"could not be reached for (\d+) articles", wrong.stderr)
    # Three in a row stop the run; with one call in flight, one more article is in hand (its call
    # waiting for the wire, `label_items(ahead=)`) and fails the same way. The fifth is never sent.
    assert stop and int(stop.group(1)) == 4, wrong.stderr
    assert "4 asked now, 1 not sent" in wrong.stderr
    assert "to resume: aimlabel label" in wrong.stderr
    right = aimlabel("label", str(articles), *live(server, tmp_path, "--run", "morning", "-q", "-o", str(out)))
    assert right.returncode == 0, right.stderr
    assert [r["status"] for r in records(out)] == ["ok"] * 5


# --- eval that matches nothing, and the budget ---------------------------------------------------------

def test_eval_with_no_id_in_common_with_gold_is_an_error_and_a_partial_overlap_is_reported(tmp_path: Path) -> None:
    gold = ROOT / "eval" / "gold.jsonl"
    gold_ids = [json.loads(line)["id"] for line in gold.read_text(encoding="utf-8").splitlines()]
    theirs = tmp_path / "our-labels.jsonl"  # a team's own labels, by their own ids
    theirs.write_text("".join(json.dumps({"id": f"row-{i}", "classification": "AI Incident"}) + "\n" for i in range(4)))
    none = aimlabel("eval", "--gold", str(gold), "--labels", str(theirs), "--resamples", "0")
    assert none.returncode == 2 and none.stdout == ""
    assert "no label in" in none.stderr and "row-0" in none.stderr and gold_ids[0] in none.stderr, none.stderr

    some_ids = [*gold_ids[:3], "row-9"]
    some = tmp_path / "some-labels.jsonl"
    some.write_text("".join(json.dumps({"id": i, "classification": "AI Incident"}) + "\n" for i in some_ids))
    scored = aimlabel("eval", "--gold", str(gold), "--labels", str(some), "--resamples", "0")
    assert scored.returncode == 0, scored.stderr
    assert (f"3 of {len(gold_ids)} gold item(s) have a label in {some}; {len(gold_ids) - 3} without one are scored as wrong, "
            "1 label(s) not in gold are left out") in scored.stderr


def test_the_budget_stop_and_the_summary_give_one_amount(server: FakeServerProcess, tmp_path: Path) -> None:
    articles, prices = tmp_path / "a.jsonl", tmp_path / "prices.json"
    write_articles(articles, 12)
    prices.write_text(json.dumps({"models": {MODEL: {"input": 1.0, "output": 4.0, "batch_input": 0.5, "batch_output": 2.0}}}))
    done = aimlabel("label", str(articles), *live(server, tmp_path, "--max-cost", "0.002", "--prices", str(prices),
                                                  "--concurrency", "4", "-q", "-o", str(tmp_path / "out.jsonl")))
    assert done.returncode == 3, done.stderr
    spent = re.search(r"budget of \$0\.002 reached \(\$(\d+\.\d{4}) spent\)", done.stderr)
    total = re.search(r"tokens, \$(\d+\.\d{4})", summary(done.stderr))
    assert spent and total and spent.group(1) == total.group(1), done.stderr
    n, by_outcome, by_source = partition(summary(done.stderr))
    assert n == 12 and sum(by_outcome[k] for k in ("ok", "failed")) == 12 and sum(by_source.values()) == 12
    assert by_source["not sent"] == by_outcome["failed"]  # the articles left for a higher --max-cost


def test_a_live_eval_shows_progress_like_label(server: FakeServerProcess, tmp_path: Path) -> None:
    lines = (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    gold = tmp_path / "gold-3.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = aimlabel("eval", "--gold", str(gold), *live(server, tmp_path, "--resamples", "0"))
    assert done.returncode == 0, done.stderr
    progress = [line.split("\t")[0] for line in done.stderr.splitlines() if "\t" in line]
    assert progress == [json.loads(line)["id"] for line in lines]  # one line per article as it is labelled
    assert done.stdout.startswith("ANSWERS PRODUCED BY:")

"""Resume always works: SIGTERM names the run and the command that resumes it; a wrong
--base-url is caught before any call, and a run it stopped resumes with the right one. Ctrl-C
and the resumed progress bar are walked through as a user would in tests/cli/test_newcomer.py."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.resources import examples_dir
from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.model.http import current_call
from aimlabel.run.job import LabelJob, run_label_job
from aimlabel.run.store import RunStore
from aimlabel.testing.fakes import Reply, ScriptedModel, chat_completion
from aimlabel.testing.fakeserver import start_fake_server
from conftest import example_answers, items_stored, write_articles

ENV = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key"}


def _articles(path: Path, n: int) -> Path:
    write_articles(path, n)
    return path


# SIGINT (Ctrl-C), its resume and the resumed progress bar: tests/cli/test_newcomer.py walks them as a user would.
@pytest.mark.processes
@pytest.mark.parametrize(("sig", "code", "said"), [(signal.SIGTERM, 143, "stopped by SIGTERM")], ids=["SIGTERM"])
def test_a_signal_names_the_run_and_the_command_that_resumes_it(tmp_path: Path, sig: int, code: int, said: str) -> None:
    n = 30
    articles = _articles(tmp_path / "a.jsonl", n)
    store = tmp_path / "runs.sqlite"
    with start_fake_server(latency=0.2, model="fake") as server:
        cmd = [sys.executable, "-m", "aimlabel", "label", str(articles), "--base-url", server.base_url, "--model", "fake",
               "--run", "nightly", "--store", str(store), "--concurrency", "2", "--no-rules", "-q", "-o", str(tmp_path / "out.jsonl")]
        first = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while items_stored(store) < 4 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        first.send_signal(sig)
        _, stderr = first.communicate(timeout=60)
        assert first.returncode == code, stderr
        line = stderr.strip().splitlines()[-1]
        found = re.fullmatch(rf"aimlabel: {said}: run nightly is saved with (\d+) article\(s\) done; resume with: (.*)", line)
        assert found, stderr
        done = int(found.group(1))
        with RunStore(store, readonly=True) as db:
            run = db.find_run("nightly")
            assert run is not None and run.status == "interrupted" and db.lease_of(run.id) is None
            assert sum(run.counts.values()) == done
        resume = shlex.split(found.group(2))
        assert resume[:2] == ["aimlabel", "label"] and resume[2:] == cmd[4:]
        again = subprocess.run([sys.executable, "-m", "aimlabel", *resume[1:]], env=ENV, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"{done} from the earlier run" in again.stderr
    records = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [f"a{i:03d}" for i in range(n)] and all(r["status"] == "ok" for r in records)


def test_the_resume_command_keeps_the_arguments_and_drops_the_key() -> None:
    from aimlabel.cli.label import resume_command

    args = ["label", "my file.jsonl", "--api-key", "sk-secret", "--model", "m", "--api-key=sk-other", "-o", "out.jsonl"]
    assert resume_command(args, "run-1") == "aimlabel label 'my file.jsonl' --model m -o out.jsonl --run run-1"
    assert resume_command(["label", "a.jsonl", "--run", "daily"], "daily") == "aimlabel label a.jsonl --run daily"


@pytest.mark.parametrize("url", ["localhost:8000/v1", "ftp://example.org/v1", "http://", "user:sk-abc@localhost:1/v1"])
def test_a_base_url_without_http_is_a_usage_error_before_any_call(url: str, tmp_path: Path) -> None:
    articles = _articles(tmp_path / "a.jsonl", 3)
    result = CliRunner().invoke(app, ["label", str(articles), "--base-url", url, "--model", "m", "--api-key", "k", "--retries", "0"])
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("aimlabel: error: --base-url must be an http:// or https:// URL") and result.stdout == ""
    assert "sk-abc" not in result.stderr


def test_the_unreachable_stop_reports_one_count_everywhere(tmp_path: Path) -> None:
    """Before: "3 articles in a row" in the stop, while more articles than that failed to connect."""
    articles = _articles(tmp_path / "a.jsonl", 12)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["label", str(articles), "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                                      "--api-key", "k", "--retries", "0", "--concurrency", "4", "-o", str(out), "-q"])
    assert result.exit_code == 3, result.stderr
    records = [json.loads(x) for x in out.read_text().splitlines()]
    unreachable = sum(1 for r in records if r["error"]["type"] == "connection")
    assert unreachable >= 3
    texts = [result.stderr, *(r["error"]["message"] for r in records)]
    counts = {int(c) for t in texts for c in re.findall(r"(\d+) articles(?!:)", t)}  # not the summary's "12 articles:"
    assert counts == {unreachable}, (counts, unreachable, result.stderr)
    assert f"could not be reached for {unreachable} articles" in result.stderr


def test_a_run_stopped_by_a_wrong_base_url_resumes_with_the_right_one(tmp_path: Path) -> None:
    answers = example_answers()
    down = ScriptedModel(answer_for=lambda _: Reply(raise_error=httpx2.ConnectError))
    up = ScriptedModel(answer_for=lambda _: Reply(200, chat_completion(answers[current_call.get().item_key])))

    def job(store: RunStore, url: str, fake: ScriptedModel) -> LabelJob:
        return LabelJob(input=str(examples_dir() / "articles.jsonl"), run_name="r", store=store, use_cache=False,
                        settings=ModelSettings(model="m", base_url=url, api_key="k", retry=RetryPolicy(max_retries=0)),
                        transport=fake.transport(), concurrency=1)

    with RunStore(tmp_path / "s.sqlite") as store:
        first = run_label_job(job(store, "http://wrong.invalid:9/v1", down), lambda r: None)
        assert first.totals.stop is not None and first.totals.stop.type == "connection"
        second = run_label_job(job(store, "http://right.invalid/v1", up), lambda r: None)
        run = store.find_run("r")
    assert second.totals.ok == 5 and len(up.requests) == 5
    assert run is not None and run.status == "finished"
    assert run.manifest.base_url == "http://right.invalid/v1" and run.manifest.earlier_base_urls == ["http://wrong.invalid:9/v1"]

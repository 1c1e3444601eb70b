"""Batch and events commands stopped by a signal say what is saved and the command that carries
on, as `label` does; a store that cannot be opened is one line, not a traceback's last words."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aimlabel.testing.fakeserver import start_fake_server
from conftest import write_articles

ENV = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key"}
ENV.pop("AIMLABEL_DEBUG", None)
LABELS = Path(__file__).resolve().parents[1] / "data" / "events" / "labels.jsonl"


def aimlabel(*args: str) -> list[str]:
    return [sys.executable, "-m", "aimlabel", *args]


@pytest.mark.processes
def test_sigterm_during_batch_collect_wait_names_the_run_and_the_command(tmp_path: Path) -> None:
    articles, store = tmp_path / "a.jsonl", str(tmp_path / "runs.sqlite")
    write_articles(articles, 3)
    with start_fake_server(model="fake", batch_polls=100_000) as server:
        sent = subprocess.run(aimlabel("label", str(articles), "--batch", "--run", "night", "--base-url", server.base_url,
                                       "--model", "fake", "--store", store), env=ENV, capture_output=True, text=True, timeout=120)
        assert sent.returncode == 0, sent.stderr
        cmd = aimlabel("batch", "collect", "night", "--wait", "--poll-interval", "0.1", "--store", store)
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        assert proc.stderr is not None
        first = proc.stderr.readline()  # it is polling
        assert first.startswith("aimlabel: batches:"), first
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 143, rest
    line = rest.strip().splitlines()[-1]
    said, again = line.split("; carry on with: ")
    assert said == "aimlabel: stopped by SIGTERM: batch run night is saved (batches already sent keep running)"
    assert shlex.split(again) == ["aimlabel", *cmd[3:]]


@pytest.mark.processes
def test_sigterm_during_event_calls_says_nothing_was_written_and_how_to_run_again(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    with start_fake_server(model="fake", latency=30) as server:
        cmd = aimlabel("events", str(LABELS), "--base-url", server.base_url, "--model", "fake", "-o", str(out))
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while server.stats().get("chat_requests", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "aimlabel: stopped by SIGTERM: no event record was written" in stderr
    assert stderr.strip().endswith(shlex.join(["aimlabel", *cmd[3:]]))
    assert not out.exists()


def test_a_batch_command_on_a_file_that_is_not_a_store_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "runs.sqlite"
    bad.write_text("not a database")
    done = subprocess.run(aimlabel("batch", "status", "night", "--store", str(bad)), env=ENV, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"aimlabel: error: cannot write to the run store {bad}: file is not a database")
    assert "StoreUnavailable" not in done.stderr and len(done.stderr.strip().splitlines()) == 1

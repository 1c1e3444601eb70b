"""One process per run name: a second one is refused naming the owner; a stale lease is taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from aimlabel.core.prompt import load_prompt
from aimlabel.core.record import LabelRecord
from aimlabel.core.resources import examples_dir
from aimlabel.core.schema import label_model, schema_hash
from aimlabel.model.base import ModelSettings, RetryPolicy
from aimlabel.model.http import current_call
from aimlabel.run.job import JobError, LabelJob, build_manifest, run_label_job
from aimlabel.run.lease import Owner
from aimlabel.run.store import RunStore
from aimlabel.testing.fakes import Reply, ScriptedModel, chat_completion
from aimlabel.testing.fakeserver import start_fake_server
from conftest import example_answers, items_stored, write_articles

ARTICLES = str(examples_dir() / "articles.jsonl")


def _fake() -> ScriptedModel:
    answers = example_answers()
    return ScriptedModel(answer_for=lambda _: Reply(200, chat_completion(answers[current_call.get().item_key])))


def _job(store: RunStore, fake: ScriptedModel, **kw: Any) -> LabelJob:
    settings = ModelSettings(model="m", base_url="http://fake.invalid/v1", api_key="sk-test-lease", retry=RetryPolicy(max_retries=0))
    return LabelJob(input=ARTICLES, settings=settings, store=store, run_name="nightly", use_cache=False,
                    transport=fake.transport(), **kw)


def _hold(store: RunStore, pid: int, host: str, heartbeat_age: float = 0.0) -> None:
    """Lease the run 'nightly' to another owner, as its process would have when it started it."""
    prompt = load_prompt()
    manifest = build_manifest(_job(store, _fake()), prompt.hash, prompt.version, schema_hash(label_model()))
    now = time.time()
    store.claim_run("nightly", manifest, Owner(pid, host, "someone-else", now, now), stale_after=60)
    store.db.execute("UPDATE leases SET heartbeat_at = ?", (now - heartbeat_age,))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_live_owner_keeps_the_run_and_the_error_names_it(tmp_path: Path) -> None:
    with RunStore(tmp_path / "s.sqlite") as store:
        _hold(store, os.getpid(), socket.gethostname())
        fake = _fake()
        with pytest.raises(JobError) as caught:
            run_label_job(_job(store, fake), lambda r: None)
    assert f"run 'nightly' is in use by pid {os.getpid()} on host {socket.gethostname()}" in str(caught.value)
    assert fake.requests == []


@pytest.mark.parametrize(("pid", "host", "age", "why"), [
    ("dead", "here", 0.0, "is gone"),            # SIGKILLed on this host: no need to wait
    (1, "other-host", 3600.0, "no heartbeat"),   # silent for an hour, anywhere
])
def test_a_stale_lease_is_taken_over(tmp_path: Path, pid: Any, host: str, age: float, why: str) -> None:
    owner_pid = _dead_pid() if pid == "dead" else pid
    owner_host = socket.gethostname() if host == "here" else host
    with RunStore(tmp_path / "s.sqlite") as store:
        _hold(store, owner_pid, owner_host, heartbeat_age=age)
        fake = _fake()
        result = run_label_job(_job(store, fake), lambda r: None)
        run = store.find_run("nightly")
        assert run is not None
        lease = store.lease_of(run.id)
    assert result.took_over is not None and (result.took_over.pid, result.took_over.host) == (owner_pid, owner_host)
    assert result.totals.ok == 5 and len(fake.requests) == 5
    assert result.took_over_why is not None and why in result.took_over_why
    assert lease is None and run.status == "finished"  # given back at the end


def test_a_fresh_lease_on_another_host_is_not_taken(tmp_path: Path) -> None:
    with RunStore(tmp_path / "s.sqlite") as store:
        _hold(store, 1, "other-host", heartbeat_age=5.0)
        with pytest.raises(JobError, match="in use by pid 1 on host other-host"):
            run_label_job(_job(store, _fake()), lambda r: None)


def test_a_run_whose_lease_was_taken_over_stops_sending(tmp_path: Path) -> None:
    """A process that missed its heartbeats (frozen, suspended) and lost the run does not fight for it."""
    answers = example_answers()
    with RunStore(tmp_path / "s.sqlite") as store:
        def answer(_: dict[str, Any]) -> Reply:
            if current_call.get().item_key == "ex-001":
                store.db.execute("UPDATE leases SET token = 'thief', pid = 1, host = 'other-host'")
                time.sleep(0.05)  # the heartbeat (every 10 ms here) sees it before the next call starts
            return Reply(200, chat_completion(answers[current_call.get().item_key]))

        fake = ScriptedModel(answer_for=answer)
        out: list[LabelRecord] = []
        result = run_label_job(_job(store, fake, concurrency=1, heartbeat_every=0.01), out.append)
    stop = result.totals.stop
    assert stop is not None and stop.type == "lease_lost" and "pid 1 on host other-host" in stop.message
    assert len(fake.requests) < 5
    assert [r.error.type for r in out if r.error][-1] == "not_attempted"


def test_a_process_gone_without_a_word_shows_as_interrupted(tmp_path: Path) -> None:
    with RunStore(tmp_path / "s.sqlite") as store:
        _hold(store, _dead_pid(), socket.gethostname())
        run = store.find_run("nightly")
    assert run is not None and run.status == "interrupted"


def test_two_processes_on_one_run_name(tmp_path: Path) -> None:
    """Before: both proceeded, calls went up and each JSONL disagreed with the store."""
    n = 24
    articles = tmp_path / "a.jsonl"
    write_articles(articles, n)
    store = tmp_path / "runs.sqlite"
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key"}
    with start_fake_server(latency=0.15, model="fake") as server:
        cmd = [sys.executable, "-m", "aimlabel", "label", str(articles), "--base-url", server.base_url, "--model", "fake",
               "--run", "shared", "--store", str(store), "--concurrency", "2", "--no-cache", "--no-rules", "-q"]
        first = subprocess.Popen([*cmd, "-o", str(tmp_path / "first.jsonl")], env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while items_stored(store) < 2 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        second = subprocess.run([*cmd, "-o", str(tmp_path / "second.jsonl")], env=env, capture_output=True, text=True, timeout=60)
        _, first_err = first.communicate(timeout=120)
        requests = server.stats()["chat_requests"]
    assert second.returncode == 2, second.stderr
    assert f"run 'shared' is in use by pid {first.pid} on host {socket.gethostname()}" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert first.returncode == 0, first_err
    assert requests == n
    records = [json.loads(x) for x in (tmp_path / "first.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [f"a{i:03d}" for i in range(n)] and all(r["status"] == "ok" for r in records)

"""Commands that never call a model never import the model SDK or its transport, and a live run
sends its first request before it imports the SDK or the rules.

Each command runs in a fresh interpreter (imports are per process), then reports which of the
heavy modules ended up in `sys.modules`. Timing is left to bench/bench_startup.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aimlabel.testing.fakeserver import start_fake_server
from conftest import write_articles

DATA = Path(__file__).resolve().parents[1] / "data"
HEAVY = ("openai", "instructor", "httpx2", "tenacity")
PROBE = """
import json, sys
heavy = json.loads(sys.argv[2])
seen = []

def hook(event, args):
    if event == "socket.connect" and not seen:
        seen.append([m for m in heavy if m in sys.modules])

sys.addaudithook(hook)
sys.argv = ["aimlabel", *json.loads(sys.argv[1])]
from aimlabel.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules],
                  "at_first_request": seen[0] if seen else None}), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [
    ["check", str(DATA / "check" / "labels.jsonl"), "--articles", str(DATA / "check" / "articles.jsonl"), "--exit-zero"],
    ["eval", "--gold", str(DATA / "review" / "gold.jsonl"), "--labels", str(DATA / "review" / "labels_a.jsonl"), "--resamples", "10"],
    ["review", str(DATA / "review" / "labels_a.jsonl"), "--against", str(DATA / "review" / "gold.jsonl")],
    ["events", str(DATA / "events" / "labels.jsonl"), "--html", "events.html"],
    ["show", str(DATA / "review" / "labels_a.jsonl"), "--against", str(DATA / "review" / "labels_b.jsonl")],
    ["--help"],
    ["--version"],
    ["batch", "--help"],
], ids=lambda args: " ".join(args[:2]) if args[0] == "batch" else args[0])
def test_command_never_imports_the_model_stack(args: list[str], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path, env={"AIMLABEL_STORE": str(tmp_path / "runs.sqlite"), "PATH": ""})
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    assert report["loaded"] == [], f"{args[0]} imported {report['loaded']}"


def test_a_replay_does_load_the_sdk(tmp_path: Path) -> None:
    """The probe can see an import: a replay is a model call, and it loads openai."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(["label", "--example", "-q", "--no-store"]), json.dumps(HEAVY)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env={"PATH": ""})
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    assert {"openai", "instructor", "httpx2"} <= set(report["loaded"])


def test_a_live_run_sends_its_first_request_before_loading_the_sdk_or_the_rules(tmp_path: Path) -> None:
    """Issue 19's start-up: with a stored request template, the first request leaves before the SDK
    and the rule check are imported (both load while it is out)."""
    articles = tmp_path / "a.jsonl"
    write_articles(articles, 3)
    watched = ["openai", "instructor", "aimlabel.rules.base", "aimlabel.rules.language", "aimlabel.rules.conclusion"]
    env = {"PATH": "", "AIMLABEL_CACHE": str(tmp_path / "cache")}
    with start_fake_server(latency=0.2, max_seconds=60) as server:
        args = ["label", str(articles), "--base-url", server.base_url, "--model", "fake", "--api-key", "k",
                "--concurrency", "2", "--no-store", "-q", "-o", str(tmp_path / "out.jsonl")]
        reports = []
        for _ in range(2):  # the first run stores the template, the second sends from it
            done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), json.dumps(watched)],
                                  capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
            reports.append(json.loads(done.stderr.strip().splitlines()[-1]))
    assert all(r["code"] in (0, 1, None) for r in reports), reports
    assert reports[1]["at_first_request"] == [], reports[1]

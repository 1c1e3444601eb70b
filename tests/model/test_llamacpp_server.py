"""A real llama-cpp-python server with Gemma 3 270M: `aimlabel label` gets a schema-valid label or an
explicit failure record, never a crash or a hang.

The server lives in its own virtualenv, built by `scripts/llamacpp_env.sh`; `AIMLABEL_LLAMACPP_VENV`
names it (.ci/run sets it). The test starts the server on 127.0.0.1 on a free port and runs the
real CLI in a child process under a time limit, with the answer bounded by `--max-completion-tokens`
sent as `max_tokens` (the only field this server honours). Marked `llamacpp`: its own step in .ci/run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from aimlabel.core.resources import examples_dir
from aimlabel.core.schema import label_model, strict_json_schema
from aimlabel.testing.llamacpp import MODEL_ALIAS, VENV_ENV, LlamaCppServer, install_from_env

pytestmark = pytest.mark.llamacpp
# One article: at 3.5 tokens/s (the schema's grammar on a loaded machine, docs/servers-llamacpp.md) 512
# answer tokens take about 150 s after the prompt; the CLI's own --timeout ends a slower request first.
CLI_SECONDS = 420


@pytest.fixture(scope="module")
def server() -> Iterator[LlamaCppServer]:
    install = install_from_env()
    problem = f"set {VENV_ENV} to the virtualenv that scripts/llamacpp_env.sh prints" if install is None else install.problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (.ci/run builds it)")
        pytest.skip(problem)
    assert install is not None
    with LlamaCppServer(install) as srv:
        yield srv


def label_one(server: LlamaCppServer, tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    article = (examples_dir() / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0]
    source = tmp_path / "one.jsonl"
    source.write_text(article + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "aimlabel", "label", str(source), "--base-url", server.base_url, "--model", MODEL_ALIAS,
           "--max-tokens-field", "max_tokens", "--max-reasks", "0", "--fix-rounds", "0", "--retries", "0", "--timeout", "300",
           "--store", str(tmp_path / "runs.sqlite"), "-o", str(out), "--quiet", *options]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_SECONDS, stdin=subprocess.DEVNULL,
                              env={**os.environ, "OPENAI_API_KEY": "local"})
    except subprocess.TimeoutExpired:
        pytest.fail(f"aimlabel label did not finish within {CLI_SECONDS} s (server log:\n{server.log_tail()})")
    assert done.returncode in (0, 1), f"exit {done.returncode}: {done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return done, records


def test_tools_mode_gives_a_schema_valid_label_or_an_explicit_failure(server: LlamaCppServer, tmp_path: Path) -> None:
    done, records = label_one(server, tmp_path, "--mode", "tools", "--max-completion-tokens", "512")
    assert len(records) == 1, done.stderr
    record = records[0]
    print(f"tools mode: {record['status']}, {record['usage']['completion_tokens']} answer tokens, "
          f"{record['latency_ms'] / 1000:.1f} s, error {record['error']}")
    assert record["provenance"]["model_requested"] == MODEL_ALIAS
    assert record["provenance"]["mode"] == "tools"
    assert record["attempts"]["requests"] == 1
    assert 0 < record["usage"]["completion_tokens"] <= 512
    if record["status"] == "failed":
        assert record["label"] is None
        assert record["error"]["type"] in {"incomplete", "invalid_answer", "invalid_response"}, record["error"]
        assert record["error"]["message"]
        assert done.returncode == 1
    else:
        assert record["status"] in ("ok", "needs_review")
        jsonschema.validate(record["label"], strict_json_schema(label_model()))
        assert record["error"] is None
    assert server.alive(), server.log_tail()


def test_a_small_token_cap_is_honoured_and_ends_in_an_explicit_failure(server: LlamaCppServer, tmp_path: Path) -> None:
    """No label fits in 16 tokens: if the server ignored the cap the answer would be longer. The
    server reports a cut-off tool call as finish_reason `tool_calls`, not `length`, so the failure
    is the unparseable answer rather than `incomplete`."""
    done, records = label_one(server, tmp_path, "--mode", "tools", "--max-completion-tokens", "16")
    [record] = records
    assert record["status"] == "failed" and record["label"] is None
    assert record["error"]["type"] in ("incomplete", "invalid_answer"), record["error"]
    assert record["usage"]["completion_tokens"] == 16
    assert done.returncode == 1


def test_json_schema_mode_is_answered_or_fails_with_the_servers_reason(server: LlamaCppServer, tmp_path: Path) -> None:
    """llama-cpp-python takes `response_format` only as `text` or `json_object`; OpenAI's `json_schema`
    form must end as a failure record that carries the server's answer, not as a crash."""
    done, records = label_one(server, tmp_path, "--mode", "json_schema", "--max-completion-tokens", "16")
    [record] = records
    if record["status"] == "failed":
        assert record["error"]["type"] not in ("error", "connection", "timeout"), record["error"]
        assert record["error"]["message"]
    else:
        jsonschema.validate(record["label"], strict_json_schema(label_model()))
    assert server.alive(), server.log_tail()

"""A real Label Studio: two reviewers disagree, one edits their own answer, and the export goes into gold.

Label Studio cannot share our virtualenv (its openai pin clashes with ours), so it lives in its
own; `AIMLABEL_LABEL_STUDIO` names its `label-studio` executable (.ci/run installs it). The test
starts it bound to 127.0.0.1 in a temporary data dir, with the admin's token from the command
line and telemetry off, adds a second user with `label-studio init`, and drives everything else
through the REST API with the standard library. Marked `labelstudio`: its own step in .ci/run.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.testing.ports import free_port

pytestmark = pytest.mark.labelstudio
DATA = Path(__file__).resolve().parents[1] / "data" / "annotators"
ARTICLES = Path(__file__).resolve().parents[2] / "src" / "aimlabel" / "examples" / "articles.jsonl"
QUIET = {"SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "", "COLLECT_ANALYTICS": "false", "LATEST_VERSION_CHECK": "false"}
runner = CliRunner()


@dataclass
class Server:
    url: str
    exe: str
    data: Path
    tokens: dict[str, str]

    def call(self, who: str, method: str, path: str, payload: Any = None, **query: Any) -> Any:
        url = self.url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        body = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(url, data=body, method=method, headers={
            "Authorization": f"Token {self.tokens[who]}", **({"Content-Type": "application/json"} if body else {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: HTTP {exc.code}: {exc.read()[:500]!r}") from None
        return json.loads(raw) if raw[:1] in (b"[", b"{") else raw


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    exe = os.environ.get("AIMLABEL_LABEL_STUDIO", "")
    if not exe or not Path(exe).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("AIMLABEL_LABEL_STUDIO must name the label-studio executable on CI (.ci/run installs it)")
        pytest.skip("set AIMLABEL_LABEL_STUDIO to a label-studio executable (pip install label-studio==1.23.2 in its own venv)")
    data = tmp_path_factory.mktemp("labelstudio")
    port = free_port()
    tokens = {"u1": secrets.token_hex(20), "u2": secrets.token_hex(20)}
    env = {**os.environ, **QUIET}
    log = open(data / "server.log", "wb")  # noqa: SIM115 (kept open for the server's life)
    process = subprocess.Popen(
        [exe, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port), "--data-dir", str(data / "data"),
         "--username", "u1@example.org", "--password=" + secrets.token_urlsafe(12),  # "=": a value may start with "-"
             "--user-token", tokens["u1"],
         "--enable-legacy-api-token", "--log-level", "WARNING"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    srv = Server(f"http://127.0.0.1:{port}", exe, data, tokens)
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                srv.call("u1", "GET", "/api/current-user/whoami")
                break
            except (AssertionError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("label-studio did not answer: " + (data / "server.log").read_text()[-3000:]) from None
                time.sleep(0.5)
        subprocess.run([exe, "init", "--data-dir", str(data / "data"), "--username", "u2@example.org",
                        "--password=" + secrets.token_urlsafe(12),  # "=": a value may start with "-"
             "--user-token", tokens["u2"], "--no-browser"],
                       env=env, check=True, capture_output=True, timeout=120)
        yield srv
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _kept(prediction: list[dict[str, Any]], **changes: list[str]) -> list[dict[str, Any]]:
    """The prediction's results as the editor sends them: untouched ones `prediction`, changed ones `prediction-changed`."""
    out = []
    for r in prediction:
        if r["from_name"] in changes:
            out.append({**r, "value": {"choices": changes[r["from_name"]]}, "origin": "prediction-changed"})
        else:
            out.append({**r, "origin": "prediction"})
    return out


def test_two_reviewers_and_an_edit_in_a_real_label_studio(server: Server, tmp_path: Path) -> None:
    tasks_path, config_path = tmp_path / "tasks.json", tmp_path / "config.xml"
    made = runner.invoke(app, ["export-labelstudio", str(DATA / "labels.jsonl"), "--articles", str(ARTICLES),
                               "-o", str(tasks_path), "--config", str(config_path)])
    assert made.exit_code == 0, made.stderr
    config = config_path.read_text()
    server.call("u1", "POST", "/api/projects/validate/", {"label_config": config})
    project = server.call("u1", "POST", "/api/projects/", {"title": "aimlabel review", "label_config": config, "maximum_annotations": 3})
    imported = server.call("u1", "POST", f"/api/projects/{project['id']}/import", json.loads(tasks_path.read_text()))
    assert imported["task_count"] == 5 and imported["prediction_count"] == 5
    listed = server.call("u1", "GET", "/api/tasks/", project=project["id"], page_size=100, fields="all")["tasks"]
    task = {t["data"]["id"]: t for t in listed}
    pred = {k: t["predictions"][0]["result"] for k, t in task.items()}
    assert server.call("u2", "GET", "/api/current-user/whoami")["email"] == "u2@example.org"

    def annotate(who: str, article: str, result: list[dict[str, Any]], **extra: Any) -> Any:
        return server.call(who, "POST", f"/api/tasks/{task[article]['id']}/annotations/", {"result": result, "lead_time": 5.0, **extra})

    annotate("u1", "ex-001", _kept(pred["ex-001"]))
    annotate("u2", "ex-001", _kept(pred["ex-001"], classification=["AI Hazard"]))
    edited = annotate("u1", "ex-002", _kept(pred["ex-002"]))
    annotate("u2", "ex-003", [], was_cancelled=True)
    annotate("u1", "ex-005", _kept(pred["ex-005"], ai_principles=["none"]))
    before = tmp_path / "before.json"
    before.write_text(json.dumps(server.call("u1", "GET", f"/api/projects/{project['id']}/export", exportType="JSON")))
    time.sleep(1.1)  # so the edit's updated_at is visibly later
    server.call("u1", "PATCH", f"/api/annotations/{edited['id']}/", {"result": _kept(pred["ex-002"], classification=["AI Incident"])})
    after = tmp_path / "after.json"
    after.write_text(json.dumps(server.call("u1", "GET", f"/api/projects/{project['id']}/export", exportType="JSON")))
    minimal = tmp_path / "min.json"
    minimal.write_text(json.dumps(server.call("u1", "GET", f"/api/projects/{project['id']}/export", exportType="JSON_MIN")))

    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({**json.loads(line), "gold": {"classification": "Unrelated"}, "origin": "seed"}) + "\n"
                            for line in ARTICLES.read_text().splitlines()))
    u1, u2 = "labelstudio:1", "labelstudio:2"
    first = runner.invoke(app, ["import-labelstudio", str(before), "--gold", str(gold)])
    assert first.exit_code == 1, first.stderr
    second = runner.invoke(app, ["import-labelstudio", str(after), "--gold", str(gold)])
    assert second.exit_code == 1, second.stderr
    assert f"reviewers: {u1}, {u2}" in second.stderr
    assert second.stderr.count("conflict:") == 1 and f"conflict: ex-001: {u1} says 'AI Incident', {u2} says 'AI Hazard'" in second.stderr
    assert f"edit: ex-002: {u1}'s 'AI Incident'" in second.stderr and "supersedes their 'AI Hazard'" in second.stderr
    assert f"{u1} vs {u2}: 1 item(s), 0 agree, Cohen's kappa" in second.stderr
    assert "annotation" in second.stderr and "was skipped; not a decision" in second.stderr
    rows = {json.loads(line)["id"]: json.loads(line) for line in gold.read_text().splitlines()}
    assert rows["ex-001"]["gold"]["classification"] == "Unrelated" and [r["reviewer"] for r in rows["ex-001"]["reviews"]] == [u1, u2]
    assert rows["ex-002"]["gold"]["classification"] == "AI Incident" and len(rows["ex-002"]["reviews"]) == 2
    assert rows["ex-005"]["gold"]["taxonomy"]["ai_principles"] == {"values": []}
    assert "reviews" not in rows["ex-003"] and "reviews" not in rows["ex-004"]

    refused = runner.invoke(app, ["import-labelstudio", str(minimal), "--gold", str(gold)])
    assert refused.exit_code == 2 and "JSON_MIN" in refused.stderr

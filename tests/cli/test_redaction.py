"""No key reaches what aimlabel writes, even from a server that reflects it (issue 13, item 8).

The fake server (`--echo-key`) writes the request's credential into every rationale: the Bearer
key, or the user:password that a key in the `--base-url` userinfo becomes. Every writer is then
read back byte for byte: JSONL, the run store, recordings, the review page, the Label Studio
and Argilla exports, `export`, stderr and the run manifest.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aimlabel.cli.app import app
from aimlabel.core import redact as r
from aimlabel.testing.fakeserver.process import start_fake_server
from conftest import example_articles

SHORT = "abc1234"
PASSWORD = "pw12345"
runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(r, "_long", set())
    monkeypatch.setattr(r, "_short", set())
    monkeypatch.setattr(r, "_short_pattern", None)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture(scope="module")
def echo_server():  # type: ignore[no-untyped-def]
    with start_fake_server(echo_key=True) as server:
        yield server


def _articles(tmp_path: Path, n: int = 3) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text("".join(a.model_dump_json() + "\n" for a in example_articles()[:n]), encoding="utf-8")
    return path


def _store_text(store: Path) -> str:
    """Every text the store holds: runs (manifest, totals), items (record, label, findings), cache."""
    with sqlite3.connect(store) as db:
        rows = [*db.execute("SELECT name, manifest, totals FROM runs"),
                *db.execute("SELECT item_key, label, findings, record FROM items"), *db.execute("SELECT key, answer FROM cache")]
    return "\n".join(str(v) for row in rows for v in row)


def _files_text(*paths: Path) -> str:
    texts = []
    for path in paths:
        for file in [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()):
            texts.append(file.read_text(encoding="utf-8"))
    return "\n".join(texts)


def test_a_reflected_short_key_is_in_no_writer(tmp_path: Path, echo_server) -> None:  # type: ignore[no-untyped-def]
    store, out, rec = tmp_path / "runs.sqlite", tmp_path / "labels.jsonl", tmp_path / "rec"
    labelled = runner.invoke(app, ["label", str(_articles(tmp_path)), "--base-url", echo_server.base_url, "--model", "fake-model",
                                   "--api-key", SHORT, "-o", str(out), "--record", str(rec), "--run", "r1", "--store", str(store)])
    assert labelled.exit_code == 0, labelled.stderr
    stdout = runner.invoke(app, ["label", str(_articles(tmp_path)), "--base-url", echo_server.base_url, "--model", "fake-model",
                                 "--api-key", SHORT, "--no-store", "-q"])
    outputs = {name: tmp_path / name for name in ("export.jsonl", "page.html", "tasks.json", "records.json")}
    for command, name in (("export", "export.jsonl"), ("review", "page.html"), ("export-labelstudio", "tasks.json"),
                          ("export-argilla", "records.json")):
        result = runner.invoke(app, [command, "r1", "--store", str(store), "-o", str(outputs[name])])
        assert result.exit_code == 0, (command, result.stderr)
        assert SHORT not in result.stderr
    written = {
        "jsonl": out.read_text(encoding="utf-8"), "stdout": stdout.stdout, "store": _store_text(store),
        "recordings": _files_text(rec), "stderr": labelled.stderr + stdout.stderr,
        **{name: path.read_text(encoding="utf-8") for name, path in outputs.items()},
    }
    assert {name: SHORT in text for name, text in written.items()} == {name: False for name in written}
    reflected = f"(Request authorised with {r.MARK}.)"
    for name in ("jsonl", "stdout", "store", "recordings", "export.jsonl", "tasks.json", "records.json"):
        assert reflected in written[name], name  # the server did reflect the key: redaction, not absence
    assert r.MARK in written["page.html"]


def test_a_key_in_the_base_url_is_kept_out_of_the_manifest_and_the_records(tmp_path: Path, echo_server) -> None:  # type: ignore[no-untyped-def]
    store, out = tmp_path / "runs.sqlite", tmp_path / "labels.jsonl"
    url = echo_server.base_url.replace("http://", f"http://aimuser:{PASSWORD}@")
    args = ["label", str(_articles(tmp_path)), "--base-url", url, "--model", "fake-model", "-o", str(out),
            "--run", "r2", "--store", str(store)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    again = runner.invoke(app, args)  # resuming compares the manifests: both sides are redacted alike
    assert again.exit_code == 0, again.stderr
    with sqlite3.connect(store) as db:
        manifest = json.loads(db.execute("SELECT manifest FROM runs WHERE name = 'r2'").fetchone()[0])
    assert manifest["base_url"] == echo_server.base_url.replace("http://", f"http://{r.MARK}@")
    for text in (out.read_text(encoding="utf-8"), _store_text(store), first.stderr, again.stderr):
        assert PASSWORD not in text
    assert f"aimuser:{r.MARK}" in out.read_text(encoding="utf-8")


def test_an_unreachable_url_with_credentials_is_redacted_on_stderr_and_in_records(tmp_path: Path) -> None:
    result = runner.invoke(app, ["label", str(_articles(tmp_path)), "--base-url", f"http://aimuser:{PASSWORD}@127.0.0.1:9/v1",
                                 "--model", "m", "--retries", "0", "--no-store"])
    assert result.exit_code == 3
    assert PASSWORD not in result.stderr and PASSWORD not in result.stdout
    assert f"http://{r.MARK}@127.0.0.1:9/v1" in result.stderr


def test_exports_of_labels_an_older_aimlabel_wrote_are_redacted_with_the_key_in_the_environment(tmp_path: Path) -> None:
    article = example_articles()[0]
    line = {"id": article.id, "status": "ok", "label": {"classification": "AI Incident", "rationale": f"leaked {SHORT} here"},
            "article": {"id": article.id, "title": article.title}}
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps(line) + "\n", encoding="utf-8")
    outputs = {}
    for env in ({}, {"OPENAI_API_KEY": SHORT}):
        for command in ("export-labelstudio", "export-argilla", "review"):
            target = tmp_path / f"{command}-{bool(env)}.out"
            result = runner.invoke(app, [command, str(old), "-o", str(target)], env=env)
            assert result.exit_code == 0, result.stderr
            outputs[(command, bool(env))] = target.read_text(encoding="utf-8")
        r._long.clear(), r._short.clear()
        r._short_pattern = None
    assert {k: SHORT in v for k, v in outputs.items()} == {
        ("export-labelstudio", False): True, ("export-argilla", False): True, ("review", False): True,
        ("export-labelstudio", True): False, ("export-argilla", True): False, ("review", True): False,
    }

"""Outputs lose nothing: an output that is an input is refused, and every file a command writes
is replaced only when the command succeeds (a temporary file beside it, renamed at the end)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.resources import examples_dir
from aimlabel.testing.fakeserver import start_fake_server

runner = CliRunner()
EXAMPLES = examples_dir()
REPLAY = ["--replay", str(EXAMPLES / "recordings")]
OLD = '{"kept": "the earlier output"}\n'


def _articles(tmp_path: Path) -> Path:
    path = tmp_path / "x.jsonl"
    path.write_bytes((EXAMPLES / "articles.jsonl").read_bytes())
    return path


def _labels(tmp_path: Path) -> Path:
    out = tmp_path / "labels.jsonl"
    assert runner.invoke(app, ["label", "--example", "-q", "-o", str(out)]).exit_code == 0
    return out


def _no_temp_files(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("spelling", ["same", "relative", "symlink"])
def test_label_refuses_an_output_that_is_its_input(tmp_path: Path, spelling: str, monkeypatch: pytest.MonkeyPatch) -> None:
    articles = _articles(tmp_path)
    before = articles.read_bytes()
    monkeypatch.chdir(tmp_path)
    out = {"same": str(articles), "relative": "./sub/../x.jsonl", "symlink": "link.jsonl"}[spelling]
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.jsonl").symlink_to(articles)
    result = runner.invoke(app, ["label", str(articles), "-o", out, *REPLAY, "-q"])
    assert result.exit_code == 2, result.stderr
    assert "is the input" in result.stderr and "x.jsonl" in result.stderr
    assert articles.read_bytes() == before


def test_every_command_refuses_to_write_over_what_it_reads(tmp_path: Path) -> None:
    labels = _labels(tmp_path)
    before = labels.read_bytes()
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes((Path(__file__).parents[2] / "eval" / "gold.jsonl").read_bytes())
    cases = [
        ["review", str(labels), "-o", str(labels)],
        ["export-labelstudio", str(labels), "-o", str(labels)],
        ["export-argilla", str(labels), "--settings", str(labels)],
        ["eval", "--gold", str(gold), "--labels", str(labels), "--html", str(labels)],
        ["eval", "--gold", str(gold), "--labels", str(labels), "--out", str(gold)],
        ["eval", "--gold", str(gold), "--labels", str(labels), "--out", str(tmp_path / "o.jsonl"), "--html", str(tmp_path / "o.jsonl")],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.stderr)
        assert "aimlabel: error:" in result.stderr and ("is the input" in result.stderr or "twice" in result.stderr), args
    assert labels.read_bytes() == before
    assert gold.read_bytes() == (Path(__file__).parents[2] / "eval" / "gold.jsonl").read_bytes()


def test_an_output_that_is_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["label", "--example", "-q", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "is a folder" in result.stderr


def test_export_refuses_to_write_over_the_store(tmp_path: Path, _isolated_store: Path) -> None:
    assert runner.invoke(app, ["label", "--example", "-q", "--run", "r1", "-o", str(tmp_path / "a.jsonl")]).exit_code == 0
    size = _isolated_store.stat().st_size
    result = runner.invoke(app, ["export", "r1", "-o", str(_isolated_store)])
    assert result.exit_code == 2 and "is the input" in result.stderr
    assert _isolated_store.stat().st_size == size


def test_unwritable_record_leaves_the_existing_output_alone(tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    out.write_text(OLD)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the recording folder should go")
    env = {"OPENAI_API_KEY": "sk-test-not-real"}
    result = runner.invoke(app, ["label", str(_articles(tmp_path)), "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
                                 "--record", str(blocker / "rec"), "-o", str(out), "--no-store"], env=env)
    assert result.exit_code == 2, result.stderr
    assert "cannot write the recording" in result.stderr
    assert out.read_text() == OLD
    _no_temp_files(tmp_path)


def test_a_resume_that_cannot_start_leaves_the_output_alone(tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    assert runner.invoke(app, ["label", "--example", "-q", "--run", "daily", "-o", str(out)]).exit_code == 0
    before = out.read_bytes()
    result = runner.invoke(app, ["label", "--example", "-q", "--run", "daily", "--max-article-tokens", "60", "-o", str(out)])
    assert result.exit_code == 2 and "different" in result.stderr
    assert out.read_bytes() == before
    _no_temp_files(tmp_path)


def test_output_is_written_beside_and_renamed_on_success(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "labels.jsonl"
    out.parent.mkdir()
    out.write_text(OLD)
    os.chmod(out, 0o640)
    assert runner.invoke(app, ["label", "--example", "-q", "-o", str(out)]).exit_code == 0
    assert len(out.read_text().splitlines()) == 5
    assert out.stat().st_mode & 0o777 == 0o640
    _no_temp_files(out.parent)
    # A symlinked output writes through the link, as `open(path, "w")` did.
    real = tmp_path / "real.jsonl"
    real.write_text(OLD)
    (tmp_path / "link.jsonl").symlink_to(real)
    assert runner.invoke(app, ["label", "--example", "-q", "-o", str(tmp_path / "link.jsonl")]).exit_code == 0
    assert (tmp_path / "link.jsonl").is_symlink() and len(real.read_text().splitlines()) == 5


def test_output_to_a_device_is_written_in_place(tmp_path: Path) -> None:
    result = runner.invoke(app, ["label", "--example", "-q", "-o", os.devnull])
    assert result.exit_code == 0, result.stderr


def test_a_failing_command_leaves_the_earlier_file_and_no_temporary(tmp_path: Path) -> None:
    from aimlabel.cli.output import output_stream

    out = tmp_path / "page.html"
    out.write_text(OLD)
    with pytest.raises(RuntimeError), output_stream(out) as fh:
        fh.write("half a page")
        raise RuntimeError("the page could not be built")
    assert out.read_text() == OLD
    _no_temp_files(tmp_path)
    with output_stream(out) as fh:
        fh.write("the whole page")
    assert out.read_text() == "the whole page"
    _no_temp_files(tmp_path)


def test_sigkill_mid_run_leaves_the_earlier_output_whole(tmp_path: Path) -> None:
    """Killed during a resume's run, the earlier JSONL is still there: nothing truncated it first."""
    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(json.dumps({"id": f"a{i:02d}", "title": f"Story {i}", "text": "An AI system did a thing."}) + "\n"
                                for i in range(30)))
    out = tmp_path / "labels.jsonl"
    out.write_text(OLD)
    with start_fake_server(latency=0.3, model="fake") as server:
        cmd = [sys.executable, "-m", "aimlabel", "label", str(articles), "--base-url", server.base_url, "--model", "fake",
               "--run", "nightly", "--store", str(tmp_path / "runs.sqlite"), "--concurrency", "2", "--no-rules", "-q",
               "-o", str(out)]
        proc = subprocess.Popen(cmd, env={**os.environ, "OPENAI_API_KEY": "sk-test-not-real"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while server.stats()["chat_requests"] < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert out.read_text() == OLD

"""A replay spread over forked processes (`run.shards`) gives exactly the records, in exactly the
order, that one process gives; a shard that dies or fails ends the job with an error naming it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aimlabel.evaluation.labelling import label_gold
from aimlabel.model.base import ModelSettings
from aimlabel.model.recording import RecordingReader
from aimlabel.run import shards
from aimlabel.run.job import JobError, LabelJob
from aimlabel.run.shards import MIN_SHARD, replay_workers, shardable, usable_cores

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "gold.jsonl"
FIXTURE = ROOT / "eval" / "recordings" / "fixture"


def _replay(gold: Path, workers: int) -> tuple[list[str], object]:
    reader = RecordingReader(FIXTURE)
    records, result = label_gold(gold, ModelSettings(model=reader.models().pop()), replay=reader, concurrency=4,
                                 workers=workers)
    return [r.to_json() for r in records], result


@pytest.mark.parametrize("workers", [2, 3])
def test_shards_give_the_records_of_one_process_in_input_order(workers: int) -> None:
    one, result_one = _replay(GOLD, 1)
    many, result_many = _replay(GOLD, workers)
    assert len(one) == len(GOLD.read_text(encoding="utf-8").splitlines())
    assert many == one
    assert result_many.totals == result_one.totals  # type: ignore[attr-defined]
    assert result_many.fast_replays == result_one.fast_replays  # type: ignore[attr-defined]
    assert result_many.tokens == result_one.tokens  # type: ignore[attr-defined]


def test_unreadable_lines_keep_their_place_across_shards(tmp_path: Path) -> None:
    lines = GOLD.read_text(encoding="utf-8").splitlines()[:9]
    lines[4] = '{"id": "broken", "title": '  # not JSON
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one, _ = _replay(gold, 1)
    many, result = _replay(gold, 2)
    assert many == one
    assert json.loads(many[4])["status"] == "failed"
    assert result.totals.invalid_input == 1  # type: ignore[attr-defined]


def test_a_shard_that_dies_ends_the_job_with_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = shards.run_label_job

    def dies_in_shard_two(job: LabelJob, sink: object) -> object:
        if job.shard == (1, 2):
            os._exit(7)
        return real(job, sink)  # type: ignore[arg-type]

    monkeypatch.setattr(shards, "run_label_job", dies_in_shard_two)
    with pytest.raises(JobError, match=r"replay shard 2 of 2 ended without finishing \(exit code 7\)"):
        _replay(GOLD, 2)


def test_a_shards_error_reaches_the_caller(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(JobError, match="is empty: there are no articles to label"):
        _replay(empty, 2)


def test_only_a_replay_without_an_owner_is_sharded(tmp_path: Path) -> None:
    reader = RecordingReader(FIXTURE)
    settings = ModelSettings(model="m")
    assert shardable(LabelJob(input=str(GOLD), settings=settings, replay=reader))
    assert not shardable(LabelJob(input=str(GOLD), settings=settings))  # live: one process owns the server's pace
    assert not shardable(LabelJob(input=str(GOLD), settings=settings, replay=reader, record=tmp_path / "r"))
    assert not shardable(LabelJob(input="-", settings=settings, replay=reader))  # stdin cannot be read twice


def test_small_replays_stay_in_one_process() -> None:
    assert replay_workers(MIN_SHARD - 1) == 1
    assert replay_workers(MIN_SHARD * 64) == min(usable_cores(), 64)


def _many_items(folder: Path, n: int) -> tuple[Path, Path]:
    """`n` gold items repeating the fixture's, each under its own id, with the recording to match."""
    from aimlabel.model.recording import item_filename

    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    gold, rec = folder / "gold.jsonl", folder / "recording"
    (rec / "items").mkdir(parents=True)
    (rec / "recording.json").write_bytes((FIXTURE / "recording.json").read_bytes())
    with open(gold, "w", encoding="utf-8") as out:
        for i in range(n):
            row = dict(rows[i % len(rows)])
            item = json.loads((FIXTURE / "items" / item_filename(row["id"])).read_text(encoding="utf-8"))
            row["id"] = item["item"] = f"{row['id']}~{i // len(rows)}"
            out.write(json.dumps(row) + "\n")
            (rec / "items" / item_filename(row["id"])).write_text(json.dumps(item), encoding="utf-8")
    return gold, rec


@pytest.mark.processes
def test_eval_spreads_a_large_replay_and_writes_what_one_process_gives(tmp_path: Path) -> None:
    import subprocess
    import sys

    gold, rec = _many_items(tmp_path, 2 * MIN_SHARD)
    out = tmp_path / "labels.jsonl"
    done = subprocess.run([sys.executable, "-m", "aimlabel", "eval", "--gold", str(gold), "--replay", str(rec),
                           "--out", str(out), "--format", "json"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    reader = RecordingReader(rec)
    one, _ = label_gold(gold, ModelSettings(model=reader.models().pop()), replay=reader, workers=1)
    assert out.read_text(encoding="utf-8").splitlines() == [r.to_json() for r in one]
    assert json.loads(done.stdout)["items"]["with_record"] == 2 * MIN_SHARD

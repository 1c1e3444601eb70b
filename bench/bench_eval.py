"""Benchmark `aimlabel eval` on 10,000 replayed items: metrics and replay pipeline, measured apart.

    python bench/bench_eval.py [--n 10000] [--concurrency 8] [--full-replay]

Builds N items by repeating eval/gold.jsonl with distinct ids (`<id>~<k>`) and a matching
recording (the bundled fixture exchanges copied under the new keys: the request holds the
article, not its id, so replay accepts them), in a temporary folder. Then times, separately:

1. the replay pipeline (`label_gold`: articles -> prompt -> recorded answer -> instructor -> rules ->
   records), as `aimlabel eval --replay` runs it: plain recorded answers take the fast lane (parsed
   by instructor without the HTTP client), the rest go through the openai client; with
   `--full-replay`, also the same replay with every request through the openai client, for
   comparison,
2. the evaluation (gold loading, metrics with 2,000 bootstrap resamples, text/JSON/HTML rendering),
3. `aimlabel eval --labels` work: reading N label records from JSONL, then scoring them,
4. the whole command, `aimlabel eval --gold N-ITEMS --replay REC --html report.html`, as a fresh
   process (interpreter start and imports included): the number the goal is about.

The goal (issue 19) is under 5 s for the whole command on the 2-core machine; the printout says which part
the time goes to.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aimlabel.core.labels_file import load_labels, write_labels
from aimlabel.evaluation.gold import load_gold
from aimlabel.evaluation.labelling import label_gold
from aimlabel.evaluation.report_html import render_html
from aimlabel.evaluation.report_text import render_text
from aimlabel.evaluation.scoring import build_report
from aimlabel.model.base import ModelSettings
from aimlabel.model.recording import RecordingReader, item_filename
from aimlabel.run.collector import collect_less_often
from aimlabel.run.pricing import read_prices
from aimlabel.run.shards import replay_workers

ROOT = Path(__file__).resolve().parents[1]


def build_inputs(n: int, folder: Path) -> tuple[Path, Path]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    source = ROOT / "eval" / "recordings" / "fixture"
    recorded = {row["id"]: json.loads((source / "items" / item_filename(row["id"])).read_text(encoding="utf-8")) for row in rows}
    gold_path, rec = folder / "gold-big.jsonl", folder / "recording"
    (rec / "items").mkdir(parents=True)
    (rec / "recording.json").write_text((source / "recording.json").read_text(encoding="utf-8"), encoding="utf-8")
    with open(gold_path, "w", encoding="utf-8") as out:
        for i in range(n):
            row = dict(rows[i % len(rows)])
            key = f"{row['id']}~{i // len(rows)}"
            item = dict(recorded[row["id"]], item=key)
            row["id"] = key
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            (rec / "items" / item_filename(key)).write_text(json.dumps(item), encoding="utf-8")
    return gold_path, rec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--full-replay", action="store_true", help="also time the replay with every request through the openai client")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes the in-process replay is spread over (default: what `aimlabel eval` picks for N items)")
    args = parser.parse_args()
    collect_less_often()  # as `aimlabel` itself does, so the parts timed here run as in the command
    with tempfile.TemporaryDirectory() as tmp:
        gold_path, rec = build_inputs(args.n, Path(tmp))
        reader = RecordingReader(rec)
        settings = ModelSettings(model=reader.models().pop())

        workers = args.workers or replay_workers(args.n)
        started = time.perf_counter()
        records, result = label_gold(gold_path, settings, replay=reader, concurrency=args.concurrency, workers=workers)
        replay_s = time.perf_counter() - started
        failed = sum(r.status == "failed" for r in records)
        calls = sum(r.attempts.requests for r in records)

        full_s = None
        if args.full_replay:
            started = time.perf_counter()
            full, _ = label_gold(gold_path, settings, replay=RecordingReader(rec), fast_replay=False, concurrency=args.concurrency,
                               workers=workers)
            full_s = time.perf_counter() - started
            if [r.to_json() for r in full] != [r.to_json() for r in records]:
                raise SystemExit("the full replay gave different records from the fast lane")

        started = time.perf_counter()
        gold = load_gold(gold_path)
        prices = read_prices(None)
        report = build_report(gold, records, source="replay", recording_producer="fixture", prices=prices)
        render_text(report), json.dumps(report.to_json()), render_html(report)
        metrics_s = time.perf_counter() - started

        labels_path = Path(tmp) / "labels.jsonl"
        write_labels(labels_path, records)
        started = time.perf_counter()
        build_report(load_gold(gold_path), load_labels(labels_path), source="labels", recording_producer=None, prices=prices)
        labels_s = time.perf_counter() - started

        started = time.perf_counter()
        command = [sys.executable, "-m", "aimlabel", "eval", "--gold", str(gold_path), "--replay", str(rec),
                   "--html", str(Path(tmp) / "report.html")]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        command_s = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"aimlabel eval exited {done.returncode}: {done.stderr.strip()[-500:]}")

    n = len(records)
    print(f"machine: {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU(s)")
    print(f"items: {n} ({failed} failed), accuracy {report.classification.accuracy:.3f}")
    print(f"replay pipeline: {replay_s:.2f} s ({n / replay_s:,.0f} items/s, concurrency {args.concurrency}); "
          f"{result.fast_replays:,} of {calls:,} recorded requests took the fast lane")
    if full_s is not None:
        print(f"same replay with --full-replay (every request through the openai client): {full_s:.2f} s "
              f"({n / full_s:,.0f} items/s); identical records")
    print(f"evaluation (load gold + metrics + 2000 bootstrap resamples + text/JSON/HTML): {metrics_s:.2f} s")
    print(f"eval --labels path (read {n} label records + gold + metrics): {labels_s:.2f} s")
    print(f"in process, replay + evaluation: {replay_s + metrics_s:.2f} s; the replay pipeline is "
          f"{replay_s / (replay_s + metrics_s):.0%} of it")
    print(f"whole command `aimlabel eval --gold ({n} items) --replay ... --html ...` as a new process: "
          f"{command_s:.2f} s (goal < 5 s)")


if __name__ == "__main__":
    main()

"""CPU that `--confidence logprobs` adds per article, side by side with `--confidence off`.

    python bench/bench_confidence.py --n 2000 --repeats 3 --modes json_schema,tools,md_json

For each mode, `python -m aimlabel label` runs in its own process against the fake server
(`python -m aimlabel.testing.fakeserver --memo`, no latency), alternately with `--confidence off`
and `--confidence logprobs`, `--repeats` times each on the same N generated articles, after one
uncounted run of each that fills the server's memo (so the server answers both settings at the
same speed, and a slower server never shows up as client CPU spent waiting); the
labeller's own CPU (user + system, from `os.wait4`, so the server's is never counted) is read
for every run, and the medians are compared. With logprobs the server returns OpenAI-format
logprobs with 5 alternatives for every answer token (the script prints the size of one answer
both ways), so the difference is what reading them costs a whole process: receiving, scanning, and what the
client does with the rest.

Target (issue 15): under 0.3 ms of CPU per article.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from aimlabel.core.prompt import default_prompt, render
from aimlabel.core.readers import articles_only, iter_articles
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.testing.fakeserver import start_fake_server
from aimlabel.testing.fakeserver.answers import Answerer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_label import write_articles  # noqa: E402  (the same generated articles as the labelling bench)


def label_cpu(cmd: list[str]) -> float:
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"label exited {proc.returncode}: {shlex.join(cmd)}")
    return usage.ru_utime + usage.ru_stime


def body_sizes(articles: Path) -> tuple[int, int]:
    """Bytes of the fake server's answer to the first article, without and with logprobs (its own code)."""
    article = next(iter(articles_only(iter_articles(str(articles)))))
    request = {"model": "fake", "messages": render(default_prompt(), article).messages, "response_format": {}}
    answerer = Answerer(default_taxonomy())
    plain = answerer.completion(request, None)
    rich = answerer.completion({**request, "logprobs": True, "top_logprobs": 5}, None)
    return len(json.dumps(plain).encode()), len(json.dumps(rich).encode())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=2000, help="Articles per run (default 2000).")
    p.add_argument("--repeats", type=int, default=3, help="Runs of each setting per mode, alternating (default 3).")
    p.add_argument("--modes", default="json_schema,tools,md_json", help="Comma-separated modes.")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--label-cmd", default=f"{shlex.quote(sys.executable)} -m aimlabel", help="Command that provides `label`.")
    a = p.parse_args(argv)
    modes = [m.strip() for m in a.modes.split(",") if m.strip()]
    print(f"# --confidence logprobs vs off: N={a.n}, {a.repeats} runs each, C={a.concurrency}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="aimlabel-bench-conf-") as tmp:
        articles = Path(tmp) / "articles.jsonl"
        write_articles(articles, a.n)
        plain, rich = body_sizes(articles)
        print(f"# one answer: {plain:,} bytes without logprobs, {rich:,} with", flush=True)
        with start_fake_server(max_seconds=3600, memo=True) as server:
            for mode in modes:
                cpu: dict[str, list[float]] = {"off": [], "logprobs": []}
                for run in range(a.repeats + 1):  # run 0 warms the server's memo up and is not counted
                    for setting in ("off", "logprobs"):
                        cmd = [*shlex.split(a.label_cmd), "label", str(articles), "--base-url", server.base_url, "--model", "fake",
                               "--api-key", "bench", "--mode", mode, "--concurrency", str(a.concurrency), "--no-store", "-q",
                               "--confidence", setting, "-o", os.devnull]
                        used = label_cpu(cmd)
                        if run:
                            cpu[setting].append(used)
                off, on = statistics.median(cpu["off"]), statistics.median(cpu["logprobs"])
                rows.append(f"| {mode} | {a.n:,} | {off / a.n * 1000:.3f} | {on / a.n * 1000:.3f} | {(on - off) / a.n * 1000:+.3f} | "
                            f"{' '.join(f'{x:.2f}' for x in cpu['off'])} | {' '.join(f'{x:.2f}' for x in cpu['logprobs'])} |")
                print(f"  {mode}: done", file=sys.stderr, flush=True)
    print("| mode | N | off: CPU ms/article | logprobs: CPU ms/article | added ms/article | off runs, CPU s | logprobs runs, CPU s |")
    print("|---|---:|---:|---:|---:|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Throughput with one article 40x slower than the rest: the workers must not wait for it.

    python bench/bench_slow_article.py --n 2000 --concurrency 16 --latency 0.5 --factor 40

`aimlabel label` runs in its own process against the fake server (`--slow` makes the one article
whose title carries a marker answer `--factor` times slower); the same input runs a second time
with no slow article, as the baseline of the same run. Throughput comes from the server's clock
(first request to last response) and is printed beside the limit C/L and beside the best a
scheduler could do with the slow article holding one slot for factor x L. The check (issue 13):
with the slow article, at least 90% of C/L. `--label-cmd` runs another build, e.g. main's:
`--label-cmd "env PYTHONPATH=/work/main/src python -m aimlabel"`.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_label import write_articles

from aimlabel.testing.fakeserver import start_fake_server

MARKER = "SLOW-ARTICLE"


@dataclass
class Result:
    n: int
    seconds: float
    wall: float
    ok: int
    exit_code: int
    max_in_flight: int
    slow_requests: int

    @property
    def rate(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else float("nan")


def mark_slow(path: Path, index: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[index])
    row["title"] = f"{MARKER} {row['title']}"
    lines[index] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def label_once(articles: Path, n: int, slow: bool, a: argparse.Namespace, work: Path) -> Result:
    max_seconds = round(n * a.latency / a.concurrency * 4 + a.latency * a.factor + 120)
    server_options = {"slow": MARKER, "slow_factor": a.factor} if slow else {}
    with start_fake_server(latency=a.latency, max_seconds=max_seconds, **server_options) as server:
        out = work / f"out-{slow}.jsonl"
        cmd = [*shlex.split(a.label_cmd), "label", str(articles), "--base-url", server.base_url, "--model", "fake",
               "--api-key", "bench", "--concurrency", str(a.concurrency), "--fix-rounds", str(a.fix_rounds),
               "--store", str(work / f"runs-{slow}.sqlite"), "-o", str(out), "--quiet"]
        started = time.perf_counter()
        code = subprocess.run(cmd, stdin=subprocess.DEVNULL).returncode
        wall = time.perf_counter() - started
        stats = server.stats()
    ok = sum(json.loads(line)["status"] != "failed" for line in out.read_text(encoding="utf-8").splitlines()) if out.exists() else 0
    seconds = (stats["last_response_at"] or 0) - (stats["first_request_at"] or 0)
    return Result(n, seconds, wall, ok, code, stats["max_in_flight"], stats.get("slow_requests", 0))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=2000, help="Articles (default 2000).")
    p.add_argument("--concurrency", type=int, default=16, help="aimlabel label --concurrency (default 16).")
    p.add_argument("--latency", type=float, default=0.5, help="Fake server latency per request, seconds (default 0.5).")
    p.add_argument("--factor", type=float, default=40.0, help="How much slower the slow article is (default 40).")
    p.add_argument("--slow-at", type=int, default=5, help="Input position of the slow article (default 5).")
    p.add_argument("--fix-rounds", type=int, default=0,
                   help="aimlabel label --fix-rounds (default 0: one request per article, so articles/s is requests/s).")
    p.add_argument("--no-baseline", action="store_true", help="Skip the run without a slow article.")
    p.add_argument("--label-cmd", default=f"{shlex.quote(sys.executable)} -m aimlabel",
                   help="Command that provides `label` (to compare builds).")
    a = p.parse_args(argv)
    limit = a.concurrency / a.latency
    best = a.n / ((a.n - 1 + a.factor) * a.latency / a.concurrency)
    print(f"# one article {a.factor:g}x slower: N={a.n:,}, C={a.concurrency}, L={a.latency:g}s, limit C/L = {limit:.1f} "
          f"articles/s; {os.cpu_count()} cores, Python {sys.version.split()[0]}; label command: {a.label_cmd}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="aimlabel-bench-slow-") as tmp:
        work = Path(tmp)
        articles = work / "articles.jsonl"
        write_articles(articles, a.n)
        runs = [("no slow article (baseline)", False)] if not a.no_baseline else []
        plain = work / "plain.jsonl"
        plain.write_bytes(articles.read_bytes())
        mark_slow(articles, a.slow_at)
        runs.append((f"article {a.slow_at} {a.factor:g}x slower", True))
        results = {}
        for name, slow in runs:
            results[slow] = label_once(articles if slow else plain, a.n, slow, a, work)
            r = results[slow]
            rows.append(f"| {name} | {r.ok:,}/{r.n:,} | {r.seconds:.1f} | {r.rate:.1f} | {limit:.1f} | {r.rate / limit:.1%} | "
                        f"{r.max_in_flight} | {r.wall:.1f} | {r.exit_code} |")
            print(f"  {name}: {r.rate:.1f} articles/s over {r.seconds:.1f}s (exit {r.exit_code})", file=sys.stderr, flush=True)
    print(f"best possible with the slow article holding one slot for {a.factor:g} x L: {best:.1f} articles/s ({best / limit:.1%} of C/L)")
    print("| run | ok/N | server seconds | articles/s | limit C/L | of limit | max in flight | wall s | exit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    slow_run = results[True]
    passed = slow_run.rate >= 0.9 * limit and slow_run.slow_requests >= 1 and slow_run.ok == a.n
    print(f"{'PASS' if passed else 'FAIL'}: with the slow article {slow_run.rate / limit:.1%} of C/L (needs >= 90%)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

"""Peak memory of `aimlabel label --record` as the run grows: it must stay flat.

    python bench/bench_record_memory.py --n 3000,30000

For each N, `aimlabel label ... --record DIR` runs under `/usr/bin/time -v` against the fake
server (its own process), and the table gives the labeller's "Maximum resident set size" next to
its CPU and wall time and the number of recording files written. Before issue 13 the recording
writer kept every exchange in memory (115 MB at a few articles, 224 MB at 3,000). `--label-cmd`
runs another build, e.g. main's: `--label-cmd "env PYTHONPATH=/work/main/src python -m aimlabel"`.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_label import write_articles

from aimlabel.testing.fakeserver import start_fake_server

TIME = "/usr/bin/time"


def field(report: str, name: str) -> str:
    found = re.search(rf"^\s*{re.escape(name)}: (.*)$", report, re.MULTILINE)
    return found.group(1).strip() if found else "?"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", default="3000,30000", help="Comma-separated article counts (default 3000,30000).")
    p.add_argument("--concurrency", type=int, default=32, help="aimlabel label --concurrency (default 32).")
    p.add_argument("--latency", type=float, default=0.0, help="Fake server latency, seconds (default 0: as fast as the client goes).")
    p.add_argument("--label-cmd", default=f"{shlex.quote(sys.executable)} -m aimlabel",
                   help="Command that provides `label` (to compare builds).")
    a = p.parse_args(argv)
    if not os.access(TIME, os.X_OK):
        print(f"{TIME} is needed (GNU time, for -v)", file=sys.stderr)
        return 2
    sizes = [int(x) for x in a.n.split(",") if x.strip()]
    print(f"# aimlabel label --record: C={a.concurrency}, L={a.latency:g}s; {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
          f"label command: {a.label_cmd}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="aimlabel-bench-rec-") as tmp:
        work = Path(tmp)
        for n in sizes:
            articles = work / f"articles-{n}.jsonl"
            write_articles(articles, n)
            rec = work / f"rec-{n}"
            with start_fake_server(latency=a.latency, max_seconds=round(n * 0.05 + 600)) as server:
                cmd = [TIME, "-v", *shlex.split(a.label_cmd), "label", str(articles), "--base-url", server.base_url,
                       "--model", "fake", "--api-key", "bench", "--concurrency", str(a.concurrency), "--fix-rounds", "0",
                       "--record", str(rec), "--store", str(work / f"runs-{n}.sqlite"), "-o", os.devnull, "--quiet"]
                started = time.perf_counter()
                done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                wall = time.perf_counter() - started
            report = done.stderr
            rss_mb = int(field(report, "Maximum resident set size (kbytes)") or 0) / 1024
            cpu = float(field(report, "User time (seconds)")) + float(field(report, "System time (seconds)"))
            files = sum(1 for _ in (rec / "items").glob("*.json")) if (rec / "items").is_dir() else 0
            rows.append(f"| {n:,} | {rss_mb:.0f} | {cpu:.1f} | {wall:.1f} | {files:,} | {done.returncode} |")
            print(f"  N={n}: peak RSS {rss_mb:.0f} MB, exit {done.returncode}", file=sys.stderr, flush=True)
    print("| N | peak RSS MB | CPU s | wall s | recording files | exit |")
    print("|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Labelling throughput, CPU per article and peak memory, against the fake server.

    python bench/bench_label.py --n 1000,10000 --latency 0.5 --concurrency 64 --modes json_schema

For each mode and N this writes N generated articles to a temp JSONL (streamed, never held in
memory), starts `python -m aimlabel.testing.fakeserver` as one child process and `python -m aimlabel
label` as another, and reads the labeller's own CPU time and peak RSS from `os.wait4` on its pid,
so the server's CPU is never counted. Throughput is taken from the server's clock (first request
to last response), so it measures the labelling loop and not interpreter start-up; the wall time
of the whole command is reported too. A 1-article run per mode gives the fixed start-up cost,
which is subtracted to get the marginal CPU per article.

Targets (issue 6): >= 90% of the ideal C/L at C=64, L=0.5 s; < 5 ms CPU per article; peak RSS
flat as N grows (inputs are streamed).
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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from aimlabel.testing.fakeserver import start_fake_server

WORDS = ("model", "camera", "chatbot", "court", "police", "hospital", "school", "bank", "city", "drone",
         "voice", "algorithm", "regulator", "company", "citizens", "report", "data", "vehicle", "election", "union")


def write_articles(path: Path, n: int) -> None:
    """N varied, realistic-length articles (about 1,500 characters), written one at a time."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            w = [WORDS[(i * k + k) % len(WORDS)] for k in range(1, 13)]
            paragraphs = [
                f"Officials said on day {i % 28 + 1} that the {w[0]} system used by the {w[1]} in district {i} "
                f"had flagged the wrong {w[2]} records.",
                f"The {w[3]} said the {w[4]} relied on an automated {w[5]} to sort {w[6]} cases, and that "
                f"staff had not checked the output before acting on it. " * 3,
                f"Critics from the {w[7]} and the {w[8]} asked for an audit of the {w[9]} and for the {w[10]} "
                f"to publish how the {w[11]} was trained. " * 3,
            ]
            fh.write(json.dumps({"id": f"b{i:07d}", "title": f"Automated {w[0]} errors hit {w[1]} #{i}",
                                 "outlet": "Bench Daily", "date": "2024-05-01", "language": "en",
                                 "text": "\n\n".join(paragraphs)}) + "\n")


@dataclass
class Run:
    mode: str
    n: int
    ok: int
    review: int
    failed: int
    wall: float
    loop_seconds: float
    cpu: float
    max_rss_mb: float
    max_in_flight: int
    exit_code: int
    server_cpu: float | None


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) a running process has used so far; Linux /proc only."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def label_once(articles: Path, n: int, mode: str, args: argparse.Namespace, workdir: Path) -> Run:
    latency, concurrency = args.latency, args.concurrency
    max_seconds = n * latency / max(1, concurrency) * 4 + n * 0.05 + 120
    with start_fake_server(latency=latency, jitter=args.jitter, max_seconds=round(max_seconds)) as server:
        out = workdir / f"out-{mode}-{n}.jsonl"
        store = ["--no-store"] if args.no_store else ["--store", str(workdir / f"runs-{mode}-{n}.sqlite")]
        cmd = [*shlex.split(args.label_cmd), "label", str(articles), "--base-url", server.base_url,
               "--model", "fake", "--api-key", "bench", "--mode", mode, "--concurrency", str(concurrency),
               "--timeout", str(args.timeout), "-o", str(out), "--quiet", *store]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen the child is reaped
        wall = time.perf_counter() - started
        stats = server.stats()
        server_cpu = process_cpu(server.pid)
    statuses: Counter[str] = Counter()
    if out.exists():
        with out.open(encoding="utf-8") as fh:
            for line in fh:
                statuses[json.loads(line)["status"]] += 1
        out.unlink()
    loop = (stats["last_response_at"] or 0) - (stats["first_request_at"] or 0)
    return Run(mode, n, statuses["ok"], statuses["needs_review"], statuses["failed"], wall, loop, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
               stats["max_in_flight"], proc.returncode, server_cpu)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", default="1000,10000", help="Comma-separated article counts (default 1000,10000).")
    p.add_argument("--huge", action="store_true", help="Also run N=100000 (about 13 minutes per mode at C=64, L=0.5).")
    p.add_argument("--latency", type=float, default=0.5, help="Fake server latency per request, seconds.")
    p.add_argument("--jitter", type=float, default=0.0,
                   help="Server latency spread, a fraction of --latency (0 = lock-step, the worst case for the client).")
    p.add_argument("--concurrency", type=int, default=64, help="aimlabel label --concurrency.")
    p.add_argument("--modes", default="json_schema", help="Comma-separated: json_schema,tools,md_json.")
    p.add_argument("--timeout", type=float, default=60.0, help="Client timeout per request, seconds.")
    p.add_argument("--no-store", action="store_true",
                   help="Pass --no-store (default: a fresh run store in the temp dir, as a real run keeps one).")
    p.add_argument("--label-cmd", default=f"{shlex.quote(sys.executable)} -m aimlabel",
                   help="Command that provides `label` (to compare builds or patches).")
    a = p.parse_args(argv)
    sizes = [int(x) for x in a.n.split(",") if x.strip()] + ([100_000] if a.huge else [])
    modes = [m.strip() for m in a.modes.split(",") if m.strip()]
    ideal = a.concurrency / a.latency if a.latency > 0 else float("inf")
    print(f"# aimlabel label bench: C={a.concurrency}, L={a.latency:g}s (jitter {a.jitter:g}), ideal {ideal:.1f} articles/s, "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="aimlabel-bench-") as tmp:
        work = Path(tmp)
        files = {}
        for n in sorted({1, *sizes}):
            files[n] = work / f"articles-{n}.jsonl"
            write_articles(files[n], n)
        for mode in modes:
            base = label_once(files[1], 1, mode, a, work)
            for n in sizes:
                run = label_once(files[n], n, mode, a, work)
                rate = run.n / run.loop_seconds if run.loop_seconds > 0 else float("nan")
                marginal = (run.cpu - base.cpu) / max(1, run.n - 1)
                rows.append(
                    f"| {mode} | {run.n:,} | {run.ok:,}/{run.review:,}/{run.failed:,} | {rate:.1f} | {rate / ideal:.1%} | "
                    f"{run.wall:.1f} | {run.max_in_flight} | {run.cpu / run.n * 1000:.2f} | {marginal * 1000:.2f} | "
                    f"{base.cpu:.2f} | {run.max_rss_mb:.0f} | {_fmt(run.server_cpu)} |"
                )
                print(f"  {mode} N={n}: done in {run.wall:.1f}s (exit {run.exit_code})", file=sys.stderr, flush=True)
    print("| mode | N | ok/review/failed | articles/s | of ideal C/L | wall s | max in flight | CPU ms/article (total) "
          "| CPU ms/article (marginal) | start-up CPU s | peak RSS MB | server CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

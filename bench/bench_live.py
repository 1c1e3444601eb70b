"""The live path against its ceiling: aimlabel beside a bare async httpx2 client, same server, same run.

    python bench/bench_live.py                                # N=1,024 C=64 L=0.5 s and N=4,096 C=256 L=1 s
    python bench/bench_live.py --setups 1024:64:0.5 --fix-rounds 0
    python bench/bench_live.py --url http://127.0.0.1:8000/v1 --model MODEL --setups 1024:64
    python bench/bench_live.py --shards 2                    # also: two label processes, each on half the input
    python bench/bench_live.py --fix-rounds 0 --workers 2     # also: one label process with --workers 2

Each setup (N articles, C in flight, L seconds of server latency) runs, one after the other:
1. the bare client (`bench/bare_client.py`): the very request bodies aimlabel sends first for each
   article, posted with C in flight, answers parsed as JSON and dropped: the ceiling;
2. `aimlabel label` for each `--fix-rounds` value, each with a fresh run store (with `--shards K`,
   also K processes at once, each on every K-th article with C/K in flight: what a
   process-per-core split of the input would get, measured before building one; with
   `--workers K`, also `aimlabel label --workers K`, whose CPU counts the parent and its workers).
Every run gets a fresh fake server (`python -m aimlabel.testing.fakeserver --generic`: it answers
with a schema-valid instance built from the request's JSON Schema alone, knowing nothing of
AIM), on one port for the whole bench (the endpoint stays the same, as a user's does), unless
`--url` names another OpenAI-compatible server. Each setup's label runs share a request-template
cache of their own (`AIMLABEL_CACHE`, one folder per setup): the setup's first 1-article run stores
the template, and every later run sends its first requests from it while the SDK loads
(`aimlabel.model.head_start`); the start-up of that first run, without a template, is printed
under the table.

Printed per run: articles/s and its share of the bare client's articles/s (the ratio is what
survives a change of machine); client CPU per request (marginal: a 1-article run's CPU is taken
off, divided by the extra requests); peak RSS (`os.wait4`); start-up (spawn to the first request
on the server's clock); the share of articles that went to a rule-check fix round; and whether
aimlabel's first requests were byte-for-byte the bare client's. Throughput is taken on the
server's clock (first request to last answer), so start-up is not in it; against `--url` it is
the client's wall time less its start-up. `python -c pass` is timed too, for start-up.
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
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_label import write_articles

from aimlabel.testing.fakeserver import start_fake_server

HERE = Path(__file__).resolve().parent


@dataclass
class Setup:
    n: int
    concurrency: int
    latency: float

    @classmethod
    def parse(cls, text: str) -> Setup:
        parts = text.split(":")
        return cls(int(parts[0]), int(parts[1]), float(parts[2]) if len(parts) > 2 else 0.0)


@dataclass
class Result:
    name: str
    n: int
    ok: int = 0
    review: int = 0
    failed: int = 0
    requests: int = 0
    fixed: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    rss_mb: float = 0.0
    startup: float | None = None
    exit_code: int = 0
    fix_rounds: int = 0


def request_bodies(articles: Path, out: Path, model: str, mode: str) -> None:
    """The first request body aimlabel sends for each article, built by aimlabel's own adapter."""
    from aimlabel.core.articles import Article
    from aimlabel.core.prompt import default_prompt, render
    from aimlabel.core.schema import label_model
    from aimlabel.model.base import ModelSettings
    from aimlabel.model.openai import OpenAIAdapter

    adapter = OpenAIAdapter(ModelSettings(model=model, base_url="http://127.0.0.1:9/v1", api_key="bench", mode=mode))
    prompt, response_model = default_prompt(), label_model()
    with articles.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            rendered = render(prompt, Article(**json.loads(line)))
            dst.write(json.dumps(adapter.request_body(rendered.messages, response_model), separators=(",", ":")) + "\n")


def _wait(proc: subprocess.Popen[bytes]) -> tuple[int, float, float]:
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


class Target:
    """Where requests go: a fresh fake server per run, or one given URL."""

    def __init__(self, args: argparse.Namespace, setup: Setup) -> None:
        self.args, self.setup = args, setup

    def run(self, fn: Any) -> tuple[Any, dict[str, Any] | None]:
        if self.args.url:
            return fn(self.args.url), None
        s = self.setup
        max_seconds = round(s.n * max(s.latency, 0.01) / max(1, s.concurrency) * 8 + s.n * 0.05 + 120)
        with start_fake_server(latency=s.latency, generic=not self.args.aim_answers, max_seconds=max_seconds,
                               port=self.args.port) as server:
            result = fn(server.base_url)
            return result, server.stats()


FLOORS = {"httpx2": "bare httpx2 client", "openai": "openai SDK alone, same bodies",
          "instructor": "instructor over the openai SDK, same schema"}


def bare(bodies: Path, setup: Setup, args: argparse.Namespace, client: str = "httpx2") -> Result:
    def go(url: str) -> tuple[dict[str, Any], float, int, float, float]:
        started = time.time()
        proc = subprocess.Popen([sys.executable, str(HERE / "bare_client.py"), str(bodies), "--url", url,
                                 "--concurrency", str(setup.concurrency), "--api-key", args.api_key, "--client", client],
                                stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        out = proc.stdout.read() if proc.stdout else b""
        code, _, rss = _wait(proc)
        return json.loads(out or b"{}"), started, code, rss, time.time()

    (report, started, code, rss, _), stats = Target(args, setup).run(go)
    first, last = (stats["first_request_at"], stats["last_response_at"]) if stats else (report["first_request_at"], report["last_response_at"])
    return Result(FLOORS[client], setup.n, ok=int(report.get("ok", 0)), failed=setup.n - int(report.get("ok", 0)),
                  requests=setup.n, seconds=(last or 0) - (first or 0), cpu=float(report.get("send_cpu", 0.0)), rss_mb=rss,
                  startup=(first or started) - started if client == "httpx2" else None, exit_code=code)


def shard(articles: Path, k: int, work: Path) -> list[Path]:
    """Article i goes to shard i mod k (k = 1: the input itself)."""
    if k == 1:
        return [articles]
    paths = [work / f"{articles.stem}.shard{j}of{k}.jsonl" for j in range(k)]
    handles = [p.open("w", encoding="utf-8") for p in paths]
    with articles.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            handles[i % k].write(line)
    for h in handles:
        h.close()
    return paths


def label(articles: Path, n: int, setup: Setup, fix_rounds: int, args: argparse.Namespace, work: Path, shards: int = 1,
          workers: int = 1) -> Result:
    """`aimlabel label` on the articles; with `shards` > 1, that many processes at once, each on
    every k-th article with C/k in flight and its own store (what a process-per-core split gets)."""
    parts = shard(articles, shards, work)
    outs = [work / f"out-{n}-{fix_rounds}-{j}.jsonl" for j in range(shards)]
    width = max(1, setup.concurrency // shards)

    def go(url: str) -> tuple[float, int, float, float, float]:
        procs = []
        started = time.time()
        for j, (part, out) in enumerate(zip(parts, outs, strict=True)):
            store = work / f"runs-{n}-{setup.concurrency}-{fix_rounds}-{j}-{time.monotonic_ns()}.sqlite"
            cmd = [*shlex.split(args.label_cmd), "label", str(part), "--base-url", url, "--model", args.model,
                   "--api-key", args.api_key, "--mode", args.mode, "--concurrency", str(width),
                   "--fix-rounds", str(fix_rounds), "--timeout", "120", "-o", str(out), "--quiet", "--store", str(store),
                   *shlex.split(args.label_args), *(["--workers", str(workers)] if workers > 1 else [])]
            procs.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, env={**os.environ, "AIMLABEL_CACHE": str(work / f"cache-{setup.n}-{setup.concurrency}-{setup.latency:g}")}))
        waited = [_wait(proc) for proc in procs]
        return (started, max(w[0] for w in waited), sum(w[1] for w in waited), sum(w[2] for w in waited), time.time())

    (started, code, cpu, rss, ended), stats = Target(args, setup).run(go)
    statuses: Counter[str] = Counter()
    requests = fixed = 0
    for out in outs:
        if not out.exists():
            continue
        with out.open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                statuses[record["status"]] += 1
                attempts = record.get("attempts") or {}
                requests += attempts.get("requests", 0)
                fixed += attempts.get("fix_rounds", 0) > 0
        out.unlink()
    if stats:
        startup: float | None = (stats["first_request_at"] or ended) - started
        seconds = (stats["last_response_at"] or 0) - (stats["first_request_at"] or 0)
    else:
        startup, seconds = None, ended - started
    name = (f"aimlabel --fix-rounds {fix_rounds}" + (f" {args.label_args}" if args.label_args else "")
            + (f" --workers {workers}" if workers > 1 else "")
            + (f", {shards} processes" if shards > 1 else ""))
    return Result(name, n, statuses["ok"], statuses["needs_review"], statuses["failed"],
                  requests, fixed, seconds, cpu, rss, startup, code, fix_rounds)


def free_port() -> int:
    """A port free now, for every fake server of the bench in turn."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_pass(runs: int = 5) -> float:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--setups", default="1024:64:0.5,4096:256:1", help="Comma-separated N:C:L (L: fake server latency, s).")
    p.add_argument("--fix-rounds", default="0,1", help="Comma-separated aimlabel --fix-rounds values to run (default 0,1).")
    p.add_argument("--url", default=None, help="Any OpenAI-compatible server (base URL ending in /v1) instead of the fake.")
    p.add_argument("--model", default="fake", help="Model name sent.")
    p.add_argument("--api-key", default="bench", help="API key sent (use an environment variable for a real one).")
    p.add_argument("--mode", default="json_schema", help="aimlabel --mode (json_schema or tools).")
    p.add_argument("--aim-answers", action="store_true", help="Fake server answers with its AIM-aware labels, not generic ones.")
    p.add_argument("--label-cmd", default=f"{shlex.quote(sys.executable)} -m aimlabel",
                   help="Command that provides `label` (to compare builds or patches).")
    p.add_argument("--shards", type=int, default=1,
                   help="Also run K label processes at once, each on every K-th article with C/K in flight (peak RSS: their sum).")
    p.add_argument("--floors", action="store_true",
                   help="Also run the same requests through the openai SDK alone and through instructor over it "
                        "(what the layers the design keeps cost without aimlabel's pipeline).")
    p.add_argument("--workers", type=int, default=1,
                   help="Also run aimlabel label --workers K next to the one-process run (CPU: the parent and its workers).")
    p.add_argument("--label-args", default="", help="Extra arguments for aimlabel label (e.g. '--workers 2').")
    a = p.parse_args(argv)
    a.port = free_port()
    if a.url:
        a.api_key = os.environ.get("AIMLABEL_API_KEY", a.api_key)
    setups = [Setup.parse(s) for s in a.setups.split(",") if s.strip()]
    rounds = [int(x) for x in a.fix_rounds.split(",") if x.strip()]
    server = a.url or ("fake server (AIM answers)" if a.aim_answers else "fake server --generic")
    load = os.getloadavg()
    print(f"# live-path bench: {os.cpu_count()} cores, load average {load[0]:.2f} at start, Python {sys.version.split()[0]}, "
          f"server: {server}, mode {a.mode}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="aimlabel-live-") as tmp:
        work = Path(tmp)
        one = work / "articles-1.jsonl"
        write_articles(one, 1)
        py = python_pass()
        print(f"# python -c pass: {py:.3f} s wall (median of 5)", flush=True)
        for setup in setups:
            articles, bodies = work / f"articles-{setup.n}.jsonl", work / f"bodies-{setup.n}.jsonl"
            write_articles(articles, setup.n)
            request_bodies(articles, bodies, a.model, a.mode)
            base = bare(bodies, setup, a)
            rows = [base, *(bare(bodies, setup, a, client) for client in (("openai", "instructor") if a.floors else ()))]
            first_runs = {f: label(one, 1, setup, f, a, work) for f in rounds}  # these store the template
            singles = {f: label(one, 1, setup, f, a, work) for f in rounds}
            singles_w = {f: label(one, 1, setup, f, a, work, workers=a.workers) for f in rounds} if a.workers > 1 else singles
            for f in rounds:
                rows.append(label(articles, setup.n, setup, f, a, work))
                print(f"  N={setup.n} C={setup.concurrency} --fix-rounds {f}: done (exit {rows[-1].exit_code})", file=sys.stderr, flush=True)
                if a.shards > 1:
                    rows.append(label(articles, setup.n, setup, f, a, work, a.shards))
                if a.workers > 1:
                    rows.append(label(articles, setup.n, setup, f, a, work, workers=a.workers))
            ceiling = base.n / base.seconds if base.seconds > 0 else float("nan")
            print(f"\n## N={setup.n:,}, C={setup.concurrency}, L={setup.latency:g} s (C/L {setup.concurrency / setup.latency if setup.latency else float('inf'):.0f}/s)")
            print("| system | ok/review/failed | requests | articles/s | of bare client | CPU ms/request | peak RSS MB "
                  "| start-up s | fix-round share |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for r in rows:
                rate = r.n / r.seconds if r.seconds > 0 else float("nan")
                if r.name in FLOORS.values():
                    cpu_ms = r.cpu / max(1, r.requests) * 1000
                else:
                    single = (singles_w if "--workers" in r.name[len("aimlabel"):] and a.workers > 1 else singles)[r.fix_rounds]
                    starts = a.shards if "processes" in r.name else 1  # each process pays the start-up once
                    cpu_ms = (r.cpu - starts * single.cpu) / max(1, r.requests - starts * single.requests) * 1000
                startup = "n/a" if r.startup is None else f"{r.startup:.2f}"
                share = "" if r.name in FLOORS.values() else f"{r.fixed / max(1, r.n):.1%}"
                print(f"| {r.name} | {r.ok:,}/{r.review:,}/{r.failed:,} | {r.requests:,} | {rate:.1f} | {rate / ceiling:.2f} "
                      f"| {cpu_ms:.2f} | {r.rss_mb:.0f} | {startup} | {share} |", flush=True)
            for f, r in first_runs.items():
                print(f"\nStart-up of the setup's first run (--fix-rounds {f}, no stored request template yet): "
                      f"{'n/a' if r.startup is None else f'{r.startup:.2f}'} s; the rows above ran after it.")
    print(f"\n# load average {os.getloadavg()[0]:.2f} at end; bench took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

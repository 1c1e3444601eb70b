"""CPU per article and peak memory of the batch path: prepare (or submit) and collect, whole-process.

    python bench/bench_batch.py --n 1000,10000 [--api] [--live] [--repeat 3]

For each N this writes N generated articles (the generator of bench_label.py), then times, each
as its own process with a fresh run store, reading its CPU (user + system) and peak RSS from
`os.wait4`:

- offline: `aimlabel batch prepare` (render, request bodies, the request JSONL, the store), then
  `aimlabel batch collect --output-file` over an output file made here the way an engine would
  (the fake server's answers, not timed): every line through validation, the rule check and the
  record, into the store;
- `--api`: the same over HTTP against the fake server: `aimlabel label --batch` (prepare plus
  the uploads) and `aimlabel batch collect --wait` (polls, downloads, the pass);
- `--live`, the baseline: `aimlabel label` doing the same articles live against the fake server
  (latency 0), one chat request per article.

Every command also runs with N=1, and the marginal CPU per article is (CPU at N - CPU at 1) /
(N - 1), so interpreter and import start-up (over a second here) is left out; `python -c pass`
is timed for scale. `--no-rules` leaves the rule check out (its own parse cache grows with the
first few thousand distinct texts, which shows in collect's peak RSS). With `--repeat R` each figure is the median of R runs. Goal (issue 16):
under 1 ms of CPU per article for prepare and for collect, and memory that stays flat as N
grows (the request file is streamed, never held whole).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench_label import write_articles

from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.testing.fakeserver import start_fake_server
from aimlabel.testing.fakeserver.answers import Answerer

AIMLABEL = [sys.executable, "-m", "aimlabel"]
RULES: list[str] = []  # ["--no-rules"] with --no-rules


@dataclass
class Cost:
    cpu: float
    rss_mb: float
    code: int


def run(cmd: list[str], env: dict[str, str]) -> Cost:
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if code not in (0,):
        raise SystemExit(f"{' '.join(cmd[2:5])} exited {code}: {err.decode()[-500:]}")
    return Cost(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


def engine(requests: Path, out: Path) -> None:
    """Answer a request file the way an offline engine does (vLLM's run_batch output lines)."""
    answerer = Answerer(default_taxonomy())
    with requests.open(encoding="utf-8") as fh, out.open("w", encoding="utf-8") as sink:
        for number, line in enumerate(fh):
            row = json.loads(line)
            sink.write(json.dumps({"id": f"e{number}", "custom_id": row["custom_id"], "error": None,
                                   "response": {"status_code": 200, "request_id": f"e{number}",
                                                "body": answerer.completion(row["body"], None)}}) + "\n")


def offline(articles: Path, work: Path, env: dict[str, str]) -> dict[str, Cost]:
    env = {**env, "AIMLABEL_STORE": str(work / "runs.sqlite")}
    requests, results = work / "requests.jsonl", work / "results.jsonl"
    prepare = run([*AIMLABEL, "batch", "prepare", str(articles), "--model", "fake", "--run", "b", "-o", str(requests), *RULES], env)
    engine(requests, results)
    collect = run([*AIMLABEL, "batch", "collect", "b", "--output-file", str(results)], env)
    return {"prepare": prepare, "collect --output-file": collect}


def api(articles: Path, work: Path, env: dict[str, str]) -> dict[str, Cost]:
    env = {**env, "AIMLABEL_STORE": str(work / "runs.sqlite"), "OPENAI_API_KEY": "sk-bench-0123456789"}
    with start_fake_server(max_seconds=3600) as server:
        submit = run([*AIMLABEL, "label", str(articles), "--batch", "--run", "b", "--base-url", server.base_url, "--model", "fake",
                      *RULES], env)
        collect = run([*AIMLABEL, "batch", "collect", "b", "--wait", "--poll-interval", "0.05", "-q"], env)
    return {"label --batch": submit, "collect --wait": collect}


def live(articles: Path, work: Path, env: dict[str, str]) -> dict[str, Cost]:
    env = {**env, "AIMLABEL_STORE": str(work / "runs.sqlite"), "OPENAI_API_KEY": "sk-bench-0123456789"}
    with start_fake_server(max_seconds=3600) as server:
        label = run([*AIMLABEL, "label", str(articles), "--run", "l", "--base-url", server.base_url, "--model", "fake",
                     "--concurrency", "16", "-q", "-o", str(work / "out.jsonl"), *RULES], env)
    return {"label (live, baseline)": label}


def median_costs(paths: list[Callable[[Path, Path, dict[str, str]], dict[str, Cost]]], articles: Path, root: Path,
                 repeat: int, env: dict[str, str]) -> dict[str, Cost]:
    runs: dict[str, list[Cost]] = {}
    for r in range(repeat):
        for path in paths:
            work = root / f"{path.__name__}-{articles.stem}-{r}"
            work.mkdir()
            for name, cost in path(articles, work, env).items():
                runs.setdefault(name, []).append(cost)
    return {name: Cost(statistics.median(c.cpu for c in costs), statistics.median(c.rss_mb for c in costs), 0)
            for name, costs in runs.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", default="1000,10000", help="Comma-separated article counts (default 1000,10000).")
    p.add_argument("--api", action="store_true", help="Also time the Batch API path against the fake server.")
    p.add_argument("--live", action="store_true", help="Also time the live path (the baseline) against the fake server.")
    p.add_argument("--repeat", type=int, default=1, help="Runs per figure; the median is printed.")
    p.add_argument("--no-rules", action="store_true",
                   help="Label without the rule check (to see the batch path's own cost and memory apart from the check's).")
    a = p.parse_args(argv)
    RULES[:] = ["--no-rules"] if a.no_rules else []
    sizes = [int(x) for x in a.n.split(",") if x.strip()]
    paths: list[Callable[[Path, Path, dict[str, str]], dict[str, Cost]]] = [offline]
    paths += [api] if a.api else []
    paths += [live] if a.live else []
    env = {**os.environ, "COLUMNS": "100"}
    print(f"# aimlabel batch bench: {os.cpu_count()} cores, Python {sys.version.split()[0]}, median of {a.repeat}"
          f"{', no rule check' if a.no_rules else ''}", flush=True)
    with tempfile.TemporaryDirectory(prefix="aimlabel-bench-batch-") as tmp:
        root = Path(tmp)
        base = run([sys.executable, "-c", "pass"], env)
        print(f"python -c pass: {base.cpu:.3f} s CPU, {base.rss_mb:.0f} MB", flush=True)
        costs = {}
        for n in sorted({1, *sizes}):
            articles = root / f"articles-{n}.jsonl"
            write_articles(articles, n)
            costs[n] = median_costs(paths, articles, root, a.repeat, env)
            print(f"  N={n}: done", file=sys.stderr, flush=True)
    print("| command | N | CPU s | start-up CPU s (N=1) | CPU ms/article (marginal) | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in costs[1]:
        for n in sizes:
            cost, one = costs[n][name], costs[1][name]
            marginal = (cost.cpu - one.cpu) / max(1, n - 1) * 1000
            print(f"| `{name}` | {n:,} | {cost.cpu:.2f} | {one.cpu:.2f} | {marginal:.3f} | {cost.rss_mb:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

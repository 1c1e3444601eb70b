"""Start-up cost of `aimlabel` commands that call no model, next to a bare interpreter.

    python bench/bench_startup.py [--runs 7]

Each command runs as a whole new process, `--runs` times after one warm-up, and its CPU time
(user + system) and wall time are read with `resource.getrusage(RUSAGE_CHILDREN)` around it.
The table gives the median of each and the ratio to `python -c pass` on the same machine,
because shared machines drift and a ratio holds better than a number of seconds. The goal
(issue 12): `--help`, `--version` and `check FILE` under 0.5 s of CPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def commands() -> dict[str, list[str]]:
    aimlabel = [sys.executable, "-m", "aimlabel"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "aimlabel --version": [*aimlabel, "--version"],
        "aimlabel --help": [*aimlabel, "--help"],
        "aimlabel check FILE": [*aimlabel, "check", str(DATA / "check" / "labels.jsonl"), "--articles",
                                str(DATA / "check" / "articles.jsonl"), "--exit-zero"],
        "aimlabel eval --labels": [*aimlabel, "eval", "--gold", str(DATA / "review" / "gold.jsonl"), "--labels",
                                   str(DATA / "review" / "labels_a.jsonl")],
        "aimlabel show RUN": [*aimlabel, "show", str(DATA / "review" / "labels_a.jsonl"), "--against",
                              str(DATA / "review" / "gold.jsonl")],
    }


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `command` as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Counted runs per command (after one warm-up).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "AIMLABEL_STORE": str(Path(tmp) / "runs.sqlite"), "COLUMNS": "100"}
        rows = []
        for name, command in commands().items():
            measure(command, env)
            samples = [measure(command, env) for _ in range(args.runs)]
            rows.append((name, statistics.median(c for c, _ in samples), statistics.median(w for _, w in samples)))
    base_cpu, base_wall = rows[0][1], rows[0][2]
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU(s); "
          f"median of {args.runs} runs each, after one warm-up")
    print("| command | CPU s | wall s | CPU / python -c pass | wall / python -c pass |")
    print("|---|---:|---:|---:|---:|")
    for name, cpu, wall in rows:
        print(f"| `{name}` | {cpu:.3f} | {wall:.3f} | {cpu / base_cpu:.1f}x | {wall / base_wall:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reading articles: `aimlabel plan` over N articles in each input format, as a whole process.

    python bench/bench_read.py [--n 1000,100000] [--formats jsonl,csv,json,tsv,xlsx] [--runs 3] [--baseline-src DIR]

`aimlabel plan` reads every article and renders its prompt exactly as `label` would, with no
model call, so the readers are timed under the rest of a run's per-article work. CPU time
(user + system) and peak RSS are the child process's own (`os.wait4`); the marginal CPU per
article leaves out start-up, measured on a 1-article file. Articles carry a 10-paragraph text
(a CSV row spans 11 lines). Each figure is the median of `--runs` runs (the two sides taking
turns), because shared machines drift. `--baseline-src DIR` runs the same commands with another
checkout's `src` first on PYTHONPATH, side by side ("articles read" shows what it could read).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PARAGRAPHS = "\n".join(f"Paragraph {p}: an AI system was used, and it did something, reportedly." for p in range(10))
FIELDS = ("id", "title", "text", "outlet", "date")


def article(i: int) -> dict[str, str]:
    return {"id": f"a{i:07d}", "title": f"Story {i} about an AI system", "text": PARAGRAPHS, "outlet": "Outlet", "date": "2026-01-01"}


def write_input(folder: Path, fmt: str, n: int) -> Path:
    path = folder / f"articles-{n}.{fmt}"
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(article(i)) + "\n" for i in range(n))
    elif fmt == "json":  # written a piece at a time: a large parent would show in the child's peak RSS
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("[\n")
            fh.writelines((",\n" if i else "") + json.dumps(article(i), indent=1) for i in range(n))
            fh.write("\n]\n")
    elif fmt in ("csv", "tsv"):
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, FIELDS, delimiter="\t" if fmt == "tsv" else ",")
            writer.writeheader()
            writer.writerows(article(i) for i in range(n))
    elif fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(list(FIELDS))
        for i in range(n):
            sheet.append(list(article(i).values()))
        book.save(path)
    return path


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, int | None]:
    """(CPU seconds, peak RSS MB, articles the plan counted, or None when it failed) of one run."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    found = re.search(r"^articles\s+([\d,]+)", out, re.MULTILINE)
    read = int(found.group(1).replace(",", "")) if found and os.waitstatus_to_exitcode(status) == 0 else None
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, read


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="1000,100000", help="Comma-separated article counts.")
    parser.add_argument("--formats", default="jsonl,csv,json,tsv,xlsx", help="Comma-separated input formats.")
    parser.add_argument("--runs", type=int, default=3, help="Runs per figure; the median is shown.")
    parser.add_argument("--baseline-src", type=Path, help="Another checkout's src/ to run side by side.")
    args = parser.parse_args()
    sizes = [1, *(int(n) for n in args.n.split(","))]
    sides = {"this": {**os.environ}}
    if args.baseline_src is not None:
        sides["baseline"] = {**os.environ, "PYTHONPATH": str(args.baseline_src.resolve())}
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores")
    print("| format | side | N | articles read | CPU s | CPU µs/article (marginal) | peak RSS MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            paths = {n: write_input(Path(tmp), fmt, n) for n in sizes}
            runs: dict[tuple[str, int], list[tuple[float, float, int | None]]] = {}
            for _ in range(args.runs):
                for n, path in paths.items():
                    for side, env in sides.items():
                        runs.setdefault((side, n), []).append(
                            measure([sys.executable, "-m", "aimlabel", "plan", str(path), "--model", "gpt-4o-mini", "--no-prompt"], env))
            for side in sides:
                start = statistics.median(cpu for cpu, _, _ in runs[side, 1])
                for n in sizes[1:]:
                    cpu = statistics.median(c for c, _, _ in runs[side, n])
                    rss = max(r for _, r, _ in runs[side, n])
                    read = runs[side, n][0][2]
                    marginal = f"{(cpu - start) / (n - 1) * 1e6:.0f}" if read == n else ""
                    print(f"| {fmt} | {side} | {n:,} | {'failed' if read is None else f'{read:,}'} | {cpu:.2f} | {marginal} | {rss:.0f} |",
                          flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

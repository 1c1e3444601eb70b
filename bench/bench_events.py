"""Whole-process cost of `aimlabel events`: building events, and `--group`, as the input grows.

    python bench/bench_events.py [--sizes 300,1000,3000]

For each size it writes a labels file of that many articles (stories of five reports each, a
day apart, with their text), then runs, each as a new process measured with `/usr/bin/time -v`:
`aimlabel events FILE` (the articles carry event ids) and `aimlabel events FILE --group` (the
same articles without event ids). It prints wall time, CPU time and peak resident memory. The
grouping compares every pair of articles, so its memory grows with the square of the input; the
cap on what `--group` accepts (`aimlabel.events.group.MAX_GROUP_ARTICLES`) comes from here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

WORDS = ["model", "system", "chatbot", "camera", "robot", "vehicle", "voice", "face", "loan", "school", "hospital", "police", "bank", "court", "city", "drone", "sensor", "app", "platform", "feed", "ranking", "recruiter", "scanner", "translator", "assistant"]


def write_labels(path: Path, n: int, with_events: bool) -> None:
    rng = random.Random(n)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            story = i // 5
            topic = " ".join(rng.sample(WORDS, 3))
            words = " ".join(random.Random(story).sample(WORDS, 6))
            row = {
                "id": f"a{i:06d}", "title": f"Story {story}: {words}", "date": f"2024-{1 + story % 12:02d}-{1 + i % 5:02d}",
                "text": f"Report {i % 5} on story {story}. The {words} failed and harmed people. Also {topic}.",
                "classification": "AI Incident" if story % 3 else "AI Hazard",
                "rationale": f"The {words} harmed people, so this is an AI Incident." if story % 3 else
                             f"The {words} could plausibly harm people; no harm has occurred, so this is an AI Hazard.",
                "ai_principles": ["Safety"], "harm_types": ["Other"] if story % 3 else [],
            }
            if with_events:
                row["event_id"] = f"story-{story}"
            fh.write(json.dumps(row) + "\n")


def measure(args: list[str]) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS MiB) of one process."""
    done = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True, check=False,
                          env={**os.environ, "AIMLABEL_STORE": os.devnull})
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-2000:]}")

    def field(name: str) -> str:
        found = re.search(rf"{re.escape(name)}: (.+)", done.stderr)
        return found.group(1).strip() if found else "0"

    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
    seconds = sum(float(part) * 60 ** k for k, part in enumerate(reversed(wall)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return seconds, cpu, int(field("Maximum resident set size (kbytes)")) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,1000,3000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    aimlabel = [sys.executable, "-m", "aimlabel", "events"]
    print(f"{'command':<34}{'articles':>9}{'wall s':>9}{'CPU s':>8}{'peak MiB':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            with_ids, without = Path(tmp) / f"ids-{n}.jsonl", Path(tmp) / f"loose-{n}.jsonl"
            write_labels(with_ids, n, True)
            write_labels(without, n, False)
            for name, args in (("aimlabel events FILE", [*aimlabel, str(with_ids), "-o", os.devnull]),
                               ("aimlabel events FILE --group", [*aimlabel, str(without), "--group", "-o", os.devnull])):
                wall, cpu, rss = measure(args)
                print(f"{name:<34}{n:>9}{wall:>9.2f}{cpu:>8.2f}{rss:>10}")


if __name__ == "__main__":
    main()

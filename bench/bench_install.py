"""How long `pip install -e .` takes in a fresh virtualenv, and whether pip backtracks.

    python bench/bench_install.py [--source DIR] [--runs 1]

Each run makes a new virtualenv in a temporary folder and times
`pip install --verbose -e SOURCE` as a whole process (wall clock). It counts the openai
releases pip collected and the "pip is looking at multiple versions" lines it printed. More
than one openai release collected means the resolver backtracked. Give `--source` a checkout
of an earlier commit (`git worktree add /tmp/before COMMIT`) to measure it beside this one
on the same machine. Downloads come from pip's cache and index, as configured on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_install(source: Path) -> tuple[float, int, int, str]:
    """Wall seconds, openai releases collected, backtracking notices, and the openai installed."""
    with tempfile.TemporaryDirectory(prefix="aimlabel-install-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.create(env_dir, with_pip=True)
        pip = env_dir / "bin" / "pip"
        start = time.perf_counter()
        done = subprocess.run([str(pip), "install", "--verbose", "-e", str(source)], capture_output=True, text=True,
                              env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"pip install failed ({done.returncode}):\n{done.stderr[-3000:]}")
        log = done.stdout + done.stderr
        collected = set(re.findall(r"(?:Downloading|Using cached|Processing) [^\s]*?openai-(\d[^-\s]*)-py3", log))
        notices = len(re.findall(r"pip is (?:still )?looking at multiple versions", log))
        installed = re.search(r"Successfully installed .*?\bopenai-(\S+)", log)
        return wall, len(collected), notices, installed.group(1) if installed else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=ROOT, help="The project to install (default: this checkout).")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"source {args.source}")
    print("run\twall_s\topenai_releases_collected\tbacktracking_notices\topenai_installed")
    for run in range(1, args.runs + 1):
        wall, collected, notices, installed = one_install(args.source)
        print(f"{run}\t{wall:.1f}\t{collected}\t{notices}\t{installed}")


if __name__ == "__main__":
    main()

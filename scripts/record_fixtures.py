"""Record hand-written answers as a replayable `fixture` recording.

    python scripts/record_fixtures.py ARTICLES.jsonl ANSWERS.jsonl OUT_DIR

Run it again after a prompt, schema or taxonomy change: replay checks that requests match the
recording, so stale fixture recordings fail loudly instead of passing silently.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from aimlabel.testing.fixtures import load_answers, record_fixture_answers


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    articles, answers, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    if (out / "items").is_dir():
        shutil.rmtree(out / "items")
    records = record_fixture_answers(articles, load_answers(answers), out)
    failed = [r for r in records if r.status != "ok"]
    for r in failed:
        print(f"{r.id}: {r.error.type if r.error else '?'}: {r.error.message if r.error else ''}", file=sys.stderr)
    print(f"recorded {len(records) - len(failed)} of {len(records)} articles into {out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

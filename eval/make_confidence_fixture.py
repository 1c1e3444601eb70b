"""Record the fixture answers again, with logprobs whose confidence is deliberately miscalibrated.

    python eval/make_confidence_fixture.py     # writes eval/recordings/fixture-logprobs/

The answers are eval/fixture_answers.jsonl (the keyword heuristic's, about 71% right on
eval/gold.jsonl). Their logprobs give the chosen class a probability this script sets, reading
the gold class to do it: a right answer gets 0.93 to 0.999, a wrong one 0.86 to 0.95 (spread by a
hash of the article id), the rest of the mass shared by the other classes. So the confidence
ranks answers usefully but claims about 0.93 on average for answers right 71% of the time:
overconfident by design, which `aimlabel calibrate` must detect and its isotonic map correct
(tests/evaluation/test_calibration.py). Producer `fixture`: nobody can take it for a model's.

Run it again after a prompt, schema or taxonomy change, as eval/make_fixture_answers.py.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path
from typing import Any

from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.evaluation.gold import load_gold
from aimlabel.testing.fixtures import load_answers, record_fixture_answers

HERE = Path(__file__).resolve().parent


def overconfident(gold: dict[str, str]) -> Any:
    classes = default_taxonomy().classes

    def distribution(key: str, answer: dict[str, Any]) -> dict[str, float]:
        u = hashlib.sha256(key.encode()).digest()[0] / 255
        chosen = str(answer["classification"])
        p = 0.93 + 0.069 * u if gold.get(key) == chosen else 0.86 + 0.09 * u
        others = [c for c in classes if c != chosen]
        return {c: round(p, 6) if c == chosen else round((1 - p) / len(others), 6) for c in classes}

    return distribution


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=HERE / "gold.jsonl")
    parser.add_argument("--answers", type=Path, default=HERE / "fixture_answers.jsonl")
    parser.add_argument("--recording", type=Path, default=HERE / "recordings" / "fixture-logprobs")
    args = parser.parse_args(argv)
    gold = {item.id: item.gold.classification for item in load_gold(args.gold).items}
    if args.recording.exists():
        shutil.rmtree(args.recording)
    records = record_fixture_answers(args.gold, load_answers(args.answers), args.recording, distribution_for=overconfident(gold))
    failed = [r for r in records if r.status == "failed"]
    measured = [r.confidence.probability for r in records if r.confidence and r.confidence.probability is not None]
    print(f"make_confidence_fixture: recorded {len(records) - len(failed)} of {len(records)} into {args.recording}; "
          f"{len(measured)} with a logprob confidence, mean {sum(measured) / max(1, len(measured)):.3f}", file=sys.stderr)
    return 1 if failed or len(measured) != len(records) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Regenerate the generated parts of docs/rules.md: the rule table and the selftest report.

    python scripts/docs_rules.py           # rewrite docs/rules.md
    python scripts/docs_rules.py --check   # exit 1 if docs/rules.md is stale (CI and tests)

The selftest block is the output of `aimlabel check --selftest` on eval/rules/, so the numbers
in the docs are the numbers the command prints.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from aimlabel.rules.render import rules_markdown
from aimlabel.rules.selftest import load_corpus, render_selftest, run_selftest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "rules.md"


def selftest_markdown() -> str:
    corpus = sorted(p for p in (ROOT / "eval" / "rules").iterdir() if p.is_dir())
    report = render_selftest(run_selftest(load_corpus(corpus)))
    return "```\n$ aimlabel check --selftest\n" + report + "```\n"


def generated(text: str) -> str:
    for name, body in (("rules-table", rules_markdown()), ("selftest", selftest_markdown())):
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m, body=body: m.group(1) + body + m.group(2), text)
    return text


def main() -> int:
    current = DOC.read_text(encoding="utf-8")
    fresh = generated(current)
    if "--check" in sys.argv[1:]:
        if fresh != current:
            print(f"{DOC} is stale: run python scripts/docs_rules.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

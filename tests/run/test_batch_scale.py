"""Issue 16's acceptance run: 10,000 articles through `label --batch` against the fake server,
5% of requests failing in the error file and one batch expiring, `batch collect` killed twice
mid-download, and every article ends accounted for, once, with no request run twice.

Slow (a minute or two on two cores): marked `batchscale`, deselected by default, run by its own
step in .ci/run (`python -m pytest -m batchscale`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_batch_sigkill import run_killed_twice

from aimlabel.testing.fakeserver import start_fake_server

N = 10_000


@pytest.mark.batchscale
def test_ten_thousand_articles_with_failures_an_expired_batch_and_two_kills(tmp_path: Path) -> None:
    with start_fake_server(max_seconds=1200, batch_download_pause=0.02, rate_500=0.05, seed=16, batch_expire="2") as server:
        records, stats = run_killed_twice(server, tmp_path, N, ["--batch-max-requests", "2500"])
    assert [r["id"] for r in records] == [f"a{i:04d}" for i in range(N)]
    failed = [r for r in records if r["status"] != "ok"]
    assert not failed, [r["error"] for r in failed[:5]]
    by_status, by_line = stats["by_status"], stats["by_line"]
    assert isinstance(by_status, dict) and isinstance(by_line, dict)
    assert 0.04 * N < by_status["500"] < 0.07 * N, by_status
    assert set(by_line.values()) == {1}, "no request was run twice"
    expired = sum(r["attempts"]["requests"] for r in records) - sum(by_status.values())
    assert expired == 1250, "the expired batch's unrun half went out again"
    print(f"\n{N} articles: batches {stats['created']}, lines run {stats['lines']} {by_status}, downloads {stats['downloads']}")

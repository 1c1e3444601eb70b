"""A full disk stops the run cleanly: one error, no temporary files, the run marked stopped with why.

The disk is a real 300 KB tmpfs holding the store and the recording, so every write meets the
kernel's ENOSPC (SQLite's "database or disk is full" for the store).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from aimlabel.testing.fakeserver import start_fake_server
from conftest import in_private_mount

CHECK = """
import json, pathlib, sqlite3, sys
disk = pathlib.Path(sys.argv[1])
db = sqlite3.connect(disk / "s.sqlite")
status, totals = db.execute("SELECT status, totals FROM runs").fetchone()
print(json.dumps({"status": status, "totals": json.loads(totals) if totals else None,
                  "items": db.execute("SELECT COUNT(*) FROM items").fetchone()[0],
                  "statuses": sorted({s for (s,) in db.execute("SELECT status FROM items")}),
                  "temp": sorted(p.name for p in disk.rglob(".*") if p.name.endswith(".tmp") or p.name.startswith(".tmp-"))}))
"""


def test_a_full_disk_stops_the_run_with_one_error(tmp_path: Path) -> None:
    articles = tmp_path / "a.jsonl"
    articles.write_text("".join(json.dumps({"id": f"a{i:03d}", "title": f"Story {i}", "text": f"An AI system did thing {i}. " * 30}) + "\n"
                                for i in range(200)))
    disk = tmp_path / "disk"
    disk.mkdir()
    out = tmp_path / "out.jsonl"
    check = tmp_path / "check.py"
    check.write_text(CHECK)
    with start_fake_server(latency=0.01, model="fake") as server:
        label = [sys.executable, "-m", "aimlabel", "label", str(articles), "--base-url", server.base_url, "--model", "fake",
                 "--run", "full", "--store", str(disk / "s.sqlite"), "--record", str(disk / "rec"), "--concurrency", "4",
                 "-q", "-o", str(out)]
        script = (f"{shlex.join(label)} 2> {tmp_path}/err; echo $? > {tmp_path}/code; "
                  f"{shlex.quote(sys.executable)} {check} {disk} > {tmp_path}/store.json")
        done = in_private_mount(f"mount -t tmpfs -o size=300k tmpfs {shlex.quote(str(disk))}", script,
                                env={"OPENAI_API_KEY": "sk-test-not-a-real-key"})
    assert done.returncode == 0, done.stderr
    stderr = (tmp_path / "err").read_text()
    assert (tmp_path / "code").read_text().strip() == "3", stderr
    assert "Traceback" not in stderr and "Task exception" not in stderr and "was never retrieved" not in stderr, stderr
    stops = [line for line in stderr.splitlines() if "no space left" in line.lower()]
    assert len(stops) == 1 and stops[0].startswith("aimlabel: run stopped early: no space left to write"), stderr
    store = json.loads((tmp_path / "store.json").read_text())
    assert store["temp"] == [], store
    assert store["status"] == "stopped" and store["totals"]["stop"]["type"] == "no_space", store
    assert 0 < store["items"] < 200 and store["statuses"] == ["ok"], store  # no record with a false reason
    emitted = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in emitted] == [f"a{i:03d}" for i in range(len(emitted))] and all(r["status"] == "ok" for r in emitted)

"""A store on a read-only mount: reading commands work, writing ones say so in one line (exit 2).

The mount is real: a read-only bind mount in a private mount namespace (`unshare`), since file
modes mean nothing to root. Where namespaces are not allowed the mount tests are skipped, and the
first test still shows that the reading side opens the file read-only.
"""

from __future__ import annotations

import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.run.store import MIGRATIONS, RunStore
from conftest import in_private_mount

AIMLABEL = f"{shlex.quote(sys.executable)} -m aimlabel"


def _in_readonly_mount(folder: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run `script` (sh) with `folder` remounted read-only for it alone."""
    where = shlex.quote(str(folder))
    return in_private_mount(f"mount --bind {where} {where} && mount -o remount,ro,bind {where}", script,
                            env={"AIMLABEL_STORE": str(folder / "runs.sqlite")})


def test_reading_opens_the_file_read_only_and_never_migrates(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    RunStore(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 1")  # as an older aimlabel left it
    db.commit()
    db.close()
    with RunStore(path, readonly=True) as store:
        assert store.list_runs() == []
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.db.execute("DELETE FROM runs")
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1 < len(MIGRATIONS)


def test_read_commands_work_on_a_read_only_mount(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    runner = CliRunner()
    made = runner.invoke(app, ["label", "--example", "-q", "--run", "demo", "--store", str(folder / "runs.sqlite")])
    assert made.exit_code == 0, made.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["runs.sqlite"]  # closed cleanly: no journal left
    out = tmp_path / "out"
    out.mkdir()
    commands = ["runs", "export demo", "show demo", "check demo", f"review demo -o {out}/review.html", "eval --labels demo --gold "
                + shlex.quote(str(Path(__file__).parents[1] / "data" / "review" / "gold.jsonl"))]
    script = " ; ".join(f"{AIMLABEL} {c} > {out}/{i}.out 2> {out}/{i}.err; echo $? >> {out}/codes" for i, c in enumerate(commands))
    result = _in_readonly_mount(folder, script)
    assert result.returncode == 0, result.stderr
    codes = (out / "codes").read_text().split()
    errors = {c: (out / f"{i}.err").read_text() for i, c in enumerate(commands)}
    assert codes == ["0"] * len(commands), errors
    assert not any("Traceback" in e or "OperationalError" in e for e in errors.values())
    assert (out / "0.out").read_text().splitlines()[1].startswith("demo\tfinished\t")
    assert len((out / "1.out").read_text().splitlines()) == 5
    assert (out / "review.html").stat().st_size > 0


def test_write_commands_on_a_read_only_mount_fail_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    runner = CliRunner()
    assert runner.invoke(app, ["label", "--example", "-q", "--run", "demo", "--store", str(folder / "runs.sqlite")]).exit_code == 0
    cases = {
        "resume": f"label --example -q --run demo --store {folder}/runs.sqlite",
        "new store": f"label --example -q --store {folder}/new.sqlite",
        "new folder": f"label --example -q --store {folder}/sub/new.sqlite",
    }
    script = " ; ".join(f"{AIMLABEL} {c} > /dev/null 2> {tmp_path}/{i}.err; echo $? >> {tmp_path}/codes"
                        for i, c in enumerate(cases.values()))
    result = _in_readonly_mount(folder, script)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "codes").read_text().split() == ["2", "2", "2"]
    for i, (case, _) in enumerate(cases.items()):
        lines = (tmp_path / f"{i}.err").read_text().splitlines()
        assert len(lines) == 1 and lines[0].startswith("aimlabel: error: cannot "), (case, lines)
        assert str(folder) in lines[0] and "read-only file system" in lines[0].lower(), (case, lines)

"""`aimlabel runs` and `aimlabel export`: what the run store holds."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from aimlabel.cli import options as o
from aimlabel.cli.exits import ExitCode, err, fail
from aimlabel.cli.output import output_stream, refuse_overwrites
from aimlabel.run.store import RunStore, StoreUnavailable, UnknownRun, default_store_path, stored_run_records

commands = o.command_group()


@commands.command("runs")
def runs_command(store: o.StoreOpt = None) -> None:
    """List the runs in the store: name, status, model, item counts, tokens and cost (tab-separated).

    Examples:

      aimlabel runs

      aimlabel runs --store team.sqlite | cut -f1,2
    """
    path = store or default_store_path()
    if not path.exists():
        raise fail(f"no run store at {path} yet: `aimlabel label` creates it")
    try:
        db = RunStore(path, readonly=True)
    except StoreUnavailable as exc:
        raise fail(str(exc)) from None
    with db:
        typer.echo("name\tstatus\tstarted\tmodel\tok\tfailed\ttokens\tcost_usd")
        for run in db.list_runs():
            failed = sum(n for s, n in run.counts.items() if s == "failed")
            ok = sum(n for s, n in run.counts.items() if s != "failed")
            totals = run.totals or {}
            cost = totals.get("cost_usd")
            started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(run.created_at))
            typer.echo(f"{run.name}\t{run.status}\t{started}\t{run.manifest.model}\t{ok}\t{failed}\t"
                       f"{totals.get('tokens', '')}\t{'' if cost is None else f'{cost:.4f}'}")


@commands.command("export")
def export_command(
    run: Annotated[str, typer.Argument(help="Run name (see `aimlabel runs`), or a labels file to write again as label records.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write JSONL here instead of stdout.")] = None,
    store: o.StoreOpt = None,
) -> None:
    """Write a stored run's label records as JSONL, in input order.

    A labels file (any form `aimlabel check` reads) is written out as label records too, so
    every command that takes a run takes a file as well; its unreadable lines are named on
    stderr and make the exit code 1.

    Examples:

      aimlabel export daily -o labels.jsonl

      aimlabel export daily --store team.sqlite | head -n 1

      aimlabel export people.jsonl -o records.jsonl
    """
    from aimlabel.cli.sources import read_label_items

    store_path = store or default_store_path()
    if Path(run).is_file():
        refuse_overwrites({"-o": output}, [run])
        items, bad = read_label_items([run], store)
        records = [item.record for item in items]
    else:
        try:
            records, bad = stored_run_records(run, store_path), 0
        except UnknownRun as exc:
            raise fail(str(exc)) from None
    with output_stream(output, inputs=[store_path]) as out:
        for record in records:
            out.write(record.to_json() + "\n")
    if bad:
        err(f"aimlabel: {bad} line(s) of {run} could not be read (named above); the other {len(records)} written")
        raise typer.Exit(int(ExitCode.FAILED))

"""`aimlabel batch ...` and `aimlabel label --batch`: runs through the Batch API or an offline engine.

`label --batch` (see `submit`) and `batch prepare` start a batch run; `batch status`, `collect`
and `cancel` act on it by name. The work is in `aimlabel.run.batch_job`; this module checks the
options, opens the store and the API client, and prints: the batch table on stdout
(tab-separated), everything else on stderr.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aimlabel.cli import options as o
from aimlabel.cli.exits import COMMAND_ARGS, ExitCode, epilog, err, fail, interrupted, repeat_command
from aimlabel.core.articles import InputFormat
from aimlabel.model.base import ConfidenceSpec, TokenField

if TYPE_CHECKING:
    from aimlabel.model.batch_api import BatchApi
    from aimlabel.run.batch_job import BatchConfig, BatchRun, Summary
    from aimlabel.run.confidence import CalibrationFile
    from aimlabel.run.pricing import PriceTable
    from aimlabel.run.store import RunStore

batch_app = o.command_group(
    no_args_is_help=True,
    help=("Label through the OpenAI Batch API at batch prices, or through an offline engine (vLLM `run_batch`): "
          "`aimlabel label INPUT --batch --run NAME` sends; `status`, `collect`, `cancel` and `prepare` follow it up."),
)
commands = o.command_group()
commands.add_typer(batch_app, name="batch")

RunNameArg = Annotated[str, typer.Argument(help="The batch run's name (its --run).", show_default=False)]
ApiKeyOpt = Annotated[str | None, typer.Option(envvar="OPENAI_API_KEY", help="API key; prefer the environment variable. Never written anywhere.",
                                                show_default=False)]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="No progress lines on stderr.")]

COLLECT_EXITS = {
    ExitCode.OK: "every article labelled",
    ExitCode.FAILED: "more articles failed than --fail-on-error allows (each has a record saying why)",
    ExitCode.USAGE: None,
    ExitCode.STOPPED: "the Batch API refused (credentials, not found) or could not be reached after the retries; run it again",
    ExitCode.PENDING: "batches still running: run it again later, or with --wait",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C): the run is saved, and the message gives the command that carries on",
    ExitCode.TERMINATED: "stopped by SIGTERM, handled like Ctrl-C",
}
STATUS_EXITS = {ExitCode.OK: "every article settled", ExitCode.USAGE: None, ExitCode.STOPPED: COLLECT_EXITS[ExitCode.STOPPED],
                ExitCode.PENDING: "articles still waiting on batches"}
CANCEL_EXITS = {ExitCode.OK: "cancelled (or nothing left to cancel)", ExitCode.USAGE: None, ExitCode.STOPPED: COLLECT_EXITS[ExitCode.STOPPED]}


def _open_store(store: Path | None) -> RunStore:
    from aimlabel.run.store import default_store_path

    path = store or default_store_path()
    if not path.exists():
        raise fail(f"no run store at {path}: a batch run starts with `aimlabel label INPUT --batch --run NAME`")
    return _store_at(path)


def _store_at(path: Path) -> RunStore:
    """The store, or a usage error in one line when it cannot be opened (not a store, read-only, full)."""
    from aimlabel.run.store import RunStore, StoreUnavailable

    try:
        return RunStore(path)
    except StoreUnavailable as exc:
        raise fail(str(exc)) from None


def _prices(path: Path | None) -> PriceTable:
    from aimlabel.run.pricing import PricesProblem, read_prices

    try:
        return read_prices(path).table
    except PricesProblem as exc:
        raise fail(str(exc)) from None


def _api(run: BatchRun) -> BatchApi | None:
    """The API client for a run that sends batches (None for an offline run)."""
    if run.config.offline:
        return None
    if not run.settings.api_key and run.settings.base_url is None:
        raise fail("no API key for the default OpenAI endpoint: set OPENAI_API_KEY")
    from aimlabel.model.factory import open_batch_api

    return open_batch_api(run.settings)


def _table(run: BatchRun) -> None:
    typer.echo("file\tstate\tbatch_id\tstatus\trequests\tcompleted\tfailed")
    for row in run.tables.batches(run.run_id):
        if row.state == "preparing":
            continue
        where = row.local_path if row.state == "offline" else (row.batch_id or "")
        typer.echo(f"{row.id}\t{row.state}\t{where}\t{row.status or ''}\t{row.requests}\t"
                   f"{row.counts.get('completed', '')}\t{row.counts.get('failed', '')}")


def _report(run: BatchRun, summary: Summary) -> None:
    items, requests = summary.items, summary.requests
    cost = "unknown cost" if summary.cost is None else f"${summary.cost:.4f}" + ("" if run.config.offline else " at batch prices")
    extra = f" ({summary.invalid_input} unreadable input line(s))" if summary.invalid_input else ""
    err(f"aimlabel: run {run.name}: {items.get('ok', 0)} ok, {items.get('needs_review', 0)} need review, "
        f"{items.get('failed', 0)} failed{extra}; requests: {requests.get('answered', 0)} answered, "
        f"{requests.get('waiting', 0)} waiting, {requests.get('unsent', 0)} not sent; {summary.tokens} tokens, {cost}")
    ingest = summary.ingest
    if ingest.unknown:
        err(f"aimlabel: {ingest.unknown} output line(s) matched no request waiting for an answer (unknown, or answered already)")


@contextmanager
def _run_errors(action: str, run: str, ctx: typer.Context | None) -> Iterator[None]:
    """Around a batch action: job and API problems become one line and an exit code; Ctrl-C and
    SIGTERM name the run and the command that carries on (the store keeps every step)."""
    import shlex
    import sqlite3

    from aimlabel.model.batch_api import BatchApiError
    from aimlabel.run.job import JobError
    from aimlabel.run.signals import sigterm_interrupts

    try:
        with sigterm_interrupts():
            yield
    except JobError as exc:
        raise fail(str(exc)) from None
    except BatchApiError as exc:
        err(f"aimlabel: {action} stopped: {exc} (nothing is lost: run it again)")
        raise typer.Exit(int(ExitCode.STOPPED)) from None
    except sqlite3.Error as exc:
        raise fail(f"{action} stopped: the run store failed: {exc} (what was stored is kept: run it again)", ExitCode.FAILED) from None
    except KeyboardInterrupt as exc:
        args = (ctx.meta.get(COMMAND_ARGS) if ctx is not None else None) or []
        again = shlex.join(repeat_command(list(args))) if args else f"aimlabel batch collect {run} --wait"
        raise interrupted(exc, f"batch run {run} is saved (batches already sent keep running); carry on with: {again}") from None


def submit(*, ctx: typer.Context | None = None, input: str, config: BatchConfig, store_path: Path | None, run: str | None, prices: Path | None,
           api_key: str | None) -> None:
    """`aimlabel label INPUT --batch`: start (or resume) the run and send its first requests."""
    from aimlabel.run.batch_job import begin_run, label_once
    from aimlabel.run.job import new_run_name
    from aimlabel.run.store import default_store_path

    name = run or new_run_name()
    table = _prices(prices)
    with _store_at(store_path or default_store_path()) as store, _run_errors("submitting", name, ctx):
        batch_run, reset = begin_run(store, name, config, api_key, table)
        if reset:
            err(f"aimlabel: run {name}: {reset} failed article(s) from before are labelled again")
        api = _api(batch_run)
        try:
            summary = label_once(batch_run, api, err)
        finally:
            if api is not None:
                api.close()
        _table(batch_run)
        _report(batch_run, summary)
    if summary.done:
        err(f"aimlabel: run {name}: nothing to send; `aimlabel export {name}` writes its records")
        return
    if config.offline:
        err(f"aimlabel: run the requests through your engine, e.g. `python -m vllm.entrypoints.openai.run_batch -i "
            f"{config.requests_file} -o results.jsonl --model {config.model}`, then "
            f"`aimlabel batch collect {name} --output-file results.jsonl`")
    else:
        err(f"aimlabel: collect with `aimlabel batch collect {name} --wait` (batches finish within 24 h)")


@batch_app.command("status", epilog=epilog(STATUS_EXITS))
def status_command(ctx: typer.Context, run: RunNameArg, store: o.StoreOpt = None, api_key: ApiKeyOpt = None, prices: o.PricesOpt = None,
                   debug: o.DebugOpt = False) -> None:
    """Show each batch of a run (state, API status, request counts) and where its articles stand.

    Example: aimlabel batch status daily
    """
    from aimlabel.run.batch_job import open_run
    from aimlabel.run.batch_submit import refresh

    with _open_store(store) as db, _run_errors("status", run, ctx):
        batch_run = open_run(db, run, api_key, _prices(prices))
        api = _api(batch_run)
        if api is not None:
            try:
                for row in batch_run.tables.batches(batch_run.run_id, "submitted"):
                    if row.status not in ("completed", "failed", "expired", "cancelled"):
                        refresh(batch_run, api, row)
            finally:
                api.close()
        _table(batch_run)
        summary = batch_run.summary()
        _report(batch_run, summary)
        info = db.find_run(run)
    if not summary.done or info is None or info.status != "finished":  # finished: a collect saw every article settle
        raise typer.Exit(int(ExitCode.PENDING))


@batch_app.command("collect", epilog=epilog(COLLECT_EXITS))
def collect_command(
    ctx: typer.Context,
    run: RunNameArg,
    wait: Annotated[bool, typer.Option("--wait", help="Poll (with backoff) until every article is settled, sending follow-up batches.")] = False,
    output_file: Annotated[Path | None, typer.Option("--output-file", help="Read answers from this batch output JSONL (from vLLM `run_batch` or another engine) instead of the API.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="When every article is settled, write the run's records (JSONL) here.")] = None,
    poll_interval: Annotated[float, typer.Option(min=0, help="Seconds between polls with --wait (grows to 60 while nothing changes).")] = 5.0,
    fail_on_error: Annotated[float, typer.Option(min=0, max=1, help="Exit 1 only if more than this share of articles failed (0 = any failure).")] = 0.0,
    store: o.StoreOpt = None,
    api_key: ApiKeyOpt = None,
    prices: o.PricesOpt = None,
    quiet: QuietOpt = False,
    debug: o.DebugOpt = False,
) -> None:
    """Read finished batches into the run: every answer through the same validation and rule check as a live answer.

    Articles that need a re-ask, a rule-check fix round or a retry (an expired or failed request)
    go out in a follow-up batch; with --wait it polls until every article is ok, needs_review or
    failed. Collect can run any number of times, and killed at any point it loses and repeats
    nothing.

    Examples:

      aimlabel batch collect daily --wait -o labels.jsonl

      aimlabel batch collect local --output-file results.jsonl   (an offline run: vLLM's output)
    """
    from aimlabel.run.batch_job import collect, open_run
    from aimlabel.run.store import stored_run_records

    if output_file is not None and not output_file.is_file():
        raise fail(f"output file not found: {output_file}")
    note = (lambda _: None) if quiet else (lambda line: err(f"aimlabel: {line}"))
    with _open_store(store) as db, _run_errors("collect", run, ctx):
        batch_run = open_run(db, run, api_key, _prices(prices))
        if batch_run.config.offline and output_file is None and batch_run.state == "open" and not batch_run.summary().done:
            raise fail(f"run {run!r} is an offline batch run: give its engine's output with --output-file")
        api = _api(batch_run) if not batch_run.config.offline else None
        try:
            summary = collect(batch_run, api, output_file=output_file, wait=wait, poll=poll_interval, note=note)
        finally:
            if api is not None:
                api.close()
        _report(batch_run, summary)
    if not summary.done:
        last = summary.last_pass
        if batch_run.config.offline and last is not None and last.requested:
            err(f"aimlabel: {last.requested} article(s) need another request: run the new request file through your engine "
                "and collect its output with --output-file")
        raise typer.Exit(int(ExitCode.PENDING))
    if output is not None:
        from aimlabel.cli.output import output_stream

        with output_stream(output) as out:
            for record in stored_run_records(run, db.path):
                out.write(record.to_json() + "\n")
    total, failed = summary.labelled, summary.items.get("failed", 0)
    if total and failed / total > fail_on_error:
        raise typer.Exit(int(ExitCode.FAILED))


@batch_app.command("cancel", epilog=epilog(CANCEL_EXITS))
def cancel_command(ctx: typer.Context, run: RunNameArg, store: o.StoreOpt = None, api_key: ApiKeyOpt = None, prices: o.PricesOpt = None,
                   debug: o.DebugOpt = False) -> None:
    """Cancel a run's running batches; collect then keeps what finished and marks the rest failed (batch_cancelled).

    A later `aimlabel label INPUT --batch --run NAME` sends the cancelled articles again.

    Example:

      aimlabel batch cancel nightly   (then: aimlabel batch collect nightly -o labels.jsonl)
    """
    from aimlabel.run.batch_job import open_run
    from aimlabel.run.batch_submit import cancel_all

    with _open_store(store) as db, _run_errors("cancel", run, ctx):
        batch_run = open_run(db, run, api_key, _prices(prices))
        batch_run.tables.set_job_state(batch_run.run_id, "cancelled")
        api = _api(batch_run)
        if api is None:
            for row in batch_run.tables.batches(batch_run.run_id, "offline"):
                batch_run.tables.update_batch(row.id, state="discarded")
            err(f"aimlabel: run {run} is offline: its unanswered requests are dropped; "
                f"`aimlabel batch collect {run}` records them as failed (batch_cancelled)")
            return
        try:
            for line in cancel_all(batch_run, api):
                err(f"aimlabel: {line}")
        finally:
            api.close()
        _table(batch_run)


@batch_app.command("prepare")
@o.with_model_options
def prepare_command(
    input: Annotated[str, typer.Argument(help="Articles: .jsonl, .csv or .txt (not stdin: collect reads the file again).", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the request JSONL here (the Batch API's input format).", show_default=False)],
    run: Annotated[str, typer.Option("--run", help="Name the run (collect finds it by this name).", show_default=False)],
    input_format: o.InputFormatOpt = InputFormat.AUTO,
    encoding: Annotated[str, typer.Option(help="Input text encoding.")] = "utf-8",
    options: o.ModelOptions = o.SHARED,
    confidence: o.ConfidenceOpt = "off",
    calibration: o.CalibrationOpt = None,
    debug: o.DebugOpt = False,
) -> None:
    """Write the Batch API request JSONL for articles without sending it, for an offline engine such as vLLM's `run_batch`.

    Every request is what `aimlabel label` would send live (same prompt, schema, mode and
    parameters; with --confidence, logprobs or n samples, as `label --batch` asks). Run the file
    through the engine, then read its output back with `aimlabel batch collect NAME --output-file
    OUTPUT`, which measures each answer's confidence and routes with --calibration as a live run
    does; re-asks, fix rounds and missing samples come back as a new request file to run the same way.

    Examples:

      aimlabel batch prepare articles.jsonl --model Qwen/Qwen2.5-7B-Instruct --run local -o requests.jsonl

      python -m vllm.entrypoints.openai.run_batch -i requests.jsonl -o results.jsonl --model Qwen/Qwen2.5-7B-Instruct

      aimlabel batch collect local --output-file results.jsonl

      aimlabel batch prepare articles.jsonl --model M --run sure -o requests.jsonl --confidence logprobs --calibration calibration.json
    """
    chosen = o.confidence_choice(confidence, calibration)
    if options.model is None:
        raise fail("no model: pass --model (the name the engine serves) or set AIMLABEL_MODEL")
    config = batch_config(input, options, input_format=input_format, encoding=encoding, max_cost=None, record=None,
                          no_cache=False, offline_output=output, confidence=chosen.spec, calibration=chosen.calibration)
    submit(input=input, config=config, store_path=options.store, run=run, prices=options.prices, api_key=None)


def batch_config(input: str, options: o.ModelOptions, *, input_format: InputFormat, encoding: str, max_cost: float | None,
                 delimiter: str | None = None,
                 record: Path | None, no_cache: bool, offline_output: Path | None = None, max_requests: int | None = None,
                 max_bytes: int | None = None, confidence: ConfidenceSpec | None = None,
                 calibration: CalibrationFile | None = None) -> BatchConfig:
    """The run's `BatchConfig` from the shared model options; anything a batch cannot do is a usage error."""
    from aimlabel.run.batch_job import BatchConfig

    if input == "-" or not Path(input).is_file():
        raise fail("a batch run needs an input file (not stdin): every pass reads it again" if input == "-"
                   else f"input file not found: {input}")
    if options.replay is not None:
        raise fail("--replay cannot be used with a batch run: replay the run's --record directory with `aimlabel label --replay`")
    if options.no_store:
        raise fail("a batch run lives in the run store; drop --no-store")
    if options.max_tokens_field is not TokenField.MAX_COMPLETION_TOKENS:
        raise fail("a batch run sends the Batch API's max_completion_tokens; drop --max-tokens-field")
    o.check_prompt(options.prompt_file)
    limits = {k: v for k, v in (("max_requests", max_requests), ("max_bytes", max_bytes)) if v is not None}
    return BatchConfig(
        input=input, input_path=str(Path(input).resolve()), input_format=input_format, encoding=encoding, delimiter=delimiter,
        prompt_file=str(options.prompt_file.resolve()) if options.prompt_file else None, model=options.model or "",
        base_url=options.base_url, mode=options.mode, timeout=options.timeout, max_reasks=options.max_reasks,
        temperature=options.temperature, max_completion_tokens=options.max_completion_tokens, retries=options.retries,
        rules=not options.no_rules, max_ai_principles=options.max_ai_principles, fix_rounds=options.fix_rounds,
        max_article_tokens=options.max_article_tokens, max_cost=max_cost, record=str(record.resolve()) if record else None,
        use_cache=not no_cache, offline=offline_output is not None,
        requests_file=str(offline_output.resolve()) if offline_output is not None else None,
        confidence=str(confidence or ConfidenceSpec()), calibration=calibration, **limits,
    )

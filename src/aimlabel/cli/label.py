"""`aimlabel label`: label a file of articles, live or from a recording."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from aimlabel.cli import options as o
from aimlabel.cli.exits import COMMAND_ARGS, ExitCode, epilog, err, fail, interrupted, repeat_command
from aimlabel.cli.output import output_stream, refuse_overwrites
from aimlabel.cli.summary import RecordTable, summary_line
from aimlabel.core.articles import InputFormat

EXITS = {
    ExitCode.OK: "every article labelled",
    ExitCode.FAILED: "more articles failed than --fail-on-error allows (each still has a record saying why)",
    ExitCode.USAGE: None,
    ExitCode.STOPPED: "run stopped early (credentials refused, model not found, server unreachable, --max-cost "
                      "reached), remaining articles recorded as not attempted",
    ExitCode.INTERRUPTED: "interrupted by Ctrl-C: the run is saved, and the message gives the command that resumes it",
    ExitCode.TERMINATED: "stopped by SIGTERM, handled like Ctrl-C",
}

commands = o.command_group()


@commands.command("label", epilog=epilog(EXITS, "With --batch, 0 once the batches are sent (then `aimlabel batch collect`)."))
@o.with_model_options
def label_command(
    ctx: typer.Context,
    input: Annotated[str | None, typer.Argument(help="Articles: .jsonl, .json, .csv, .tsv, .xlsx, .txt, or - for stdin.", show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write label records (JSONL) here instead of stdout.")] = None,
    example: Annotated[bool, typer.Option("--example", help="Label the bundled example articles from their bundled recording (offline).")] = False,
    input_format: o.InputFormatOpt = InputFormat.AUTO,
    delimiter: o.DelimiterOpt = None,
    encoding: o.EncodingOpt = "utf-8",
    options: o.ModelOptions = o.SHARED,
    record: Annotated[Path | None, typer.Option(help="Save every model exchange (secrets stripped) to this directory for later --replay.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Name this run in the store; an existing name resumes it (finished articles are not sent again).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask the model even when the store has this exact answer.")] = False,
    max_cost: Annotated[float | None, typer.Option(min=0, help="Stop sending once this many USD are spent (by the price table); the rest are recorded as 'budget' and resumable.")] = None,
    fail_on_error: Annotated[float, typer.Option(min=0, max=1, help="Exit 1 only if more than this share of articles failed (0 = any failure).")] = 0.0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No per-article progress on stderr.")] = False,
    batch: Annotated[bool, typer.Option("--batch", help="Send the articles as OpenAI Batch API batches (half price, done within 24 h) and return; see `aimlabel batch`.")] = False,
    batch_max_requests: Annotated[int, typer.Option(min=1, max=50_000, help="With --batch: requests per batch file (the API allows 50,000).")] = 50_000,
    batch_max_bytes: Annotated[int, typer.Option(min=100_000, max=200_000_000, help="With --batch: bytes per batch file (the API allows 200 MB).")] = 200_000_000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Label in this many processes (model calls and the rule check; the run, its store and the output stay in one): for a high --concurrency on a machine with more cores.")] = 1,
    confidence: o.ConfidenceOpt = "off",
    calibration: o.CalibrationOpt = None,
    debug: o.DebugOpt = False,
) -> None:
    """Label news articles as AI Incident, AI Hazard, Complementary Information or Unrelated.

    Each article becomes one JSON line on stdout (or -o): the label (reasoning, rationale,
    classification, AIM taxonomy), status ok/failed with the error, attempts, usage, latency
    and provenance (model, prompt and schema versions and hashes). Progress goes to stderr.
    On a terminal with no -o, stdout shows a table instead (key, class, confidence when measured,
    status, top finding) and the records stay in the run store (`aimlabel export RUN`).

    Examples:

      aimlabel label --example

      aimlabel label articles.jsonl --model gpt-4o-mini -o labels.jsonl

      aimlabel label news.csv --base-url http://localhost:11434/v1 --model llama3.1 --mode json_schema

      aimlabel label export.xlsx --model gpt-4o-mini -o labels.jsonl   (needs: pip install 'aimlabel[xlsx]')

      aimlabel label articles.jsonl --model M --record rec/
      aimlabel label articles.jsonl --model M --concurrency 256 --workers 2

      aimlabel label articles.jsonl --replay rec/

      aimlabel label articles.jsonl --model M --run daily   (run again with --run daily to resume)

      aimlabel label articles.jsonl --model gpt-4o-mini --batch --run daily   (then: aimlabel batch collect daily --wait)

      aimlabel label articles.jsonl --model gpt-4o-mini --confidence logprobs --calibration calibration.json
    """
    from aimlabel.core.resources import examples_dir

    replay = options.replay
    chosen = o.confidence_choice(confidence, calibration)
    spec, calibration_file = chosen.spec, chosen.calibration
    if example:
        if input is not None or replay is not None:
            raise fail("--example brings its own input and recording; drop INPUT and --replay")
        input, replay = str(examples_dir() / "articles.jsonl"), examples_dir() / "recordings"
    if input is None:
        if sys.stdin.isatty():
            raise fail("no INPUT: give a file, '-' for stdin, or --example (see --help)")
        input = "-"
    if record is not None and replay is not None:
        raise fail("--record and --replay cannot be used together")
    if options.full_replay and replay is None:
        raise fail("--full-replay only applies to --replay")
    if input != "-" and not Path(input).is_file():
        raise fail(f"input file not found: {input}")
    if workers > 1:
        import multiprocessing

        if batch:
            raise fail("--workers applies to labelling live or from a recording; --batch only sends files")
        if workers > options.concurrency:
            raise fail(f"--workers {workers} needs at least one call in flight per worker: give --concurrency {workers} or more")
        if "fork" not in multiprocessing.get_all_start_methods():
            raise fail("--workers needs a system that can fork processes (Linux, macOS); drop it")
    if batch:
        from aimlabel.cli.batch import batch_config, submit

        if example or output is not None:
            raise fail("--batch writes no records now (they come with `aimlabel batch collect NAME -o FILE`); drop " +
                       ("--example" if example else "-o"))
        o.open_replay(None, options.model, options.api_key, options.base_url)
        config = batch_config(input, options, input_format=input_format, encoding=encoding, delimiter=delimiter, max_cost=max_cost, record=record,
                              no_cache=no_cache, max_requests=batch_max_requests, max_bytes=batch_max_bytes, confidence=spec,
                              calibration=calibration_file)
        submit(ctx=ctx, input=input, config=config, store_path=options.store, run=run, prices=options.prices, api_key=options.api_key)
        return
    try:
        "".encode(encoding)
    except LookupError:
        raise fail(f"unknown --encoding {encoding!r}") from None

    reader, model = o.open_replay(replay, options.model, options.api_key, options.base_url)
    settings = options.settings(model, confidence=spec)
    o.check_prompt(options.prompt_file)
    from aimlabel.cli.progress import progress_reporter
    from aimlabel.core.articles import InputProblem
    from aimlabel.core.record import LabelRecord
    from aimlabel.run.job import JobError, JobResult, LabelJob, new_run_name, run_label_job_async
    from aimlabel.run.pricing import PricesProblem, read_prices
    from aimlabel.run.signals import run_interruptible
    from aimlabel.run.store import RunStore, StoreUnavailable, default_store_path

    try:
        price_table = read_prices(options.prices).table
    except PricesProblem as exc:
        raise fail(str(exc)) from None
    if run is not None and options.no_store:
        raise fail("--run needs the run store; drop --no-store")
    store_path = None if options.no_store else options.store or default_store_path()
    refuse_overwrites({"-o": output}, [input, store_path, options.prompt_file, options.prices])
    try:
        run_store = None if store_path is None else RunStore(store_path)
    except StoreUnavailable as exc:
        raise fail(str(exc)) from None
    job = LabelJob(
        input=input, settings=settings, input_format=input_format, encoding=encoding, delimiter=delimiter,
        record=record, replay=reader, fast_replay=not options.full_replay, prompt_file=options.prompt_file,
        max_article_tokens=options.max_article_tokens, concurrency=options.concurrency, store=run_store,
        run_name=None if run_store is None else (run or new_run_name()),
        use_cache=not no_cache, max_cost=max_cost, prices=price_table, rules=options.rules(), fix_rounds=options.fix_rounds,
        calibration=calibration_file, workers=workers,
    )
    resume = resume_command(list(ctx.meta.get(COMMAND_ARGS) or ["label"]), job.run_name) if job.run_name else None
    if resume is not None and input == "-":
        resume += "   (with the same input on stdin)"

    # On a terminal with no -o the records stay in the store and a person gets a table; piped, JSONL.
    table = RecordTable() if output is None and run_store is not None and sys.stdout.isatty() else None

    def on_problem(problem: InputProblem) -> None:
        err(f"{problem.source}:{problem.line}: skipped: {problem.message}")

    async def go() -> JobResult:
        with output_stream(None if table else output) as out, progress_reporter(input, job.meter, quiet) as report:
            def sink(rec: LabelRecord) -> None:
                if table is not None:
                    table.add(rec)
                else:
                    out.write(rec.to_json() + "\n")
                    out.flush()
                report(rec)

            return await run_label_job_async(job, sink, on_problem)

    try:
        result = run_interruptible(go())
    except JobError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt as exc:
        if resume is None:
            raise interrupted(exc, "nothing was stored (--no-store): run the command again to start over") from None
        raise interrupted(exc, f"run {job.run_name} is saved with {job.meter.completed} article(s) done; resume with: {resume}") from None
    finally:
        if run_store is not None:
            run_store.close()

    totals = result.totals
    if result.took_over is not None:
        err(f"aimlabel: took run {result.run_name} over from {result.took_over.describe()}: {result.took_over_why}")
    if table is not None:
        table.render()
    err(f"aimlabel: {summary_line(totals, result.tokens, result.cost)}")
    if totals.stop is not None:
        err(f"aimlabel: run stopped early: {totals.stop.message}")
        if resume:
            err(f"aimlabel: to resume: {resume}")
        raise typer.Exit(int(ExitCode.STOPPED))
    if result.run_name:
        err(f"aimlabel: run {result.run_name} stored; resume or re-export with --run {result.run_name}")
        store_args = [] if options.store is None else ["--store", str(options.store)]
        if table is not None:
            err(f"aimlabel: write the records with: {shlex.join(['aimlabel', 'export', result.run_name, *store_args, '-o', 'labels.jsonl'])}")
        err(f"aimlabel: review with: {shlex.join(['aimlabel', 'review', result.run_name, *store_args, '-o', 'review.html'])}")
    if totals.total and totals.failed / totals.total > fail_on_error:
        raise typer.Exit(int(ExitCode.FAILED))


def resume_command(args: list[str], run_name: str) -> str:
    """The command that resumes this run: the same arguments, with `--run NAME`, without a key."""
    kept = repeat_command(args)
    if not any(w == "--run" or w.startswith("--run=") for w in kept):
        kept += ["--run", run_name]
    return shlex.join(kept)

"""`aimlabel label`: label a file of articles, live or from a recording."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from aimlabel.model.base import ModelSettings
from aimlabel.core.articles import InputProblem
from aimlabel.cli import app
from aimlabel.cli.common import FULL_REPLAY_HELP, Exit, err, fail, output_stream, quiet_stdout, resolve_model
from aimlabel.cli.progress import progress_reporter
from aimlabel.run.pricing import load_prices
from aimlabel.core.prompt import DEFAULT_MAX_ARTICLE_TOKENS, load_prompt
from aimlabel.core.record import LabelRecord
from aimlabel.core.resources import examples_dir
from aimlabel.rules import RuleConfig
from aimlabel.run.job import JobError, JobResult, LabelJob, run_label_job_async
from aimlabel.run.store import RunStore, default_store_path
from aimlabel.model.base import RetryPolicy

EPILOG = (
    "Exit codes: 0 every article labelled; 1 more articles failed than --fail-on-error allows "
    "(each still has a record saying why); 2 usage error; 3 run stopped early (credentials "
    "refused, model not found, --max-cost reached), remaining articles recorded as not attempted; "
    "130 interrupted."
)


@app.command("label", epilog=EPILOG)
def label_command(
    input: Annotated[Optional[str], typer.Argument(help="Articles: .jsonl, .csv, .txt, or - for stdin.", show_default=False)] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write label records (JSONL) here instead of stdout.")] = None,
    model: Annotated[Optional[str], typer.Option(envvar="AIMLABEL_MODEL", help="Model name the server knows (in replay, defaults to the recorded one).")] = None,
    base_url: Annotated[Optional[str], typer.Option(envvar="OPENAI_BASE_URL", help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (vLLM), :11434/v1 (Ollama), :1234/v1 (LM Studio).")] = None,
    api_key: Annotated[Optional[str], typer.Option(envvar="OPENAI_API_KEY", help="API key; prefer the environment variable. Never written anywhere.", show_default=False)] = None,
    mode: Annotated[str, typer.Option(help="How the schema is enforced: json_schema (OpenAI strict, vLLM, llama.cpp, Ollama, LM Studio), tools (function calling), md_json (last resort).")] = "json_schema",
    record: Annotated[Optional[Path], typer.Option(help="Save every model exchange (secrets stripped) to this directory for later --replay.")] = None,
    replay: Annotated[Optional[Path], typer.Option(help="Serve model answers from a --record directory; no network.")] = None,
    full_replay: Annotated[bool, typer.Option("--full-replay", help=FULL_REPLAY_HELP)] = False,
    example: Annotated[bool, typer.Option("--example", help="Label the bundled example articles from their bundled recording (offline).")] = False,
    input_format: Annotated[str, typer.Option("--format", help="Input format: auto (by extension/content), jsonl, csv, text.")] = "auto",
    encoding: Annotated[str, typer.Option(help="Input text encoding.")] = "utf-8",
    max_article_tokens: Annotated[int, typer.Option(min=50, help="Cut article text (after the title) to about this many tokens, keeping whole opening paragraphs.")] = DEFAULT_MAX_ARTICLE_TOKENS,
    max_reasks: Annotated[int, typer.Option(min=0, max=10, help="Re-ask the model this many times when its answer does not fit the schema.")] = 2,
    retries: Annotated[int, typer.Option(min=0, max=20, help="Transport retries per request on 429/5xx/timeouts/dropped connections.")] = 4,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for one HTTP response.")] = 60.0,
    temperature: Annotated[Optional[float], typer.Option(help="Sampling temperature sent to the model.")] = 0.0,
    max_completion_tokens: Annotated[Optional[int], typer.Option(help="Cap on answer tokens (not sent when unset).")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=512, help="Model calls in flight at once.")] = 4,
    prompt_file: Annotated[Optional[Path], typer.Option("--prompt", help="Use this prompt file instead of the packaged prompts/label.toml.")] = None,
    run: Annotated[Optional[str], typer.Option("--run", help="Name this run in the store; an existing name resumes it (finished articles are not sent again).")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", envvar="AIMLABEL_STORE", help="SQLite run store (default: runs.sqlite in the user data directory).")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Keep nothing in the run store (no resume, no cache).")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask the model even when the store has this exact answer.")] = False,
    max_cost: Annotated[Optional[float], typer.Option(min=0, help="Stop sending once this many USD are spent (by the price table); the rest are recorded as 'budget' and resumable.")] = None,
    prices: Annotated[Optional[Path], typer.Option(help="Price table JSON (USD per million tokens by model); default: the packaged one.")] = None,
    fix_rounds: Annotated[int, typer.Option(min=0, max=5, help="Send rule-check errors back to the model this many times; what remains marks the label needs_review.")] = 1,
    no_rules: Annotated[bool, typer.Option("--no-rules", help="Skip the rule check after each answer.")] = False,
    max_ai_principles: Annotated[int, typer.Option(min=1, help="More AI principles than this is a rule-check warning.")] = RuleConfig().max_ai_principles,
    fail_on_error: Annotated[float, typer.Option(min=0, max=1, help="Exit 1 only if more than this share of articles failed (0 = any failure).")] = 0.0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No per-article progress on stderr.")] = False,
    debug: Annotated[bool, typer.Option(help="Re-raise unexpected errors with a traceback.")] = False,
) -> None:
    """Label news articles as AI Incident, AI Hazard, Complementary Information or Unrelated.

    Each article becomes one JSON line on stdout (or -o): the label (reasoning, rationale,
    classification, AIM taxonomy), status ok/failed with the error, attempts, usage, latency
    and provenance (model, prompt and schema versions and hashes). Progress goes to stderr.

    Examples:

      aimlabel label --example

      aimlabel label articles.jsonl --model gpt-4o-mini -o labels.jsonl

      aimlabel label news.csv --base-url http://localhost:11434/v1 --model llama3.1 --mode json_schema

      aimlabel label articles.jsonl --model M --record rec/

      aimlabel label articles.jsonl --replay rec/

      aimlabel label articles.jsonl --model M --run daily   (run again with --run daily to resume)
    """
    if example:
        if input is not None or replay is not None:
            raise fail("--example brings its own input and recording; drop INPUT and --replay")
        input, replay = str(examples_dir() / "articles.jsonl"), examples_dir() / "recordings"
    if input is None:
        if sys.stdin.isatty():
            raise fail("no INPUT: give a file, '-' for stdin, or --example (see --help)")
        input = "-"
    if mode not in ("tools", "json_schema", "md_json"):
        raise fail(f"--mode must be tools, json_schema or md_json, not {mode!r}")
    if input_format not in ("auto", "jsonl", "csv", "text"):
        raise fail(f"--format must be auto, jsonl, csv or text, not {input_format!r}")
    if record is not None and replay is not None:
        raise fail("--record and --replay cannot be used together")
    if full_replay and replay is None:
        raise fail("--full-replay only applies to --replay")
    if input != "-" and not Path(input).is_file():
        raise fail(f"input file not found: {input}")
    try:
        "".encode(encoding)
    except LookupError:
        raise fail(f"unknown --encoding {encoding!r}") from None

    reader, model = resolve_model(replay, model, api_key, base_url)

    settings = ModelSettings(
        model=model, base_url=base_url, api_key=api_key, mode=mode,  # type: ignore[arg-type]
        timeout=timeout, max_reasks=max_reasks, temperature=temperature,
        max_completion_tokens=max_completion_tokens, retry=RetryPolicy(max_retries=retries),
    )
    try:
        load_prompt(prompt_file)
    except (OSError, ValueError) as exc:
        raise fail(f"cannot load prompt: {exc}") from None
    try:
        price_table = load_prices(prices)
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read price table: {exc}") from None
    run_store = None if no_store else RunStore(store or default_store_path())
    if run is not None and run_store is None:
        raise fail("--run needs the run store; drop --no-store")
    job = LabelJob(
        input=input, settings=settings, input_format=input_format, encoding=encoding,  # type: ignore[arg-type]
        record=record, replay=reader, fast_replay=not full_replay, prompt_file=prompt_file, max_article_tokens=max_article_tokens,
        concurrency=concurrency, store=run_store, run_name=run, use_cache=not no_cache,
        max_cost=max_cost, prices=price_table,
        rules=None if no_rules else RuleConfig(max_ai_principles=max_ai_principles), fix_rounds=fix_rounds,
    )

    def on_problem(problem: InputProblem) -> None:
        err(f"{problem.source}:{problem.line}: skipped: {problem.message}")

    async def go() -> JobResult:
        with output_stream(output) as out, progress_reporter(input, job.meter, quiet) as report:
            def sink(rec: LabelRecord) -> None:
                out.write(rec.to_json() + "\n")
                out.flush()
                report(rec)

            return await run_label_job_async(job, sink, on_problem)

    try:
        result = asyncio.run(go())
    except JobError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        err("aimlabel: interrupted")
        raise typer.Exit(int(Exit.INTERRUPTED)) from None
    except BrokenPipeError:
        quiet_stdout()
        raise typer.Exit(int(Exit.OK)) from None
    except Exception as exc:
        if debug:
            raise
        raise fail(f"{type(exc).__name__}: {exc} (rerun with --debug for a traceback)", Exit.ITEMS_FAILED) from None
    finally:
        if run_store is not None:
            run_store.close()

    totals = result.totals
    extras = [f"{totals.invalid_input} unreadable input line(s)"] if totals.invalid_input else []
    if totals.needs_review:
        extras.append(f"{totals.needs_review} need review")
    if totals.resumed:
        extras.append(f"{totals.resumed} from the earlier run")
    if result.cache_hits:
        extras.append(f"{result.cache_hits} from cache")
    cost = "unknown cost" if result.cost is None else f"${result.cost:.4f}"
    err(f"aimlabel: {totals.total} article(s): {totals.ok} ok, {totals.failed} failed"
        + (f" ({'; '.join(extras)})" if extras else "") + f"; {result.tokens} tokens, {cost}")
    if result.run_name:
        err(f"aimlabel: run {result.run_name} stored; resume or re-export with --run {result.run_name}")
    if totals.stop is not None:
        err(f"aimlabel: run stopped early: {totals.stop.message}")
        raise typer.Exit(int(Exit.RUN_STOPPED))
    if totals.total and totals.failed / totals.total > fail_on_error:
        raise typer.Exit(int(Exit.ITEMS_FAILED))

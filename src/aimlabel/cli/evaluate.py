"""`aimlabel eval` and `aimlabel compare`: score runs against gold, and runs against each other."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from aimlabel.model.base import ModelSettings
from aimlabel.cli import app
from aimlabel.cli.common import FULL_REPLAY_HELP, Exit, err, fail, resolve_model
from aimlabel.evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from aimlabel.evaluation.compare import compare_runs
from aimlabel.evaluation.scoring import evaluate
from aimlabel.evaluation.gold import GoldProblem, GoldSet, load_gold
from aimlabel.evaluation.labels_io import LabelsProblem, dump_json, label_gold, load_records, manifest_path_for, write_records
from aimlabel.evaluation.manifest import build_manifest
from aimlabel.evaluation.report_html import render_html
from aimlabel.evaluation.report_text import render_compare_text, render_text
from aimlabel.evaluation.runstats import PricesProblem, read_prices
from aimlabel.core.prompt import load_prompt
from aimlabel.core.record import LabelRecord
from aimlabel.run.store import RunStore, UnknownRun, default_store_path, stored_run_records

EVAL_EPILOG = (
    "Exit codes: 0 report written (failed items are part of the score, not an error); 2 usage "
    "error or unusable gold/labels/prices file; 3 the live run stopped early (credentials refused, "
    "model not found)."
)


def _gold(path: Path) -> GoldSet:
    if not path.is_file():
        raise fail(f"gold file not found: {path}")
    try:
        return load_gold(path)
    except GoldProblem as exc:
        raise fail(f"bad gold file: {exc}") from None


def _records(spec: str, store: Path | None) -> list[LabelRecord]:
    """A labels JSONL file, or the name of a stored run."""
    try:
        if Path(spec).is_file():
            return load_records(Path(spec))
        return stored_run_records(spec, store or default_store_path())
    except LabelsProblem as exc:
        raise fail(str(exc)) from None
    except UnknownRun as exc:
        raise fail(f"labels file not found: {spec} ({exc})") from None


def _check_format(fmt: str) -> None:
    if fmt not in ("text", "json"):
        raise fail(f"--format must be text or json, not {fmt!r}")


@app.command("eval", epilog=EVAL_EPILOG)
def eval_command(
    gold: Annotated[Path, typer.Option(help="Gold JSONL (see eval/README.md); also the articles to label.", show_default=False)],
    replay: Annotated[Optional[Path], typer.Option(help="Label the gold articles from this recording (offline).")] = None,
    full_replay: Annotated[bool, typer.Option("--full-replay", help=FULL_REPLAY_HELP)] = False,
    labels: Annotated[Optional[str], typer.Option(help="Score existing labels (a label-records JSONL or a stored run name) instead of running the pipeline.")] = None,
    model: Annotated[Optional[str], typer.Option(envvar="AIMLABEL_MODEL", help="Model for a live run (in replay, defaults to the recorded one).")] = None,
    base_url: Annotated[Optional[str], typer.Option(envvar="OPENAI_BASE_URL", help="OpenAI-compatible endpoint for a live run.")] = None,
    api_key: Annotated[Optional[str], typer.Option(envvar="OPENAI_API_KEY", help="API key; prefer the environment variable.", show_default=False)] = None,
    mode: Annotated[str, typer.Option(help="tools, json_schema or md_json (as for `aimlabel label`).")] = "json_schema",
    max_reasks: Annotated[int, typer.Option(min=0, max=10, help="Validation re-asks per article.")] = 2,
    concurrency: Annotated[int, typer.Option(min=1, max=512, help="Model calls in flight at once.")] = 4,
    prompt_file: Annotated[Optional[Path], typer.Option("--prompt", help="Prompt file instead of the packaged one.")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", envvar="AIMLABEL_STORE", help="Run store for a live run: answers it already holds are not paid for again.")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Live run without the run store (no cache).")] = False,
    output_format: Annotated[str, typer.Option("--format", help="Report on stdout as text (table) or json.")] = "text",
    html: Annotated[Optional[Path], typer.Option(help="Also write a self-contained HTML report here.")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Save the run's label records (JSONL) here, and the manifest next to it (NAME.manifest.json).")] = None,
    prices: Annotated[Optional[Path], typer.Option(help="Price table JSON (USD per 1M tokens; default: the packaged aimlabel/data/prices.json).")] = None,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = DEFAULT_SEED,
    resamples: Annotated[int, typer.Option(min=0, help="Bootstrap resamples (0 = no intervals).")] = DEFAULT_RESAMPLES,
) -> None:
    """Score labels against gold: accuracy, macro-F1, per class, confusion, kappa, taxonomy, cost.

    The answers come from a recording (--replay), a live model (--model/--base-url) or an
    existing labels file (--labels). The report's first line says who produced the answers.

    Examples:

      aimlabel eval --gold eval/gold.jsonl --replay eval/recordings/fixture

      aimlabel eval --gold eval/gold.jsonl --model gpt-4o-mini --out runs/4o-mini.jsonl --html report.html

      aimlabel eval --gold eval/gold.jsonl --labels runs/4o-mini.jsonl --format json
    """
    _check_format(output_format)
    if replay is not None and labels is not None:
        raise fail("--replay and --labels cannot be used together")
    if full_replay and replay is None:
        raise fail("--full-replay only applies to --replay")
    if mode not in ("tools", "json_schema", "md_json"):
        raise fail(f"--mode must be tools, json_schema or md_json, not {mode!r}")
    gold_set = _gold(gold)
    try:
        price_table, price_source, price_hash = read_prices(prices)
    except PricesProblem as exc:
        raise fail(str(exc)) from None

    producer: str | None = None
    if labels is not None:
        source, records = "labels", _records(labels, store)
    else:
        reader, model = resolve_model(replay, model, api_key, base_url,
                                      missing_model="give --replay DIR, --labels FILE, or --model M for a live run")
        producer = reader.manifest.producer if reader and reader.manifest else None
        try:
            load_prompt(prompt_file)
        except (OSError, ValueError) as exc:
            raise fail(f"cannot load prompt: {exc}") from None
        settings = ModelSettings(model=model, base_url=base_url, api_key=api_key, mode=mode, max_reasks=max_reasks)  # type: ignore[arg-type]
        # Replays stay side-effect free; live runs go through the store so a re-run costs nothing.
        run_store = None if (reader is not None or no_store) else RunStore(store or default_store_path())
        try:
            records, result = label_gold(gold, settings, replay=reader, fast_replay=not full_replay, concurrency=concurrency,
                                         prompt_file=prompt_file, store=run_store)
        finally:
            if run_store is not None:
                run_store.close()
        source = "replay" if reader is not None else "live"
        if result.totals.stop is not None:
            raise fail(f"run stopped early: {result.totals.stop.message}", Exit.RUN_STOPPED)

    body = evaluate(gold_set, records, prices=price_table, resamples=resamples, seed=seed)
    manifest = build_manifest(
        gold=gold_set, records=records, source=source, recording_producer=producer,
        labels_file=Path(labels) if labels is not None and Path(labels).is_file() else None, stored_run=labels if labels is not None and not Path(labels).is_file() else None,
        prices={"source": price_source, "sha256": price_hash},
        bootstrap={"resamples": resamples, "seed": seed, "level": 0.95},
    )
    report: dict[str, Any] = {"manifest": manifest, **body}
    if out is not None:
        write_records(out, records)
        manifest_path_for(out).write_text(dump_json(manifest), encoding="utf-8")
        err(f"aimlabel: wrote {len(records)} label record(s) to {out} and its manifest to {manifest_path_for(out)}")
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_html(report), encoding="utf-8")
        err(f"aimlabel: wrote HTML report to {html}")
    typer.echo(dump_json(report) if output_format == "json" else render_text(report), nl=False)


@app.command("compare")
def compare_command(
    run_a: Annotated[str, typer.Argument(help="Run A: label records (JSONL) or a stored run name.", show_default=False)],
    run_b: Annotated[str, typer.Argument(help="Run B: label records (JSONL) or a stored run name.", show_default=False)],
    gold: Annotated[Optional[Path], typer.Option(help="Gold JSONL: adds per-class scores and the exact McNemar test.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    store: Annotated[Optional[Path], typer.Option("--store", envvar="AIMLABEL_STORE", help="Run store holding RUN_A/RUN_B when they are run names.")] = None,
) -> None:
    """Compare two runs: articles whose class flipped, per-class deltas, rule findings that moved.

    With --gold, an exact two-sided McNemar test says whether the accuracy difference is more
    than chance on the articles both runs labelled.

    Example:

      aimlabel compare runs/prompt-v1.jsonl runs/prompt-v2.jsonl --gold eval/gold.jsonl
    """
    _check_format(output_format)
    gold_set = _gold(gold) if gold is not None else None
    report = compare_runs(_records(run_a, store), _records(run_b, store), gold_set)
    report = {"a": str(run_a), "b": str(run_b), **report}
    typer.echo(dump_json(report) if output_format == "json" else render_compare_text(report, str(run_a), str(run_b)), nl=False)

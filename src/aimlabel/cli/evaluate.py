"""`aimlabel eval` and `aimlabel compare`: score runs against gold, and runs against each other."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aimlabel.cli import options as o
from aimlabel.cli.exits import ExitCode, epilog, err, fail
from aimlabel.cli.output import dump_json, refuse_overwrites, write_text
from aimlabel.evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED

if TYPE_CHECKING:
    from aimlabel.core.record import LabelRecord
    from aimlabel.evaluation.gold import GoldSet

EXITS = {
    ExitCode.OK: "report written (failed items are part of the score, not an error)",
    ExitCode.USAGE: "usage error or unusable gold/labels/prices file",
    ExitCode.STOPPED: "the live run stopped early (credentials refused, model not found, server unreachable)",
}

commands = o.command_group()


def gold_arg(path: Path) -> GoldSet:
    from aimlabel.evaluation.gold import GoldProblem, load_gold

    if not path.is_file():
        raise fail(f"gold file not found: {path}")
    try:
        return load_gold(path)
    except GoldProblem as exc:
        raise fail(f"bad gold file: {exc}") from None


def records_arg(spec: str, store: Path | None) -> list[LabelRecord]:
    """A labels file (any form `aimlabel check` reads), or the name of a stored run."""
    from aimlabel.core.labels_file import LabelsProblem, load_labels
    from aimlabel.run.store import UnknownRun, default_store_path, stored_run_records

    try:
        if Path(spec).is_file():
            return load_labels(Path(spec))
        return stored_run_records(spec, store or default_store_path())
    except LabelsProblem as exc:
        raise fail(str(exc)) from None
    except UnknownRun as exc:
        raise fail(f"labels file not found: {spec} ({exc})") from None


def _check_overlap(gold: GoldSet, records: list[LabelRecord], source: str) -> None:
    """No id in common is a usage error naming both sides; a partial overlap is said on stderr.

    Every gold item is scored, a missing one as wrong: with no id in common the report would be
    an accuracy of 0 that says nothing about the labels, only that the files do not match.
    """
    gold_ids = [item.id for item in gold.items]
    record_ids = {record.id for record in records}
    common = record_ids.intersection(gold_ids)
    if not common:
        def sample(ids: list[str]) -> str:
            return ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")

        raise fail(f"no label in {source} has an id of {gold.path.name}: {len(record_ids)} label id(s) ({sample(sorted(record_ids))}) "
                   f"against {len(gold_ids)} gold id(s) ({sample(gold_ids)}); are they for the same articles?")
    missing, extra = len(set(gold_ids) - common), len(record_ids - common)
    if missing or extra:
        err(f"aimlabel: {len(common)} of {len(gold_ids)} gold item(s) have a label in {source}; "
            f"{missing} without one are scored as wrong" + (f", {extra} label(s) not in gold are left out" if extra else ""))


@commands.command("eval", epilog=epilog(EXITS))
@o.with_model_options
def eval_command(
    gold: Annotated[Path, typer.Option(help="Gold JSONL (see eval/README.md); also the articles to label.", show_default=False)],
    labels: Annotated[str | None, typer.Option(help="Score existing labels (a labels JSONL in any form `aimlabel check` reads, or a stored run name) instead of running the pipeline.")] = None,
    options: o.ModelOptions = o.SHARED,
    output_format: o.ReportFormatOpt = o.ReportFormat.TEXT,
    html: Annotated[Path | None, typer.Option(help="Also write a self-contained HTML report here.")] = None,
    out: Annotated[Path | None, typer.Option(help="Save the run's label records (JSONL) here, and the manifest next to it (NAME.manifest.json).")] = None,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = DEFAULT_SEED,
    resamples: Annotated[int, typer.Option(min=0, help="Bootstrap resamples (0 = no intervals).")] = DEFAULT_RESAMPLES,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No per-article progress on stderr during a live run.")] = False,
) -> None:
    """Score labels against gold: accuracy, macro-F1, per class, confusion, kappa, taxonomy, cost.

    The answers come from a recording (--replay), a live model (--model/--base-url) or an
    existing labels file (--labels). The report's first line says who produced the answers.
    The model options are those of `aimlabel label`; a live run goes through the run store, so
    evaluating the same model and prompt again costs nothing. Replays never touch the store.

    Examples:

      aimlabel eval --gold eval/gold.jsonl --replay eval/recordings/fixture

      aimlabel eval --gold eval/gold.jsonl --model gpt-4o-mini --out runs/4o-mini.jsonl --html report.html

      aimlabel eval --gold eval/gold.jsonl --labels runs/4o-mini.jsonl --format json
    """
    replay = options.replay
    if replay is not None and labels is not None:
        raise fail("--replay and --labels cannot be used together")
    if options.full_replay and replay is None:
        raise fail("--full-replay only applies to --replay")
    from aimlabel.evaluation.report import manifest_path_for, write_labels_and_manifest
    from aimlabel.run.store import default_store_path

    refuse_overwrites({"--out": out, "the manifest of --out": manifest_path_for(out) if out else None, "--html": html},
                      [gold, labels, options.store or default_store_path(), options.prompt_file, options.prices])
    gold_set = gold_arg(gold)
    from aimlabel.evaluation.scoring import build_report
    from aimlabel.run.pricing import PricesProblem, read_prices

    try:
        price_table = read_prices(options.prices)
    except PricesProblem as exc:
        raise fail(str(exc)) from None

    producer: str | None = None
    if labels is not None:
        source, records = "labels", records_arg(labels, options.store)
    else:
        reader, model = o.open_replay(replay, options.model, options.api_key, options.base_url,
                                      missing_model="give --replay DIR, --labels FILE, or --model M for a live run")
        producer = reader.manifest.producer if reader and reader.manifest else None
        o.check_prompt(options.prompt_file)
        from aimlabel.evaluation.labelling import label_gold
        from aimlabel.run.shards import replay_workers
        from aimlabel.run.store import RunStore, StoreUnavailable, default_store_path

        # Replays stay side-effect free; live runs go through the store so a re-run costs nothing.
        try:
            run_store = None if (reader is not None or options.no_store) else RunStore(options.store or default_store_path())
        except StoreUnavailable as exc:
            raise fail(str(exc)) from None
        from aimlabel.cli.progress import progress_reporter
        from aimlabel.run.job import RunMeter

        meter = RunMeter()
        try:
            # progress on stderr, as `aimlabel label` shows it; a replay is done before it could be read
            with progress_reporter(str(gold), meter, quiet or reader is not None) as show:
                records, result = label_gold(
                    gold, options.settings(model), replay=reader, fast_replay=not options.full_replay,
                    concurrency=options.concurrency, prompt_file=options.prompt_file, max_article_tokens=options.max_article_tokens,
                    rules=options.rules(), fix_rounds=options.fix_rounds, store=run_store, meter=meter, on_record=show,
                    workers=replay_workers(len(gold_set.items)) if reader is not None else 1,
                )
        finally:
            if run_store is not None:
                run_store.close()
        source = "replay" if reader is not None else "live"
        if result.totals.stop is not None:
            raise fail(f"run stopped early: {result.totals.stop.message}", ExitCode.STOPPED)

    _check_overlap(gold_set, records, labels or "the run")
    report = build_report(gold_set, records, source=source, recording_producer=producer, labels=labels,
                          prices=price_table, resamples=resamples, seed=seed)
    if out is not None:
        manifest_path = write_labels_and_manifest(out, records, report.manifest)
        err(f"aimlabel: wrote {len(records)} label record(s) to {out} and its manifest to {manifest_path}")
    if html is not None:
        from aimlabel.evaluation.report_html import render_html

        write_text(html, render_html(report))
        err(f"aimlabel: wrote HTML report to {html}")
    if output_format is o.ReportFormat.JSON:
        typer.echo(dump_json(report.to_json()), nl=False)
    else:
        from aimlabel.evaluation.report_text import render_text

        typer.echo(render_text(report), nl=False)


@commands.command("compare")
def compare_command(
    run_a: Annotated[str, typer.Argument(help="Run A: label records (JSONL) or a stored run name.", show_default=False)],
    run_b: Annotated[str, typer.Argument(help="Run B: label records (JSONL) or a stored run name.", show_default=False)],
    gold: Annotated[Path | None, typer.Option(help="Gold JSONL: adds per-class scores and the exact McNemar test.")] = None,
    output_format: o.ReportFormatOpt = o.ReportFormat.TEXT,
    store: o.StoreOpt = None,
) -> None:
    """Compare two runs: articles whose class flipped, per-class deltas, rule findings that moved.

    With --gold, an exact two-sided McNemar test says whether the accuracy difference is more
    than chance on the articles both runs labelled.

    Example:

      aimlabel compare runs/prompt-v1.jsonl runs/prompt-v2.jsonl --gold eval/gold.jsonl
    """
    from aimlabel.evaluation.compare import compare_runs
    from aimlabel.evaluation.report_text import render_compare_text

    gold_set = gold_arg(gold) if gold is not None else None
    report = compare_runs(records_arg(run_a, store), records_arg(run_b, store), gold_set, names=(str(run_a), str(run_b)))
    if output_format is o.ReportFormat.JSON:
        typer.echo(dump_json(report.to_json()), nl=False)
    else:
        typer.echo(render_compare_text(report), nl=False)

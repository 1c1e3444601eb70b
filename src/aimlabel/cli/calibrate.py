"""`aimlabel calibrate`: how trustworthy a run's confidence is, and the review threshold it supports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aimlabel.cli import options as o
from aimlabel.cli.evaluate import gold_arg, records_arg
from aimlabel.cli.exits import ExitCode, epilog, err, fail
from aimlabel.cli.output import dump_json, refuse_overwrites, write_text
from aimlabel.evaluation.bootstrap import DEFAULT_SEED

EXITS = {
    ExitCode.OK: "report and calibration file written",
    ExitCode.USAGE: "usage error, unusable gold or labels, or no label with a measured confidence",
}

commands = o.command_group()


@commands.command("calibrate", epilog=epilog(EXITS))
def calibrate_command(
    run: Annotated[str, typer.Argument(help="A stored run name or a labels JSONL, labelled with --confidence logprobs or samples:K.", show_default=False)],
    gold: Annotated[Path, typer.Option(help="Gold JSONL (see eval/README.md) with the right class of each article.", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the calibration file (threshold, curve, map, provenance) here; `label --calibration` reads it.")] = Path("calibration.json"),
    target_precision: Annotated[float, typer.Option(min=0.5, max=1.0, help="Auto-accepted labels must be right at least this share of the time.")] = 0.95,
    bins: Annotated[int, typer.Option(min=2, max=50, help="Equal-mass bins of the reliability diagram and ECE.")] = 10,
    html: Annotated[Path | None, typer.Option(help="Also write the report as HTML: reliability diagram and coverage curve (inline SVG), numbers in JSON.")] = None,
    output_format: o.ReportFormatOpt = o.ReportFormat.TEXT,
    resamples: Annotated[int, typer.Option(min=0, help="Bootstrap resamples for the threshold's CI (0 = none).")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = DEFAULT_SEED,
    store: o.StoreOpt = None,
) -> None:
    """Measure how well a run's confidence predicts right labels, and choose the threshold below which a person reads them.

    Prints ECE (equal-mass bins), Brier score, the reliability table, per class, the accuracy-
    versus-coverage curve, and the lowest threshold whose auto-accepted labels reach
    --target-precision, with a bootstrap CI. Fits an isotonic map from confidence to accuracy;
    the calibration file holds both, with the model, prompt version and hash and the gold's hash,
    and `label --calibration FILE` refuses it for another model, prompt or confidence method.

    Examples:

      aimlabel calibrate daily --gold eval/gold.jsonl -o calibration.json --html calibration.html

      aimlabel label eval/gold.jsonl --replay eval/recordings/fixture-logprobs --confidence logprobs --no-store -o labels.jsonl

      aimlabel calibrate labels.jsonl --gold eval/gold.jsonl --target-precision 0.9
    """
    from aimlabel.core.taxonomy import default_taxonomy
    from aimlabel.evaluation.calibration_report import build_calibration, render_text
    from aimlabel.run.confidence import CalibrationProblem

    refuse_overwrites({"-o": output, "--html": html}, [gold, run if Path(run).is_file() else None])
    gold_set = gold_arg(gold)
    records = records_arg(run, store)
    try:
        report = build_calibration(records, gold_set, classes=default_taxonomy().classes, target=target_precision,
                                   n_bins=bins, resamples=resamples, seed=seed)
    except CalibrationProblem as exc:
        raise fail(str(exc)) from None
    write_text(output, report.calibration.model_dump_json(indent=1) + "\n")
    err(f"aimlabel: wrote calibration file {output} (id {report.calibration.id[:19]})")
    if html is not None:
        from aimlabel.evaluation.calibration_html import render_html

        write_text(html, render_html(report))
        err(f"aimlabel: wrote HTML report to {html}")
    if output_format is o.ReportFormat.JSON:
        typer.echo(dump_json(report.model_dump(mode="json")), nl=False)
    else:
        typer.echo(render_text(report), nl=False)

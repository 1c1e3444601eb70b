"""`aimlabel export-labelstudio`, `import-labelstudio`, `export-argilla`, `import-argilla`:
round trips to the annotation tools (formats in `aimlabel.review.labelstudio` and `.argilla`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from aimlabel.cli import options as o
from aimlabel.cli.exits import err
from aimlabel.cli.output import dump_json, write_json
from aimlabel.cli.review import (
    IMPORT_EPILOG,
    ArticlesOpt,
    GoldOpt,
    OutOpt,
    OverwriteOpt,
    RunArg,
    import_export,
    load_sides,
    warn_missing_text,
)

commands = o.command_group()


@commands.command("export-labelstudio")
def export_labelstudio_command(
    run: RunArg, output: OutOpt = None, articles: ArticlesOpt = None,
    config: Annotated[Path | None, typer.Option("--config", help="Also write the labeling config XML here.", show_default=False)] = None,
    store: o.StoreOpt = None,
) -> None:
    """Write Label Studio tasks (JSON) with the labels as predictions; --config writes the labeling config.

    Create a project with the config, import the tasks, annotate, export as JSON, then
    `aimlabel import-labelstudio EXPORT.json --gold GOLD.jsonl`.
    """
    from aimlabel.review import labelstudio
    from aimlabel.review.pairs import build_pairs

    side, _ = load_sides(run, None, articles, store)
    tasks = labelstudio.export_tasks(side)
    warn_missing_text(build_pairs(side, None, sort=False))
    write_json(output, tasks)
    if config is not None:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(labelstudio.labeling_config(), encoding="utf-8")
    err(f"aimlabel: {len(tasks)} task(s)" + (f"; labeling config in {config}" if config else ""))


@commands.command("import-labelstudio", epilog=IMPORT_EPILOG)
def import_labelstudio_command(
    export: Annotated[Path, typer.Argument(help="Label Studio JSON export (tasks with annotations).", show_default=False)],
    gold: GoldOpt, overwrite: OverwriteOpt = False,
) -> None:
    """Add the latest annotation of each Label Studio task to a gold file as a reviewer decision."""
    from aimlabel.review import labelstudio

    import_export(export, json.loads, labelstudio.decisions_from_export, gold, overwrite)


@commands.command("export-argilla")
def export_argilla_command(
    run: RunArg, output: OutOpt = None, articles: ArticlesOpt = None,
    settings: Annotated[Path | None, typer.Option("--settings", help="Also write the Argilla dataset settings JSON here.", show_default=False)] = None,
    store: o.StoreOpt = None,
) -> None:
    """Write Argilla records (JSON) with the labels as suggestions; --settings writes the dataset settings.

    Load with `rg.Settings.from_json(SETTINGS)` and log the records, annotate, export with
    `dataset.records.to_json(PATH)`, then `aimlabel import-argilla PATH --gold GOLD.jsonl`.
    """
    from aimlabel.review import argilla
    from aimlabel.review.pairs import build_pairs

    side, _ = load_sides(run, None, articles, store)
    records = argilla.export_records(side)
    warn_missing_text(build_pairs(side, None, sort=False))
    write_json(output, records)
    if settings is not None:
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(dump_json(argilla.dataset_settings()), encoding="utf-8")
    err(f"aimlabel: {len(records)} record(s)" + (f"; dataset settings in {settings}" if settings else ""))


@commands.command("import-argilla", epilog=IMPORT_EPILOG)
def import_argilla_command(
    export: Annotated[Path, typer.Argument(help="Argilla records export (JSON list or JSONL) with responses.", show_default=False)],
    gold: GoldOpt, overwrite: OverwriteOpt = False,
) -> None:
    """Add each Argilla user's submitted responses to a gold file as reviewer decisions."""
    from aimlabel.review import argilla

    import_export(export, argilla.parse_export_text, argilla.decisions_from_records, gold, overwrite)

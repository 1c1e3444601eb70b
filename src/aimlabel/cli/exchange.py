"""`aimlabel export-labelstudio`, `import-labelstudio`, `export-argilla`, `import-argilla`:
round trips to the annotation tools (formats in `aimlabel.review.labelstudio` and `.argilla`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimlabel.cli import options as o
from aimlabel.cli.exits import err
from aimlabel.cli.output import dump_json, refuse_overwrites, write_json, write_text
from aimlabel.cli.review import (
    IMPORT_EPILOG,
    ArticlesOpt,
    GoldOpt,
    OutOpt,
    OverwriteOpt,
    RunArg,
    import_export,
    load_sides,
    side_inputs,
    warn_missing_text,
)

if TYPE_CHECKING:
    from aimlabel.review.sides import Side

commands = o.command_group()


def _export(run: str, articles: str | None, store: Path | None, output: Path | None, records_of: Callable[[Side], list[Any]],
            noun: str, extra: tuple[str, Path | None], extra_text: Callable[[], str], extra_what: str) -> None:
    """Write one side's labels in a tool's format, and the tool's configuration file when asked."""
    from aimlabel.review.pairs import build_pairs

    option, extra_path = extra
    refuse_overwrites({"-o": output, option: extra_path}, side_inputs(run, None, articles, store))
    side, _ = load_sides(run, None, articles, store)
    records = records_of(side)
    warn_missing_text(build_pairs(side, None, sort=False))
    write_json(output, records)
    if extra_path is not None:
        write_text(extra_path, extra_text())
    err(f"aimlabel: {len(records)} {noun}(s)" + (f"; {extra_what} in {extra_path}" if extra_path else ""))


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

    _export(run, articles, store, output, labelstudio.export_tasks, "task", ("--config", config), labelstudio.labeling_config,
            "labeling config")


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

    _export(run, articles, store, output, argilla.export_records, "record", ("--settings", settings),
            lambda: dump_json(argilla.dataset_settings()), "dataset settings")


@commands.command("import-argilla", epilog=IMPORT_EPILOG)
def import_argilla_command(
    export: Annotated[Path, typer.Argument(help="Argilla records export (JSON list or JSONL) with responses.", show_default=False)],
    gold: GoldOpt, overwrite: OverwriteOpt = False,
) -> None:
    """Add each Argilla user's submitted responses to a gold file as reviewer decisions."""
    from aimlabel.review import argilla

    import_export(export, argilla.parse_export_text, argilla.decisions_from_records, gold, overwrite)

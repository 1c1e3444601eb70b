"""`aimlabel export-labelstudio`, `import-labelstudio`, `export-argilla`, `import-argilla`:
round trips to the annotation tools (formats in `aimlabel.review.labelstudio` and `.argilla`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimlabel.cli import options as o
from aimlabel.cli.exits import err
from aimlabel.cli.output import dump_json, refuse_overwrites, write_json, write_text
from aimlabel.cli.review import (
    IMPORT_EPILOG,
    AdjudicatorOpt,
    ArticlesOpt,
    GoldOpt,
    OutOpt,
    PolicyOpt,
    RunArg,
    import_export,
    load_sides,
    policy_rule,
    side_inputs,
    warn_missing_text,
)

if TYPE_CHECKING:
    from aimlabel.review.sides import Side

commands = o.command_group()


def _export(run: str, articles: str | None, store: Path | None, output: Path | None, records_of: Callable[[Side], list[Any]],
            noun: str, extra: tuple[str, Path | None], extra_text: Callable[[], str], extra_what: str) -> None:
    """Write one side's labels in a tool's format, and the tool's configuration file when asked."""
    from aimlabel.core.taxonomy import default_taxonomy
    from aimlabel.review.exports import left_out
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
    skipped = left_out(side, default_taxonomy())
    if skipped:
        shown = ", ".join(skipped[:10]) + (f", and {len(skipped) - 10} more" if len(skipped) > 10 else "")
        err(f"aimlabel: {len(skipped)} label(s) not exported, having no class to review: {shown}")


@commands.command("export-labelstudio")
def export_labelstudio_command(
    run: RunArg, output: OutOpt = None, articles: ArticlesOpt = None,
    config: Annotated[Path | None, typer.Option("--config", help="Also write the labeling config XML here.", show_default=False)] = None,
    store: o.StoreOpt = None,
) -> None:
    """Write Label Studio tasks (JSON) with the labels as predictions; --config writes the labeling config.

    Create a project with the config (set "Annotations per task" above 1 for several
    reviewers), import the tasks, annotate, export as JSON, then
    `aimlabel import-labelstudio EXPORT.json --gold GOLD.jsonl`.

    Examples:

      aimlabel export-labelstudio daily -o tasks.json --config config.xml

      aimlabel export-labelstudio labels.jsonl --articles articles.jsonl -o tasks.json
    """
    from aimlabel.review import labelstudio

    _export(run, articles, store, output, labelstudio.export_tasks, "task", ("--config", config), labelstudio.labeling_config,
            "labeling config")


@commands.command("import-labelstudio", epilog=IMPORT_EPILOG)
def import_labelstudio_command(
    export: Annotated[Path, typer.Argument(help="Label Studio JSON export (tasks with annotations).", show_default=False)],
    gold: GoldOpt, policy: PolicyOpt = "unanimous", adjudicator: AdjudicatorOpt = None,
) -> None:
    """Add every annotator's submitted Label Studio annotation to a gold file as a reviewer decision.

    Skipped annotations and drafts are reported, not imported; values left as the model
    pre-filled them are kept as `prefilled`. JSON_MIN, CSV and TSV exports are refused (they
    lose the article id or each value's origin): export as JSON.

    Examples:

      aimlabel import-labelstudio project-1-at-2025-04-02.json --gold reviewed.jsonl

      aimlabel import-labelstudio export.json --gold reviewed.jsonl --policy majority
    """
    from aimlabel.review import labelstudio_import

    import_export(export, labelstudio_import.parse_export, labelstudio_import.decisions_from_export, gold,
                  policy_rule(policy, adjudicator))


@commands.command("export-argilla")
def export_argilla_command(
    run: RunArg, output: OutOpt = None, articles: ArticlesOpt = None,
    settings: Annotated[Path | None, typer.Option("--settings", help="Also write the Argilla dataset settings JSON here.", show_default=False)] = None,
    store: o.StoreOpt = None,
) -> None:
    """Write Argilla records (JSON) with the labels as suggestions; --settings writes the dataset settings.

    Load with `rg.Settings.from_json(SETTINGS)` and log the records, annotate, export with
    `dataset.records.to_datasets().to_json(PATH)`, then `aimlabel import-argilla PATH --gold GOLD.jsonl`.

    Examples:

      aimlabel export-argilla daily -o records.json --settings settings.json

      aimlabel export-argilla labels.jsonl --articles articles.jsonl -o records.json
    """
    from aimlabel.review import argilla

    _export(run, articles, store, output, argilla.export_records, "record", ("--settings", settings),
            lambda: dump_json(argilla.dataset_settings()), "dataset settings")


@commands.command("import-argilla", epilog=IMPORT_EPILOG)
def import_argilla_command(
    export: Annotated[Path, typer.Argument(help="Argilla flattened export: records.to_datasets().to_json() JSONL or records.to_list(flatten=True) JSON.", show_default=False)],
    gold: GoldOpt, policy: PolicyOpt = "unanimous", adjudicator: AdjudicatorOpt = None,
) -> None:
    """Add each Argilla user's submitted responses to a gold file as reviewer decisions.

    Drafts are reported and discarded responses ignored. `records.to_json()` drops each
    response's status and is refused: export with `to_datasets().to_json(PATH)` or
    `to_list(flatten=True)`.

    Examples:

      aimlabel import-argilla answered.jsonl --gold reviewed.jsonl

      aimlabel import-argilla answered.jsonl --gold reviewed.jsonl --adjudicator argilla:USER_ID
    """
    from aimlabel.review import argilla_import

    import_export(export, argilla_import.parse_export, argilla_import.decisions_from_records, gold,
                  policy_rule(policy, adjudicator))

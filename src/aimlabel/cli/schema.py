"""`aimlabel schema`: print the JSON Schema the model must fill."""

from __future__ import annotations

import typer

from aimlabel.cli import options as o

commands = o.command_group()


@commands.command("schema")
def schema_command() -> None:
    """Print the strict JSON Schema of the label the model returns (built from schemas/taxonomy.json).

    `aimlabel schema > schemas/label_response.schema.json` refreshes the checked-in copy after a
    taxonomy change; a test fails while the two differ.
    """
    from aimlabel.core.schema import exported_schema_text, label_model

    typer.echo(exported_schema_text(label_model()), nl=False)

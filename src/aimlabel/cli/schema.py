"""`aimlabel schema`: print the JSON Schema the model must fill, or that an event record follows."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from aimlabel.cli import options as o

commands = o.command_group()


class SchemaKind(StrEnum):
    """Which schema `aimlabel schema` prints; each is checked in under schemas/ (a test compares)."""

    LABEL = "label"
    EVENT_ANSWER = "event-answer"
    EVENT_RECORD = "event-record"


FILES = {SchemaKind.LABEL: "label_response.schema.json", SchemaKind.EVENT_ANSWER: "event_response.schema.json",
         SchemaKind.EVENT_RECORD: "event_record.schema.json"}


def schema_text(kind: SchemaKind) -> str:
    """The text of schemas/FILES[kind], as the code builds it."""
    from aimlabel.core.jsonio import dump_json

    if kind is SchemaKind.LABEL:
        from aimlabel.core.schema import exported_schema_text, label_model

        return exported_schema_text(label_model())
    if kind is SchemaKind.EVENT_ANSWER:
        from aimlabel.events.prompt import answer_json_schema

        return dump_json(answer_json_schema())
    from aimlabel.events.record import event_record_schema

    return dump_json(event_record_schema())


@commands.command("schema")
def schema_command(
    kind: Annotated[SchemaKind, typer.Option("--kind", **o.choice(SchemaKind, "--kind"), help="label: the label the model returns; event-answer: the event call's answer; event-record: the record `aimlabel events` writes.")] = SchemaKind.LABEL,
) -> None:
    """Print the strict JSON Schema of the label the model returns (built from schemas/taxonomy.json).

    `aimlabel schema > schemas/label_response.schema.json` refreshes the checked-in copy after a
    taxonomy change; `--kind event-answer > schemas/event_response.schema.json` and `--kind
    event-record > schemas/event_record.schema.json` refresh the event ones. A test fails while
    a checked-in copy differs.

    Examples:

      aimlabel schema > schemas/label_response.schema.json

      aimlabel schema --kind event-record > schemas/event_record.schema.json
    """
    typer.echo(schema_text(kind), nl=False)

"""The event record's JSON Schema and the event answer's strict schema: checked in, current, and
what records are validated against (a real validator, jsonschema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.cli.schema import FILES, SchemaKind, schema_text
from aimlabel.core.resources import data_dir
from aimlabel.core.schema import response_format
from aimlabel.events.prompt import AimEvent

DATA = Path(__file__).resolve().parents[1] / "data" / "events"


@pytest.mark.parametrize("kind", list(SchemaKind))
def test_checked_in_schemas_match_the_code(kind: SchemaKind) -> None:
    on_disk = (data_dir("schemas") / FILES[kind]).read_text(encoding="utf-8")
    assert on_disk == schema_text(kind), f"schemas/{FILES[kind]} is stale: run `aimlabel schema --kind {kind} > schemas/{FILES[kind]}`"
    result = CliRunner().invoke(app, ["schema", "--kind", kind.value])
    assert result.exit_code == 0 and result.stdout == on_disk


def _schema() -> dict[str, Any]:
    return json.loads((data_dir("schemas") / "event_record.schema.json").read_text(encoding="utf-8"))


def test_records_validate_and_broken_ones_do_not() -> None:
    result = CliRunner().invoke(app, ["events", str(DATA / "labels.jsonl")])
    assert result.exit_code == 0, result.stderr
    validator = jsonschema.Draft202012Validator(_schema())
    records = [json.loads(line) for line in result.stdout.splitlines()]
    for record in records:
        validator.validate(record)
    broken = {**records[0], "classification": {**records[0]["classification"], "votes": {"AI Incident": "three"}}}
    assert not validator.is_valid(broken)
    assert not validator.is_valid({k: v for k, v in records[0].items() if k != "articles"})
    assert not validator.is_valid({**records[0], "written": {**records[0]["written"], "status": "done"}})
    assert not validator.is_valid({**records[0], "unexpected": 1})


def test_the_event_answer_is_strict_schema_compatible() -> None:
    body = response_format(AimEvent)
    schema = body["json_schema"]["schema"]
    assert body["json_schema"]["strict"] is True and body["json_schema"]["name"] == "AimEvent"
    assert schema["additionalProperties"] is False and schema["required"] == ["title", "summary", "rationale"]

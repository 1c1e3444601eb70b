"""The response model the LLM must fill, built from the taxonomy data.

Field order is deliberate: the reasoning fields (AI system, harm, evidence, rationale) come
before the verdict, so a model that writes left to right has argued before it classifies.
The model is strict-schema compatible (every field required, `X | None` for optional, no
defaults, `extra="forbid"`), so OpenAI structured outputs and guided decoding on local servers
can enforce it.
"""

from __future__ import annotations

import json
from enum import Enum, StrEnum
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model, field_validator

from aimlabel.core.hashing import sha256_json
from aimlabel.core.resources import data_dir
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy

SCHEMA_VERSION = "2"
SCHEMA_FILE = "label_response.schema.json"
MAX_EVIDENCE = 3
# Caps on what one answer may hold: generous for any label (AIM's rationales run to a few
# hundred words), tight enough that a runaway or hostile answer cannot fill memory and the store.
MAX_RATIONALE_CHARS = 4000
MAX_HARM_CHARS = 2000
MAX_AI_SYSTEM_CHARS = 1000
MAX_QUOTE_CHARS = 1000
# Checked here, not sent: OpenAI strict mode refuses maxLength in a schema.
_NOT_ON_THE_WIRE = frozenset({"maxLength", "minLength"})


class _LabelBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _tidy(cls, value: Any) -> Any:
        """Strip strings and drop duplicate list items: harmless fixes not worth a re-ask."""
        if isinstance(value, str) and not isinstance(value, Enum):
            return value.strip()
        if isinstance(value, list):
            seen = dict.fromkeys(v.strip() if isinstance(v, str) and not isinstance(v, Enum) else v for v in value)
            return [v for v in seen if v != ""]
        return value


def _vocabulary(name: str, values: tuple[str, ...]) -> Any:
    """A vocabulary as a string enum that shows on the wire exactly as `Literal[values]` would.

    instructor walks the response model's types several times per call (to refuse async
    validators); a `Literal` makes it visit every value of every vocabulary, an enum is one
    class to look at. Validation is pydantic's either way, and the JSON Schema is pinned to
    the plain `{"enum": [...], "type": "string"}` a Literal gives, so the request bytes, the
    schema hash and the exported schema file stay the same.
    """
    vocabulary = StrEnum(name, [(f"v{i}", v) for i, v in enumerate(values)])  # type: ignore[misc]
    return Annotated[vocabulary, WithJsonSchema({"enum": list(values), "type": "string"})]


def build_label_model(taxonomy: Taxonomy) -> type[BaseModel]:
    """Create the `AimLabel` Pydantic model for a taxonomy."""
    fields: dict[str, Any] = {
        "ai_system": (
            Annotated[str, Field(max_length=MAX_AI_SYSTEM_CHARS)] | None,
            Field(description=f"The AI system involved and what it does, or null if the article involves no AI system (at most {MAX_AI_SYSTEM_CHARS} characters)."),
        ),
        "realised_harm": (
            Annotated[str, Field(max_length=MAX_HARM_CHARS)] | None,
            Field(description=f"Harm that has actually happened and that the AI system contributed to, directly or indirectly; null if the article reports none (at most {MAX_HARM_CHARS} characters)."),
        ),
        "plausible_harm": (
            Annotated[str, Field(max_length=MAX_HARM_CHARS)] | None,
            Field(description=f"Harm that could plausibly follow from the AI system but has not happened yet; null if none (at most {MAX_HARM_CHARS} characters)."),
        ),
        "evidence": (
            Annotated[list[Annotated[str, Field(max_length=MAX_QUOTE_CHARS)]], Field(min_length=1, max_length=MAX_EVIDENCE)],
            Field(description=f"One to three short quotes copied word for word from the article that support the classification (each at most {MAX_QUOTE_CHARS} characters)."),
        ),
        "rationale": (
            Annotated[str, Field(max_length=MAX_RATIONALE_CHARS)],
            Field(description=f"Why the monitor labels this article as it does, in AIM's style: what happened, which AI system, what harm or risk, ending with the classification (at most {MAX_RATIONALE_CHARS} characters)."),
        ),
        "classification": (
            _vocabulary("Classification", taxonomy.classes),
            Field(title="Classification", description="The article's class under the OECD definitions."),
        ),
    }
    for f in taxonomy.fields:
        value_type = _vocabulary(f.key, f.values)
        if f.multi:  # each value at most once, so no list is longer than its vocabulary
            fields[f.key] = (list[value_type], Field(description=f.description, max_length=len(f.values)))  # type: ignore[valid-type]
        else:
            # pydantic leaves out the title it gives a Literal field when the type carries its own schema
            fields[f.key] = (value_type | None, Field(title=f.key.title().replace("_", " "), description=f.description))
    model = create_model("AimLabel", __base__=_LabelBase, **fields)
    model.__doc__ = "A draft AIM label for one news article."
    return model


@lru_cache(maxsize=1)
def label_model() -> type[BaseModel]:
    """The response model for the packaged taxonomy."""
    return build_label_model(default_taxonomy())


@lru_cache(maxsize=16)
def _strict_schema_text(model: type[BaseModel]) -> str:
    return json.dumps(_strict_json_schema(model))


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """JSON Schema in the dialect OpenAI strict mode accepts (computed once per model)."""
    return json.loads(_strict_schema_text(model))  # type: ignore[no-any-return]


def without_length_caps(node: Any) -> Any:
    """`node` (a JSON Schema) without string length keywords, which stay on our side in every mode.

    OpenAI strict mode refuses them, and a grammar-constrained server turns a 4000-character cap
    into thousands of grammar rules: llama.cpp refuses the grammar (its limit is 2000 repetitions)
    and llama-cpp-python's server dies on it.
    """
    if isinstance(node, dict):
        return {k: without_length_caps(v) for k, v in node.items() if k not in _NOT_ON_THE_WIRE}
    if isinstance(node, list):
        return [without_length_caps(v) for v in node]
    return node


def _strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """JSON Schema in the dialect OpenAI strict mode accepts.

    Every object gets `additionalProperties: false` and all properties required; `$ref`s are
    inlined, defaults dropped, and string lengths left out (they are checked on our side).
    """
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = defs[node["$ref"].split("/")[-1]]
                merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
                return walk(merged)
            out = {k: walk(v) for k, v in node.items() if k != "default" and k not in _NOT_ON_THE_WIRE}
            if out.get("type") == "object" and "properties" in out:
                out["additionalProperties"] = False
                out["required"] = list(out["properties"])
            if "allOf" in out and len(out["allOf"]) == 1:
                only = out.pop("allOf")[0]
                out = {**only, **out}
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    schema: dict[str, Any] = walk(raw)
    return schema


@lru_cache(maxsize=16)
def response_format(model: type[BaseModel]) -> dict[str, Any]:
    """The `response_format` body for OpenAI strict structured outputs (shared; do not mutate)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": model.__name__, "schema": strict_json_schema(model), "strict": True},
    }


@lru_cache(maxsize=16)
def schema_hash(model: type[BaseModel]) -> str:
    return sha256_json(strict_json_schema(model))


def exported_schema_text(model: type[BaseModel]) -> str:
    """The text of `schemas/label_response.schema.json` for this model (checked by a test)."""
    return json.dumps(strict_json_schema(model), indent=2, ensure_ascii=False) + "\n"


def exported_schema_path() -> Any:
    return data_dir("schemas") / SCHEMA_FILE

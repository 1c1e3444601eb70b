"""What tokens cost: a price table (USD per million tokens) and the arithmetic on it.

The table is data (`aimlabel/data/prices.json`, overridable with `--prices FILE`), matched by
the longest model-name prefix, so `gpt-4o-mini-2024-07-18` finds `gpt-4o-mini`. An unknown
model has no price: costs are then reported as unknown, never as zero.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from aimlabel.core.record import Usage

DEFAULT_PRICES = Path(__file__).resolve().parent.parent / "data" / "prices.json"


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float
    output: float


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    about: str | None = None
    models: dict[str, Price]

    def price_for(self, model: str | None) -> Price | None:
        if not model:
            return None
        matches = [name for name in self.models if model == name or model.startswith(name)]
        return self.models[max(matches, key=len)] if matches else None

    def cost(self, model: str | None, usage: Usage) -> float | None:
        price = self.price_for(model)
        if price is None:
            return None
        return (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1_000_000


def load_prices(path: Path | None = None) -> PriceTable:
    raw = json.loads((path or DEFAULT_PRICES).read_text(encoding="utf-8"))
    raw["about"] = raw.pop("_about", None)
    return PriceTable.model_validate(raw)

"""What tokens cost: a price table (USD per million tokens) and the one cost calculation.

The table is data (`aimlabel/data/prices.json`, overridable with `--prices FILE`), matched by
the longest model-name prefix, so `gpt-4o-mini-2024-07-18` finds `gpt-4o-mini`. An unknown
model has no price: costs are then reported as unknown, never as zero. `PriceTable.cost` is the
arithmetic; `record_cost` prices one label record (the run meter, the budget and the
evaluation's cost section all use it), at the batch rate when a batch answered it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from aimlabel.core.hashing import sha256_bytes
from aimlabel.core.record import LabelRecord, Usage

DEFAULT_PRICES = Path(__file__).resolve().parent.parent / "data" / "prices.json"
PACKAGED = "aimlabel/data/prices.json (packaged)"


class PricesProblem(ValueError):
    """A --prices file that cannot be used; the message says why."""


class Price(BaseModel):
    """USD per million tokens; `batch_*` through the Batch API (half price at OpenAI), None: not known."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float
    output: float
    batch_input: float | None = None
    batch_output: float | None = None


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    about: str | None = None
    models: dict[str, Price]

    def price_for(self, model: str | None) -> Price | None:
        if not model:
            return None
        matches = [name for name in self.models if model == name or model.startswith(name)]
        return self.models[max(matches, key=len)] if matches else None

    def rates_for(self, model: str | None, batch: bool = False) -> tuple[float, float] | None:
        """(input, output) USD per million tokens for `model`, at batch rates when `batch`."""
        price = self.price_for(model)
        if price is None:
            return None
        if not batch:
            return price.input, price.output
        if price.batch_input is None or price.batch_output is None:
            return None
        return price.batch_input, price.batch_output

    def cost(self, model: str | None, usage: Usage, batch: bool = False) -> float | None:
        rates = self.rates_for(model, batch)
        if rates is None:
            return None
        return (usage.prompt_tokens * rates[0] + usage.completion_tokens * rates[1]) / 1_000_000

    def record_model(self, record: LabelRecord) -> str | None:
        """The model a record is priced as: the one that answered if it has a price, else the one asked."""
        p = record.provenance
        if p is None:
            return None
        return p.model_served if self.price_for(p.model_served) else p.model_requested

    def record_cost(self, record: LabelRecord) -> float | None:
        """USD for one record: 0 when it cost no tokens (cached, not attempted), None when unpriced."""
        if record.cached or not record.usage.total_tokens:
            return 0.0
        batch = record.provenance is not None and record.provenance.batch_id is not None
        return self.cost(self.record_model(record), record.usage, batch)


@dataclass(frozen=True)
class Prices:
    """A loaded table and where it came from (for manifests)."""

    table: PriceTable
    source: str
    sha256: str


def read_prices(path: Path | None = None) -> Prices:
    """The table at `path`, or the packaged one; any problem is a `PricesProblem`."""
    source = path or DEFAULT_PRICES
    try:
        data = source.read_bytes()
        raw = json.loads(data)
        raw["about"] = raw.pop("_about", None)
        table = PriceTable.model_validate(raw)
    except OSError as exc:
        raise PricesProblem(f"cannot read --prices {source}: {exc.strerror}") from None
    except (json.JSONDecodeError, ValidationError, TypeError, AttributeError) as exc:
        raise PricesProblem(f"{source} is not a price table: {str(exc).splitlines()[0]}") from None
    return Prices(table, PACKAGED if path is None else str(path), sha256_bytes(data))


def load_prices(path: Path | None = None) -> PriceTable:
    return read_prices(path).table

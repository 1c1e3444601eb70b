"""Plan a run before paying for it: articles, tokens and cost, with no model call.

Every article is rendered exactly as `label` would send it (same prompt, same cut), so the
token count is of the real messages plus the response schema, not of the raw input.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from aimlabel.core.articles import InputFormat, InputProblem
from aimlabel.core.prompt import Prompt, render
from aimlabel.core.readers import iter_articles
from aimlabel.core.record import Usage
from aimlabel.core.schema import label_model, strict_json_schema
from aimlabel.core.tokens import counter_for
from aimlabel.run.pricing import PriceTable

MESSAGE_OVERHEAD_TOKENS = 4


@dataclass
class Plan:
    model: str
    articles: int
    unreadable_lines: int
    cut_articles: int
    prompt_tokens: int
    output_tokens: int
    token_counting: str
    price_in_per_million: float | None
    price_out_per_million: float | None
    estimated_cost_usd: float | None
    first_prompt: list[dict[str, str]] | None
    batch: bool = False
    samples: int = 1
    estimated_cost_usd_without_n: float | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


class RequestTokens:
    """Input tokens of one request: its messages plus the response schema (how `plan` counts, and
    what a batch run holds against `--max-cost` before it sends a request)."""

    def __init__(self, model: str, prompt: Prompt) -> None:
        self.count, self.how = counter_for(model)
        self.schema_tokens = self.count(json.dumps(strict_json_schema(label_model())))
        self.system = prompt.system
        self.system_tokens = self.count(prompt.system)

    def of(self, messages: list[dict[str, str]]) -> int:
        total = self.schema_tokens
        for message in messages:
            content = message.get("content") or ""
            total += (self.system_tokens if content == self.system else self.count(content)) + MESSAGE_OVERHEAD_TOKENS
        return total


def make_plan(input: str, prompt: Prompt, *, model: str, prices: PriceTable, max_article_tokens: int,
              expected_output_tokens: int, input_format: InputFormat = InputFormat.AUTO, encoding: str = "utf-8",
              delimiter: str | None = None, batch: bool = False, samples: int = 1) -> Plan:
    """The plan; an input that cannot be read as articles at all raises `InputError`.

    With `samples` K (`--confidence samples:K`) every article gets K answers: K times the output
    tokens, and the prompt counted once where the server honours `n` (OpenAI does), K times where
    it does not (then K requests are sent): `estimated_cost_usd_without_n`."""
    tokens = RequestTokens(model, prompt)
    articles = bad = cut = prompt_tokens = 0
    first: list[dict[str, str]] | None = None
    for item in iter_articles(input, input_format, encoding, delimiter):
        if isinstance(item, InputProblem):
            bad += 1
            continue
        rendered = render(prompt, item[1], max_article_tokens)
        if first is None:
            first = rendered.messages
        articles += 1
        cut += rendered.cut.truncated
        prompt_tokens += tokens.of(rendered.messages)
    output_tokens = articles * expected_output_tokens * samples
    rates = prices.rates_for(model, batch=batch)
    cost = prices.cost(model, Usage(prompt_tokens=prompt_tokens, completion_tokens=output_tokens), batch=batch)
    without_n = (prices.cost(model, Usage(prompt_tokens=prompt_tokens * samples, completion_tokens=output_tokens), batch=batch)
                 if samples > 1 else None)
    return Plan(model, articles, bad, cut, prompt_tokens, output_tokens, tokens.how,
                rates[0] if rates else None, rates[1] if rates else None, cost, first, batch, samples, without_n)


def plan_text(plan: Plan, show_prompt: bool = True) -> str:
    lines: list[str] = []
    if show_prompt and plan.first_prompt:
        for message in plan.first_prompt:
            lines += [f"===== {message['role']} =====", message["content"], ""]
    missing = "batch prices" if plan.batch else "the model"
    price = (f"unknown (add {missing} to a --prices file)" if plan.price_in_per_million is None
             else f"${plan.price_in_per_million:g} / ${plan.price_out_per_million:g} per million input / output tokens"
             + (" (Batch API)" if plan.batch else ""))
    cost = "unknown" if plan.estimated_cost_usd is None else f"${plan.estimated_cost_usd:.4f}"
    lines += [
        "===== plan =====",
        f"model             {plan.model}",
        f"articles          {plan.articles} ({plan.unreadable_lines} unreadable input lines; {plan.cut_articles} cut to the length limit)",
        f"input tokens      {plan.prompt_tokens:,} (counted with {plan.token_counting}, schema included)",
        f"output tokens     {plan.output_tokens:,} (expected {plan.output_tokens // max(plan.articles, 1):,} per article"
        + (f", {plan.samples} samples each" if plan.samples > 1 else "") + ")",
        f"price             {price}",
        f"estimated cost    {cost} (before re-asks and retries)",
    ]
    if plan.samples > 1:
        without = "unknown" if plan.estimated_cost_usd_without_n is None else f"${plan.estimated_cost_usd_without_n:.4f}"
        lines.append(f"                  {without} where the server ignores n (then {plan.samples} requests per article, "
                     f"input tokens x{plan.samples})")
    return "\n".join(lines) + "\n"

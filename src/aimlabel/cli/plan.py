"""`aimlabel plan`: what a run will cost, before it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aimlabel.cli import options as o
from aimlabel.cli.exits import fail
from aimlabel.core.articles import InputFormat
from aimlabel.core.redact import redact

commands = o.command_group()


@commands.command("plan")
def plan_command(
    input: Annotated[str, typer.Argument(help="Articles: .jsonl, .json, .csv, .tsv, .xlsx, .txt, or - for stdin.")],
    model: Annotated[str, typer.Option(envvar="AIMLABEL_MODEL", help="Model the run would use (for token counting and price).")],
    prices: o.PricesOpt = None,
    max_article_tokens: o.MaxArticleTokensOpt = o.MAX_ARTICLE_TOKENS,
    expected_output_tokens: Annotated[int, typer.Option(min=1, help="Answer tokens to assume per article.")] = 450,
    prompt_file: o.PromptOpt = None,
    input_format: o.InputFormatOpt = InputFormat.AUTO,
    delimiter: o.DelimiterOpt = None,
    encoding: o.EncodingOpt = "utf-8",
    json_output: Annotated[bool, typer.Option("--json", help="Print the plan as JSON (with the first prompt's messages).")] = False,
    no_prompt: Annotated[bool, typer.Option("--no-prompt", help="Do not print the first article's full prompt.")] = False,
    batch: Annotated[bool, typer.Option("--batch", help="Price at the Batch API's rates (the table's batch_input/batch_output), as `label --batch` pays.")] = False,
    confidence: o.ConfidenceOpt = "off",
) -> None:
    """Render the first article's full prompt, count articles and tokens, and estimate the cost. No model call.

    Examples:

      aimlabel plan articles.jsonl --model gpt-4o-mini

      aimlabel plan articles.jsonl --model gpt-4o-mini --batch

      aimlabel plan articles.jsonl --model gpt-4o-mini --confidence samples:5   (5 answers per article)
    """
    from aimlabel.core.prompt import load_prompt
    from aimlabel.core.readers import InputError
    from aimlabel.run.plan import make_plan, plan_text
    from aimlabel.run.pricing import read_prices

    spec = o.confidence_spec(confidence)
    if input != "-" and not Path(input).is_file():
        raise fail(f"input file not found: {input}")
    try:
        table = read_prices(prices).table
        prompt = load_prompt(prompt_file)
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    try:
        plan = make_plan(input, prompt, model=model, prices=table, max_article_tokens=max_article_tokens,
                         expected_output_tokens=expected_output_tokens, input_format=input_format, encoding=encoding,
                         delimiter=delimiter, batch=batch, samples=spec.samples if spec.method == "samples" else 1)
    except InputError as exc:
        raise fail(str(exc)) from None
    typer.echo(redact(plan.to_json() if json_output else plan_text(plan, show_prompt=not no_prompt)), nl=json_output)

"""`aimlabel plan`: what a run will cost, before it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from aimlabel.cli import app
from aimlabel.cli.common import fail
from aimlabel.run.plan import make_plan, plan_text
from aimlabel.run.pricing import load_prices
from aimlabel.core.prompt import DEFAULT_MAX_ARTICLE_TOKENS, load_prompt


@app.command("plan")
def plan_command(
    input: Annotated[str, typer.Argument(help="Articles: .jsonl, .csv, .txt, or - for stdin.")],
    model: Annotated[str, typer.Option(envvar="AIMLABEL_MODEL", help="Model the run would use (for token counting and price).")],
    prices: Annotated[Optional[Path], typer.Option(help="Price table JSON; default: the packaged one.")] = None,
    max_article_tokens: Annotated[int, typer.Option(min=50, help="As for `aimlabel label`.")] = DEFAULT_MAX_ARTICLE_TOKENS,
    expected_output_tokens: Annotated[int, typer.Option(min=1, help="Answer tokens to assume per article.")] = 450,
    prompt_file: Annotated[Optional[Path], typer.Option("--prompt", help="Prompt file, as for `aimlabel label`.")] = None,
    input_format: Annotated[str, typer.Option("--format", help="Input format: auto, jsonl, csv, text.")] = "auto",
    json_output: Annotated[bool, typer.Option("--json", help="Print the plan as JSON (with the first prompt's messages).")] = False,
    no_prompt: Annotated[bool, typer.Option("--no-prompt", help="Do not print the first article's full prompt.")] = False,
) -> None:
    """Render the first article's full prompt, count articles and tokens, and estimate the cost. No model call.

    Example: aimlabel plan articles.jsonl --model gpt-4o-mini
    """
    if input != "-" and not Path(input).is_file():
        raise fail(f"input file not found: {input}")
    if input_format not in ("auto", "jsonl", "csv", "text"):
        raise fail(f"--format must be auto, jsonl, csv or text, not {input_format!r}")
    try:
        table = load_prices(prices)
        prompt = load_prompt(prompt_file)
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    plan = make_plan(input, prompt, model=model, prices=table, max_article_tokens=max_article_tokens,
                     expected_output_tokens=expected_output_tokens, input_format=input_format)  # type: ignore[arg-type]
    typer.echo(plan.to_json() if json_output else plan_text(plan, show_prompt=not no_prompt), nl=json_output)

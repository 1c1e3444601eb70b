"""`aimlabel plan`: a full prompt, counts and a cost estimate, without calling any model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.core.prompt import default_prompt
from aimlabel.core.resources import examples_dir
from aimlabel.run.plan import make_plan
from aimlabel.run.pricing import PriceTable, load_prices

runner = CliRunner()
ARTICLES = str(examples_dir() / "articles.jsonl")


def test_plan_counts_articles_tokens_and_cost(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    long_text = "\n\n".join(["Paragraph about an AI system. " * 30] * 30)
    path.write_text(
        (examples_dir() / "articles.jsonl").read_text()
        + "{not json\n" + json.dumps({"id": "long", "title": "Long", "text": long_text}) + "\n"
    )
    plan = make_plan(str(path), default_prompt(), model="gpt-4o-mini", prices=load_prices(),
                     max_article_tokens=300, expected_output_tokens=400)
    assert (plan.articles, plan.unreadable_lines, plan.cut_articles) == (6, 1, 1)
    assert plan.output_tokens == 2400
    assert plan.prompt_tokens > 6 * 2000
    assert plan.estimated_cost_usd == (plan.prompt_tokens * 0.15 + plan.output_tokens * 0.60) / 1e6
    assert plan.first_prompt is not None and "ex-001" not in plan.first_prompt[0]["content"]
    assert "Finance worker wires" in plan.first_prompt[1]["content"]


def test_unknown_model_price_is_unknown_not_zero() -> None:
    plan = make_plan(ARTICLES, default_prompt(), model="my-local-llama", prices=PriceTable(models={}),
                     max_article_tokens=2000, expected_output_tokens=400)
    assert plan.estimated_cost_usd is None and plan.price_in_per_million is None


def test_plan_cli_prints_prompt_then_plan() -> None:
    result = runner.invoke(app, ["plan", ARTICLES, "--model", "gpt-4o-mini"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.index("===== system =====") < out.index("===== user =====") < out.index("===== plan =====")
    assert "articles          5 (0 unreadable input lines; 0 cut to the length limit)" in out
    assert "estimated cost    $0.0" in out
    as_json = json.loads(runner.invoke(app, ["plan", ARTICLES, "--model", "x", "--json"]).stdout)
    assert as_json["articles"] == 5 and as_json["estimated_cost_usd"] is None
    short = runner.invoke(app, ["plan", ARTICLES, "--model", "x", "--no-prompt"]).stdout
    assert short.startswith("===== plan =====") and "price             unknown" in short


def test_plan_counts_every_sample_of_samples_k() -> None:
    one = make_plan(ARTICLES, default_prompt(), model="gpt-4o-mini", prices=load_prices(), max_article_tokens=300,
                    expected_output_tokens=400)
    five = make_plan(ARTICLES, default_prompt(), model="gpt-4o-mini", prices=load_prices(), max_article_tokens=300,
                     expected_output_tokens=400, samples=5)
    assert five.output_tokens == 5 * one.output_tokens and five.prompt_tokens == one.prompt_tokens
    assert one.estimated_cost_usd is not None and five.estimated_cost_usd is not None
    assert five.estimated_cost_usd_without_n is not None and five.estimated_cost_usd_without_n > five.estimated_cost_usd
    result = runner.invoke(app, ["plan", ARTICLES, "--model", "gpt-4o-mini", "--no-prompt", "--confidence", "samples:5"])
    assert result.exit_code == 0 and "5 samples each" in result.stdout and "where the server ignores n" in result.stdout

"""Tokens per second of llama-cpp-python's server on Gemma 3 270M: free text versus decoding held to a grammar.

    bash scripts/llamacpp_env.sh                     # builds (or reuses) the server; prints its venv
    python bench/bench_llamacpp.py --venv "$(bash scripts/llamacpp_env.sh)" --max-tokens 256

One real server process on 127.0.0.1. Every request carries the messages `aimlabel label` sends for
one packaged example article, at temperature 0 with `max_tokens` bounded, in five ways:

- plain: no constraint (the model's raw decoding speed);
- json_object: llama-cpp-python's generic JSON grammar, any JSON object;
- tools: the exact body aimlabel sends in `--mode tools` (the label schema becomes a grammar);
- json_schema: the exact body aimlabel sends in `--mode json_schema`;
- md_json: the exact body aimlabel sends in `--mode md_json` (no grammar; the schema is in the prompt).

Each way is sent once with `max_tokens` 1 first, so the prompt is evaluated and kept in the server's
context; the timed request then reuses that prefix, and its seconds are (almost) all decoding. The
prompt's own speed is printed from the first request. `--repeat` times each request several times
and keeps the median. The label column says whether aimlabel's parser takes the answer.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aimlabel.core.articles import Article
from aimlabel.core.prompt import default_prompt, render
from aimlabel.core.resources import examples_dir
from aimlabel.core.schema import label_model
from aimlabel.model.base import Mode, ModelSettings, TokenField
from aimlabel.model.openai import OpenAIAdapter
from aimlabel.testing.llamacpp import MODEL_ALIAS, LlamaCppInstall, LlamaCppServer


@dataclass
class Row:
    way: str
    status: int
    prompt_tokens: int
    prompt_seconds: float
    completion_tokens: int
    seconds: float
    finish: str
    parsed: str

    @property
    def rate(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else float("nan")


def bodies(messages: list[dict[str, str]], max_tokens: int) -> dict[str, dict[str, Any]]:
    plain = {"model": MODEL_ALIAS, "messages": messages, "temperature": 0.0, "max_tokens": max_tokens}
    out: dict[str, dict[str, Any]] = {"plain": plain, "json_object": {**plain, "response_format": {"type": "json_object"}}}
    for mode in (Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON):
        settings = ModelSettings(model=MODEL_ALIAS, base_url="http://127.0.0.1:1/v1", mode=mode, temperature=0.0,
                                 max_completion_tokens=max_tokens, max_tokens_field=TokenField.MAX_TOKENS)
        out[str(mode)] = OpenAIAdapter(settings).request_body(messages, label_model())
    return out


def parsed(way: str, response: dict[str, Any]) -> str:
    if way not in (Mode.TOOLS, Mode.JSON_SCHEMA, Mode.MD_JSON):
        return "-"
    settings = ModelSettings(model=MODEL_ALIAS, base_url="http://127.0.0.1:1/v1", mode=Mode(way))
    return "valid" if OpenAIAdapter(settings).parse_plain(response, label_model()) is not None else "invalid"


def measure(server: LlamaCppServer, way: str, body: dict[str, Any], repeat: int, timeout: float) -> Row:
    started = time.perf_counter()
    status, warm = server.post("/chat/completions", {**body, "max_tokens": 1}, timeout)
    prompt_seconds = time.perf_counter() - started
    if status != 200:
        message = str(warm.get("error", warm))[:160].replace("\n", " ")
        return Row(way, status, 0, prompt_seconds, 0, 0.0, f"error: {message}", "-")
    prompt_tokens = int(warm.get("usage", {}).get("prompt_tokens", 0))
    times: list[float] = []
    response: dict[str, Any] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        status, response = server.post("/chat/completions", body, timeout)
        times.append(time.perf_counter() - started)
        if status != 200:
            message = str(response.get("error", response))[:160].replace("\n", " ")
            return Row(way, status, prompt_tokens, prompt_seconds, 0, 0.0, f"error: {message}", "-")
    choice = response["choices"][0]
    return Row(way, status, prompt_tokens, prompt_seconds, int(response["usage"]["completion_tokens"]),
               statistics.median(times), str(choice.get("finish_reason")), parsed(way, response))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--venv", type=Path, default=os.environ.get("AIMLABEL_LLAMACPP_VENV"),
                   help="The server's virtualenv (scripts/llamacpp_env.sh prints it; default $AIMLABEL_LLAMACPP_VENV).")
    p.add_argument("--max-tokens", type=int, default=256, help="max_tokens of every timed request (default 256).")
    p.add_argument("--threads", type=int, default=1, help="Server --n_threads (default 1).")
    p.add_argument("--article", type=int, default=0, help="Which packaged example article (0-based, default 0).")
    p.add_argument("--repeat", type=int, default=1, help="Timed requests per way; the median is shown (default 1).")
    p.add_argument("--ways", default="plain,json_object,tools,json_schema,md_json", help="Comma-separated subset of the ways.")
    p.add_argument("--timeout", type=float, default=600.0, help="Seconds one request may take (default 600).")
    a = p.parse_args(argv)
    if a.venv is None:
        p.error("--venv is required (or set AIMLABEL_LLAMACPP_VENV)")
    install = LlamaCppInstall(a.venv)
    if (problem := install.problem()) is not None:
        p.error(problem)
    lines = (examples_dir() / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    article = Article.model_validate_json(lines[a.article])
    messages = render(default_prompt(), article).messages
    all_bodies = bodies(messages, a.max_tokens)
    ways = [w.strip() for w in a.ways.split(",") if w.strip()]
    unknown = sorted(set(ways) - set(all_bodies))
    if unknown:
        p.error(f"unknown --ways {unknown}; choose from {sorted(all_bodies)}")
    print(f"llama-cpp-python server, {install.model.name}, {a.threads} threads, max_tokens {a.max_tokens}, "
          f"article {article.id}, median of {a.repeat}", file=sys.stderr)
    rows = []
    with LlamaCppServer(install, n_threads=a.threads) as server:
        for way in ways:
            try:
                row = measure(server, way, all_bodies[way], a.repeat, a.timeout)
            except OSError as exc:
                print(f"  {way}: {exc}; the server's log ends:\n{server.log_tail()}", file=sys.stderr)
                return 1
            rows.append(row)
            print(f"  {way}: {row.completion_tokens} tokens in {row.seconds:.1f} s", file=sys.stderr)
    print("| way | HTTP | prompt tokens | prompt s | answer tokens | decode s | tokens/s | finish | label |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        rate = f"{r.rate:.1f}" if r.completion_tokens else "-"
        print(f"| {r.way} | {r.status} | {r.prompt_tokens} | {r.prompt_seconds:.1f} | {r.completion_tokens} | {r.seconds:.1f} "
              f"| {rate} | {r.finish} | {r.parsed} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

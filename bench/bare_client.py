"""The ceiling: a bare async httpx2 client sending prepared chat requests, nothing else.

    python bench/bare_client.py BODIES.jsonl --url http://127.0.0.1:PORT/v1 --concurrency 64
    python bench/bare_client.py BODIES.jsonl --url ... --client openai       # the SDK alone
    python bench/bare_client.py BODIES.jsonl --url ... --client instructor   # the SDK under instructor

Reads one JSON request body a line (the bodies aimlabel would send, prepared by
bench/bench_live.py), posts each to URL/chat/completions with `concurrency` in flight on one
connection pool, parses each answer as JSON and keeps nothing. It prints one JSON line: when the
first request went out and the last answer came back (epoch seconds, comparable with the fake
server's clock), the CPU seconds of the sending phase, and the count of 200 answers.

`--client openai` sends the same bodies through `openai.AsyncOpenAI().chat.completions.create`
as any SDK user would (answers parsed into the SDK's objects); `--client instructor` asks
instructor (JSON_SCHEMA mode, no re-asks) for aimlabel's label model with the same messages and
sampling parameters. They are floors, not ceilings: what the layers the design keeps cost per
request on their own, without aimlabel's pipeline, rule check or store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


Send = Callable[[Any], Awaitable[bool]]


def _sdk_sender(client_kind: str, url: str, concurrency: int, api_key: str, timeout: float) -> tuple[Send, Any]:
    """(send one parsed body, close) for the openai SDK alone or under instructor."""
    import openai

    http = httpx2.AsyncClient(limits=httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
                              timeout=timeout)
    sdk = openai.AsyncOpenAI(base_url=url, api_key=api_key, max_retries=0, timeout=timeout, http_client=http)
    if client_kind == "openai":
        async def send(body: dict[str, Any]) -> bool:
            await sdk.chat.completions.create(**body)
            return True
        return send, sdk.close

    import instructor

    from aimlabel.core.schema import label_model

    patched, response_model = instructor.from_openai(sdk, mode=instructor.Mode.JSON_SCHEMA), label_model()

    async def ask(body: dict[str, Any]) -> bool:
        params = {k: v for k, v in body.items() if k not in ("response_format", "tools", "tool_choice")}
        try:
            await patched.create(response_model=response_model, max_retries=0, **params)
        except instructor.core.InstructorRetryException:
            return False
        return True
    return ask, sdk.close


async def _send_all(items: list[Any], send: Send, concurrency: int, answered: int = 0) -> dict[str, float]:
    """Every item through `send`, `concurrency` at a time; failures counted by message on stderr."""
    queue = iter(items)
    ok = answered
    errors: Counter[str] = Counter()

    async def worker() -> None:
        nonlocal ok
        for item in queue:
            try:
                good = await send(item)  # awaited first: `ok += await ...` would read ok before the wait
                ok += good
            except Exception as exc:  # counted and named, so a failing run shows why
                errors[f"{type(exc).__name__}: {exc}"[:200]] += 1

    cpu, first = _cpu(), time.time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    last = time.time()
    for message, count in errors.items():
        print(f"bare_client: {count} x {message}", file=sys.stderr)
    return {"first_request_at": first, "last_response_at": last, "send_cpu": _cpu() - cpu, "ok": ok,
            "n": len(items) + answered}


async def send_sdk(bodies: list[bytes], client_kind: str, url: str, concurrency: int, api_key: str,
                   timeout: float) -> dict[str, float]:
    send, close = _sdk_sender(client_kind, url, concurrency, api_key, timeout)
    parsed = [json.loads(b) for b in bodies]
    first = await send(parsed[0])  # the first call builds the SDK's resources and instructor's model: not per request
    try:
        return await _send_all(parsed[1:], send, concurrency, answered=int(first))
    finally:
        await close()


async def send_all(bodies: list[bytes], url: str, concurrency: int, api_key: str, timeout: float) -> dict[str, float]:
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"authorization": f"Bearer {api_key}", "content-type": "application/json"}
    async with httpx2.AsyncClient(limits=limits, timeout=timeout, headers=headers) as client:

        async def send(body: bytes) -> bool:
            response = await client.post(url, content=body)
            json.loads(response.content)
            return response.status_code == 200

        return await _send_all(bodies, send, concurrency)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bodies", help="JSON Lines file of request bodies.")
    p.add_argument("--url", required=True, help="Base URL of the OpenAI-compatible server (ending in /v1).")
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--api-key", default="bench")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--client", choices=("httpx2", "openai", "instructor"), default="httpx2",
                   help="httpx2 (the ceiling), or the floors the design keeps: the openai SDK, instructor over it.")
    a = p.parse_args(argv)
    with open(a.bodies, "rb") as fh:
        bodies = [line.rstrip(b"\n") for line in fh if line.strip()]
    if a.client == "httpx2":
        result = asyncio.run(send_all(bodies, a.url.rstrip("/") + "/chat/completions", a.concurrency, a.api_key, a.timeout))
    else:
        result = asyncio.run(send_sdk(bodies, a.client, a.url, a.concurrency, a.api_key, a.timeout))
    print(json.dumps(result), flush=True)
    return 0 if result["ok"] == result["n"] else 1


if __name__ == "__main__":
    sys.exit(main())

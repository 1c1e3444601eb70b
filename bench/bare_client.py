"""The ceiling: a bare async httpx2 client sending prepared chat requests, nothing else.

    python bench/bare_client.py BODIES.jsonl --url http://127.0.0.1:PORT/v1 --concurrency 64

Reads one JSON request body a line (the bodies aimlabel would send, prepared by
bench/bench_live.py), posts each to URL/chat/completions with `concurrency` in flight on one
connection pool, parses each answer as JSON and keeps nothing. It prints one JSON line: when the
first request went out and the last answer came back (epoch seconds, comparable with the fake
server's clock), the CPU seconds of the sending phase, and the count of 200 answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time

import httpx2


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def send_all(bodies: list[bytes], url: str, concurrency: int, api_key: str, timeout: float) -> dict[str, float]:
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"authorization": f"Bearer {api_key}", "content-type": "application/json"}
    queue = iter(bodies)
    ok = 0
    async with httpx2.AsyncClient(limits=limits, timeout=timeout, headers=headers) as client:

        async def worker() -> None:
            nonlocal ok
            for body in queue:
                response = await client.post(url, content=body)
                json.loads(response.content)
                ok += response.status_code == 200

        cpu, first = _cpu(), time.time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        last = time.time()
    return {"first_request_at": first, "last_response_at": last, "send_cpu": _cpu() - cpu, "ok": ok, "n": len(bodies)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bodies", help="JSON Lines file of request bodies.")
    p.add_argument("--url", required=True, help="Base URL of the OpenAI-compatible server (ending in /v1).")
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--api-key", default="bench")
    p.add_argument("--timeout", type=float, default=60.0)
    a = p.parse_args(argv)
    with open(a.bodies, "rb") as fh:
        bodies = [line.rstrip(b"\n") for line in fh if line.strip()]
    result = asyncio.run(send_all(bodies, a.url.rstrip("/") + "/chat/completions", a.concurrency, a.api_key, a.timeout))
    print(json.dumps(result), flush=True)
    return 0 if result["ok"] == result["n"] else 1


if __name__ == "__main__":
    sys.exit(main())

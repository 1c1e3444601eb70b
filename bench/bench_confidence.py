"""CPU that `--confidence logprobs` adds per article, side by side with `--confidence off`.

    python bench/bench_confidence.py --n 2000 --repeats 3 --modes json_schema,tools,md_json
    python bench/bench_confidence.py --n 200 --no-whole --pairs 2000

For each mode, `python -m aimlabel label` runs in its own process against the fake server
(`python -m aimlabel.testing.fakeserver --memo`, no latency), alternately with `--confidence off`
and `--confidence logprobs`, `--repeats` times each on the same N generated articles, after one
uncounted run of each that fills the server's memo (so the server answers both settings at the
same speed, and a slower server never shows up as client CPU spent waiting); the
labeller's own CPU (user + system, from `os.wait4`, so the server's is never counted) is read
for every run, and the medians are compared. With logprobs the server returns OpenAI-format
logprobs with 5 alternatives for every answer token (the script prints the size of one answer
both ways), so the difference is what reading them costs a whole process: receiving, scanning, and what the
client does with the rest.

`--pairs P` measures the same one call at a time: each of P articles is asked both ways in a row
(order alternating), and the process's CPU time is read around each call, so no other call's
work falls inside it; the collector is paused and run every 100 pairs. Its median is the most
stable figure here, and it is printed with the median CPU of a call without logprobs, since this
shared machine's speed drifts (a call without ranged from 2.4 to 5.1 ms in one hour) and the
added CPU drifts with it.

The whole-process runs of one setting spread by more than the target on a loaded machine, so
`--blocks B` adds a paired measurement in one process: the same adapter calls a live run makes
(`OpenAIAdapter.ask`, the openai client, instructor, the transports) against the same fake
server, in B pairs of blocks of `--block-size` articles, each pair one block of `off` and one of
`logprobs`, in alternating order (so a drift of the machine's speed falls on both), each block started after a
full garbage collection with the collector paused during it (a collection's pause, tens of ms, would
land on one block of a pair at random); the process's
CPU time (`time.process_time`, the server's not counted) is read around every block, and the
added CPU per article is the median of the B paired differences, with their quartiles. What is
the same in both settings (reading articles, the rule check, writing records) is left out, as it
cancels.

Target (issue 15): under 0.3 ms of CPU per article.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

from aimlabel.core.prompt import default_prompt, render
from aimlabel.core.readers import articles_only, iter_articles
from aimlabel.core.schema import label_model
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.model.base import ConfidenceSpec, ModelAdapter, ModelSettings
from aimlabel.model.confidence_wire import strip_logprobs
from aimlabel.model.factory import open_adapter
from aimlabel.model.logprobs_scan import scan_logprobs
from aimlabel.testing.fakeserver import start_fake_server
from aimlabel.testing.fakeserver.answers import Answerer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_label import write_articles  # noqa: E402  (the same generated articles as the labelling bench)


def label_cpu(cmd: list[str]) -> float:
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"label exited {proc.returncode}: {shlex.join(cmd)}")
    return usage.ru_utime + usage.ru_stime


def scan_costs(articles: Path, modes: list[str]) -> list[str]:
    """Microseconds to read one answer's confidence: the scan of its text, and a full JSON parse
    of it (the fallback), the best of 5 rounds of 200 (timeit), on the fake server's answer."""
    article = next(iter(articles_only(iter_articles(str(articles)))))
    messages = render(default_prompt(), article).messages
    shapes = {"json_schema": {"response_format": {"type": "json_schema"}},
              "tools": {"tools": [{"type": "function", "function": {"name": "AimLabel"}}]}, "md_json": {}}
    classes = default_taxonomy().classes
    lines = []
    for mode in modes:
        body = Answerer(default_taxonomy()).completion({"model": "fake", "messages": messages, **shapes[mode], "logprobs": True,
                                                        "top_logprobs": 5}, None)
        text = json.dumps(body).encode()
        scan = min(timeit.repeat(lambda t=text: scan_logprobs(t, classes), number=200, repeat=5)) / 200 * 1e6
        full = min(timeit.repeat(lambda t=text: strip_logprobs(json.loads(t), classes), number=200, repeat=5)) / 200 * 1e6
        lines.append(f"# {mode}: the scan reads one answer's confidence in {scan:.0f} us; a full parse takes {full:.0f} us")
    return lines


def body_sizes(articles: Path) -> tuple[int, int]:
    """Bytes of the fake server's answer to the first article, without and with logprobs (its own code)."""
    article = next(iter(articles_only(iter_articles(str(articles)))))
    request = {"model": "fake", "messages": render(default_prompt(), article).messages, "response_format": {}}
    answerer = Answerer(default_taxonomy())
    plain = answerer.completion(request, None)
    rich = answerer.completion({**request, "logprobs": True, "top_logprobs": 5}, None)
    return len(json.dumps(plain).encode()), len(json.dumps(rich).encode())


async def _block(adapter: ModelAdapter, calls: list[tuple[str, list[dict[str, str]]]], concurrency: int) -> float:
    """CPU seconds this process spends labelling `calls` through `adapter`, C at a time."""
    gate = asyncio.Semaphore(concurrency)
    model = label_model()

    async def one(key: str, messages: list[dict[str, str]]) -> None:
        async with gate:
            answer = await adapter.ask(key, messages, model)
            if answer.label is None:
                raise SystemExit(f"{key}: {answer.error}")

    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        await asyncio.gather(*(one(key, messages) for key, messages in calls))
        return time.process_time() - started
    finally:
        gc.enable()


Calls = list[tuple[str, list[dict[str, str]]]]


def _setup(base_url: str, mode: str, articles: Path, pool_size: int) -> tuple[Calls, dict[str, ModelAdapter]]:
    """The articles' rendered messages, and one adapter per setting (`off`, `logprobs`) on the fake server."""
    loaded = list(articles_only(iter_articles(str(articles))))
    calls = [(a.id, render(default_prompt(), a).messages) for a in loaded]
    adapters = {s: open_adapter(ModelSettings(model="fake", base_url=base_url, api_key="bench", mode=mode,
                                             confidence=ConfidenceSpec.parse(s)), pool_size=pool_size)
                for s in ("off", "logprobs")}
    return calls, adapters


async def paired(base_url: str, mode: str, articles: Path, blocks: int, size: int, concurrency: int) -> list[float]:
    """Added CPU ms per article of each pair of blocks (logprobs minus off), after one warm-up pair."""
    calls, adapters = _setup(base_url, mode, articles, concurrency)
    added = []
    try:
        for pair in range(blocks + 1):
            chunk = [calls[(pair * size + i) % len(calls)] for i in range(size)]
            order = ("off", "logprobs") if pair % 2 else ("logprobs", "off")
            cpu = {s: await _block(adapters[s], chunk, concurrency) for s in order}
            if pair:
                added.append((cpu["logprobs"] - cpu["off"]) / size * 1000)
    finally:
        for adapter in adapters.values():
            await adapter.aclose()
    return added


async def per_call(base_url: str, mode: str, articles: Path, calls_wanted: int) -> tuple[list[float], float]:
    """Added CPU ms of each pair of calls (one article asked with logprobs and without, in alternating
    order, one call at a time), and the median CPU ms of a call without: the ratio holds across
    the machine's changes of speed better than either number."""
    calls, adapters = _setup(base_url, mode, articles, pool_size=1)
    model = label_model()
    added, off = [], []
    try:
        for key, messages in calls[:20]:  # warm-up, not counted
            for adapter in adapters.values():
                await adapter.ask(key, messages, model)
        gc.collect()
        gc.disable()
        for i in range(calls_wanted):
            key, messages = calls[i % len(calls)]
            cpu = {}
            for s in ("off", "logprobs") if i % 2 else ("logprobs", "off"):
                started = time.process_time()
                answer = await adapters[s].ask(key, messages, model)
                cpu[s] = (time.process_time() - started) * 1000
                if answer.label is None:
                    raise SystemExit(f"{key}: {answer.error}")
            added.append(cpu["logprobs"] - cpu["off"])
            off.append(cpu["off"])
            if i % 100 == 99:
                gc.enable()
                gc.collect()
                gc.disable()
    finally:
        gc.enable()
        for adapter in adapters.values():
            await adapter.aclose()
    return added, statistics.median(off)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=2000, help="Articles per run (default 2000).")
    p.add_argument("--repeats", type=int, default=3, help="Runs of each setting per mode, alternating (default 3).")
    p.add_argument("--modes", default="json_schema,tools,md_json", help="Comma-separated modes.")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--blocks", type=int, default=0, help="Also measure in one process: pairs of blocks (default 0: not).")
    p.add_argument("--block-size", type=int, default=200, help="Articles per block (default 200).")
    p.add_argument("--pairs", type=int, default=0, help="Also measure pairs of single calls, one at a time (default 0: not).")
    p.add_argument("--no-whole", action="store_true", help="Skip the whole-process runs (only the paired blocks).")
    p.add_argument("--label-cmd", default=f"{shlex.quote(sys.executable)} -m aimlabel", help="Command that provides `label`.")
    a = p.parse_args(argv)
    modes = [m.strip() for m in a.modes.split(",") if m.strip()]
    print(f"# --confidence logprobs vs off: N={a.n}, {a.repeats} runs each, C={a.concurrency}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}", flush=True)
    rows: list[str] = []
    pairs: list[str] = []
    singles: list[str] = []
    with tempfile.TemporaryDirectory(prefix="aimlabel-bench-conf-") as tmp:
        articles = Path(tmp) / "articles.jsonl"
        write_articles(articles, a.n)
        plain, rich = body_sizes(articles)
        print(f"# one answer: {plain:,} bytes without logprobs, {rich:,} with", flush=True)
        print("\n".join(scan_costs(articles, modes)), flush=True)
        with start_fake_server(max_seconds=3600, memo=True) as server:
            for mode in modes:
                if a.pairs:
                    added, off_ms = asyncio.run(per_call(server.base_url, mode, articles, a.pairs))
                    q1, med, q3 = statistics.quantiles(added, n=4)
                    singles.append(f"| {mode} | {a.pairs:,} | {med:+.3f} | {q1:+.3f} .. {q3:+.3f} | {off_ms:.3f} | "
                                   f"{med / off_ms:+.1%} |")
                if a.blocks:
                    added = sorted(asyncio.run(paired(server.base_url, mode, articles, a.blocks, a.block_size, a.concurrency)))
                    q1, med, q3 = statistics.quantiles(added, n=4) if len(added) > 1 else (added[0],) * 3
                    pairs.append(f"| {mode} | {a.blocks} x {a.block_size} | {med:+.3f} | {q1:+.3f} .. {q3:+.3f} | "
                                 f"{added[0]:+.3f} .. {added[-1]:+.3f} |")
                if a.no_whole:
                    continue
                cpu: dict[str, list[float]] = {"off": [], "logprobs": []}
                for run in range(a.repeats + 1):  # run 0 warms the server's memo up and is not counted
                    for setting in ("off", "logprobs"):
                        cmd = [*shlex.split(a.label_cmd), "label", str(articles), "--base-url", server.base_url, "--model", "fake",
                               "--api-key", "bench", "--mode", mode, "--concurrency", str(a.concurrency), "--no-store", "-q",
                               "--confidence", setting, "-o", os.devnull]
                        used = label_cpu(cmd)
                        if run:
                            cpu[setting].append(used)
                off, on = statistics.median(cpu["off"]), statistics.median(cpu["logprobs"])
                rows.append(f"| {mode} | {a.n:,} | {off / a.n * 1000:.3f} | {on / a.n * 1000:.3f} | {(on - off) / a.n * 1000:+.3f} | "
                            f"{' '.join(f'{x:.2f}' for x in cpu['off'])} | {' '.join(f'{x:.2f}' for x in cpu['logprobs'])} |")
                print(f"  {mode}: done", file=sys.stderr, flush=True)
    if singles:
        print("Pairs of single calls in one process: added CPU ms per article (logprobs minus off)")
        print("| mode | pairs | median | quartiles | a call without, CPU ms | added / without |")
        print("|---|---:|---:|---|---:|---:|")
        print("\n".join(singles))
    if pairs:
        print("Paired blocks in one process: added CPU ms per article (logprobs minus off)")
        print("| mode | pairs x articles | median | quartiles | min .. max |")
        print("|---|---|---:|---|---|")
        print("\n".join(pairs))
    if rows:
        print("Whole processes:")
        print("| mode | N | off: CPU ms/article | logprobs: CPU ms/article | added ms/article | off runs, CPU s | logprobs runs, CPU s |")
        print("|---|---:|---:|---:|---:|---|---|")
        print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`aimlabel events`: from a run's article labels to AIM event records and event pages."""

from __future__ import annotations

import shlex
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aimlabel.cli import options as o
from aimlabel.cli.exits import COMMAND_ARGS, ExitCode, epilog, err, fail, interrupted, repeat_command
from aimlabel.cli.output import output_stream
from aimlabel.cli.sources import read_label_items
from aimlabel.events.group import DEFAULT_THRESHOLD, DEFAULT_WINDOW_DAYS, GroupingUnavailable
from aimlabel.events.merge import DEFAULT_MIN_SHARE
from aimlabel.events.prompt import DEFAULT_MAX_EVENT_TOKENS
from aimlabel.model.base import Mode, TokenField

if TYPE_CHECKING:
    from aimlabel.core.articles import Article
    from aimlabel.core.labels_file import LabelItem
    from aimlabel.events.run import EventsResult

EXITS = {
    ExitCode.OK: "every event built (and written, with a model)",
    ExitCode.FAILED: "an event's writing failed, or labels lines could not be read (each named on stderr; the records say why)",
    ExitCode.USAGE: None,
    ExitCode.STOPPED: "the model calls stopped early (credentials refused, model not found, server unreachable); the "
                      "remaining events are recorded as not attempted",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C): nothing written; the message gives the command to run again",
    ExitCode.TERMINATED: "stopped by SIGTERM, handled like Ctrl-C",
}
NOTE = "The rules that decide the class, merge the taxonomy and group articles: docs/events.md."

commands = o.command_group()


def _unique(items: list[LabelItem]) -> None:
    seen = Counter(i.record.id for i in items)
    twice = sorted(rid for rid, n in seen.items() if n > 1)
    if twice:
        raise fail(f"article id(s) appear more than once across the inputs: {', '.join(twice[:5])}"
                   + (f" and {len(twice) - 5} more" if len(twice) > 5 else "") + "; give each article once")


def _texts(articles: str | None) -> dict[str, Article]:
    if articles is None:
        return {}
    if articles != "-" and not Path(articles).is_file():
        raise fail(f"file not found: {articles}")
    from aimlabel.review.sides import read_article_texts

    return read_article_texts(articles, note=err)


@commands.command("events", epilog=epilog(EXITS, NOTE))
def events_command(
    ctx: typer.Context,
    run: Annotated[list[str], typer.Argument(help="The run: labels files (JSONL), AIM event pages (text), stored run names, or - for stdin.", show_default=False)],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the event records (JSONL) here instead of stdout.", show_default=False)] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write the event pages here: one self-contained HTML file.", show_default=False)] = None,
    group: Annotated[bool, typer.Option("--group", help="Put articles without an event_id into events by similarity of title and text within a date window (needs scikit-learn: pip install 'aimlabel[group]').")] = False,
    group_threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="With --group: the similarity every two articles of one event must reach.")] = DEFAULT_THRESHOLD,
    group_window: Annotated[int, typer.Option(min=0, help="With --group: the most days two dated articles of one event may be apart.")] = DEFAULT_WINDOW_DAYS,
    taxonomy_share: Annotated[float, typer.Option(min=0.01, max=1.0, help="Keep a taxonomy value on the event when at least this share of the counted articles carry it.")] = DEFAULT_MIN_SHARE,
    articles: Annotated[str | None, typer.Option("--articles", help="Articles (.jsonl/.csv) giving the text, joined on id: for the text rules, --group and the review cards.", show_default=False)] = None,
    against: Annotated[str | None, typer.Option("--against", help="With --html: gold JSONL or another run to show beside each article's label in its review card.", show_default=False)] = None,
    model: o.ModelOpt = None,
    base_url: o.BaseUrlOpt = None,
    api_key: o.ApiKeyOpt = None,
    mode: o.ModeOpt = Mode.JSON_SCHEMA,
    replay: o.ReplayOpt = None,
    full_replay: o.FullReplayOpt = False,
    record: Annotated[Path | None, typer.Option(help="Save every event call's exchange (secrets stripped) to this directory for later --replay.")] = None,
    max_event_tokens: Annotated[int, typer.Option(min=200, help="Never send an event call of more tokens than this (system prompt included); big events send the articles the stated rule picks.")] = DEFAULT_MAX_EVENT_TOKENS,
    prompt_file: Annotated[Path | None, typer.Option("--prompt", help="Use this prompt file instead of the packaged prompts/event.toml.")] = None,
    max_reasks: o.MaxReasksOpt = 2,
    retries: o.RetriesOpt = 4,
    timeout: o.TimeoutOpt = 60.0,
    temperature: o.TemperatureOpt = 0.0,
    max_completion_tokens: o.MaxCompletionTokensOpt = None,
    max_tokens_field: o.MaxTokensFieldOpt = TokenField.MAX_COMPLETION_TOKENS,
    concurrency: o.ConcurrencyOpt = 4,
    max_ai_principles: o.MaxAiPrinciplesOpt = o.DEFAULT_MAX_AI_PRINCIPLES,
    store: o.StoreOpt = None,
    debug: o.DebugOpt = False,
) -> None:
    """Group a run's article labels by event_id and write one event record per event.

    Each record has the event's class with its votes, the tie rule and the articles left out of
    the vote; the taxonomy merged from the articles with every count; the severity of the class;
    every article's key, class and rationale; and the event rules' findings, outliers first.
    With --model (or --replay), one call per event writes its title, a two or three sentence
    summary and its rationale, under a token budget, and the rule check reads that rationale;
    without one the records say the text was not written. --html renders the events laid out
    like AIM's event pages, each article opening its review card.

    Examples:

      aimlabel events labels.jsonl -o events.jsonl --html events.html

      aimlabel events daily --model gpt-4o-mini -o events.jsonl

      aimlabel events aim-event-page.txt --replay rec/ --html event.html

      aimlabel events labels.jsonl --group --articles articles.jsonl -o events.jsonl
    """
    if record is not None and replay is not None:
        raise fail("--record and --replay cannot be used together")
    if full_replay and replay is None:
        raise fail("--full-replay only applies to --replay")
    if against is not None and html is None:
        raise fail("--against only applies to --html")
    texts = _texts(articles)
    items, bad = read_label_items(run, store)
    if not items:
        raise fail("no readable labels in " + ", ".join(run))
    _unique(items)
    from aimlabel.events.run import EventsJob, GroupSettings, run_events
    from aimlabel.events.write import event_key
    from aimlabel.model.base import ModelSettings, RetryPolicy
    from aimlabel.rules.config import RuleConfig

    settings = None
    reader = None
    if model is not None or replay is not None:
        reader, name = o.open_replay(replay, model, api_key, base_url)
        settings = ModelSettings(model=name, base_url=base_url, api_key=api_key, mode=mode, timeout=timeout, max_reasks=max_reasks,
                                 temperature=temperature, max_completion_tokens=max_completion_tokens,
                                 max_tokens_field=max_tokens_field, retry=RetryPolicy(max_retries=retries))
        _check_prompt(prompt_file)
    job = EventsJob(items=items, texts=texts, settings=settings, replay=reader, record=record, fast_replay=not full_replay,
                    prompt_file=prompt_file, max_event_tokens=max_event_tokens, concurrency=concurrency, min_share=taxonomy_share,
                    group=GroupSettings(group_threshold, group_window) if group else None,
                    rules=RuleConfig(max_ai_principles=max_ai_principles))
    try:
        result = run_events(job, note=err)
    except GroupingUnavailable as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt as exc:
        again = shlex.join(repeat_command(list(ctx.meta.get(COMMAND_ARGS) or ["events", *run])))
        raise interrupted(exc, "no event record was written (outputs are replaced only at the end); "
                               f"run it again with: {again}") from None
    with output_stream(output) as out:
        for draft in result.drafts:
            out.write(draft.record.to_json() + "\n")
    if html is not None:
        _write_html(html, result, against, store, texts, ", ".join(Path(x).name for x in run))
    _summary(result, settings is not None, bad)
    if result.stopped is not None:
        err(f"aimlabel: event calls stopped early: {result.stopped.message}")
        raise typer.Exit(int(ExitCode.STOPPED))
    failed = [d.record for d in result.drafts if d.record.written.status == "failed"]
    for event in failed:
        error = event.written.error
        err(f"aimlabel: {event_key(event.event_id)}: not written: {error.type + ': ' + error.message if error else 'failed'}")
    if failed or bad:
        raise typer.Exit(int(ExitCode.FAILED))


def _check_prompt(prompt_file: Path | None) -> None:
    from aimlabel.events.prompt import event_prompt

    try:
        event_prompt(prompt_file)
    except (OSError, ValueError) as exc:
        raise fail(f"cannot load prompt: {exc}") from None


def _write_html(path: Path, result: EventsResult, against: str | None, store: Path | None, texts: dict[str, Article], name: str) -> None:
    from aimlabel.events.html import build_events_page, review_sides
    from aimlabel.review.sides import SideProblem
    from aimlabel.run.store import default_store_path

    try:
        left, right = review_sides(result.items, against, store or default_store_path(), name=name, texts=texts, note=err)
    except SideProblem as exc:
        raise fail(str(exc)) from None
    page = build_events_page(result.drafts, left, right)
    with output_stream(path) as out:
        out.write(page)
    err(f"aimlabel: wrote {len(result.drafts)} event page(s) to {path}")


def _summary(result: EventsResult, with_model: bool, bad: int) -> None:
    drafts = result.drafts
    classes = Counter(d.record.classification.label or "undecided" for d in drafts)
    outliers = sum(len(d.record.outliers) for d in drafts)
    articles = sum(len(d.record.articles) for d in drafts)
    if not drafts:
        err(f"aimlabel: no events: {len(result.without_event)} label(s) have no event_id and are in no event (use --group)")
        return
    line = (f"aimlabel: {len(drafts)} event(s) from {articles} article(s): "
            + ", ".join(f"{c} {n}" for c, n in classes.items()) + f"; {outliers} outlier(s)")
    if with_model:
        written = Counter(d.record.written.status for d in drafts)
        line += "; written: " + ", ".join(f"{n} {s}" for s, n in written.items())
    err(line)
    if not with_model:
        err("aimlabel: no --model or --replay: titles, summaries and event rationales were not written (each record says so)")
    if result.without_event:
        err(f"aimlabel: {len(result.without_event)} label(s) have no event_id and are in no event: "
            + ", ".join(result.without_event[:5]) + (" ..." if len(result.without_event) > 5 else "") + " (use --group)")
    if bad:
        err(f"aimlabel: {bad} labels line(s) could not be read (named above) and are in no event")

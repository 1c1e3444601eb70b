"""The event pages: one self-contained HTML file, a page per event laid out like AIM's.

Each event shows what AIM's page shows, in its order: the title, the summary, "Why's our
monitor labelling this an incident or hazard?" and the rationale, the taxonomy chips and the
severity, then the articles with their date, outlet, class and rationale. Outliers carry the
finding that flags them, and every article opens its review card: the same card `aimlabel
review` builds (`review.html.card`), with the article text and, given `--against`, the other
side beside it. The page follows the review page's safety rules: everything from labels and
articles is escaped, data for the script travels as escaped JSON, and a Content-Security-Policy
allows no network access and only the page's own script.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from importlib.resources import files
from pathlib import Path

from aimlabel import __version__
from aimlabel.core.articles import Article
from aimlabel.core.labels_file import LabelItem
from aimlabel.core.record import Finding
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.events.build import EventDraft
from aimlabel.events.record import EventArticle, EventRecord
from aimlabel.review.html import card, page_html
from aimlabel.review.pairs import Pair, build_pairs
from aimlabel.review.sides import Side, attach_articles, item_from_record, load_side

WHY = "Why's our monitor labelling this an incident or hazard?"
ARTICLES = "Articles about this incident or hazard"
ROLE_TEXT = {"supports": "", "outlier": "outlier", "follow-up": "follow-up", "unrelated": "unrelated", "excluded": "does not vote"}


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def review_sides(items: Sequence[LabelItem], against: str | None, store_path: Path, *, name: str = "labels",
                 texts: dict[str, Article] | None = None, note: Callable[[str], None] = lambda _: None,
                 taxonomy: Taxonomy | None = None) -> tuple[Side, Side | None]:
    """The review sides the cards show: the run's labels, and `against` (gold or another run)."""
    taxonomy = taxonomy or default_taxonomy()
    left = Side(name=name, kind="run", items={i.record.id: item_from_record(i.record, i.article, taxonomy)
                                             for i in items if i.kind == "label"})
    right = load_side(against, store_path, taxonomy=taxonomy, note=note) if against else None
    sides = attach_articles([left] if right is None else [left, right], texts or {}, taxonomy)
    return sides[0], sides[1] if right is not None else None


def _chips(record: EventRecord, taxonomy: Taxonomy) -> str:
    merged = record.taxonomy.fields
    stated = record.stated.taxonomy if record.stated else {}
    source = "merged"
    if not any(f.values for f in merged.values()) and stated:
        source = "stated"
    parts = []
    for f in taxonomy.fields:
        if f.key == "severity":
            continue
        if source == "merged" and f.key in merged and merged[f.key].values:
            m = merged[f.key]
            chips = "".join(f'<span class="chip">{_e(v)} <small>{m.counts[v]}/{m.articles}</small></span>' for v in m.values)
        elif source == "stated" and stated.get(f.key):
            chips = "".join(f'<span class="chip stated">{_e(v)}</span>' for v in stated[f.key])
        else:
            continue
        parts.append(f'<div class="chip-field" data-field="{_e(f.key)}"><h4>{_e(f.label)}</h4>{chips}</div>')
    parts.append(f'<div class="chip-field" data-field="severity"><h4>Severity</h4>'
                 f'<span class="chip severity">{_e(record.severity or "none")}</span></div>')
    note = ("" if source == "merged" else
            '<p class="note">No article carries taxonomy values: these chips are the event\'s own, as the input states them.</p>')
    return f'<div class="chips" data-source="{source}">{note}{"".join(parts)}</div>'


def _findings(findings: Sequence[Finding], cls: str = "findings") -> str:
    if not findings:
        return ""
    items = "".join(f'<li class="{_e(f.severity)}"><b>{_e(f.rule)}</b> ({_e(f.severity)}): {_e(f.message)}</li>' for f in findings)
    return f'<ul class="{cls}">{items}</ul>'


def _written(record: EventRecord) -> tuple[str | None, str | None, str]:
    """(summary, rationale, where they come from) for the page."""
    w, stated = record.written, record.stated
    if w.status in ("ok", "needs_review"):
        p = w.provenance
        who = f"{p.model_served or p.model_requested} ({'replay of ' + p.recording_producer if p.source == 'replay' and p.recording_producer else p.source}; prompt {p.prompt_id} {p.prompt_version})" if p else "a model"
        return w.summary, w.rationale, f"Title, summary and rationale written by {who} from the articles' labels [AI generated]."
    why = w.note or (f"not written: {w.error.type}: {w.error.message}" if w.error else f"not written ({w.status})")
    if stated and (stated.summary or stated.rationale):
        return stated.summary, stated.rationale, f"The event's own summary and rationale, as the input states them ({why})."
    return None, None, why[0].upper() + why[1:] + "."


def _how(record: EventRecord) -> str:
    c = record.classification
    votes = ", ".join(f"{k} {n}" for k, n in c.counts.items()) or "none"
    rows = [f"<li>class <b>{_e(c.label or 'undecided')}</b>, decided by {_e(c.decided_by)} ({_e(votes)})"
            f"{'; a tie, so the tie rule decided' if c.tie else ''}. Tie rule: {_e(c.tie_rule)}.</li>"]
    rows += [f"<li>excluded from the vote: {_e(x.id)}: {_e(x.why)}</li>" for x in c.excluded]
    rows.append(f"<li>severity: {_e(record.severity or 'none')} ({_e(record.severity_rule)})</li>")
    t = record.taxonomy
    rows.append(f"<li>taxonomy over {len(t.articles)} article(s) ({_e(t.over)}): {_e(t.rule)}</li>")
    for key, m in t.fields.items():
        counts = ", ".join(f"{'<b>' + _e(v) + '</b>' if v in m.values else _e(v)} {n}/{m.articles}" for v, n in m.counts.items())
        rows.append(f'<li class="tax-count" data-field="{_e(key)}">{_e(key)} (kept at {m.needed}+): {counts or "none"}</li>')
    if record.grouping is not None:
        g = record.grouping
        near = g.nearest_outside
        rows.append(f"<li>grouped by --group: {_e(g.rule)}; lowest similarity {_e(g.min_similarity)}; compared {_e(g.basis)}"
                    + (f"; undated: {_e(', '.join(g.undated))}" if g.undated else "")
                    + (f"; nearest article outside: {_e(near.id)} ({near.similarity:g} similar, {_e(near.why)})" if near else "") + "</li>")
    w = record.written
    if w.articles_sent or w.articles_left_out:
        rows.append(f"<li>the event call showed {len(w.articles_sent)} article(s) ({w.tokens_counted} of {w.token_budget} tokens, "
                    f"{_e(w.token_counter)}); left out: {_e('; '.join(f'{x.id} ({x.why})' for x in w.articles_left_out) or 'none')}</li>")
    return f'<details class="how"><summary>how this event was decided</summary><ul>{"".join(rows)}</ul></details>'


def _article(a: EventArticle, card_id: str | None) -> str:
    role = ROLE_TEXT[a.role]
    flags = "".join(f'<div class="outlier-flag"><b>{_e(f.rule)}</b> ({_e(f.severity)}): {_e(f.message)}</div>'
                    for f in a.findings if f.rule.startswith("event."))
    others = _findings([f for f in a.findings if not f.rule.startswith("event.")], "findings article-findings")
    headline = _e(a.title or a.id)
    opener = (f'<button type="button" class="open-card" data-card="{card_id}">{headline}</button>' if card_id
              else f"<span>{headline}</span>")
    meta = " &middot; ".join(_e(v) for v in (a.date, a.outlet, a.id) if v)
    return (f'<li class="article role-{a.role}" data-id="{_e(a.id)}" data-role="{a.role}">'
            f'<div class="headline">{opener}</div><div class="meta">{meta}</div>'
            f'<div class="article-class"><span class="cls">{_e(a.classification or "no class")}</span>'
            f'{f" <span class=role>{role}</span>" if role else ""}</div>{flags}'
            f'<p class="rationale">{_e(a.rationale or "(no rationale)")}</p>{others}</li>')


def _event(index: int, draft: EventDraft, card_ids: dict[str, str], taxonomy: Taxonomy) -> str:
    record = draft.record
    summary, rationale, source = _written(record)
    c = record.classification
    votes = ", ".join(f"{k} {n}" for k, n in c.counts.items())
    articles = "".join(_article(a, card_ids.get(a.id)) for a in record.articles)
    outliers = f'<p class="outlier-count">{len(record.outliers)} outlier(s) flagged</p>' if record.outliers else ""
    return (
        f'<section class="event" id="event-{index}" data-event-id="{_e(record.event_id)}" data-class="{_e(c.label or "")}" hidden>'
        f'<h2 class="event-title">{_e(record.title or "(untitled event " + record.event_id + ")")}</h2>'
        f'<p class="event-meta">event {_e(record.event_id)} &middot; {len(record.articles)} article(s) &middot; '
        f'<span class="event-class">{_e(c.label or "undecided")}</span> ({_e(votes or "no votes")})</p>'
        f'<p class="source">{_e(source)}</p>'
        f'<p class="event-summary">{_e(summary) if summary else "<span class=none>no summary</span>"}</p>'
        f'<h3>{_e(WHY)}</h3><p class="event-rationale">{_e(rationale) if rationale else "<span class=none>no rationale</span>"}</p>'
        f'{_findings(record.written.findings, "findings written-findings")}{_findings(record.findings, "findings event-findings")}'
        f"{_chips(record, taxonomy)}{_how(record)}{outliers}"
        f'<h3>{_e(ARTICLES)}</h3><ol class="articles">{articles}</ol></section>'
    )


def build_events_page(drafts: Sequence[EventDraft], left: Side, right: Side | None, *, taxonomy: Taxonomy | None = None) -> str:
    """The whole page as one string."""
    taxonomy = taxonomy or default_taxonomy()
    pairs: dict[str, Pair] = {p.id: p for p in build_pairs(left, right, taxonomy=taxonomy, sort=False)}
    wanted = [a.id for d in drafts for a in d.record.articles if a.id in pairs]
    card_ids = {rid: f"card-{n}" for n, rid in enumerate(dict.fromkeys(wanted), start=1)}
    cards = "".join(f'<div class="card-holder" id="{cid}" hidden>{card(pairs[rid], left, right)}</div>' for rid, cid in card_ids.items())
    events = "".join(_event(n, d, card_ids, taxonomy) for n, d in enumerate(drafts, start=1))
    nav = "".join(
        f'<li><a href="#event-{n}" data-event="event-{n}">{_e(d.record.title or d.record.event_id)}</a> '
        f'<span class="nav-class">{_e(d.record.classification.label or "undecided")}</span>'
        f'{f" <span class=nav-outliers>{len(d.record.outliers)} outlier(s)</span>" if d.record.outliers else ""}</li>'
        for n, d in enumerate(drafts, start=1))
    data = {"tool_version": __version__, "events": [d.record.event_id for d in drafts]}
    res = files("aimlabel.review"), files("aimlabel.events")
    css = res[0].joinpath("page.css").read_text(encoding="utf-8") + res[1].joinpath("page.css").read_text(encoding="utf-8")
    js = res[1].joinpath("page.js").read_text(encoding="utf-8")
    versus = f"{left.name} vs {right.name}" if right else left.name
    body = f"""<header class="top"><h1>aimlabel events: {_e(versus)}</h1>
<p class="summary-line">{len(drafts)} event(s). Drafted by aimlabel from article labels; not an official AIM page.
Open an article to see its review card; <kbd>Esc</kbd> closes it.</p>
<nav><ol id="event-nav">{nav}</ol></nav></header>
<main id="events">{events}</main>
<div id="card-overlay" hidden><div class="overlay-bar"><span id="card-title"></span>
<button type="button" id="card-close">close (Esc)</button></div><div id="card-body">{cards}</div></div>"""
    return page_html(f"aimlabel events: {versus}", css, body, js, "events-data", data)

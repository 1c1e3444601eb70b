"""The review page: one self-contained HTML file, a card per article, both sides side by side.

Articles and labels are untrusted: every piece of them is escaped here, links are kept only for
http(s) URLs, the data the script needs travels as JSON with `<`, `>` and `&` escaped, and a
Content-Security-Policy allows no network access and only the page's own (nonce) script.
CSS and JS are package files inlined at build time, so the page works offline.
"""

from __future__ import annotations

import json
import secrets
from html import escape
from importlib.resources import files
from typing import Any

from aimlabel import __version__
from aimlabel.core.hashing import sha256_text
from aimlabel.core.taxonomy import Taxonomy, default_taxonomy
from aimlabel.review.exports import NONE, review_fields
from aimlabel.review.highlight import locate_all, render_marked
from aimlabel.review.pairs import FieldDiff, Pair
from aimlabel.review.sides import Side, SideItem

SIDE_CLASS = {"left": "l", "right": "r"}
HARM_LABELS = {"ai_system": "AI system", "realised_harm": "realised harm", "plausible_harm": "plausible harm"}


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _json_for_script(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _safe_url(url: str | None) -> str | None:
    return url if url and url.strip().lower().startswith(("http://", "https://")) else None


def _values(values: tuple[str, ...], only: frozenset[str]) -> str:
    if not values:
        return '<span class="none">none</span>'
    return ", ".join(f'<span class="only">{_e(v)}</span>' if v in only else _e(v) for v in values)


def _taxonomy_table(fields: tuple[FieldDiff, ...], names: tuple[str, str]) -> str:
    if not fields:
        return ""
    rows = []
    for f in fields:
        right = _values(f.right, f.only_right) if f.judged else '<span class="none">not judged</span>'
        scope = f' <span class="scope">(judged: {_e(", ".join(f.scope))})</span>' if f.scope else ""
        rows.append(f'<tr class="{"diff" if f.differs else ""}"><th>{_e(f.label)}</th>'
                    f"<td>{_values(f.left, f.only_left)}</td><td>{right}{scope}</td></tr>")
    return (f'<table class="tax"><thead><tr><th>taxonomy</th><th>{_e(names[0])}</th><th>{_e(names[1])}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _side(item: SideItem | None, side: Side | None, where: str, differs: bool, located: list[Any]) -> str:
    name = side.name if side else "(nothing to compare)"
    if item is None:
        return f'<section class="side {where}"><h3>{_e(name)}</h3><p class="none">no label for this article</p></section>'
    cls = _e(item.classification or "no label")
    parts = [f'<section class="side {where}"><h3>{_e(name)} <span class="kind">{_e(item.model or (side.kind if side else ""))}</span></h3>',
             f'<div class="cls{" diff" if differs else ""}" data-side="{where}">{cls}</div>']
    if item.status not in ("ok", "gold"):
        parts.append(f'<div class="status">status: {_e(item.status)}{(" - " + _e(item.error)) if item.error else ""}</div>')
    if item.confidence is not None:
        parts.append(f'<div class="conf">confidence {item.confidence:.2f}</div>')
    if item.rationale:
        parts.append(f'<p class="rationale">{_e(item.rationale)}</p>')
    if item.harm:
        rows = "".join(f"<dt>{_e(HARM_LABELS[k])}</dt><dd>{_e(v)}</dd>" for k, v in item.harm.items())
        parts.append(f'<dl class="harm">{rows}</dl>')
    if item.evidence:
        lis = []
        for number, (_in_title, in_text) in enumerate(located, start=1):
            state = "found" if in_text.found else "missing"
            badge = "" if in_text.found else ' <span class="miss">not in article</span>'
            lis.append(f'<li class="{state}"><span class="qn {SIDE_CLASS[where]}">{number}</span> '
                       f'&ldquo;{_e(in_text.quote)}&rdquo;{badge}</li>')
        parts.append(f'<ol class="evidence">{"".join(lis)}</ol>')
    if item.findings:
        found = "".join(f'<li class="{_e(f.severity)}"><b>{_e(f.rule)}</b> ({_e(f.severity)}): {_e(f.message)}</li>'
                      for f in item.findings)
        parts.append(f'<ul class="findings">{found}</ul>')
    parts.append("</section>")
    return "".join(parts)


def _marks(located: dict[str, list[Any]], which: int) -> list[tuple[int, int, str]]:
    return [(s, e, SIDE_CLASS[where]) for where, locs in located.items() for loc in locs for s, e in loc[which].spans]


def card(pair: Pair, left: Side, right: Side | None) -> str:
    """One article's card: both sides' class, rationale, evidence and taxonomy, and the article text
    (the event pages open the same card for each of an event's articles)."""
    items = {"left": pair.left, "right": pair.right}
    art = pair.article
    located = {w: locate_all(it.evidence, art.title, art.text) for w, it in items.items() if it is not None}
    rules = sorted({f.rule for it in items.values() if it for f in it.findings})
    classes = sorted({it.classification for it in items.values() if it and it.classification})
    names = (left.name, right.name if right else "")
    url = _safe_url(art.url)
    meta = " &middot; ".join(_e(v) for v in (pair.id, art.outlet, art.date, art.event_id and f"event {art.event_id}") if v)
    if url:
        meta += f' &middot; <a href="{_e(url)}" rel="noopener noreferrer" target="_blank">source</a>'
    differs = pair.agreement == "disagree"
    title = render_marked(art.title, _marks(located, 0)) if art.title else _e(pair.id)
    body = (f'<div class="text">{render_marked(art.text, _marks(located, 1))}</div>' if art.text
            else '<p class="none">article text not available: give --articles ARTICLES.jsonl</p>')
    attrs = {
        "data-id": pair.id, "data-agree": pair.agreement, "data-classes": "|" + "|".join(classes) + "|",
        "data-rules": "|" + "|".join(rules) + "|", "data-errors": str(pair.rule_errors),
        "data-left": pair.left.classification if pair.left else "", "data-right": pair.right.classification if pair.right else "",
        "data-confidence": "" if pair.confidence is None else f"{pair.confidence:.4f}",
    }
    attr_text = " ".join(f'{k}="{_e(v)}"' for k, v in attrs.items())
    badge = {"disagree": "disagree", "agree": "agree", "unknown": "one side only" if right else "to review"}[pair.agreement]
    tax = _taxonomy_table(pair.fields, names) if right else _taxonomy_table(pair.fields, (names[0], ""))
    return (
        f'<article class="card {pair.agreement}" tabindex="-1" {attr_text}>'
        f'<header><span class="badge {pair.agreement}">{badge}</span>'
        f'{f"<span class=errs>{pair.rule_errors} rule error(s)</span>" if pair.rule_errors else ""}'
        f'<h2>{title}</h2><div class="meta">{meta}</div><div class="decision"></div></header>'
        f'<div class="sides">{_side(pair.left, left, "left", differs, located.get("left", []))}'
        f'{_side(pair.right, right, "right", differs, located.get("right", [])) if right else ""}</div>'
        f"{tax}"
        f'<details class="article" open><summary>article</summary>{body}</details>'
        f'<div class="actions"><button type="button" class="accept-left">1 accept {_e(names[0])}</button>'
        f'{f"<button type=button class=accept-right>2 accept {_e(names[1])}</button>" if right else ""}'
        f'<button type="button" class="edit">e edit</button></div>'
        "</article>"
    )


def _options(values: list[str]) -> str:
    return "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)


def build_page(pairs: list[Pair], left: Side, right: Side | None, *, taxonomy: Taxonomy | None = None) -> str:
    """The whole page as one string."""
    taxonomy = taxonomy or default_taxonomy()
    cards = "".join(card(p, left, right) for p in pairs)
    review_id = sha256_text(cards)
    data = {
        "review_id": review_id, "tool_version": __version__, "classes": list(taxonomy.classes),
        "left": {"name": left.name, "kind": left.kind},
        "right": {"name": right.name, "kind": right.kind} if right else None,
        "articles": {p.id: p.article.public() for p in pairs},
        "fields": [{"key": f.key, "label": f.label, "multi": f.multi, "values": list(f.values)} for f in review_fields(taxonomy)],
        "none": NONE,
        "taxonomy": {p.id: {w: {k: list(v) for k, v in it.taxonomy.items()} for w, it in (("left", p.left), ("right", p.right)) if it}
                     for p in pairs},
    }
    rules = sorted({f.rule for p in pairs for s in (p.left, p.right) if s for f in s.findings})
    counts = {a: sum(1 for p in pairs if p.agreement == a) for a in ("disagree", "agree", "unknown")}
    has_conf = any(p.confidence is not None for p in pairs)
    res = files("aimlabel.review")
    css = res.joinpath("page.css").read_text(encoding="utf-8")
    js = res.joinpath("page.js").read_text(encoding="utf-8")
    versus = f"{left.name} vs {right.name}" if right else left.name
    conf = ('<label>min confidence <input id="f-conf" type="number" min="0" max="1" step="0.05" value="0"></label>'
            '<label>max confidence <input id="f-conf-max" type="number" min="0" max="1" step="0.05" value="1"></label>'
            if has_conf else "")
    body = f"""<header class="top"><h1>aimlabel review: {_e(versus)}</h1>
<p class="summary">{len(pairs)} article(s): <b>{counts['disagree']}</b> disagree, {counts['agree']} agree, {counts['unknown']} undecidable.
Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>1</kbd>/<kbd>2</kbd> accept left/right and go on, <kbd>e</kbd> edit, <kbd>?</kbd> help.</p>
<div class="controls">
<label>reviewer <input id="reviewer" type="text" placeholder="your id" autocomplete="off"></label>
<label>class <select id="f-class"><option value="">any</option>{_options(list(taxonomy.classes))}</select></label>
<label>agreement <select id="f-agree"><option value="">any</option><option value="disagree">disagree</option><option value="agree">agree</option><option value="unknown">undecidable</option></select></label>
<label>rule <select id="f-rule"><option value="">any</option>{_options(rules)}</select></label>
{conf}
<label>decision <select id="f-decided"><option value="">any</option><option value="no">undecided</option><option value="yes">decided</option></select></label>
<span id="shown"></span>
<button type="button" id="download">download decisions (<span id="ndec">0</span>)</button>
<button type="button" id="help-button">?</button>
</div><div id="message" role="status"></div></header>
<main id="cards">{cards}</main>
<div id="editor" hidden><form id="edit-form"><h2>edit decision: <span id="edit-id"></span></h2>
<label>class <select id="edit-class">{_options(list(taxonomy.classes))}</select></label>
<div id="edit-taxonomy"></div>
<label>note <textarea id="edit-note" rows="3"></textarea></label>
<button type="submit" id="edit-save">save</button> <button type="button" id="edit-cancel">cancel</button></form></div>
<div id="help" hidden><h2>keys</h2><dl>
<dt>j / k</dt><dd>next / previous card (among those the filters show)</dd>
<dt>1 / 2</dt><dd>accept the left / right class for the current card, then go to the next</dd>
<dt>e</dt><dd>edit: choose the class, the taxonomy values (a field you do not touch is not recorded; "none" is an answer) and write a note</dd><dt>?</dt><dd>this help</dd><dt>Esc</dt><dd>close</dd></dl>
<p>Decisions are kept in this browser (localStorage, keyed by this page's review id), every one of every
reviewer (a later decision supersedes your own earlier one), until you download them as JSONL and run
<code>aimlabel review import DECISIONS.jsonl --gold GOLD.jsonl</code>.</p></div>"""
    return page_html(f"aimlabel review: {versus}", css, body, js, "review-data", data)


def page_html(title: str, css: str, body: str, script: str, data_id: str, data: object) -> str:
    """A self-contained page (the review page, the event pages): a Content-Security-Policy that
    allows no network access and only this page's own script (by nonce), its data as escaped JSON."""
    nonce = secrets.token_urlsafe(16)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; img-src data:; form-action 'none'; base-uri 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{css}</style></head>
<body>
{body}
<script type="application/json" id="{data_id}">{_json_for_script(data)}</script>
<script nonce="{nonce}">{script}</script>
</body></html>
"""

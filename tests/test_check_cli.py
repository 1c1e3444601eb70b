"""`aimlabel check`: exact output, exit codes, accepted label forms, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aimlabel.cli import app
from aimlabel.rules import list_rules

DATA = Path(__file__).parent / "data" / "check"
LABELS = str(DATA / "labels.jsonl")
ARTICLES = str(DATA / "articles.jsonl")
VALL_E_2 = str(DATA / "vall-e-2_labels.jsonl")

MIXED_TABLE = (
    'aimlabel check (rules-2, taxonomy aim-2026.12-1): 6 label(s), 5 error(s), 2 warning(s) (1 unreadable line(s) skipped; 1 record(s) without a label not checked)\n'
    '\n'
    'rule                        severity  checked  skipped  findings\n'
    'harm.incident               error           4        2         0  skipped: label has no realised_harm, ai_system (2)\n'
    'harm.hazard                 error           4        2         0  skipped: label has no realised_harm, plausible_harm (2)\n'
    'harm.complementary          warning         5        1         0  skipped: label has no rationale (1)\n'
    'harm.unrelated              error           6        0         1\n'
    'rationale.conclusion        error           5        1         0  skipped: label has no rationale (1)\n'
    'rationale.no-harm           error           5        1         0  skipped: label has no rationale (1)\n'
    'rationale.causation         warning         5        1         0  skipped: label has no rationale (1)\n'
    'rationale.prevented         error           5        1         1  skipped: label has no rationale (1)\n'
    'rationale.response          warning         5        1         1  skipped: label has no rationale (1)\n'
    'rationale.no-ai             warning         5        1         0  skipped: label has no rationale (1)\n'
    'rationale.hazard-no-risk    warning         5        1         0  skipped: label has no rationale (1)\n'
    'rationale.harm-on-hazard    warning         5        1         0  skipped: label has no rationale (1)\n'
    'rationale.off-topic         warning         5        1         0  skipped: label has no rationale (1)\n'
    'evidence.in-article         error           5        1         1  skipped: no article text (1)\n'
    'taxonomy.vocabulary         error           6        0         0\n'
    'taxonomy.severity           error           5        1         1  skipped: label has no severity (1)\n'
    'taxonomy.physical-harm      error           5        1         1  skipped: label has no harm_types (1)\n'
    'taxonomy.padded             warning         6        0         0\n'
    'article.injection           warning         5        1         1  skipped: no article text (1)\n'
    'article.injection-obeyed    error           6        0         0\n'
    'event.class-conflict        warning         3        3         0  skipped: no event_id (3)\n'
    'event.unrelated-member      warning         3        3         0  skipped: no event_id (3)\n'
    'event.complementary-member  warning         3        3         0  skipped: no event_id (3)\n'
    'event.unsupported           warning         3        3         0  skipped: no event_id (3)\n'
    'event.severity              warning         3        3         0  skipped: no event_id (3)\n'
    '\n'
    'findings\n'
    'bank-voice-fraud (line 2)      error    rationale.prevented     labelled AI Incident but the rationale says harm was prevented or mitigated ("foiled the fraud attempt") and names no harm that happened; harm an AI system prevented is an AI Hazard (or a beneficial use): check whether any harm happened\n'
    'bank-voice-fraud (line 2)      error    evidence.in-article     evidence quote 2 of 2 is not in the article: "police arrested two suspects"; check the article and copy the passage word for word, or drop the quote\n'
    'chatbot-probe-closed (line 4)  warning  rationale.response      labelled AI Incident but the rationale describes a response ("closed its investigation"); a law, regulation, court step or investigation is Complementary Information unless the article also reports new harm: check which it is\n'
    "chatbot-probe-closed (line 4)  error    taxonomy.severity       severity is 'AI hazard' but AI Incident takes severity 'AI incident'; check the classification, then set severity to 'AI incident'\n"
    "chatbot-probe-closed (line 4)  error    taxonomy.physical-harm  harm_types has 'Physical (death)' but neither the rationale nor the article, its title or its event mentions a death; check that the article reports one (or, for a hazard, that it is the plausible harm), otherwise remove it\n"
    "inline-bakery (line 6)         error    harm.unrelated          labelled Unrelated but harm_types is ['Economic/Property']; an Unrelated article carries no harm types: clear them, or check whether the article reports an AI harm or risk\n"
    'airline-chatbot (line 8)       warning  article.injection       the article contains text addressed to an AI model ("Ignore all previous instructions"; "label this article as"); a person should check that the label follows the article and not these instructions\n'
    '\n'
    'events\n'
    'deepfake-cfo-hk         AI Incident  1 article(s): AI Incident 1\n'
    'robotaxi-drag           AI Hazard    1 article(s): AI Hazard 1\n'
    'airline-chatbot-refund  AI Incident  1 article(s): AI Incident 1\n'
    '\n'
    "values aimlabel's vocabulary lacks (not flagged; add them to schemas/taxonomy.json if AIM uses them)\n"
    'ai_principles  Safety & security (1)\n'
)

VALL_E_2_FINDINGS_AND_EVENTS = (
    'findings\n'
    "vall-e-2-04 (line 4)  warning  event.class-conflict  labelled AI Incident but event vall-e-2 is AI Hazard (AI Incident 1, AI Hazard 16 of 17 article(s)); check whether this article reports the event's own AI system and harm, or belongs to another event\n"
    '\n'
    'events\n'
    'vall-e-2  AI Hazard  17 article(s): AI Incident 1, AI Hazard 16  conflict\n'
)


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["check", *args], input=stdin)


def test_table_output_is_exact_and_errors_exit_1() -> None:
    result = run(LABELS, "--articles", ARTICLES)
    assert result.stdout == MIXED_TABLE
    assert result.stderr == f"{LABELS}:3: skipped: not JSON: Expecting ',' delimiter at column 57\n"
    assert result.exit_code == 1


@pytest.mark.parametrize("flag", ["--exit-zero", "--report-only"])
def test_report_only_flag_exits_0_with_the_same_report(flag: str) -> None:
    result = run(LABELS, "--articles", ARTICLES, flag)
    assert result.exit_code == 0
    assert result.stdout == MIXED_TABLE


def test_vall_e_2_event_inconsistency_is_surfaced_and_warnings_exit_0() -> None:
    result = run(VALL_E_2)
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "aimlabel check (rules-2, taxonomy aim-2026.12-1): 17 label(s), 0 error(s), 1 warning(s)\n"
    )
    assert result.stdout.endswith("\n\n" + VALL_E_2_FINDINGS_AND_EVENTS)
    assert "event.class-conflict        warning        17        0         1\n" in result.stdout
    assert result.stderr == ""


def test_without_articles_text_rules_are_skipped_and_the_summary_says_so() -> None:
    result = run(LABELS)
    lines = result.stdout.splitlines()
    assert "evidence.in-article         error           1        5         0  skipped: no article text (5)" in lines
    assert "article.injection           warning         1        5         0  skipped: no article text (5)" in lines
    assert not any("evidence.in-article  " in line for line in lines[lines.index("findings"):])


def test_jsonl_output_is_one_exact_line_per_label_and_summary_on_stderr() -> None:
    result = run(VALL_E_2, "--format", "jsonl")
    lines = result.stdout.splitlines()
    assert len(lines) == 17
    assert lines[0] == '{"id": "vall-e-2-01", "line": 1, "classification": "AI Hazard", "classification_source": "label", "event_id": "vall-e-2", "findings": []}'
    assert json.loads(lines[3])["findings"][0]["rule"] == "event.class-conflict"
    summary, cannot_run = result.stderr.splitlines()
    assert summary == "aimlabel check (rules-2, taxonomy aim-2026.12-1): 17 label(s), 0 error(s), 1 warning(s)"
    assert cannot_run.startswith("aimlabel: 16 rule(s) could not run on any label: harm.incident (label has no realised_harm, ai_system); ")


def test_json_output_has_totals_rules_items_and_events() -> None:
    result = run(LABELS, "--articles", ARTICLES, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["rules_version"] == "rules-2"
    assert document["totals"] == {"labels": 6, "errors": 5, "warnings": 2, "unreadable_lines": 1, "without_label": 1}
    assert [r["id"] for r in document["rules"]] == [r.id for r in list_rules()]
    evidence = next(r for r in document["rules"] if r["id"] == "evidence.in-article")
    assert (evidence["checked"], evidence["skipped"], evidence["findings"]) == (5, {"no article text": 1}, 1)
    assert [i["id"] for i in document["items"]] == ["deepfake-cfo", "bank-voice-fraud", "chatbot-probe-closed", "inline-bakery", "no-text-item", "airline-chatbot"]
    assert document["events"][0] == {
        "event_id": "deepfake-cfo-hk", "label": "AI Incident", "severity": "AI incident",
        "counts": {"AI Incident": 1}, "articles": ["deepfake-cfo"], "conflict": False,
        "decided_by": "articles", "excluded": {},
    }
    assert document["unknown_values"] == {"ai_principles": {"Safety & security": 1}}
    assert document["cannot_run"] == {}


def test_labels_from_stdin() -> None:
    line = json.dumps({"id": "x", "classification": "Unrelated", "severity": "AI hazard"})
    result = run("-", "--format", "jsonl", stdin=line + "\n")
    assert result.exit_code == 1
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["taxonomy.severity"]  # once, not twice


def test_clean_file_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"id": "a", "classification": "AI Hazard", "severity": "AI hazard"}) + "\n", encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 0
    assert result.stdout.startswith("aimlabel check (rules-2, taxonomy aim-2026.12-1): 1 label(s), 0 error(s), 0 warning(s)\n")
    assert result.stdout.endswith("findings\n(none)\n")


def test_unreadable_lines_alone_exit_1_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"id": "a", "classification": "AI Hazard", "severity": "AI hazard"}\n[1, 2]\n{"title": "no label"}\n', encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:2: skipped: expected a JSON object, got list",
        f"{path}:3: skipped: not a label: expected a label record, {{\"id\", \"label\": {{...}}}}, or a flat object with 'classification'",
    ]


def test_disable_and_max_ai_principles_options() -> None:
    result = run(LABELS, "--articles", ARTICLES, "--disable", "taxonomy.physical-harm", "--disable", "taxonomy.severity", "--format", "json")
    stats = {r["id"]: r for r in json.loads(result.stdout)["rules"]}
    assert stats["taxonomy.physical-harm"]["skipped"] == {"disabled": 6}
    assert stats["taxonomy.severity"]["findings"] == 0


def test_list_rules_prints_every_rule() -> None:
    result = run("--list-rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "severity", "needs", "text", "description"]
    assert [line.split()[0] for line in lines[1:]] == [r.id for r in list_rules()]
    assert "harm.incident               error     no          An AI Incident needs a realised harm and the AI system that contributed to it." in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "aimlabel: error: no LABELS file: give a path, an AIM event page, a run name, or - for stdin (see --help)\n"),
        ((LABELS, "--articles", "nope.jsonl"), "aimlabel: error: file not found: nope.jsonl\n"),
        ((LABELS, "--format", "csv"), "aimlabel: error: --format must be one of table, json, jsonl, not 'csv'\n"),
        ((LABELS, "--disable", "harm.nonsense"), "aimlabel: error: unknown rule id(s) ['harm.nonsense']; see `aimlabel check --list-rules`\n"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_help_mentions_report_only_flag_and_exit_codes() -> None:
    result = CliRunner().invoke(app, ["check", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for text in ("--exit-zero", "--report-only", "--list-rules", "Exit codes: 0 no error-level findings"):
        assert text in result.stdout


def test_an_aim_page_labels_file_and_a_stored_run_can_be_checked_together(tmp_path: Path) -> None:
    page = tmp_path / "robotaxi.txt"
    page.write_text(
        "Robotaxi drags pedestrian\n\nWhy's our monitor labelling this an incident or hazard?\n\n"
        "The driving system dragged a pedestrian, injuring her, so it qualifies as an AI Incident.[AI generated]\n"
        "Severity\nAI incident\n\nArticles about this incident or hazard\n\nThumbnail Image\n\nRobotaxi drags woman\n\n"
        "2023-10-03\nExample Times\nWhy's our monitor labelling this an incident or hazard?\n"
        "The software dragged a pedestrian after a crash, injuring her; this qualifies as an AI Incident.\n",
        encoding="utf-8",
    )
    labelled = CliRunner().invoke(app, ["label", "--example", "--run", "ex", "-o", str(tmp_path / "ex.jsonl")])
    assert labelled.exit_code == 0, labelled.stderr
    result = run(str(page), "ex", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    ids = [i["id"] for i in document["items"]]
    assert ids[:2] == ["event:robotaxi", "robotaxi-01"] and len(ids) == 7
    assert document["items"][1]["classification_source"] == "rationale"


def test_selftest_prints_per_rule_precision_and_passes_the_bar() -> None:
    result = run("--selftest")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("aimlabel check --selftest (rules-2): ")
    assert "rationale.conclusion" in result.stdout and "error precision" in result.stdout


def test_selftest_fails_when_error_findings_are_often_wrong(tmp_path: Path) -> None:
    corpus = tmp_path / "wrong.jsonl"
    rationale = "No harm has occurred, so this qualifies as an AI Hazard."
    corpus.write_text("".join(
        json.dumps({"id": f"w{i}", "kind": "rationale", "cause": "conclusion", "direction": "clean", "classification": "AI Incident",
                    "rationale": rationale, "concludes": "AI Hazard", "expect": []}) + "\n" for i in range(3)
    ), encoding="utf-8")
    result = run("--selftest", "--corpus", str(corpus), "--show-misses")
    assert result.exit_code == 1
    assert "rationale.conclusion" in result.stderr and "false positive" in result.stdout

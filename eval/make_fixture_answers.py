"""Make the fixture answers for eval/gold.jsonl and record them for offline replay.

    python eval/make_fixture_answers.py            # writes eval/fixture_answers.jsonl and eval/recordings/fixture/

No model is reachable where the test suite runs, yet `aimlabel eval` must be exercised end to
end on realistic (imperfect) answers. So the answers come from a small, deterministic keyword
heuristic over the article text only; it never reads the gold label. They are recorded through
the real pipeline with `aimlabel.testing.fixtures.record_fixture_answers`, producer `fixture`, so every
report over them says "fixture" at the top and nobody mistakes the scores for a model's.

Run this again after any prompt, schema or taxonomy change: replay checks requests against the
recording and fails loudly (replay_mismatch) while the recording is stale.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from aimlabel.core.articles import Article
from aimlabel.core.readers import articles_only, iter_articles
from aimlabel.core.taxonomy import default_taxonomy
from aimlabel.testing.fixtures import record_fixture_answers

HERE = Path(__file__).resolve().parent


def _rx(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")", re.IGNORECASE)


AI = re.compile(r"\bAI\b|\bA\.I\.|" + _rx(
    "artificial intelligence", "algorithm", "automated", "autonomous", "self-driving", "driverless", "autopilot",
    "facial recognition", "face recognition", "chatbot", "deepfake", "machine learning", "neural", "language model",
    "robot", "recommend", "GPT", "computer vision", "predictive", "voice assistant", "Alexa", "software", "model",
    "API\\b", "app\\b", "search engine", "autocomplete", "translat", "image search", "filter", "system", "technology",
).pattern, re.IGNORECASE)
RESPONSE = _rx("law", "act\\b", "regulat", "guidance", "policy", "court", "lawsuit", "judge", "council", "suspend",
               "audit", "announced", "update", "parliament", "legislat")
REALISED = _rx("kill", "died", "death", "dead", "injur", "crash", "collid", "struck", "arrest", "wrongful", "fired",
               "denied", "discriminat", "bias", "racist", "sexist", "harass", "fraud", "scam", "leak", "misidentif",
               "incorrectly", "falsely", "lost", "abuse", "inappropriate", "offensive", "exposed", "mistak", "fail",
               "error", "wrong", "reject", "harm", "victim")
PLAUSIBLE = _rx("could", "may\\b", "might", "risk", "potential", "vulnerab", "demonstrat", "researchers", "study",
                "tricked", "fooled", "adversarial", "concern")

INDUSTRY_WORDS = [
    (_rx("car\\b", "cars\\b", "vehicle", "driving", "driver", "autopilot", "tesla", "uber", "waymo"), "Mobility and autonomous vehicles"),
    (_rx("police", "government", "military", "welfare", "prison", "court", "border", "public sector"), "Government, security, and defence"),
    (_rx("health", "hospital", "patient", "medical", "doctor"), "Healthcare, drugs, and biotechnology"),
    (_rx("bank", "credit", "loan", "insurance", "financ"), "Financial and insurance services"),
    (_rx("school", "student", "universit", "exam", "teacher"), "Education and training"),
    (_rx("youtube", "facebook", "twitter", "social media", "tiktok", "instagram", "advert"), "Media, social platforms, and marketing"),
    (_rx("amazon", "retail", "store", "shop"), "Logistics, wholesale, and retail"),
    (_rx("game", "music", "film", "artist"), "Arts, entertainment, and recreation"),
    (_rx("hiring", "recruit", "job applica"), "Business processes and support services"),
]
HARM_WORDS = [
    (_rx("kill", "died", "death", "fatal"), "Physical (death)"),
    (_rx("injur", "hurt"), "Physical (injury)"),
    (_rx("discriminat", "bias", "racis", "sexis", "privacy", "surveil", "arrest"), "Human or fundamental rights"),
    (_rx("money", "fraud", "financial", "\\$", "€"), "Economic/Property"),
    (_rx("misinformation", "disinformation", "election"), "Public interest"),
]
TASK_WORDS = [
    (_rx("chatbot", "assistant"), "Interaction support/chatbots"),
    (_rx("recogni", "detect"), "Recognition/object detection"),
    (_rx("recommend"), "Organisation/recommenders"),
    (_rx("generat", "deepfake", "image"), "Content generation"),
    (_rx("predict", "score", "risk assessment"), "Forecasting/prediction"),
]
STAKEHOLDER_WORDS = [
    (_rx("child", "kids", "minor"), "Children"),
    (_rx("women", "woman"), "Women"),
    (_rx("worker", "employee", "driver"), "Workers"),
    (_rx("customer", "user", "consumer"), "Consumers"),
]


def classify(text: str) -> str:
    if not AI.search(text):
        return "Unrelated"
    realised, plausible, response = (len(rx.findall(text)) for rx in (REALISED, PLAUSIBLE, RESPONSE))
    if response >= 2 and realised <= 1:
        return "Complementary Information"
    if plausible > realised:
        return "AI Hazard"
    if realised:
        return "AI Incident"
    return "Complementary Information" if response else "AI Incident"


def _matches(rules: list[tuple[re.Pattern[str], str]], text: str) -> list[str]:
    return [value for rx, value in rules if rx.search(text)]


def first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return sentence[:200]


def answer(article: Article) -> dict[str, Any]:
    """A label for one article, from its title and text alone."""
    text = f"{article.title or ''}\n{article.text or ''}"
    cls = classify(text)
    harmful = cls in ("AI Incident", "AI Hazard")
    harms = _matches(HARM_WORDS, text) if harmful else []
    principles = (["Safety"] if {"Physical (death)", "Physical (injury)"} & set(harms) else []) + \
                 (["Fairness"] if "Human or fundamental rights" in harms else [])
    return {
        "ai_system": None if cls == "Unrelated" else "An AI system named in the article",
        "realised_harm": first_sentence(article.text or article.title or "") if cls == "AI Incident" else None,
        "plausible_harm": first_sentence(article.text or article.title or "") if cls == "AI Hazard" else None,
        "evidence": [article.title or first_sentence(article.text or "")],
        "rationale": f"Keyword heuristic (fixture, not a model): the article reads as {cls}.",
        "classification": cls,
        "ai_principles": (principles or ["Accountability"]) if harmful else [],
        "industries": _matches(INDUSTRY_WORDS, text) if cls != "Unrelated" else [],
        "affected_stakeholders": (_matches(STAKEHOLDER_WORDS, text) or ["General public"]) if harmful else [],
        "harm_types": harms,
        "severity": default_taxonomy().severity_for_class[cls],
        "business_function": [],
        "autonomy_level": None,
        "ai_system_task": _matches(TASK_WORDS, text) if cls != "Unrelated" else [],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=HERE / "gold.jsonl")
    parser.add_argument("--answers", type=Path, default=HERE / "fixture_answers.jsonl")
    parser.add_argument("--recording", type=Path, default=HERE / "recordings" / "fixture")
    args = parser.parse_args(argv)
    answers = {a.key: answer(a) for a in articles_only(iter_articles(str(args.gold)))}
    args.answers.write_text("".join(json.dumps({"id": k, "label": v}, ensure_ascii=False) + "\n" for k, v in answers.items()),
                            encoding="utf-8")
    if args.recording.exists():
        shutil.rmtree(args.recording)
    records = record_fixture_answers(args.gold, answers, args.recording)
    failed = [r for r in records if r.status == "failed"]
    for r in failed:
        print(f"{r.id}: {r.error.type if r.error else '?'}: {r.error.message if r.error else ''}", file=sys.stderr)
    review = sum(r.status == "needs_review" for r in records)
    print(f"make_fixture_answers: {len(answers)} answers -> {args.answers}; recorded {len(records) - len(failed)} "
          f"of {len(records)} into {args.recording} ({review} with rule errors left after the fix round)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

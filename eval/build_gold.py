"""Build `eval/gold.jsonl` from the AI Incident Database snapshot (CSETv1 human labels).

    python eval/build_gold.py [--aiid ../shared/data/aiid] [--written eval/written_for_fixture.jsonl] [--out eval/gold.jsonl]

Why a script and not a hand-edited file: the mapping from CSET's harm questions to AIM classes
is a judgement, so it lives in one reviewable place (MAPPING below, documented in
eval/README.md) and the gold file can be rebuilt and diffed whenever the mapping changes.

Each output line is both an article (top-level id/title/text, so `aimlabel label` reads the
file directly) and its gold label (`gold`), with provenance and licence attribution.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_AIID = HERE.parent.parent / "shared" / "data" / "aiid"

ATTRIBUTION = (
    "Derived from the AI Incident Database (AIID, https://incidentdatabase.ai) snapshot export with "
    "CSETv1 classifications (via github.com/wakeupat4am/Project-2---DataVisualization @ b52efa5). "
    "Cite: McGregor, S. (2021) Preventing Repeated Real World AI Failures by Cataloging Incidents: "
    "The AI Incident Database. IAAI-21. arXiv:2011.08512; and the incident at "
    "https://incidentdatabase.ai/cite/{incident_id}. No explicit data licence was found: treat as "
    "governed by the AIID Terms of Use (a third party states CC BY-SA 4.0, unconfirmed)."
)

# CSETv1 columns by 0-based position: two header names repeat, so DictReader would lose data.
COL = {
    "incident_id": 1, "published": 2, "annotation_status": 5, "tangible_harm": 17,
    "ai_harm_level": 21, "special_interest_intangible_harm": 30, "intangible_assessment": 34,
    "lives_lost": 50, "injuries": 51, "sector_of_deployment": 56,
}
EXPECTED_HEADERS = {1: "Incident ID", 21: "AI Harm Level", 34: "Annotator’s AI special interest intangible harm assessment",
                    50: "Lives Lost", 51: "Injuries", 56: "Sector of Deployment"}

# CSET Sector of Deployment -> AIM industries, only where every activity in the CSET sector lies
# inside the AIM industry. Unmapped sectors (information and communication, transportation and
# storage, human health and social work, manufacturing, professional/scientific, other) make
# the whole `industries` field absent from that item's gold.
SECTOR_TO_INDUSTRY = {
    "arts, entertainment and recreation": "Arts, entertainment, and recreation",
    "wholesale and retail trade": "Logistics, wholesale, and retail",
    "law enforcement": "Government, security, and defence",
    "public administration": "Government, security, and defence",
    "defense": "Government, security, and defence",
    "education": "Education and training",
    "financial and insurance activities": "Financial and insurance services",
    "real estate activities": "Real estate",
    "accommodation and food service activities": "Travel, leisure, and hospitality",
    "administrative and support service activities": "Business processes and support services",
}
KNOWN_SECTORS = sorted(
    {*SECTOR_TO_INDUSTRY, "information and communication", "transportation and storage",
     "human health and social work activities", "manufacturing", "professional, scientific and technical activities",
     "other service activities", "other", "unclear"},
    key=len, reverse=True,
)
PHYSICAL_SCOPE = ["Physical (death)", "Physical (injury)"]


def sha256_file(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def split_sectors(text: str) -> list[str] | None:
    """Split CSET's comma list, whose names may contain commas; None if a part is unknown."""
    rest, found = text.strip().lower(), []
    while rest:
        match = next((s for s in KNOWN_SECTORS if rest.startswith(s) and rest[len(s):len(s) + 1] in ("", ",")), None)
        if match is None:
            return None
        found.append(match)
        rest = rest[len(match):].lstrip(", ")
    return found


def gold_class(row: list[str]) -> str | None:
    """AI Harm Level `AI tangible harm event` or intangible assessment `yes` -> AI Incident;
    else `near-miss`/`issue` -> AI Hazard; else None (dropped). Incident wins: an intangible harm
    that occurred makes an incident even when the tangible harm was only a near miss."""
    level, intangible = row[COL["ai_harm_level"]].strip(), row[COL["intangible_assessment"]].strip()
    if level == "AI tangible harm event" or intangible == "yes":
        return "AI Incident"
    if level in ("AI tangible harm near-miss", "AI tangible harm issue"):
        return "AI Hazard"
    return None


def _count(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def gold_taxonomy(row: list[str], classification: str) -> dict[str, Any]:
    taxonomy: dict[str, Any] = {}
    sectors = split_sectors(row[COL["sector_of_deployment"]]) if row[COL["sector_of_deployment"]].strip() else None
    if sectors and all(s in SECTOR_TO_INDUSTRY for s in sectors):
        taxonomy["industries"] = {"values": sorted({SECTOR_TO_INDUSTRY[s] for s in sectors}), "scope": None}
    lives, injuries = _count(row[COL["lives_lost"]]), _count(row[COL["injuries"]])
    # Zero deaths says nothing about a hazard's *plausible* harm, so only incidents get this field.
    if classification == "AI Incident" and lives is not None and injuries is not None:
        values = (["Physical (death)"] if lives > 0 else []) + (["Physical (injury)"] if injuries > 0 else [])
        taxonomy["harm_types"] = {"values": values, "scope": PHYSICAL_SCOPE}
    return taxonomy


def build(aiid: Path) -> tuple[list[dict[str, Any]], dict[str, int]]:
    cset_path, incidents_path = aiid / "classifications_CSETv1.csv", aiid / "incidents.csv"
    with open(cset_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for pos, name in EXPECTED_HEADERS.items():
        if header[pos] != name:
            raise SystemExit(f"{cset_path}: column {pos} is {header[pos]!r}, expected {name!r}; the snapshot layout changed")
    with open(incidents_path, newline="", encoding="utf-8") as fh:
        incidents = {r["incident_id"]: r for r in csv.DictReader(fh)}
    files = {cset_path.name: sha256_file(cset_path), incidents_path.name: sha256_file(incidents_path)}
    out: list[dict[str, Any]] = []
    counts = {"published": 0, "AI Incident": 0, "AI Hazard": 0, "dropped": 0}
    for row in rows[1:]:
        if row[COL["published"]] != "True":
            continue
        counts["published"] += 1
        classification = gold_class(row)
        if classification is None:
            counts["dropped"] += 1
            continue
        counts[classification] += 1
        incident_id = row[COL["incident_id"]]
        incident = incidents[incident_id]
        out.append({
            "id": f"aiid-{incident_id}",
            "title": incident["title"].strip(),
            "text": incident["description"].strip(),
            "date": incident["date"],
            "url": f"https://incidentdatabase.ai/cite/{incident_id}",
            "outlet": "AI Incident Database",
            "gold": {"classification": classification, "taxonomy": gold_taxonomy(row, classification)},
            "origin": "aiid-csetv1",
            "provenance": {
                "source": "AI Incident Database snapshot: incidents.csv (title, description) + classifications_CSETv1.csv",
                "incident_id": int(incident_id),
                "files": files,
                "cset": {name: row[pos] for name, pos in COL.items() if name not in ("incident_id", "published")},
                "mapping": "eval/build_gold.py gold_class, SECTOR_TO_INDUSTRY, gold_taxonomy (see eval/README.md)",
            },
            "licence": ATTRIBUTION.format(incident_id=incident_id),
        })
    out.sort(key=lambda r: r["provenance"]["incident_id"])
    return out, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aiid", type=Path, default=DEFAULT_AIID, help="folder with classifications_CSETv1.csv and incidents.csv")
    parser.add_argument("--written", type=Path, default=HERE / "written_for_fixture.jsonl",
                        help="hand-written Complementary Information / Unrelated items appended as they are")
    parser.add_argument("--out", type=Path, default=HERE / "gold.jsonl")
    args = parser.parse_args(argv)
    if not (args.aiid / "classifications_CSETv1.csv").is_file():
        print(f"build_gold: no classifications_CSETv1.csv in {args.aiid}; pass --aiid", file=sys.stderr)
        return 2
    records, counts = build(args.aiid)
    written = [json.loads(line) for line in args.written.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in written:
        if item.get("origin") != "written-for-fixture":
            print(f"build_gold: {item.get('id')}: written items must say origin written-for-fixture", file=sys.stderr)
            return 1
    lines = [json.dumps(r, ensure_ascii=False) for r in records + written]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"build_gold: {counts['published']} published CSETv1 rows -> {counts['AI Incident']} AI Incident, "
          f"{counts['AI Hazard']} AI Hazard, {counts['dropped']} dropped; + {len(written)} written-for-fixture; "
          f"wrote {len(lines)} to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

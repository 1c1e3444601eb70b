"""The calibrate report as one self-contained HTML page: a reliability diagram and the accuracy-vs-
coverage curve as inline SVG, the tables, and every number as JSON in the page (no script runs,
nothing is fetched; model names and labels are escaped, they are data)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape

from aimlabel.evaluation.calibration import Bin
from aimlabel.evaluation.calibration_report import CalibrationReport, render_text
from aimlabel.evaluation.report_html import CSS

SIZE, PAD = 300, 40


def _xy(x: float, y: float) -> tuple[float, float]:
    return round(PAD + x * SIZE, 1), round(PAD + (1 - y) * SIZE, 1)


def _axes(x_label: str, y_label: str) -> list[str]:
    parts = [f'<rect x="{PAD}" y="{PAD}" width="{SIZE}" height="{SIZE}" fill="#fafafa" stroke="#999"/>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x, y = _xy(tick, tick)
        parts.append(f'<text x="{x}" y="{PAD + SIZE + 14}" font-size="10" text-anchor="middle">{tick:g}</text>'
                     f'<text x="{PAD - 6}" y="{y + 3}" font-size="10" text-anchor="end">{tick:g}</text>')
    parts.append(f'<text x="{PAD + SIZE / 2}" y="{PAD + SIZE + 30}" font-size="11" text-anchor="middle">{escape(x_label)}</text>'
                 f'<text x="12" y="{PAD + SIZE / 2}" font-size="11" text-anchor="middle" '
                 f'transform="rotate(-90 12 {PAD + SIZE / 2})">{escape(y_label)}</text>')
    return parts


def reliability_svg(series: Sequence[tuple[str, str, Sequence[Bin]]]) -> str:
    """Accuracy against mean confidence per bin, one line per (name, colour, bins); the diagonal is perfect."""
    width = PAD * 2 + SIZE + 150
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{PAD * 2 + SIZE}" role="img" '
             f'aria-label="reliability diagram">', *_axes("mean confidence", "accuracy")]
    x0, y0 = _xy(0, 0)
    x1, y1 = _xy(1, 1)
    parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#bbb" stroke-dasharray="4 3"/>')
    for k, (name, colour, bins) in enumerate(series):
        points = [_xy(b.mean_confidence, b.accuracy) for b in bins]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(f"{x},{y}" for x, y in points)}"/>')
        parts += [f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>' for x, y in points]
        parts.append(f'<text x="{PAD * 2 + SIZE - 20}" y="{PAD + 14 + 16 * k}" font-size="11" fill="{colour}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def coverage_svg(report: CalibrationReport) -> str:
    cal = report.calibration
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAD * 2 + SIZE}" height="{PAD * 2 + SIZE}" role="img" '
             f'aria-label="accuracy against coverage">', *_axes("coverage (share auto-accepted)", "accuracy of accepted")]
    points = [_xy(p.coverage, p.accuracy or 0.0) for p in reversed(cal.curve)]
    parts.append(f'<polyline fill="none" stroke="#2563eb" stroke-width="2" points="{" ".join(f"{x},{y}" for x, y in points)}"/>')
    tx, ty = _xy(0, cal.target_precision)
    parts.append(f'<line x1="{tx}" y1="{ty}" x2="{PAD + SIZE}" y2="{ty}" stroke="#b45309" stroke-dasharray="4 3"/>')
    chosen = next((p for p in cal.curve if p.threshold == cal.threshold), None)
    if chosen is not None:
        cx, cy = _xy(chosen.coverage, chosen.accuracy or 0.0)
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="5" fill="none" stroke="#b45309" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: CalibrationReport) -> str:
    numbers = json.dumps(report.model_dump(mode="json"), ensure_ascii=False).replace("</", "<\\/")
    series = [("raw", "#dc2626", report.raw.bins), ("calibrated (in-sample)", "#16a34a", report.calibrated_in_sample.bins)]
    if report.calibrated_cross_fitted is not None:
        series.append(("cross-fitted", "#7c3aed", report.calibrated_cross_fitted.bins))
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>aimlabel calibration</title>"
        f"<style>{CSS}</style></head><body><p class=\"notice\">{escape(report.notice)}</p><h1>Calibration</h1>"
        f"<h2>Reliability ({report.n_bins} equal-mass bins)</h2>{reliability_svg(series)}"
        f"<h2>Accuracy against coverage</h2>{coverage_svg(report)}"
        f"<h2>Numbers</h2><pre>{escape(render_text(report))}</pre>"
        f"<script type=\"application/json\" id=\"calibration-numbers\">{numbers}</script></body></html>\n"
    )

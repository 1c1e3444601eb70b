"""Offline evaluation: score label records against human gold labels and compare runs.

`scoring.build_report` and `compare.compare_runs` are the entry points for code; they return the
typed reports of `report.py`. `aimlabel eval` / `aimlabel compare` wrap them.
"""

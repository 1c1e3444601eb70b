"""Offline evaluation: score label records against human gold labels and compare runs.

`engine.evaluate` is the entry point for code; `aimlabel eval` / `aimlabel compare` wrap it.
"""

"""Reviewer workflow: compare a run with gold or another run, decide, and feed decisions back as gold.

`aimlabel review` builds a self-contained HTML page; `aimlabel show` prints the same comparison
as a table; `aimlabel review import` and the Label Studio / Argilla importers append reviewer
decisions to a gold file. docs/review.md documents the commands and formats.
"""

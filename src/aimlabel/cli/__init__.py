"""The `aimlabel` command line: one module per command, registered in `app.py`, loaded on use.

The CLI is the one boundary where exceptions become a single line on stderr and an exit code
(`exits.py`); data goes to stdout, progress and diagnostics to stderr.
"""

from aimlabel.cli.app import app, main

__all__ = ["app", "main"]

"""A fake OpenAI-compatible server run as a real process, for end-to-end tests and benchmarks.

`start_fake_server(latency=0.5, rate_429=0.2)` spawns `python -m aimlabel.testing.fakeserver` and hands
back its URL and stats; the server itself lives in `server.py` and its answers in `answers.py`.
Importing this package stays light (stdlib only) so a benchmark's parent process measures
nothing of the server.
"""

from aimlabel.testing.fakeserver.process import FakeServerProcess, start_fake_server

__all__ = ["FakeServerProcess", "start_fake_server"]

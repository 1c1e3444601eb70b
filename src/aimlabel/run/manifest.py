"""The run manifest: what produced a labelling run, written to the store before the first call.

Anything that could change a label is here (model, parameters, prompt and schema hashes, the
input's hash), after the tool block (version, git commit, package versions), so any number
traces back. `RESUME_KEYS` are the settings a run can only be resumed with unchanged: what makes
a label what it is (model, mode, parameters, prompt, schema, rules, input). Connection settings
(base URL, key, timeouts, concurrency, retries) are not among them: a run stopped by a wrong
`--base-url` resumes with the right one, and the manifest keeps every base URL it used.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import ConfigDict, field_validator

from aimlabel.core.provenance import ToolInfo, tool_info
from aimlabel.core.record import Versions
from aimlabel.core.redact import redact_url

# Settings that change answers: a run can only be resumed with the same values.
RESUME_KEYS = ("model", "mode", "params", "max_article_tokens", "prompt_hash", "schema_hash", "input_hash",
               "rules_version", "fix_rounds", "api", "calibration")


class RunManifest(Versions, ToolInfo):
    """Read leniently (every field has a default), so a store written by an older aimlabel still lists."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    base_url: str | None = None
    mode: str | None = None
    params: dict[str, Any] = {}
    max_reasks: int | None = None
    max_article_tokens: int | None = None
    fix_rounds: int | None = None
    input: str | None = None
    input_hash: str | None = None
    source: str | None = None
    api: str | None = None  # "batch" (the Batch API) or "offline batch" (request files for another engine); None: live calls
    calibration: str | None = None  # the id of the calibration file that routes the run's labels (label --calibration)
    started_at: str | None = None
    earlier_base_urls: list[str | None] = []

    @field_validator("base_url", mode="after")
    @classmethod
    def _no_credentials(cls, url: str | None) -> str | None:
        """A key in the URL's userinfo or query is never kept (and both sides of a resume compare alike)."""
        return redact_url(url)

    def changed(self, other: RunManifest) -> list[str]:
        """The resume keys whose values differ between the two manifests."""
        mine, theirs = self.model_dump(mode="json"), other.model_dump(mode="json")
        return [k for k in RESUME_KEYS if mine.get(k) != theirs.get(k)]

    def resumed_with(self, other: RunManifest) -> RunManifest:
        """This manifest after a resume with `other`'s connection settings (the base URL it now calls)."""
        if other.base_url == self.base_url:
            return self
        return self.model_copy(update={"base_url": other.base_url, "earlier_base_urls": [*self.earlier_base_urls, self.base_url]})


def new_manifest(**fields: Any) -> RunManifest:
    return RunManifest(**tool_info().model_dump(), **fields,
                       started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

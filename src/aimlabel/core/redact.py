"""Keep secrets out of everything aimlabel writes.

API keys travel only in request headers, which recordings never store; but a server can echo
the key into its answer, a key can sit in a `--base-url` (`https://user:KEY@host/v1`), and a
message can quote a URL. So every text bound for a record, the run store, a recording, an
export, a page, a manifest or stderr passes through `redact`, which replaces:

- every registered secret (the API key, the password and user of a base URL, the values of
  key-like query parameters): one of 8 characters or more wherever it occurs, a shorter one as
  a whole token only ("abc1234" but not inside "xabc12345"), so a short key is still caught and
  ordinary words are not mangled; its JSON-, HTML- and URL-escaped forms too;
- the credentials of any URL (`scheme://user:pass@` and `?api_key=...`), registered or not;
- common key shapes (`sk-...`, `Bearer ...`, `Basic ...`).

Placeholder keys that local servers take ("EMPTY", "none", "ollama", ...) and keys under 3
characters are not secrets and are not registered: redacting "none" as a word would corrupt
every rationale that says "none of".
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any, TextIO, cast
from urllib.parse import parse_qsl, quote, unquote, urlsplit

MARK = "[REDACTED]"
LONG = 8  # a secret this long is redacted wherever it occurs, a shorter one as a whole token
_MIN = 3
_PLACEHOLDERS = frozenset(
    ["none", "null", "empty", "no-key", "nokey", "dummy", "test", "key", "token", "secret", "local", "localhost", "ollama", "lm-studio", "lmstudio", "vllm", "sk-no-key-required", "not-needed", "unused", "placeholder", "changeme", "replay", "n/a", "na"]
)
_SECRET_PARAMS = frozenset(["api_key", "apikey", "api-key", "key", "token", "access_token", "auth", "password", "passwd", "secret", "sig", "signature"])
_TOKEN_CHAR = r"A-Za-z0-9_\-"

_long: set[str] = set()
_short: set[str] = set()
_short_pattern: re.Pattern[str] | None = None

_KEY_SHAPES = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9_\-\.~+/=]{4,}|Basic\s+[A-Za-z0-9+/=]{8,})")
_URL_USERINFO = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]*://)[^\s/@?#\"'<>]+@")
_URL_SECRET_PARAM = re.compile(r"([?&;](?:" + "|".join(re.escape(p) for p in sorted(_SECRET_PARAMS)) + r")=)[^&;#\s\"'<>]+",
                               re.IGNORECASE)


def _forms(value: str) -> set[str]:
    """The secret as it may appear in text aimlabel writes: raw, JSON-, HTML- and URL-escaped."""
    return {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], html.escape(value),
            quote(value, safe="")}


def register_secret(value: str | None) -> None:
    """Redact `value` from now on in everything `redact` sees (a placeholder key is ignored)."""
    global _short_pattern
    value = (value or "").strip()
    if len(value) < _MIN or value.casefold() in _PLACEHOLDERS:
        return
    for form in _forms(value):
        (_long if len(form) >= LONG else _short).add(form)
    if _short:
        alternatives = "|".join(re.escape(s) for s in sorted(_short, key=len, reverse=True))
        _short_pattern = re.compile(rf"(?<![{_TOKEN_CHAR}])(?:{alternatives})(?![{_TOKEN_CHAR}])")


def register_url(url: str | None) -> None:
    """Register the user, password and key-like query values of a URL as secrets."""
    if not url:
        return
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    user, password = parts.username, parts.password
    if password:
        register_secret(unquote(password))
    if user and (not password or len(user) >= LONG):  # a bare user is the key ("https://KEY@host")
        register_secret(unquote(user))
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if name.casefold() in _SECRET_PARAMS:
            register_secret(value)


def register_environment(environ: Mapping[str, str] = os.environ) -> None:
    """The key and base URL the openai client would read: commands that call no model (export,
    review) then redact them too, from records an older aimlabel wrote."""
    register_secret(environ.get("OPENAI_API_KEY"))
    register_url(environ.get("OPENAI_BASE_URL"))


def redact(text: str) -> str:
    """`text` with every secret, URL credential and key shape replaced by [REDACTED].

    Every record passes through here several times, so each pattern runs only when a plain
    substring test says it could match (a regex scan of a record costs 100 times more)."""
    for secret in sorted(_long, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MARK)
    if _short_pattern is not None and any(secret in text for secret in _short):
        text = _short_pattern.sub(MARK, text)
    if "@" in text and "://" in text:
        text = _URL_USERINFO.sub(lambda m: m.group(1) + MARK + "@", text)
    if "=" in text:
        text = _URL_SECRET_PARAM.sub(lambda m: m.group(1) + MARK, text)
    if "sk-" in text or "Bearer" in text or "Basic" in text:
        text = _KEY_SHAPES.sub(MARK, text)
    return text


def redact_url(url: str | None) -> str | None:
    """A URL fit to keep (a run manifest): its credentials replaced."""
    return None if url is None else redact(url)


class _RedactingStream:
    """A text stream whose every write is redacted first (each write is whole text: a line, a page)."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        return self._inner.write(redact(text))

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def redacting(stream: TextIO) -> TextIO:
    """`stream`, with every write redacted: what a command writes as data goes through this."""
    return cast(TextIO, _RedactingStream(stream))

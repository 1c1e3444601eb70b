"""A run's first requests sent while the SDK is still loading, from a template an earlier run stored.

Importing openai (which instructor's request handler and parser need) takes 1.2 to 2.4 s of CPU
here, and building the client more: until now no request left before both were done. Yet a
run's requests differ only in the messages' text: the URL, headers, sampling parameters and
the schema part that instructor adds are the same for every article. So the first run of a
setup stores them (`StoredTemplate`: the body instructor's handler builds for placeholder
messages, with the client's URL and headers), and a later run of the same setup sends its
first requests from it at once, through the same transports (`edge`), while the SDK loads in
a thread. Their answers wait for the SDK and then go the way of every answer.

Nothing rests on the template being right. Every body sent from it is compared, once the SDK
is there, with the body instructor's handler builds for the same messages; on any difference
the answer is set aside, the article is asked again the usual way, and the template is deleted.
A template is keyed on everything that shapes a request (model, endpoint, mode, parameters,
schema, message roles, the installed SDK), holds no API key (the authorization header is added
at run time) and no base URL (the stored URL is what follows it). It lives in
`$AIMLABEL_CACHE` or the user's cache directory; a missing, unreadable or unwritable one only
means no head start.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from aimlabel import __version__
from aimlabel.core.hashing import sha256_json
from aimlabel.core.redact import redact, register_secret, register_url
from aimlabel.model.base import ModelAnswer, ModelSettings
from aimlabel.model.edge import Edge
from aimlabel.model.first_request import FirstRequest, RequestTemplate
from aimlabel.model.http import FIRST_WAVE, CallContext, current_call

if TYPE_CHECKING:
    from aimlabel.model.openai import OpenAIAdapter

FORMAT = "aimlabel.request-template/1"
CACHE_ENV = "AIMLABEL_CACHE"
DEFAULT_BASE_URL = "https://api.openai.com/v1"  # the SDK's own, when no --base-url is given
_SLOT = "\ue000aimlabel-message-{}\ue000"
_SLOTS = re.compile("\ue000aimlabel-message-(\\d+)\ue000")
_SDK_ENV = ("OPENAI_ORG_ID", "OPENAI_PROJECT_ID")  # the SDK turns these into headers

Messages = list[dict[str, str]]
BodyOf = Callable[[Messages, type[BaseModel]], dict[str, Any]]


class StoredTemplate(BaseModel):
    """A setup's request, with a placeholder for each message's text."""

    model_config = ConfigDict(extra="forbid")

    format: str = FORMAT
    roles: list[str]
    method: str
    url_suffix: str
    headers: list[tuple[str, str]]
    timeout: dict[str, float | None] | None
    fields: list[str]
    body: dict[str, Any]

    def applies(self, messages: Messages) -> bool:
        return [m.get("role") for m in messages] == self.roles and all(_plain(m) for m in messages)

    def body_for(self, messages: Messages) -> dict[str, Any]:
        texts = [m["content"] for m in messages]
        filled: dict[str, Any] = _filled(self.body, texts)
        return filled

    def request_template(self, settings: ModelSettings) -> RequestTemplate:
        headers = [(k, _authorization(settings) if k == "authorization" else v) for k, v in self.headers]
        extensions: dict[str, Any] = {"timeout": self.timeout} if self.timeout is not None else {}
        return RequestTemplate(self.method, _url_prefix(settings) + self.url_suffix, tuple(headers), extensions,
                               tuple(self.fields))


def _plain(message: dict[str, Any]) -> bool:
    return set(message) == {"role", "content"} and isinstance(message["content"], str)


def _filled(value: Any, texts: list[str]) -> Any:
    if isinstance(value, str):
        if "\ue000" not in value:
            return value
        parts = _SLOTS.split(value)  # text, slot, text, ...: the messages' own text is never searched
        return "".join(texts[int(p)] if i % 2 else p for i, p in enumerate(parts))
    if isinstance(value, dict):
        return {k: _filled(v, texts) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, texts) for v in value]
    return value


def _url_prefix(settings: ModelSettings) -> str:
    return (settings.base_url or DEFAULT_BASE_URL).rstrip("/")


def _authorization(settings: ModelSettings) -> str:
    return f"Bearer {settings.api_key or 'no-key'}"  # what the adapter gives the client


def stored_template(template: RequestTemplate, settings: ModelSettings, messages: Messages,
                    response_model: type[BaseModel], body_of: BodyOf) -> StoredTemplate | None:
    """The storable form of the run's template, or None where it would not rebuild the client's
    request exactly (checked on `messages`, a real call's) or would hold a secret."""
    if not messages or not all(_plain(m) for m in messages):
        return None
    url, prefix = template.url, _url_prefix(settings)
    keys = [k for k, _ in template.headers if k == "authorization"]
    headers = [(k, "" if k == "authorization" else v) for k, v in template.headers]  # the key is added at run time
    if not url.startswith(prefix) or len(keys) != 1:
        return None
    if any(redact(f"{k} {v}") != f"{k} {v}" for k, v in headers) or redact(url[len(prefix):]) != url[len(prefix):]:
        return None
    slots = [{"role": m["role"], "content": _SLOT.format(i)} for i, m in enumerate(messages)]
    stored = StoredTemplate(roles=[m["role"] for m in messages], method=template.method, url_suffix=url[len(prefix):],
                            headers=headers, timeout=template.extensions.get("timeout"), fields=list(template.fields),
                            body=body_of(slots, response_model))
    if stored.body_for(messages) != body_of(messages, response_model):
        return None
    if stored.request_template(settings) != template:
        return None
    return stored


def template_key(settings: ModelSettings, roles: list[str], schema: str) -> str:
    """Everything that shapes a request but the messages' text."""
    return sha256_json({
        "format": FORMAT, "aimlabel": __version__, "sdk": _sdk_fingerprint(), "model": settings.model,
        "base_url": _url_prefix(settings), "key_given": bool(settings.api_key), "mode": str(settings.mode),
        "params": settings.request_params(), "timeout": settings.timeout, "roles": roles, "schema": schema,
        "env": [os.environ.get(name) for name in _SDK_ENV],
    })


def _sdk_fingerprint() -> list[Any]:
    """The installed openai and instructor, by their files (reading their versions costs 0.1 s)."""
    found: list[Any] = []
    for name in ("openai", "instructor"):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        stat = os.stat(origin) if origin else None
        found.append([origin, stat.st_mtime_ns if stat else None, stat.st_size if stat else None])
    return found


class TemplateStore:
    """Stored templates, one file per key; every failure to read or write is no template."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key.removeprefix('sha256:')}.json"

    def load(self, key: str) -> StoredTemplate | None:
        try:
            return StoredTemplate.model_validate_json(self._path(key).read_bytes())
        except (OSError, ValueError, ValidationError):
            return None

    def save(self, key: str, template: StoredTemplate) -> None:
        from aimlabel.core.atomic import write_text_atomic

        with contextlib.suppress(OSError):
            write_text_atomic(self._path(key), json.dumps(template.model_dump(mode="json")), durable=False)

    def forget(self, key: str) -> None:
        with contextlib.suppress(OSError):
            self._path(key).unlink(missing_ok=True)


def default_templates() -> TemplateStore:
    """`$AIMLABEL_CACHE/requests`, else `requests` in the user's cache directory."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return TemplateStore(Path(env) / "requests")
    import platformdirs

    return TemplateStore(Path(platformdirs.user_cache_dir("aimlabel")) / "requests")


class HeadStart:
    """The adapter of a live run, built in a thread on first use; until it is there, first requests
    go out from the stored template (see the module docstring). Then every call is the adapter's."""

    def __init__(self, settings: ModelSettings, edge: Edge, build: Callable[..., OpenAIAdapter],
                 templates: TemplateStore) -> None:
        self.settings = settings
        self.replay = False
        register_secret(settings.api_key)  # from the first request on, not from when the adapter is built
        register_url(settings.base_url)
        self.edge = edge
        self.templates = templates
        self._build = build
        self._adapter: OpenAIAdapter | None = None
        self._loading: asyncio.Future[OpenAIAdapter] | None = None
        self._soon: asyncio.Future[None] | None = None
        self._key: str | None = None
        self._template: StoredTemplate | None = None
        self._request: RequestTemplate | None = None
        self._looked = False
        self.early = 0

    @property
    def fast_replays(self) -> int:
        return 0

    @property
    def fast_lives(self) -> int:
        return self._adapter.fast_lives if self._adapter is not None else 0

    def _look_up(self, messages: Messages, response_model: type[BaseModel]) -> None:
        from aimlabel.core.schema import schema_hash

        self._looked = True
        roles = [m.get("role", "") for m in messages]
        self._key = template_key(self.settings, roles, schema_hash(response_model))
        found = self.templates.load(self._key)
        if found is not None and found.format == FORMAT:
            self._template, self._request = found, found.request_template(self.settings)

    def _loaded(self) -> asyncio.Future[OpenAIAdapter]:
        if self._loading is None:
            self._loading = asyncio.ensure_future(asyncio.to_thread(
                self._build, edge=self.edge, template=self._request,
                on_template=None if self._request is not None else self._store))
        return self._loading

    def _load_soon(self) -> None:
        """Start loading the SDK once the first wave of requests is written (`FirstWave`)."""
        if self._loading is None and self._soon is None:
            self._soon = asyncio.ensure_future(self._after_first_wave())

    async def _after_first_wave(self) -> None:
        await FIRST_WAVE.written()
        self._loaded()

    async def _ready(self) -> OpenAIAdapter:
        adapter = await asyncio.shield(self._loaded())
        self._adapter = adapter
        return adapter

    def _store(self, template: RequestTemplate, messages: Messages, response_model: type[BaseModel],
               body_of: BodyOf) -> None:
        from aimlabel.core.schema import schema_hash

        stored = stored_template(template, self.settings, messages, response_model, body_of)
        if stored is not None:
            self.templates.save(template_key(self.settings, stored.roles, schema_hash(response_model)), stored)

    async def ask(self, key: str, messages: Messages, response_model: type[BaseModel]) -> ModelAnswer:
        if self._adapter is not None:
            return await self._adapter.ask(key, messages, response_model)
        if not self._looked:
            self._look_up(messages, response_model)
        template, request = self._template, self._request
        if template is None or request is None or not template.applies(messages):
            return await (await self._ready()).ask(key, messages, response_model)
        body = template.body_for(messages)
        call = CallContext(item_key=key)
        first = FirstRequest(body)
        token = current_call.set(call)
        try:
            sending = request.request(body)
            self._load_soon()  # the SDK loads while the answer is on its way
            first.response = await self.edge.top.handle_async_request(sending)
        except Exception as exc:  # handed to the adapter's client, which raises and classifies it as ever
            first.error = exc
        finally:
            current_call.reset(token)
        adapter = await self._ready()
        self.early += 1
        if adapter.request_body(messages, response_model) != body:
            self._stale()
            return await adapter.ask(key, messages, response_model)
        call.first = first
        return await adapter.ask(key, messages, response_model, call=call)

    def _stale(self) -> None:
        """A body from the template was not instructor's: its answer is set aside, and the template goes."""
        self._template = self._request = None
        if self._key is not None:
            self.templates.forget(self._key)

    async def aclose(self) -> None:
        if self._loading is not None:
            adapter = await self._ready()
            await adapter.aclose()
        else:
            await self.edge.top.aclose()

"""OpenAI-compatible answers without a model: for tests, fixture recordings and benchmarks.

`chat_completion` builds the raw JSON a server returns; `ScriptedModel` is an httpx2 transport
handler that serves queued replies (or answers by article) and remembers every request, so
tests can assert on exactly what was sent. It fakes the network edge only: the real openai
client and instructor run on top of it.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

_MARKER = re.compile(r"^Title: (.*)$", re.MULTILINE)


def chat_completion(
    answer: dict[str, Any] | str,
    *,
    mode: str = "json_schema",
    model: str = "fake-model",
    usage: tuple[int, int] = (900, 150),
    finish_reason: str | None = None,
    tool_name: str = "AimLabel",
) -> dict[str, Any]:
    """A ChatCompletion body carrying `answer` the way `mode` expects it (`tool_name`: the
    response model's name, which a tools-mode answer must carry)."""
    text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
    if mode == "tools":
        message: dict[str, Any] = {
            "role": "assistant", "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": tool_name, "arguments": text}}],
        }
        finish = finish_reason or "tool_calls"
    else:
        content = f"```json\n{text}\n```" if mode == "md_json" else text
        message = {"role": "assistant", "content": content}
        finish = finish_reason or "stop"
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000, "model": model,
        "choices": [{"index": 0, "finish_reason": finish, "logprobs": None, "message": message}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    }


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raise_error: type[Exception] | None = None


@dataclass
class ScriptedModel:
    """Serve queued `Reply`s in order; or, when the queue is empty, ask `answer_for(request)`."""

    replies: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    request_headers: list[dict[str, str]] = field(default_factory=list)
    answer_for: Callable[[dict[str, Any]], Reply] | None = None

    def queue(self, body: Any = None, status: int = 200, headers: dict[str, str] | None = None,
              raise_error: type[Exception] | None = None) -> ScriptedModel:
        self.replies.append(Reply(status, body, headers or {}, raise_error))
        return self

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content) if request.content else {}
        self.requests.append(body)
        self.request_headers.append(dict(request.headers))
        if self.replies:
            reply = self.replies.popleft()
        elif self.answer_for is not None:
            reply = self.answer_for(body)
        else:
            reply = Reply(500, {"error": {"message": "ScriptedModel: no reply queued"}})
        if reply.raise_error is not None:
            raise reply.raise_error("scripted transport error")
        if isinstance(reply.body, (dict, list)):
            return httpx2.Response(reply.status, json=reply.body, headers=reply.headers)
        return httpx2.Response(reply.status, content=str(reply.body or "").encode(), headers=reply.headers)

    async def handle_async(self, request: httpx2.Request) -> httpx2.Response:
        return self.handle(request)

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle_async)


def article_title(request_body: dict[str, Any]) -> str | None:
    """The `Title:` line of the article block in a labelling request."""
    for message in request_body.get("messages", []):
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, str):
            found = _MARKER.search(content)
            if found:
                return found.group(1)
    return None

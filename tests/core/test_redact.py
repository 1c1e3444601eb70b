"""What `redact` takes out of every text aimlabel writes (issue 13, item 8)."""

from __future__ import annotations

import json

import pytest

from aimlabel.core import redact as r

SHORT = "abc1234"


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets are registered process-wide; each test here starts with none."""
    monkeypatch.setattr(r, "_long", set())
    monkeypatch.setattr(r, "_short", set())
    monkeypatch.setattr(r, "_short_pattern", None)


def test_a_short_key_is_redacted_as_a_whole_token_only() -> None:
    r.register_secret(SHORT)
    assert r.redact(f"key {SHORT}.") == "key [REDACTED]."
    assert r.redact(f'{{"rationale": "uses {SHORT}"}}') == '{"rationale": "uses [REDACTED]"}'
    assert r.redact(f"x{SHORT}y and {SHORT}5 and {SHORT}-v2") == f"x{SHORT}y and {SHORT}5 and {SHORT}-v2"


def test_a_long_key_is_redacted_wherever_it_occurs() -> None:
    key = "k3y-0123456789"
    r.register_secret(key)
    assert r.redact(f"prefix{key}suffix") == "prefix[REDACTED]suffix"


def test_escaped_forms_of_a_key_are_redacted_too() -> None:
    key = 'pa"ss/é+1'
    r.register_secret(key)
    assert r.redact(json.dumps({"k": key})) == '{"k": "[REDACTED]"}'  # pa\"ss/\u00e9+1
    assert r.redact(json.dumps({"k": key}, ensure_ascii=False)) == '{"k": "[REDACTED]"}'
    assert r.redact("<td>pa&quot;ss/é+1</td>") == "<td>[REDACTED]</td>"
    assert r.redact("/v1?q=pa%22ss%2F%C3%A9%2B1") == "/v1?q=[REDACTED]"


def test_url_credentials_are_redacted_registered_or_not() -> None:
    assert r.redact("calling https://bob:hunter2@example.org/v1 now") == "calling https://[REDACTED]@example.org/v1 now"
    assert r.redact("http://KEYONLY@host:8000/v1") == "http://[REDACTED]@host:8000/v1"
    assert r.redact("https://h/v1?api_key=s3cr3t&x=1") == "https://h/v1?api_key=[REDACTED]&x=1"
    assert r.redact("mail bob@example.org") == "mail bob@example.org"


def test_a_base_url_registers_its_password_so_a_reflected_one_is_caught() -> None:
    r.register_url("http://aimuser:pw12345@127.0.0.1:9/v1?token=tok98765")
    assert r.redact("aimuser:pw12345 and tok98765") == "aimuser:[REDACTED] and [REDACTED]"


def test_placeholders_and_tiny_keys_are_not_secrets() -> None:
    for key in ("EMPTY", "none", "ollama", "x", "ab"):
        r.register_secret(key)
    text = "none of the x-ray images was EMPTY; ab ollama"
    assert r.redact(text) == text


def test_key_shapes_are_redacted_without_registration() -> None:
    assert r.redact("Authorization: Bearer abcd1234") == "Authorization: [REDACTED]"
    assert r.redact("got sk-proj-ABCDEFGH12345") == "got [REDACTED]"


def test_environment_keys_are_registered() -> None:
    r.register_environment({"OPENAI_API_KEY": SHORT, "OPENAI_BASE_URL": "http://u:pw98765@h/v1"})
    assert r.redact(f"{SHORT} pw98765") == "[REDACTED] [REDACTED]"


def test_a_redacting_stream_redacts_every_write(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r.register_secret(SHORT)
    with open(tmp_path / "o.txt", "w", encoding="utf-8") as fh:
        out = r.redacting(fh)
        out.write(f"a {SHORT}\n")
        out.writelines([f"b {SHORT}\n"])
        out.flush()
    assert (tmp_path / "o.txt").read_text(encoding="utf-8") == "a [REDACTED]\nb [REDACTED]\n"

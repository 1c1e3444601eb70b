"""The SDK loads without openai's optional aiohttp client, which no call of ours uses."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_load_sdk_leaves_the_aiohttp_client_out_and_importable_later() -> None:
    probe = textwrap.dedent("""
        import sys
        from aimlabel.model.factory import load_sdk
        load_sdk()
        name = "openai._vendor.httpx_aiohttp"
        print(name in sys.modules, "aiohttp" in sys.modules)
        import openai
        print(openai.DefaultAioHttpClient.__name__)
        import importlib
        try:
            importlib.import_module(name)
            print("importable")
        except ImportError as exc:
            print("not importable:", exc.name)
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    lines = done.stdout.splitlines()
    assert lines[0] == "False False"
    assert lines[1] == "_MissingAioHttpClient"
    # the mark is lifted: with aiohttp installed the module imports; without it, aiohttp is what is missing
    assert lines[2] == "importable" or lines[2] == "not importable: aiohttp"

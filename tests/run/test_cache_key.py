"""The answer cache key: what changes an answer is in it, connection settings are not."""

from __future__ import annotations

from aimlabel.core.schema import label_model
from aimlabel.model.base import Mode, ModelSettings, RetryPolicy
from aimlabel.run.cache import cache_key

MESSAGES = [{"role": "user", "content": "an article"}]


def test_connection_settings_are_not_in_the_key_and_what_changes_the_answer_is() -> None:
    model = label_model()
    base = cache_key(ModelSettings(model="m", base_url="http://wrong.invalid:9/v1", api_key="k1"), MESSAGES, model)
    moved = ModelSettings(model="m", base_url="http://127.0.0.1:8000/v1", api_key="k2", timeout=5, retry=RetryPolicy(max_retries=0))
    assert cache_key(moved, MESSAGES, model) == base
    assert cache_key(ModelSettings(model="m2"), MESSAGES, model) != base
    assert cache_key(ModelSettings(model="m", mode=Mode.TOOLS), MESSAGES, model) != base
    assert cache_key(ModelSettings(model="m", temperature=0.7), MESSAGES, model) != base
    assert cache_key(ModelSettings(model="m"), [{"role": "user", "content": "another"}], model) != base

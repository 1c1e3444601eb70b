"""instructor's per-call check for async validators, remembered per type (issue 19): the check
still refuses a model that has them, every time, and walks a model that passed only once."""

from __future__ import annotations

from typing import Any

import pytest
from instructor.v2.core import patch
from instructor.v2.core import response_model as prepare_module
from instructor.v2.validation import async_validators
from instructor.v2.validation.async_validators import async_field_validator
from pydantic import BaseModel

from aimlabel.model.openai import _checked_once


class Plain(BaseModel):
    name: str


class WithAsync(BaseModel):
    name: str

    @async_field_validator("name")
    async def check_name(self, value: str) -> str:
        return value


def test_every_place_instructor_looks_the_check_up_gets_the_remembering_one() -> None:
    """The client and `prepare_response_model` import it from its module at call time; `patch`
    bound the name when it was imported."""
    for module in (async_validators, patch):
        assert getattr(module.reject_async_validators, "__wrapped__", None) is not None
    assert "reject_async_validators" not in vars(prepare_module)


def test_a_model_with_async_validators_is_refused_every_time() -> None:
    for _ in range(3):
        with pytest.raises(ValueError, match="async validators are not supported"):
            async_validators.reject_async_validators(WithAsync)


def test_a_type_that_passed_is_walked_once() -> None:
    walked: list[Any] = []

    def check(model: Any) -> None:
        walked.append(model)
        async_validators.reject_async_validators.__wrapped__(model)  # type: ignore[attr-defined]

    remembered = _checked_once(check)
    for _ in range(5):
        remembered(Plain)
        remembered(list[Plain])
    assert walked == [Plain, list[Plain]]
    with pytest.raises(ValueError):
        remembered(WithAsync)
    with pytest.raises(ValueError):
        remembered(WithAsync)
    assert walked.count(WithAsync) == 2

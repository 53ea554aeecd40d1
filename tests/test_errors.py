from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hgm.errors import describe_validation_error


class _Drift(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["drift"]
    n_tasks: int = 60


class _Tasks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["tasks"]


class _World(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sim: _Drift | _Tasks = Field(discriminator="kind")


def _message(data: dict, with_data: bool) -> str:
    with pytest.raises(ValidationError) as caught:
        _World.model_validate(data)
    return describe_validation_error(caught.value, "run.toml", data if with_data else None)


def test_union_tags_are_dropped_from_paths_when_data_is_given() -> None:
    data = {"sim": {"kind": "drift", "n_tasks": "many", "extra": 1}}
    message = _message(data, with_data=True)
    assert "sim.n_tasks: Input should be a valid integer" in message
    assert "(given: 'many')" in message
    assert "sim.extra: unknown key (given: 1)" in message
    assert "sim.drift" not in message
    assert "sim.drift.n_tasks" in _message(data, with_data=False)


def test_unknown_tag_names_the_allowed_ones() -> None:
    message = _message({"sim": {"kind": "bogus"}}, with_data=True)
    assert "'drift'" in message and "'tasks'" in message


def test_gateway_and_sandbox_configs_name_keys_as_written() -> None:
    from hgm.errors import UserError
    from hgm.llm.config import parse_gateway_config
    from hgm.sandbox import parse_sandbox_config

    with pytest.raises(UserError) as gateway:
        parse_gateway_config({"providers": {"o": {"kind": "openai", "bogus": 1}}}, "llm")
    assert "providers.o.bogus: unknown key" in str(gateway.value)
    with pytest.raises(UserError) as sandbox:
        parse_sandbox_config({"kind": "docker", "imagex": "x"})
    assert "imagex: unknown key" in str(sandbox.value)
    assert "docker.imagex" not in str(sandbox.value)

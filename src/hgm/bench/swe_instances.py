"""SWE-bench-format instances: the record, reading JSON/JSONL files, pytest summary outcomes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hgm.errors import UserError, describe_validation_error

SUMMARY_HEADER = re.compile(r"^=+ short test summary info =+$")
SUMMARY_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)")


class SweInstance(BaseModel):
    """One SWE-bench-style instance; fields SWE-bench has and hgm does not use are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    instance_id: str = Field(min_length=1)
    repo: str = Field(min_length=1, description="owner/name (swebench) or a path (swe-local)")
    base_commit: str = Field(min_length=4)
    problem_statement: str = Field(min_length=1)
    test_patch: str
    patch: str = Field(default="", description="the reference fix (bench check grades it)")
    FAIL_TO_PASS: tuple[str, ...] = Field(min_length=1)
    PASS_TO_PASS: tuple[str, ...] = ()
    test_command: str | None = Field(
        default=None, description="swe-local: the command the test ids are appended to"
    )
    test_env: dict[str, str] = Field(
        default_factory=dict, description="swe-local: extra environment for the test command"
    )
    timeout_s: float = Field(default=300.0, gt=0)

    @field_validator("FAIL_TO_PASS", "PASS_TO_PASS", mode="before")
    @classmethod
    def _json_list(cls, value: Any) -> Any:
        """SWE-bench stores these lists as JSON strings; accept both forms."""
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise ValueError(f"not a JSON list of test ids: {error}") from None
        return value


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON file (a list, or one object) or a JSONL file (one per line)."""
    if not path.is_file():
        raise UserError(f"instances file {path} does not exist (give a .json or .jsonl file)")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"{path}: invalid JSON at line {error.lineno}: {error.msg}") from None
    return data if isinstance(data, list) else [data]


def parse_instances(records: list[dict[str, Any]], source: str) -> list[SweInstance]:
    """Validate records into instances; duplicate ids and bad fields are UserErrors."""
    instances: list[SweInstance] = []
    seen: set[str] = set()
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise UserError(f"{source}: record {number} is not a JSON object")
        try:
            instance = SweInstance.model_validate(record)
        except ValidationError as error:
            raise UserError(describe_validation_error(error, f"{source} record {number}")) from None
        if instance.instance_id in seen:
            raise UserError(f"{source}: duplicate instance_id {instance.instance_id!r}")
        seen.add(instance.instance_id)
        instances.append(instance)
    if not instances:
        raise UserError(f"{source}: no instances found")
    return instances


def load_instances(path: Path) -> list[SweInstance]:
    return parse_instances(read_records(path), str(path))


def pytest_outcomes(output: str, token: str) -> dict[str, str]:
    """Per-test outcomes from the `-rA` short summary printed just before `token`.

    The token (printed by hgm's guard plugin, secret to each grade) proves that pytest finished
    and printed its summary: code under test that prints a fake summary and exits early
    never gets it printed, and text printed before pytest's own summary does not count.
    """
    lines = output.splitlines()
    ends = [index for index, line in enumerate(lines) if line.strip() == token]
    if not ends:
        return {}
    end = ends[-1]
    starts = [i for i in range(end) if SUMMARY_HEADER.match(lines[i].strip())]
    if not starts:
        return {}
    outcomes: dict[str, str] = {}
    for line in lines[starts[-1] + 1 : end]:
        match = SUMMARY_LINE.match(line)
        if match:
            outcomes[match.group(2)] = match.group(1)
    return outcomes

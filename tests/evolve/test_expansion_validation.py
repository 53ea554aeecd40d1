"""Child admission in the real sandbox: compile, own unit tests, a smoke run on a free model."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from components import need
from hgm.evolve.agent_dir import SEED_AGENT_DIR, copy_agent
from hgm.evolve.build import make_validator, started_gateway
from hgm.evolve.validation import ChildValidator, smoke_gateway_config
from hgm.llm import calls_for_job
from hgm.runconfig.real_world import RealWorldSection, ValidationSection
from hgm.sandbox import BubblewrapConfig, check_backend, make_sandbox

pytestmark = pytest.mark.sandbox


SECTION = RealWorldSection.model_validate(
    {"kind": "real", "quickstart": {}, "bench": {"name": "humaneval"}}
)


@pytest.fixture(scope="module")
def smoke_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    return tmp_path_factory.mktemp("db") / "run.db"


@pytest.fixture(scope="module")
def validator(smoke_db: Path) -> Iterator[ChildValidator]:
    with started_gateway(smoke_gateway_config(), smoke_db, "r:smoke") as gateway:
        yield make_validator(SECTION, make_sandbox(BubblewrapConfig()), gateway, "r")


@pytest.fixture
def smoke_only(validator: ChildValidator) -> ChildValidator:
    """The same checks without the unit tests (to reach the smoke run with a broken agent)."""
    config = ValidationSection(unit_tests=False)
    return ChildValidator(validator.sandbox, validator.smoke, config, sys.executable)


def child(tmp_path: Path) -> Path:
    agent = tmp_path / "agent"
    copy_agent(SEED_AGENT_DIR, agent)
    return agent


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.slow
def test_the_seed_agent_is_admitted_and_its_smoke_run_is_recorded(
    validator: ChildValidator, smoke_db: Path, tmp_path: Path
) -> None:
    admission = validator.validate(child(tmp_path), tmp_path / "scratch", "5")
    assert admission.ok, admission.reason
    assert set(admission.timings) == {"compile", "unit_tests", "smoke"}
    calls = calls_for_job(smoke_db, "smoke-5")
    assert [(c.run, c.role, c.cost_usd) for c in calls] == [("r:smoke", "task", 0.0)]


def test_a_syntax_error_is_rejected(validator: ChildValidator, tmp_path: Path) -> None:
    agent = child(tmp_path)
    replace_in(agent / "coding_agent" / "prompts.py", "import json", "import json (")
    admission = validator.validate(agent, tmp_path / "scratch", "6")
    assert not admission.ok
    assert admission.reason.startswith("does not compile")
    assert "unit_tests" not in admission.timings


@pytest.mark.slow
def test_failing_unit_tests_are_rejected_with_the_summary(
    validator: ChildValidator, tmp_path: Path
) -> None:
    agent = child(tmp_path)
    (agent / "tests" / "test_zz_broken.py").write_text(
        "import unittest\n\n\nclass T(unittest.TestCase):\n"
        "    def test_fails(self):\n        self.assertEqual(1, 2)\n"
    )
    admission = validator.validate(agent, tmp_path / "scratch", "7")
    assert not admission.ok
    assert admission.reason.startswith("unit tests failed (exit code 1)")
    assert "FAILED (failures=1)" in admission.reason


def test_an_agent_without_tests_is_rejected(validator: ChildValidator, tmp_path: Path) -> None:
    agent = child(tmp_path)
    shutil.rmtree(agent / "tests")
    admission = validator.validate(agent, tmp_path / "scratch", "8")
    assert admission.reason == "unit tests: the agent has no tests/ directory"


def test_a_contract_breaker_fails_the_smoke_run(
    smoke_only: ChildValidator, smoke_db: Path, tmp_path: Path
) -> None:
    agent = child(tmp_path)
    future = "from __future__ import annotations\n"
    replace_in(agent / "coding_agent" / "__main__.py", future, future + "import sys\nsys.exit(3)\n")
    admission = smoke_only.validate(agent, tmp_path / "scratch", "9")
    assert admission.reason.startswith("smoke run (exit code 3)")
    assert calls_for_job(smoke_db, "smoke-9") == []  # it never reached the model


def test_a_silent_agent_fails_the_smoke_run(smoke_only: ChildValidator, tmp_path: Path) -> None:
    agent = child(tmp_path)
    future = "from __future__ import annotations\n"
    replace_in(agent / "coding_agent" / "__main__.py", future, future + "import sys\nsys.exit(0)\n")
    admission = smoke_only.validate(agent, tmp_path / "scratch", "10")
    assert admission.reason == "smoke run: no result.json written"


def test_an_agent_without_its_entry_point_fails_the_smoke_run(
    smoke_only: ChildValidator, tmp_path: Path
) -> None:
    agent = child(tmp_path)
    (agent / "coding_agent" / "__main__.py").unlink()
    admission = smoke_only.validate(agent, tmp_path / "scratch", "11")
    assert admission.reason.startswith("smoke run: agent directory")
    assert "no package with a __main__.py" in admission.reason

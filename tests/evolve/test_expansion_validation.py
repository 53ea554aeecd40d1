"""Child admission in the real sandbox: compile, own unit tests, a smoke run on a free model."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hgm.evolve.agent_dir import SEED_AGENT_DIR, copy_agent
from hgm.evolve.build import make_validator, started_gateway
from hgm.evolve.unit_tests import forbidden_files
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
    problem = check_backend(BubblewrapConfig())
    if problem:
        pytest.skip(f"bubblewrap unusable here: {problem}")
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
    assert not admission.ok and not admission.tampered
    assert admission.reason.startswith("unit tests failed: 1 of ")
    assert "tests.test_zz_broken.T.test_fails: AssertionError: 1 != 2" in admission.reason


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


FORGERIES = {
    "patches unittest's reporting in its own package": (
        "import unittest as _u\n"
        "_u.TestResult.addFailure = lambda self, test, err: None\n"
        "_u.TestResult.addError = lambda self, test, err: None\n",
        "unit tests forged: canary tests that must fail were reported passing",
    ),
    "makes every test case pass": (
        "import unittest as _u\n"
        "_u.TestCase.run = lambda self, result=None: (result.startTest(self), "
        "result.addSuccess(self), result.stopTest(self))\n",
        "unit tests forged: canary tests that must fail were reported passing",
    ),
    "exits with code 0 when its tests import it": (
        "import os as _os\n_os._exit(0)\n",
        "unit tests: the child ended the process with exit code 0 before the test run finished",
    ),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_child_that_forges_its_own_unit_tests_is_rejected_as_tampering(
    validator: ChildValidator, tmp_path: Path, name: str
) -> None:
    code, reason = FORGERIES[name]
    agent = child(tmp_path)
    shutil.rmtree(agent / "tests")  # one failing test is enough (and quick)
    (agent / "tests").mkdir()
    (agent / "tests" / "__init__.py").write_text("")
    (agent / "tests" / "test_zz_broken.py").write_text(
        "import unittest\n\nimport coding_agent\n\n\nclass T(unittest.TestCase):\n"
        "    def test_fails(self):\n        self.assertEqual(1, 2)\n"
    )
    init = agent / "coding_agent" / "__init__.py"
    init.write_text(init.read_text() + code)
    admission = validator.validate(agent, tmp_path / "scratch", "11", SEED_AGENT_DIR)
    assert not admission.ok and admission.tampered, admission.reason
    assert admission.reason.startswith(reason), admission.reason


def test_files_the_test_tools_load_by_themselves_are_refused_unless_the_parent_had_them(
    validator: ChildValidator, tmp_path: Path
) -> None:
    parent = child(tmp_path / "parent")
    (parent / "conftest.py").write_text("# the parent's own\n")
    agent = child(tmp_path)
    (agent / "conftest.py").write_text("# the parent's own\n")
    (agent / "tests" / "conftest.py").write_text("import pytest\n")
    (agent / "coding_agent" / "zz.pth").write_text("import os\n")
    (agent / "sitecustomize.py").write_text("import os\n")
    (agent / "unittest").mkdir()
    (agent / "unittest" / "__init__.py").write_text("")
    assert forbidden_files(agent, parent) == [
        "coding_agent/zz.pth (the test tools or Python load it by themselves)",
        "sitecustomize.py (the test tools or Python load it by themselves)",
        "tests/conftest.py (the test tools or Python load it by themselves)",
        "unittest (named like a test tool: it would shadow it)",
    ]
    assert "conftest.py (the" in " ".join(forbidden_files(agent, None))
    admission = validator.validate(agent, tmp_path / "scratch", "12", parent)
    assert not admission.ok and admission.tampered and admission.timings == {}
    assert admission.reason.startswith("adds files the test tools load: coding_agent/zz.pth")

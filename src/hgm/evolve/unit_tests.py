"""A child agent's own unit tests, run so that the child cannot forge their outcome.

The child's tests import the child's code, so they share its process: the code could
patch unittest's reporting, end the process with exit code 0 before any test ran, or
shadow the test tools with its own modules. So the validator does not run
`python -m unittest` in the child's directory. It runs this module's runner with
`python -I` (no working directory on `sys.path` at start-up, no PYTHON* variables, no user
site): the runner imports unittest from the standard library first, puts the child's
directory after the standard library's entries of `sys.path` (the child cannot shadow a
standard module; it may shadow installed packages, as running from its directory would)
and discovers
`tests/`, adds canary tests with random names that must fail at random places in the
suite, runs everything into a plain `TestResult` and writes its report after a random
token straight to file descriptor 1, then leaves with `os._exit` (no exit handler of the
child runs after it). The host believes only the last report after the token:

- no report (the process ended early, exit code 0 included): the tests never finished;
- a canary not reported failing: the child forged its results (tampering);
- any other failure or error, or no test of the child at all: its tests failed.

What it does not stop: code that reads the runner's token and canary names from the
process's memory and writes a matching report. Files the test tools would load by
themselves (conftest.py, *.pth, start-up hooks, modules named like the tools) are refused
before anything runs (`forbidden_files`).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from hgm.sandbox.types import Completed, KillReason

SHOWN_FAILURES = 5
_FORBIDDEN_NAMES = frozenset(
    {"conftest.py", "sitecustomize.py", "usercustomize.py", "pytest.ini", ".pytest.ini"}
)
_SHADOWED_TOOLS = frozenset(
    {"unittest", "pytest", "_pytest", "pluggy", "site", "compileall", "py_compile", "runpy"}
)

_RUNNER = """
import json, os, random, sys, unittest
TOKEN, CANARIES, SEED, MODULE, CLASS = {token!r}, {canaries!r}, {seed!r}, {module!r}, {klass!r}
import sysconfig
stdlib = {{os.path.realpath(sysconfig.get_path(key)) for key in ("stdlib", "platstdlib")}}
after = max(
    (i + 1 for i, p in enumerate(sys.path) if any(os.path.realpath(p).startswith(s) for s in stdlib)
     and "-packages" not in p),
    default=len(sys.path),
)
sys.path.insert(after, os.getcwd())
def canary(self):
    self.fail("canary: this test must fail")
Canary = type(CLASS, (unittest.TestCase,), dict.fromkeys(CANARIES, canary))
Canary.__module__ = MODULE
suite = unittest.TestLoader().discover("tests", top_level_dir=os.getcwd())
parts = list(suite)
places = random.Random(SEED)
for name in CANARIES:
    parts.insert(places.randint(0, len(parts)), unittest.TestSuite([Canary(name)]))
result = unittest.TestResult()
unittest.TestSuite(parts).run(result)
def described(pairs):
    return [[test.id(), (trace.strip().splitlines() or [""])[-1][:200]] for test, trace in pairs]
report = {{
    "run": result.testsRun,
    "failures": described(result.failures),
    "errors": described(result.errors),
    "unexpected_successes": [test.id() for test in result.unexpectedSuccesses],
}}
os.write(1, ("\\n" + TOKEN + json.dumps(report) + "\\n").encode())
os._exit(0)
"""


@dataclass(frozen=True, slots=True)
class UnitTestRun:
    """The command that runs a child's tests and the secrets its report must carry."""

    token: str
    canaries: tuple[str, ...]
    module: str
    klass: str

    @classmethod
    def new(cls) -> UnitTestRun:
        canaries = tuple(f"test_{secrets.token_hex(4)}" for _ in range(2))
        return cls(
            token=f"hgm-unit-tests-{secrets.token_hex(16)}",
            canaries=canaries,
            module=f"tests.test_{secrets.token_hex(3)}",
            klass=f"Test{secrets.token_hex(3).capitalize()}",
        )

    def arguments(self) -> list[str]:
        """Interpreter arguments (after the interpreter) that run the tests."""
        source = _RUNNER.format(
            token=self.token,
            canaries=list(self.canaries),
            seed=secrets.randbits(32),
            module=self.module,
            klass=self.klass,
        )
        return ["-I", "-c", source]

    def canary_ids(self) -> set[str]:
        return {f"{self.module}.{self.klass}.{name}" for name in self.canaries}

    def verdict(self, completed: Completed) -> tuple[str | None, bool]:
        """(what is wrong, or None; whether the child tampered with its tests)."""
        if completed.killed is not KillReason.NONE:
            return f"unit tests: killed ({completed.killed.value})", False
        report = self._report(completed.stdout_tail)
        if report is None:
            early = completed.exit_code == 0
            why = "ended the process with exit code 0 before" if early else "crashed before"
            return (
                f"unit tests: the child {why} the test run finished "
                f"(exit code {completed.exit_code}): {_last_lines(completed)}",
                early,
            )
        failed = [*report.get("failures", []), *report.get("errors", [])]
        failed_ids = {str(item[0]) for item in failed if isinstance(item, list) and item}
        passing_canaries = sorted(self.canary_ids() - failed_ids)
        if passing_canaries:
            return (
                "unit tests forged: canary tests that must fail were reported passing "
                f"({', '.join(passing_canaries)}): the child tampers with test reporting",
                True,
            )
        real = [item for item in failed if str(item[0]) not in self.canary_ids()]
        ran = int(report.get("run", 0)) - len(self.canaries)
        if real:
            shown = "; ".join(f"{name}: {why}" for name, why in real[:SHOWN_FAILURES])
            return f"unit tests failed: {len(real)} of {ran} failed: {shown}", False
        if ran <= 0:
            return "unit tests: no test ran (tests/ holds none)", False
        return None, False

    def _report(self, stdout: str) -> dict[str, object] | None:
        lines = [line for line in stdout.splitlines() if line.startswith(self.token)]
        if not lines:
            return None
        try:
            report = json.loads(lines[-1][len(self.token) :])
        except json.JSONDecodeError:
            return None
        return report if isinstance(report, dict) else None


def _last_lines(completed: Completed) -> str:
    lines = [line.strip() for line in (completed.stdout_tail + completed.stderr_tail).splitlines()]
    return " | ".join([line for line in lines if line][-3:])[-400:]


def _forbidden(relative: PurePosixPath, is_dir: bool) -> str | None:
    if not is_dir and (relative.name in _FORBIDDEN_NAMES or relative.suffix == ".pth"):
        return f"{relative} (the test tools or Python load it by themselves)"
    shadows = is_dir or relative.suffix == ".py"
    if len(relative.parts) == 1 and shadows and relative.stem in _SHADOWED_TOOLS:
        return f"{relative} (named like a test tool: it would shadow it)"
    return None


def forbidden_files(child: Path, parent: Path | None) -> list[str]:
    """Files of `child` the test tools would load by themselves, unless `parent` has the
    same file with the same bytes (an agent that always had one keeps it)."""
    found = []
    for directory, subdirs, files in os.walk(child):
        subdirs[:] = [name for name in subdirs if name not in (".git", "__pycache__")]
        for name in [*files, *subdirs]:
            path = Path(directory) / name
            relative = PurePosixPath(path.relative_to(child).as_posix())
            problem = _forbidden(relative, name in subdirs)
            if problem is not None and not _in_parent(path, parent, relative):
                found.append(problem)
    return sorted(found)


def _in_parent(path: Path, parent: Path | None, relative: PurePosixPath) -> bool:
    if parent is None:
        return False
    other = parent / relative
    if path.is_dir():
        return other.is_dir()
    try:
        return other.is_file() and other.read_bytes() == path.read_bytes()
    except OSError:
        return False

"""C++ exercises: cmake with EXERCISM_RUN_ALL_TESTS, then the test binary's JUnit report.

Exercism's C++ CMakeLists name the test binary after the exercise directory (the graded
tree is therefore always a directory named `<slug>`) and add a target that runs it as part
of the build. hgm builds only the binary (with canaries among the tests, that run would fail
the build) and runs it once with `-r junit` (Catch2's reporter; hgm's built-in exercises use
a small single-header framework that speaks the same flag) for per-test outcomes.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

from hgm.bench.canaries.cpp_tests import cpp_canaries
from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.runners.base import (
    RunPlan,
    base_env,
    home_exports,
    outcomes_from,
    rewrite_tests,
    source_findings,
)
from hgm.bench.runners.base import shell_quote as q
from hgm.bench.types import TestOutcome

TESTCASE = re.compile(
    r'<testcase classname="[^"]*" name="(?P<name>[^"]*)"[^>]*?(?:/>|>(?P<body>.*?)</testcase>)',
    re.S,
)
RESULT = re.compile(r"^(?P<status>OK|FAILED) (?P<name>.+)$", re.M)
FINISHED = re.compile(r"</testsuites?>")
FRAMEWORK_MACRO = re.compile(
    r"^\s*#\s*(?:define|undef)\s+(?:TEST_CASE|SECTION|(?:REQUIRE|CHECK)"
    r"(?:_FALSE|_THROWS\w*|_NOTHROW|_THAT)?|CATCH_\w+|INTERNAL_CATCH_\w+|TWOBLUECUBES_\w+|"
    r"HGM_TEST\w*|HGM_CONCAT\w*)\b",
    re.M,
)
TEST_CASE = re.compile(r'^\s*TEST_CASE\s*\(\s*"((?:[^"\\]|\\.)*)"', re.M)
FIX = "install cmake and a C++ compiler (apt install cmake g++)"


class CppRunner:
    language = "cpp"

    def __init__(self) -> None:
        self.cmake = shutil.which("cmake")
        self.compiler = shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")

    def problem(self) -> str | None:
        missing = [
            name for name, path in (("cmake", self.cmake), ("c++", self.compiler)) if not path
        ]
        return f"missing {', '.join(missing)}: {FIX}" if missing else None

    def prepare(self, work: Path, token: str) -> bool:
        return False

    def canaries(self, work: Path, test_files: tuple[str, ...], rng: random.Random) -> CanaryPlan:
        return rewrite_tests(work, test_files, cpp_canaries, rng)

    def finished(self, output: str) -> bool:
        return FINISHED.search(output) is not None

    def integrity(self, work: Path, test_files: tuple[str, ...]) -> list[str]:
        suffixes = (".h", ".hpp", ".hh", ".cpp", ".cc", ".cxx")
        findings = source_findings(work, test_files, suffixes, FRAMEWORK_MACRO)
        return [f"the solution redefines a test framework macro ({f})" for f in findings]

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan:
        binary = q(f".hgm-build/{work.name}")
        script = (
            f"{home_exports()} && "
            "cmake -S . -B .hgm-build -DEXERCISM_RUN_ALL_TESTS=ON -DCMAKE_BUILD_TYPE=Debug "
            "> .hgm-configure.log 2>&1 || { cat .hgm-configure.log; exit 1; }; "
            f"cmake --build .hgm-build --target {q(work.name)} -j 2 && "
            f"test -x {binary} && {binary} -r junit"
        )
        return RunPlan(script, base_env([]) | {"CXX": self.compiler or "c++"})

    def parse(self, output: str) -> list[TestOutcome]:
        lines = []
        for match in TESTCASE.finditer(output):
            body = match.group("body") or ""
            failed = "<failure" in body or "<error" in body
            lines.append(f"{'FAILED' if failed else 'OK'} {match.group('name')}")
        return outcomes_from(RESULT, "\n".join(lines), {"OK"})

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [name for source in test_sources for name in TEST_CASE.findall(source)]

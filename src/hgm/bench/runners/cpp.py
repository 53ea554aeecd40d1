"""C++ exercises: cmake with EXERCISM_RUN_ALL_TESTS, then the test binary's JUnit report.

Exercism's C++ CMakeLists name the test binary after the exercise directory (the graded
tree is therefore always a directory named `<slug>`) and add a target that runs it as part
of the build. hgm builds only the binary (with canaries among the tests, that run would fail
the build) and runs it once with `-r junit` (Catch2's reporter; hgm's built-in exercises use
a small single-header framework that speaks the same flag) for per-test outcomes.
Catch2's main (`test/tests-main.cpp`) is prebuilt once and linked in (hgm.bench.deps.cpp).
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

from hgm.bench import causes
from hgm.bench.canaries.cpp_tests import cpp_canaries
from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.deps.cpp import MAIN_SOURCE, Catch2Mains
from hgm.bench.runners.base import (
    RunPlan,
    base_env,
    home_exports,
    not_skipped,
    outcomes_from,
    read_only,
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
PREBUILT_NOTE = "// hgm: Catch2's main is prebuilt from this file's original and linked in\n"
PREBUILT = ".hgm-home/catch2-main.path"  # which object the tree links (read by plan)


class CppRunner:
    language = "cpp"

    def __init__(self) -> None:
        self.cmake = shutil.which("cmake")
        self.compiler = shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")
        self.mains = Catch2Mains(self.compiler) if self.compiler else None

    def problem(self) -> str | None:
        missing = [
            name for name, path in (("cmake", self.cmake), ("c++", self.compiler)) if not path
        ]
        return f"missing {', '.join(missing)}: {FIX}" if missing else None

    def prepare(self, work: Path, token: str) -> bool:
        if self.mains is not None and self.mains.applies(work):
            prebuilt = self.mains.object_for(work)
            (work / MAIN_SOURCE).write_text(PREBUILT_NOTE)
            (work / PREBUILT).parent.mkdir(parents=True, exist_ok=True)
            (work / PREBUILT).write_text(str(prebuilt))
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
        record = work / PREBUILT
        prebuilt = Path(record.read_text()) if record.is_file() else None
        link = f" -DCMAKE_CXX_STANDARD_LIBRARIES={q(prebuilt)}" if prebuilt else ""
        script = (
            f"{home_exports()} && "
            "cmake -S . -B .hgm-build -DEXERCISM_RUN_ALL_TESTS=ON -DCMAKE_BUILD_TYPE=Debug"
            f"{link} > .hgm-configure.log 2>&1 || "
            f"{{ cat .hgm-configure.log; {causes.marker(causes.CONFIGURE_FAILED)}; exit 1; }}; "
            f"cmake --build .hgm-build -j 2 --target {q(work.name)} || "
            f"{{ {causes.marker(causes.COMPILE_ERROR)}; exit 1; }}; "
            f"test -x {binary} && exec {binary} -r junit"
        )
        mounts = read_only(prebuilt) if prebuilt else ()
        return RunPlan(script, base_env([]) | {"CXX": self.compiler or "c++"}, mounts)

    def parse(self, output: str) -> list[TestOutcome]:
        lines = []
        for match in TESTCASE.finditer(output):
            body = match.group("body") or ""
            failed = "<failure" in body or "<error" in body
            lines.append(f"{'FAILED' if failed else 'OK'} {match.group('name')}")
        return outcomes_from(RESULT, "\n".join(lines), {"OK"})

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [name for source in test_sources for name in TEST_CASE.findall(source)]

    def expected_from(self, outcomes: list[TestOutcome], test_files: tuple[str, ...]) -> list[str]:
        return not_skipped(outcomes)

    def cause(self, output: str) -> str:
        return ""

"""Java exercises: hgm's driver (runners/jvm/HgmJUnit.java) compiles and runs JUnit 5 in one JVM
(with a class-data-sharing archive, runners/java_driver.py).

The jars are the ones the exercise's build.gradle names (JUnit's console launcher for its
BOM version, AssertJ, libraries such as RxJava or org.json), fetched from Maven Central by
`hgm bench setup`, else Debian's copies (`hgm.bench.deps.java`). As aider's harness does,
`@Disabled("...")` is removed from the hidden tests before the run (Exercism disables all
but the first test); a bare `@Disabled` stays unless all tests are enabled.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

from hgm.bench.canaries.java_tests import java_canaries
from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.deps.java import (
    DEBIAN_JARS,
    DEFAULT_JUNIT,
    Coordinate,
    console_launcher,
    gradle_jars,
    jars_for,
    maven_dir,
)
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
from hgm.bench.runners.java_driver import JavaDriver
from hgm.bench.types import TestOutcome

DISABLED_WITH_REASON = re.compile(r"@Disabled\s*\([^)]*\)")
DISABLED_ANY = re.compile(r"@Disabled\b(?:\s*\([^)]*\))?")
RESULT = re.compile(r"^(?P<status>OK|FAILED|SKIPPED) (?P<name>.+)$", re.M)
SUMMARY = re.compile(r"^Tests: \d+ failed, \d+ passed, \d+ skipped$", re.M)
FRAMEWORK_PACKAGE = re.compile(
    r"^\s*package\s+(?:org\.junit|org\.assertj|org\.opentest4j|org\.apiguardian)\b[^;]*;", re.M
)
TEST_METHOD = re.compile(r"@(?:Test|ParameterizedTest)\b(?:[^;{}]*?)\bvoid\s+(\w+)\s*\(")
TEST_ROOT = "src/test/java/"
FIX = (
    "install a JDK (>= 17) and run `hgm bench setup` (JUnit and AssertJ from Maven Central), "
    "or install Debian's junit5 and libassertj-core-java"
)


def test_class(test_file: str) -> str:
    """`src/test/java/pkg/FooTest.java` -> `pkg.FooTest`."""
    relative = test_file[len(TEST_ROOT) :] if test_file.startswith(TEST_ROOT) else test_file
    return relative.removesuffix(".java").replace("/", ".")


class JavaRunner:
    language = "java"

    def __init__(self, all_tests: bool = False, debian_jars: Path = DEBIAN_JARS) -> None:
        found = shutil.which("javac"), shutil.which("java")
        self.debian_jars = debian_jars
        self.javac = Path(found[0]).resolve() if found[0] else None
        self.java = Path(found[1]).resolve() if found[1] else None
        self.disabled = DISABLED_ANY if all_tests else DISABLED_WITH_REASON
        self.driver = JavaDriver(self.javac, self.java) if self.javac and self.java else None

    def problem(self) -> str | None:
        missing = [name for name, path in (("javac", self.javac), ("java", self.java)) if not path]
        if self.jars(console_launcher(DEFAULT_JUNIT)) is None:
            missing.append("the JUnit console launcher")
        return f"missing {', '.join(missing)}: {FIX}" if missing else None

    def jars(self, coordinate: Coordinate) -> list[Path] | None:
        return jars_for(coordinate, self.debian_jars)

    def prepare(self, work: Path, token: str) -> bool:
        for source in (work / TEST_ROOT).rglob("*.java"):
            text = source.read_text()
            if "@Disabled" in text:
                source.write_text(self.disabled.sub("", text))
        return False

    def canaries(self, work: Path, test_files: tuple[str, ...], rng: random.Random) -> CanaryPlan:
        return rewrite_tests(work, test_files, java_canaries, rng)

    def finished(self, output: str) -> bool:
        """The driver's own summary line (it prints it after the last test)."""
        return SUMMARY.search(output) is not None

    def integrity(self, work: Path, test_files: tuple[str, ...]) -> list[str]:
        findings = source_findings(work, test_files, (".java",), FRAMEWORK_PACKAGE)
        return [f"the solution puts classes in a test framework's package ({f})" for f in findings]

    def classpath(self, build_gradle: str) -> list[Path]:
        """The driver, the JUnit launcher and the libraries `build_gradle` names (those
        missing here are reported before grading, by deps.needs)."""
        assert self.driver is not None, self.problem()
        launcher, libraries = gradle_jars(build_gradle)
        jars = self.jars(launcher) or self.jars(console_launcher(DEFAULT_JUNIT)) or []
        for library in libraries:
            jars += [jar for jar in self.jars(library) or [] if jar not in jars]
        return [self.driver.jar(jars[0]), *jars]

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan:
        assert self.driver is not None and self.javac is not None, self.problem()
        gradle = work / "build.gradle"
        classpath = self.classpath(gradle.read_text() if gradle.is_file() else "")
        classes = [test_class(name) for name in test_files if name.endswith(".java")]
        command = " ".join(q(part) for part in self.driver.command(classpath, classes))
        script = f"{home_exports()} && exec {command}"
        roots = {maven_dir() if p.is_relative_to(maven_dir()) else p.parent for p in classpath}
        mounts = read_only(self.javac.parent.parent, *sorted(roots))
        return RunPlan(script, base_env([self.javac.parent]), mounts)

    def parse(self, output: str) -> list[TestOutcome]:
        return outcomes_from(RESULT, output, {"OK"}, frozenset({"SKIPPED"}))

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [name for source in test_sources for name in TEST_METHOD.findall(source)]

    def expected_from(self, outcomes: list[TestOutcome], test_files: tuple[str, ...]) -> list[str]:
        return not_skipped(outcomes)

    def cause(self, output: str) -> str:
        return ""

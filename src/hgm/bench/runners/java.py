"""Java exercises: javac plus the JUnit 5 console launcher and AssertJ (Debian's jars).

`@Disabled` is removed from the hidden tests before the run (Exercism disables all but the
first test). Per-test outcomes come from the launcher's XML report, printed after the run.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

from hgm.bench.canaries.java_tests import java_canaries
from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.runners.base import (
    RunPlan,
    base_env,
    home_exports,
    outcomes_from,
    read_only,
    rewrite_tests,
    source_findings,
)
from hgm.bench.runners.base import shell_quote as q
from hgm.bench.types import TestOutcome

JAR_DIR = Path("/usr/share/java")
CONSOLE_JAR = "junit-platform-console-standalone.jar"
ASSERTJ_JAR = "assertj-core.jar"
DISABLED = re.compile(r"@Disabled\b(?:\s*\([^)]*\))?")
DISABLED_IMPORT = re.compile(r"^import\s+org\.junit\.jupiter\.api\.Disabled;\s*$", re.M)
TESTCASE = re.compile(
    r'<testcase name="(?P<name>[^"]*)" classname="(?P<cls>[^"]*)"'
    r"[^>]*?(?:/>|>(?P<body>.*?)</testcase>)",
    re.S,
)
RESULT = re.compile(r"^(?P<status>OK|FAILED) (?P<name>.+)$", re.M)
FRAMEWORK_PACKAGE = re.compile(
    r"^\s*package\s+(?:org\.junit|org\.assertj|org\.opentest4j|org\.apiguardian)\b[^;]*;", re.M
)
TEST_METHOD = re.compile(r"@(?:Test|ParameterizedTest)\b(?:[^;{}]*?)\bvoid\s+(\w+)\s*\(")
JVM = "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss8m"
JAVAC_JVM = "-J-Xmx512m -J-XX:+UseSerialGC -J-XX:TieredStopAtLevel=1"
FIX = "install a JDK (>= 11) and Debian's junit5 and libassertj-core-java packages"


class JavaRunner:
    language = "java"

    def __init__(self, jar_dir: Path = JAR_DIR) -> None:
        self.jar_dir = jar_dir
        found = shutil.which("javac"), shutil.which("java")
        self.javac = Path(found[0]).resolve() if found[0] else None
        self.java = Path(found[1]).resolve() if found[1] else None

    def problem(self) -> str | None:
        missing = [
            name
            for name, ok in (
                ("javac", self.javac),
                ("java", self.java),
                (CONSOLE_JAR, (self.jar_dir / CONSOLE_JAR).is_file()),
                (ASSERTJ_JAR, (self.jar_dir / ASSERTJ_JAR).is_file()),
            )
            if not ok
        ]
        return f"missing {', '.join(missing)}: {FIX}" if missing else None

    def prepare(self, work: Path, token: str) -> bool:
        for source in work.rglob("*.java"):
            text = source.read_text()
            if "@Disabled" in text:
                source.write_text(DISABLED_IMPORT.sub("", DISABLED.sub("", text)))
        return False

    def canaries(self, work: Path, test_files: tuple[str, ...], rng: random.Random) -> CanaryPlan:
        return rewrite_tests(work, test_files, java_canaries, rng)

    def finished(self, output: str) -> bool:
        return "</testsuite>" in output

    def integrity(self, work: Path, test_files: tuple[str, ...]) -> list[str]:
        findings = source_findings(work, test_files, (".java",), FRAMEWORK_PACKAGE)
        return [f"the solution puts classes in a test framework's package ({f})" for f in findings]

    def plan(self, work: Path, test_files: tuple[str, ...]) -> RunPlan:
        assert self.javac is not None and self.java is not None, self.problem()
        console = self.jar_dir / CONSOLE_JAR
        classpath = f"{console}:{self.jar_dir / ASSERTJ_JAR}"
        script = (
            f"{home_exports()} && mkdir -p .hgm-build/classes && "
            f"{q(self.javac)} {JAVAC_JVM} -nowarn -encoding UTF-8 -d .hgm-build/classes "
            f"-cp {q(classpath)} $(find . -name '*.java' -not -path './.hgm-*') && "
            f"{{ {q(self.java)} {JVM} -jar {q(console)} "
            f"--class-path {q(str(self.jar_dir / ASSERTJ_JAR) + ':.hgm-build/classes')} "
            "--scan-class-path --disable-banner --details=tree --details-theme=ascii "
            "--disable-ansi-colors --fail-if-no-tests --reports-dir .hgm-build/reports; "
            "status=$?; cat .hgm-build/reports/*.xml 2>/dev/null; exit $status; }"
        )
        mounts = read_only(self.jar_dir, self.javac.parent.parent)
        return RunPlan(script, base_env([self.javac.parent]), mounts)

    def parse(self, output: str) -> list[TestOutcome]:
        lines = []
        for match in TESTCASE.finditer(output):
            body = match.group("body") or ""
            failed = "<failure" in body or "<error" in body or "<skipped" in body
            lines.append(
                f"{'FAILED' if failed else 'OK'} {match.group('cls')}.{match.group('name')}"
            )
        return outcomes_from(RESULT, "\n".join(lines), {"OK"})

    def expected_tests(self, test_sources: list[str]) -> list[str]:
        return [name for source in test_sources for name in TEST_METHOD.findall(source)]

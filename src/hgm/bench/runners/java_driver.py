"""hgm's Java test driver (jvm/HgmJUnit.java), built on the host once: a jar, and a
class-data-sharing archive per class path that cuts the JVM's start-up (~0.5 s of CPU).

Both live under `<deps>/java-driver/`, keyed by what they depend on (the driver's source,
the JDK, the exact class path), and are mounted read-only into the sandbox. The archive is
made by running the driver on a probe exercise hgm writes itself; when that fails, grades
run without one (the JVM ignores a missing or mismatched archive).
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

from hgm.bench.deps import deps_dir

DRIVER_SOURCE = Path(__file__).resolve().parent / "jvm" / "HgmJUnit.java"
JVM_FLAGS = ("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss8m")
QUIET_CDS = ("-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off")
PROBE_MAIN = "class HgmProbe {\n    static int twice(int x) {\n        return 2 * x;\n    }\n}\n"
PROBE_TEST = """\
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

public class HgmProbeTest {
    @Test
    public void twice() {
        assertEquals(4, HgmProbe.twice(2));%s
    }
}
"""
ASSERTJ_LINE = "\n        org.assertj.core.api.Assertions.assertThat(HgmProbe.twice(0)).isZero();"
TIMEOUT_S = 600


def _digest(*parts: str | bytes) -> str:
    data = [part.encode() if isinstance(part, str) else part for part in parts]
    return hashlib.sha256(b"\0".join(data)).hexdigest()[:16]


class JavaDriver:
    """The driver jar and its class-data-sharing archives for one JDK."""

    def __init__(self, javac: Path, java: Path) -> None:
        self.javac, self.java = javac, java
        self.directory = deps_dir() / "java-driver"
        self._lock = threading.Lock()
        self._unbuildable: set[Path] = set()

    def jar(self, launcher: Path) -> Path:
        """The driver compiled against `launcher` (JUnit's console jar), as a jar."""
        source = DRIVER_SOURCE.read_bytes()
        target = self.directory / f"hgm-junit-{_digest(source, str(self.javac), str(launcher))}.jar"
        with self._lock:
            if target.is_file():
                return target
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=self.directory) as scratch:
                classes = Path(scratch) / "classes"
                subprocess.run(
                    [self.javac, "-nowarn", "-d", classes, "-cp", launcher, DRIVER_SOURCE],
                    capture_output=True,
                    timeout=TIMEOUT_S,
                    check=True,
                )
                built = Path(scratch) / "driver.jar"
                with zipfile.ZipFile(built, "w") as archive:
                    for path in sorted(classes.glob("*.class")):
                        archive.write(path, path.name)
                built.rename(target)
        return target

    def archive(self, classpath: list[Path]) -> Path | None:
        """The class-data-sharing archive for exactly this class path (None if unbuildable)."""
        joined = ":".join(str(path) for path in classpath)
        target = self.directory / f"cds-{_digest(str(self.java), joined, *JVM_FLAGS)}.jsa"
        with self._lock:
            if target.is_file():
                return target
            if target in self._unbuildable:
                return None
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=self.directory) as scratch:
                probe = Path(scratch)
                (probe / "src/main/java").mkdir(parents=True)
                (probe / "src/test/java").mkdir(parents=True)
                (probe / "src/main/java/HgmProbe.java").write_text(PROBE_MAIN)
                uses_assertj = any("assertj" in path.name for path in classpath)
                test = PROBE_TEST % (ASSERTJ_LINE if uses_assertj else "")
                (probe / "src/test/java/HgmProbeTest.java").write_text(test)
                dumped = probe / "dump.jsa"
                dump = f"-XX:ArchiveClassesAtExit={dumped}"
                driver = ["HgmJUnit", "classes", "HgmProbeTest"]
                done = subprocess.run(
                    [self.java, *JVM_FLAGS, dump, "-cp", joined, *driver],
                    cwd=probe,
                    capture_output=True,
                    timeout=TIMEOUT_S,
                    check=False,
                )
                if done.returncode != 0 or not dumped.is_file():
                    self._unbuildable.add(target)
                    return None
                dumped.rename(target)
        return target

    def command(self, classpath: list[Path], test_classes: list[str]) -> list[str]:
        """The java command line (with the archive when one could be made)."""
        archive = self.archive(classpath)
        sharing = [f"-XX:SharedArchiveFile={archive}", *QUIET_CDS] if archive else []
        joined = ":".join(str(path) for path in classpath)
        driver = ["HgmJUnit", ".hgm-build/classes", *test_classes]
        return [str(self.java), *JVM_FLAGS, *sharing, "-cp", joined, *driver]

"""Java jars for offline tests: what an exercise's build.gradle names, fetched from Maven
Central once (with the compile and runtime dependencies their POMs list), else Debian's jars.

Layout under `<deps>/maven/` mirrors a Maven repository (`group/as/dirs/artifact/version/`);
next to each jar, `hgm-closure.json` lists the jars it needs at run time, itself included.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hgm.bench.deps import deps_dir

MAVEN_URL = "https://repo1.maven.org/maven2"
DEBIAN_JARS = Path("/usr/share/java")
CLOSURE = "hgm-closure.json"
DEFAULT_JUNIT = "5.10.0"
GRADLE_DEPENDENCY = re.compile(
    r"^\s*(?:testImplementation|implementation|api|runtimeOnly|testRuntimeOnly)\s*\(?\s*"
    r"(?P<platform>platform\s*\(\s*)?[\"'](?P<coordinate>[^\"']+)[\"']",
    re.M,
)
DOWNLOAD_TIMEOUT_S = 60


@dataclass(frozen=True, slots=True, order=True)
class Coordinate:
    group: str
    artifact: str
    version: str

    @classmethod
    def parse(cls, text: str) -> Coordinate | None:
        parts = text.split(":")
        return cls(*parts) if len(parts) == 3 and all(parts) else None

    def __str__(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}"

    @property
    def directory(self) -> str:
        return f"{self.group.replace('.', '/')}/{self.artifact}/{self.version}"

    def file(self, extension: str) -> str:
        return f"{self.directory}/{self.artifact}-{self.version}.{extension}"


def maven_dir() -> Path:
    return deps_dir() / "maven"


def console_launcher(junit_version: str) -> Coordinate:
    """JUnit Jupiter 5.x.y runs on the Platform 1.x.y; its standalone console jar has both."""
    platform = "1." + junit_version.split(".", 1)[1] if junit_version.startswith("5.") else ""
    return Coordinate("org.junit.platform", "junit-platform-console-standalone", platform)


def gradle_jars(build_gradle: str) -> tuple[Coordinate, list[Coordinate]]:
    """(the JUnit console launcher, the libraries) a build.gradle asks for. Version-less
    JUnit modules come with the launcher; the JUnit BOM sets its version."""
    junit = DEFAULT_JUNIT
    libraries = []
    for match in GRADLE_DEPENDENCY.finditer(build_gradle):
        coordinate = Coordinate.parse(match["coordinate"])
        if coordinate is None:
            continue  # version-less (org.junit.jupiter:junit-jupiter): inside the launcher
        if match["platform"]:
            if coordinate.artifact == "junit-bom":
                junit = coordinate.version
        elif coordinate.group not in ("org.junit.jupiter", "org.junit.platform"):
            libraries.append(coordinate)
    return console_launcher(junit), libraries


def _debian_jar(coordinate: Coordinate, debian: Path) -> Path | None:
    """Debian's copy of the artifact with the same major version, if installed."""
    major = coordinate.version.split(".", 1)[0]
    for candidate in sorted(debian.glob(f"{coordinate.artifact}-{major}.*.jar")):
        if candidate.is_file():
            return candidate
    plain = debian / f"{coordinate.artifact}.jar"
    target = plain.resolve().name if plain.is_file() else ""
    if target.startswith(f"{coordinate.artifact}-{major}."):
        return plain
    return None


def jars_for(coordinate: Coordinate, debian: Path = DEBIAN_JARS) -> list[Path] | None:
    """The jars `coordinate` needs at run time: Maven's (fetched by setup), else Debian's
    copy of the same major version (in `debian`); None when neither is here."""
    closure = maven_dir() / coordinate.directory / CLOSURE
    if closure.is_file():
        return [maven_dir() / name for name in json.loads(closure.read_text())]
    found = _debian_jar(coordinate, debian)
    return [found] if found is not None else None


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        return bytes(response.read())


def _verified(base_url: str, path: str) -> bytes:
    """A file from the repository, checked against the SHA-1 the repository publishes."""
    data = _download(f"{base_url}/{path}")
    published = _download(f"{base_url}/{path}.sha1").decode().split()[0].strip().lower()
    if hashlib.sha1(data).hexdigest() != published:
        raise OSError(f"{path}: checksum mismatch (repository says {published})")
    return data


def _runtime_dependencies(pom: bytes) -> list[Coordinate]:
    """Direct compile/runtime dependencies with literal versions (not optional)."""
    root = ElementTree.fromstring(pom)
    namespace = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
    found = []
    for dependency in root.findall(f"{namespace}dependencies/{namespace}dependency"):

        def text(tag: str, node: ElementTree.Element = dependency) -> str:
            return (node.findtext(f"{namespace}{tag}") or "").strip()

        scope = text("scope") or "compile"
        version = text("version")
        if scope not in ("compile", "runtime") or text("optional") == "true":
            continue
        if not version or "$" in version or version.startswith(("[", "(")):
            continue
        found.append(Coordinate(text("groupId"), text("artifactId"), version))
    return found


def fetch_jars(
    coordinates: list[Coordinate],
    base_url: str | None = None,
    on_fetch: Callable[[Coordinate], None] | None = None,
) -> None:
    """Download each coordinate's jar and its runtime dependencies into maven_dir().

    Raises OSError (urllib's errors included) when the repository cannot be reached.
    """
    base = (base_url or os.environ.get("HGM_MAVEN_URL") or MAVEN_URL).rstrip("/")
    root = maven_dir()

    def closure_of(coordinate: Coordinate, seen: set[Coordinate]) -> list[str]:
        marker = root / coordinate.directory / CLOSURE
        if marker.is_file():
            return list(json.loads(marker.read_text()))
        if on_fetch is not None:
            on_fetch(coordinate)
        jar = _verified(base, coordinate.file("jar"))
        pom = _verified(base, coordinate.file("pom"))
        names = [coordinate.file("jar")]
        seen.add(coordinate)
        for dependency in _runtime_dependencies(pom):
            if dependency not in seen:
                names += [n for n in closure_of(dependency, seen) if n not in names]
        marker.parent.mkdir(parents=True, exist_ok=True)
        (root / coordinate.file("jar")).write_bytes(jar)
        marker.write_text(json.dumps(names) + "\n")
        return names

    for coordinate in coordinates:
        closure_of(coordinate, set())

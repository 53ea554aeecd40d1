"""Offline dependencies: what exercises name, Cargo's version rules, jars from a Maven
repository (a real HTTP server on 127.0.0.1), and where the runners find them."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hgm.bench.deps.java import Coordinate, fetch_jars, gradle_jars, jars_for
from hgm.bench.deps.needs import boost_components
from hgm.bench.deps.rust import Crate, cargo_config, crates_in, missing_crates
from hgm.bench.deps.semver import matches
from hgm.bench.deps.setup import go_imports
from hgm.bench.exercism import load_exercise
from hgm.cli.app import app

GRADLE = """\
dependencies {
    implementation "io.reactivex.rxjava2:rxjava:2.2.12"

    testImplementation platform("org.junit:junit-bom:5.10.0")
    testImplementation "org.junit.jupiter:junit-jupiter"
    testImplementation "org.assertj:assertj-core:3.25.1"
}
"""


@pytest.mark.parametrize(
    ("requirement", "version", "ok"),
    [
        ("0.3", "0.3.23", True),
        ("0.3", "0.4.0", False),
        ("0.3.12", "0.3.11", False),
        ("1.0", "1.0.105", True),
        ("1.0", "2.0.0", False),
        ("^0.0.3", "0.0.4", False),
        ("~0.4.4", "0.4.9", True),
        ("~0.4.4", "0.5.0", False),
        (">=1, <2", "1.5.0", True),
        (">=1, <2", "2.0.0", False),
        ("1.2.*", "1.3.0", False),
        ("=0.2.4", "0.2.5", False),
        ("*", "9.9.9", True),
        ("0.11", "0.11.1+wasi-snapshot-preview1", True),
        ("1.0", "1.0.0-beta.1", False),
    ],
)
def test_cargo_version_requirements(requirement: str, version: str, ok: bool) -> None:
    assert matches(requirement, version) is ok


def test_crates_a_manifest_names() -> None:
    manifest = (
        '[package]\nname = "x"\n\n[dependencies]\nrand = "0.8"\n'
        'r3 = { package = "rand", version = "0.3.12" }\nlocal = { path = "../local" }\n\n'
        '[dev-dependencies]\nitertools = { version = "0.5" }\n'
    )
    assert crates_in(manifest) == [
        Crate("itertools", "0.5"),
        Crate("rand", "0.3.12"),
        Crate("rand", "0.8"),
    ]
    assert crates_in("not [ toml") == []


def test_missing_crates_against_a_directory_source(tmp_path: Path) -> None:
    for name, version in (("rand", "0.8.5"), ("either", "1.6.1")):
        crate = tmp_path / f"{name}-{version}"
        crate.mkdir()
        (crate / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "{version}"\n')
    wanted = [
        Crate("rand", "0.8"),
        Crate("rand", "0.3"),
        Crate("either", "1"),
        Crate("time", "0.3"),
    ]
    assert missing_crates(wanted, tmp_path) == [Crate("rand", "0.3"), Crate("time", "0.3")]
    assert missing_crates(wanted, None) == wanted
    assert f'directory = "{tmp_path}"' in cargo_config(tmp_path)


def test_jars_a_build_gradle_names() -> None:
    launcher, libraries = gradle_jars(GRADLE)
    assert launcher == Coordinate(
        "org.junit.platform", "junit-platform-console-standalone", "1.10.0"
    )
    assert libraries == [
        Coordinate("io.reactivex.rxjava2", "rxjava", "2.2.12"),
        Coordinate("org.assertj", "assertj-core", "3.25.1"),
    ]


def test_boost_components_of_a_cmakelists() -> None:
    cmake = "set(X 1)\nfind_package(Boost 1.58 REQUIRED COMPONENTS date_time system)\n"
    assert boost_components(cmake) == ("date_time", "system")
    assert boost_components("find_package(Threads REQUIRED)\nfind_package(TBB)\n") == ()


def _publish(
    repo: Path, coordinate: Coordinate, dependencies: list[tuple[Coordinate, str]]
) -> None:
    """A jar and its POM (with SHA-1 files) as a Maven repository holds them."""
    listed = "".join(
        f"<dependency><groupId>{c.group}</groupId><artifactId>{c.artifact}</artifactId>"
        f"<version>{c.version}</version>{extra}</dependency>"
        for c, extra in dependencies
    )
    pom = (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><dependencies>'
        f"{listed}</dependencies></project>"
    ).encode()
    for extension, data in (("jar", f"jar of {coordinate}".encode()), ("pom", pom)):
        path = repo / coordinate.file(extension)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.with_name(path.name + ".sha1").write_text(hashlib.sha1(data).hexdigest())


@pytest.fixture
def maven(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    repo = tmp_path / "repo"
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(repo))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", repo
    finally:
        server.shutdown()
        server.server_close()


def test_jars_come_with_their_runtime_dependencies(
    maven: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, repo = maven
    monkeypatch.setenv("HGM_DEPS", str(tmp_path / "deps"))
    library = Coordinate("org.example", "lib", "2.0.1")
    needed = Coordinate("org.example", "streams", "1.0.2")
    optional = Coordinate("org.example", "extra", "1.0")
    _publish(
        repo, library, [(needed, "<scope>compile</scope>"), (optional, "<optional>true</optional>")]
    )
    _publish(repo, needed, [(Coordinate("junit", "junit", "4.13"), "<scope>test</scope>")])
    assert jars_for(library, debian=tmp_path) is None
    fetched: list[Coordinate] = []
    fetch_jars([library], base_url=url, on_fetch=fetched.append)
    assert fetched == [library, needed]
    jars = jars_for(library, debian=tmp_path)
    assert jars is not None
    assert [jar.name for jar in jars] == ["lib-2.0.1.jar", "streams-1.0.2.jar"]
    assert jars[0].read_bytes() == b"jar of org.example:lib:2.0.1"


def test_a_tampered_jar_is_refused(
    maven: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, repo = maven
    monkeypatch.setenv("HGM_DEPS", str(tmp_path / "deps"))
    library = Coordinate("org.example", "lib", "1.0")
    _publish(repo, library, [])
    (repo / library.file("jar")).write_bytes(b"something else")
    with pytest.raises(OSError, match="checksum mismatch"):
        fetch_jars([library], base_url=url)
    assert jars_for(library, debian=tmp_path) is None


def test_debian_jars_stand_in_only_for_the_same_major_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HGM_DEPS", str(tmp_path / "deps"))  # nothing from Maven Central
    (tmp_path / "assertj-core-3.14.0.jar").write_bytes(b"")
    (tmp_path / "rxjava-1.3.8.jar").write_bytes(b"")
    (tmp_path / "rxjava.jar").symlink_to("rxjava-1.3.8.jar")
    assertj = jars_for(Coordinate("org.assertj", "assertj-core", "3.25.1"), debian=tmp_path)
    assert assertj == [tmp_path / "assertj-core-3.14.0.jar"]
    assert jars_for(Coordinate("io.reactivex.rxjava2", "rxjava", "2.2.12"), debian=tmp_path) is None


def test_doctor_names_what_polyglot_lacks_for_which_exercises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    causes = Path(__file__).resolve().parent / "data" / "causes"
    shutil.copytree(causes / "rust", tmp_path / "cache" / "polyglot" / "rust")
    monkeypatch.setenv("HGM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HGM_DEPS", str(tmp_path / "deps"))  # nothing vendored
    monkeypatch.setattr("hgm.bench.deps.rust.DEBIAN_REGISTRY", tmp_path / "no-debian")
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    missing = checks["polyglot: Rust crate either 1"]
    assert not missing["ok"] and missing["status"] == "missing"
    assert missing["detail"] == "needed by rust/pick-side; fix: hgm bench setup polyglot"


def test_go_imports_of_the_exercises_warm_the_build_cache(tmp_path: Path) -> None:
    root = tmp_path / "go" / "exercises" / "practice" / "probe"
    (root / ".meta").mkdir(parents=True)
    (root / ".meta" / "config.json").write_text('{"files": {"solution": ["probe.go"]}}')
    (root / "probe.go").write_text(
        'package probe\n\nimport (\n\t"fmt"\n\tstr "strings"\n\t_ "embed"\n)\n\nimport "sort"\n'
    )
    (root / ".meta" / "example.go").write_text('package probe\n\nimport "unicode/utf8"\n')
    assert go_imports([load_exercise(root, "go")]) == [
        "embed",
        "fmt",
        "sort",
        "strings",
        "unicode/utf8",
    ]

"""Rust crates for offline `cargo test`: vendored from crates.io once, a read-only directory
source in the sandbox; Debian's `librust-*-dev` registry as the fallback."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hgm.bench.deps import deps_dir
from hgm.bench.deps.semver import matches

VENDOR_RECORD = ".hgm-vendor.json"
DEBIAN_REGISTRY = Path("/usr/share/cargo/registry")
DEPENDENCY_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")
VENDOR_TIMEOUT_S = 900
TARGET_READY = ".hgm-warm-target"


@dataclass(frozen=True, slots=True, order=True)
class Crate:
    """A crate a manifest asks for: its crates.io name and version requirement."""

    name: str
    requirement: str

    def __str__(self) -> str:
        return f"{self.name} {self.requirement}"


def crates_in(manifest: str) -> list[Crate]:
    """The registry crates a Cargo.toml names (path and git dependencies are not crates)."""
    try:
        data = tomllib.loads(manifest)
    except tomllib.TOMLDecodeError:
        return []
    found = []
    for table in DEPENDENCY_TABLES:
        entries = data.get(table, {})
        for key, spec in entries.items() if isinstance(entries, dict) else ():
            if isinstance(spec, str):
                found.append(Crate(key, spec))
            elif isinstance(spec, dict) and not ({"path", "git"} & set(spec)):
                found.append(Crate(str(spec.get("package", key)), str(spec.get("version", "*"))))
    return sorted(set(found))


def vendor_dir() -> Path:
    return deps_dir() / "cargo-vendor"


def crate_source() -> Path | None:
    """The directory source the runner uses: hgm's vendored crates, else Debian's registry."""
    vendored = vendor_dir()
    if (vendored / VENDOR_RECORD).is_file():
        return vendored
    if DEBIAN_REGISTRY.is_dir() and any(DEBIAN_REGISTRY.iterdir()):
        return DEBIAN_REGISTRY
    return None


@cache
def _versions_in(source: Path, stamp: float) -> dict[str, tuple[str, ...]]:
    versions: dict[str, list[str]] = {}
    for manifest in source.glob("*/Cargo.toml"):
        try:
            package = tomllib.loads(manifest.read_text(errors="replace")).get("package", {})
        except tomllib.TOMLDecodeError:
            continue
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str) and isinstance(version, str):
            versions.setdefault(name, []).append(version)
    return {name: tuple(found) for name, found in versions.items()}


def available_versions(source: Path) -> dict[str, tuple[str, ...]]:
    """Crate name -> the versions a directory source holds (re-read when it changes)."""
    return _versions_in(source, source.stat().st_mtime)


def missing_crates(crates: list[Crate], source: Path | None) -> list[Crate]:
    """The crates no version in `source` satisfies (all of them without a source)."""
    if source is None:
        return list(crates)
    versions = available_versions(source)
    return [
        c for c in crates if not any(matches(c.requirement, v) for v in versions.get(c.name, ()))
    ]


def cargo_config(source: Path) -> str:
    """CARGO_HOME/config.toml that resolves every crates.io dependency from `source`."""
    return (
        "[source.crates-io]\n"
        'replace-with = "hgm-offline"\n\n'
        "[source.hgm-offline]\n"
        f"directory = {json.dumps(str(source))}\n\n"
        "[net]\n"
        "offline = true\n"
    )


def _manifest(crates: list[Crate]) -> str:
    lines = [
        '[package]\nname = "hgm-crates"\nversion = "0.0.0"\nedition = "2021"\n',
        "[dependencies]",
    ]
    lines += [
        f"dep{index} = {{ package = {json.dumps(c.name)}, version = {json.dumps(c.requirement)} }}"
        for index, c in enumerate(sorted(set(crates)))
    ]
    return "\n".join(lines) + "\n"


def vendored_crates() -> list[Crate]:
    """The requirements the current vendor directory was made for."""
    record = vendor_dir() / VENDOR_RECORD
    if not record.is_file():
        return []
    return [Crate(**entry) for entry in json.loads(record.read_text())["crates"]]


def vendor_crates(crates: list[Crate], cargo: Path) -> Path:
    """Vendor `crates` (plus those vendored before) from crates.io with `cargo vendor`.

    The new directory replaces the old one only when cargo succeeded. Raises
    subprocess.CalledProcessError (stderr attached) when crates.io cannot be reached.
    """
    wanted = sorted(set(crates) | set(vendored_crates()))
    target = vendor_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".vendor-") as scratch:
        project = Path(scratch) / "project"
        (project / "src").mkdir(parents=True)
        (project / "src" / "lib.rs").write_text("")
        (project / "Cargo.toml").write_text(_manifest(wanted))
        fresh = Path(scratch) / "vendor"
        env = dict(os.environ, CARGO_TERM_COLOR="never")
        subprocess.run(
            [str(cargo), "vendor", "--versioned-dirs", "--quiet", str(fresh)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=VENDOR_TIMEOUT_S,
            check=True,
        )
        record = {"crates": [{"name": c.name, "requirement": c.requirement} for c in wanted]}
        (fresh / VENDOR_RECORD).write_text(json.dumps(record, indent=2) + "\n")
        old = Path(scratch) / "old"
        if target.exists():
            target.rename(old)
        fresh.rename(target)
    return target


def _dependency_tables(manifest: str) -> dict[str, object] | None:
    """The tables that decide which crates build and how, if they name only registry
    crates (no path or git dependencies, no [patch], no per-target tables); None when
    there is nothing to reuse."""
    try:
        data = tomllib.loads(manifest)
    except tomllib.TOMLDecodeError:
        return None
    tables = {name: data.get(name, {}) for name in DEPENDENCY_TABLES}
    if not any(tables.values()) or {"patch", "replace", "target"} & set(data):
        return None
    if any(
        isinstance(spec, dict) and {"path", "git"} & set(spec)
        for name in DEPENDENCY_TABLES
        for spec in (tables[name].values() if isinstance(tables[name], dict) else ())
    ):
        return None
    return tables


def warm_target_key(manifest: str, source: Path, bin_dir: Path) -> str | None:
    """Which prebuilt dependency target a manifest can reuse (None: none applies)."""
    tables = _dependency_tables(manifest)
    if tables is None:
        return None
    described = json.dumps([tables, str(source), str(bin_dir)], sort_keys=True, default=str)
    return hashlib.sha256(described.encode()).hexdigest()[:24]


def warm_target(key: str) -> Path | None:
    """`<deps>/cargo-target/<key>`: a target dir with the dependencies built, if prepared."""
    path = deps_dir() / "cargo-target" / key
    return path if (path / TARGET_READY).is_file() else None


def build_warm_target(manifest: str, source: Path, bin_dir: Path, env: dict[str, str]) -> Path:
    """Build, on the host, the crates `manifest` depends on (as `cargo test` builds them)
    into a target dir later grades copy with its timestamps; only for the benchmark's own
    manifests (their crates come from `source`, vendored by setup)."""
    key = warm_target_key(manifest, source, bin_dir)
    assert key is not None, "the manifest names no registry crate"
    tables = _dependency_tables(manifest) or {}
    target = deps_dir() / "cargo-target" / key
    if warm_target(key) is not None:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as scratch:
        project = Path(scratch) / "project"
        (project / "src").mkdir(parents=True)
        (project / "src" / "lib.rs").write_text("")
        body = {"package": {"name": "hgm-warm", "version": "0.0.0", "edition": "2021"}}
        body.update({name: value for name, value in tables.items() if value})
        (project / "Cargo.toml").write_text(_toml(body))
        home = Path(scratch) / "cargo-home"
        home.mkdir()
        (home / "config.toml").write_text(cargo_config(source))
        built = Path(scratch) / "target"
        subprocess.run(
            [str(bin_dir / "cargo"), "test", "--offline", "--no-run", "--quiet"],
            cwd=project,
            env=env | {"CARGO_HOME": str(home), "CARGO_TARGET_DIR": str(built)},
            capture_output=True,
            timeout=VENDOR_TIMEOUT_S,
            check=True,
        )
        (built / TARGET_READY).write_text(key + "\n")
        built.rename(target)
    return target


def _toml(tables: dict[str, object]) -> str:
    """Manifest tables (of strings, lists, booleans and inline tables) as TOML."""

    def value(item: object) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, list):
            return "[" + ", ".join(value(v) for v in item) + "]"
        if isinstance(item, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(v)}" for k, v in item.items()) + " }"
        return json.dumps(item)

    lines = []
    for name, table in tables.items():
        assert isinstance(table, dict), name
        lines.append(f"[{name}]")
        lines += [f"{json.dumps(key)} = {value(item)}" for key, item in table.items()]
        lines.append("")
    return "\n".join(lines)

"""Rust crates for offline `cargo test`: vendored from crates.io once, a read-only directory
source in the sandbox; Debian's `librust-*-dev` registry as the fallback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hgm.bench.deps import deps_dir
from hgm.bench.deps.semver import matches, parse_version

VENDOR_RECORD = ".hgm-vendor.json"
DEBIAN_REGISTRY = Path("/usr/share/cargo/registry")
DEPENDENCY_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")
VENDOR_TIMEOUT_S = 900


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


def newest_version(name: str, source: Path) -> str | None:
    """The highest version of `name` in `source` (for reports)."""
    parsed = [(parse_version(v), v) for v in available_versions(source).get(name, ())]
    usable = [(key, text) for key, text in parsed if key is not None]
    return max(usable)[1] if usable else None


def clear_vendor_dir() -> None:
    shutil.rmtree(vendor_dir(), ignore_errors=True)

"""What an exercise needs beyond its language's toolchain, and which of it this host lacks.

Read from the exercise's own build files: the crates its Cargo.toml names (and, for its
reference, `.meta/Cargo-example.toml`), the jars its build.gradle names, the Boost
components its CMakeLists.txt requires. An exercise whose needs are not met is graded
`missing-dependency` with the command that fixes it, never as a wrong solution.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

from hgm.bench.deps.java import Coordinate, gradle_jars, jars_for
from hgm.bench.deps.rust import Crate, crate_source, crates_in, missing_crates
from hgm.bench.exercism import CARGO_EXAMPLE, Exercise

BOOST_PACKAGE = re.compile(
    r"find_package\s*\(\s*Boost\b(?P<args>[^)]*)\bREQUIRED\b(?P<rest>[^)]*)\)", re.I
)
BOOST_HEADERS = ("/usr/include/boost/version.hpp", "/usr/local/include/boost/version.hpp")
LIBRARY_DIRS = ("/usr/lib", "/usr/lib/*-linux-gnu", "/usr/local/lib", "/usr/lib64")


@dataclass(frozen=True, slots=True)
class Missing:
    """One thing an exercise needs that is not on this host, and the command that fixes it."""

    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.what} (fix: {self.fix})"


@dataclass(frozen=True, slots=True)
class Needs:
    crates: tuple[Crate, ...] = ()
    jars: tuple[Coordinate, ...] = ()
    boost: tuple[str, ...] = ()


def boost_components(cmake: str) -> tuple[str, ...]:
    """Components of every `find_package(Boost ... REQUIRED [COMPONENTS] a b)`."""
    found: list[str] = []
    for match in BOOST_PACKAGE.finditer(cmake):
        words = (match["args"] + " " + match["rest"]).split()
        found += [w for w in words if re.fullmatch(r"[a-z_]+", w) and w not in found]
    return tuple(found)


def needs_of(exercise: Exercise, reference: bool = False) -> Needs:
    """What grading `exercise` needs; `reference` adds what its reference solution names."""
    root = exercise.root
    if exercise.language == "rust":
        manifests = ["Cargo.toml", *([CARGO_EXAMPLE] if reference else [])]
        crates = {c for name in manifests if name in exercise.files for c in crates_in(
            (root / name).read_text(errors="replace"))}  # fmt: skip
        return Needs(crates=tuple(sorted(crates)))
    if exercise.language == "java" and "build.gradle" in exercise.files:
        launcher, libraries = gradle_jars((root / "build.gradle").read_text(errors="replace"))
        return Needs(jars=(launcher, *libraries))
    if exercise.language == "cpp" and "CMakeLists.txt" in exercise.files:
        return Needs(boost=boost_components((root / "CMakeLists.txt").read_text(errors="replace")))
    return Needs()


def boost_missing(component: str) -> bool:
    if not any(Path(header).is_file() for header in BOOST_HEADERS):
        return True
    patterns = [
        f"{base}/{name}"
        for base in LIBRARY_DIRS
        for name in (f"libboost_{component}.so", f"libboost_{component}.a",
                     f"cmake/boost_{component}-*/boost_{component}-config.cmake")
    ]  # fmt: skip
    return not any(glob.glob(pattern) for pattern in patterns)


def boost_package(component: str) -> str:
    return f"libboost-{component.replace('_', '-')}-dev"


def missing_for(needs: Needs, setup_command: str) -> list[Missing]:
    """What of `needs` this host lacks; `setup_command` is the hgm command that fetches
    crates and jars (e.g. `hgm bench setup polyglot`)."""
    missing = [
        Missing(f"Rust crate {crate}", setup_command)
        for crate in missing_crates(list(needs.crates), crate_source())
    ]
    missing += [
        Missing(f"Java jar {coordinate}", setup_command)
        for coordinate in needs.jars
        if jars_for(coordinate) is None
    ]
    missing += [
        Missing(f"Boost {component}", f"apt install {boost_package(component)}")
        for component in needs.boost
        if boost_missing(component)
    ]
    return missing

"""A prebuilt Catch2 main for C++ exercises: compiled once per (main, header, compiler) on
the host and linked into every test binary, instead of ~12 s of CPU per grade.

Exercism's C++ exercises build `test/tests-main.cpp` (`#define CATCH_CONFIG_MAIN` plus
Catch2's single header, identical in every exercise) next to the tests. The object is
keyed by a digest of both files' contents, the compiler and the flags, so an exercise whose
files differ gets its own object; a tree without them builds as it is.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import threading
from pathlib import Path

from hgm.bench.deps import deps_dir

MAIN_SOURCE = "test/tests-main.cpp"
CATCH_HEADER = "test/catch.hpp"
# CMake's Debug flags with the exercises' C++17, no extensions (CXX_EXTENSIONS OFF).
FLAGS = ("-std=c++17", "-g")
BUILD_TIMEOUT_S = 900


def _compiler_identity(compiler: str) -> bytes:
    try:
        version = subprocess.run(
            [compiler, "--version"], capture_output=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        version = b""
    return compiler.encode() + b"\0" + version


class Catch2Mains:
    """Prebuilt Catch2 main objects in `<deps>/catch2-main/`, built on first use."""

    def __init__(self, compiler: str) -> None:
        self.compiler = compiler
        self._identity: bytes | None = None
        self._lock = threading.Lock()

    def applies(self, tree: Path) -> bool:
        return (tree / MAIN_SOURCE).is_file() and (tree / CATCH_HEADER).is_file()

    def object_for(self, tree: Path) -> Path:
        """The object built from `tree`'s main and header (building it when new)."""
        with self._lock:
            if self._identity is None:
                self._identity = _compiler_identity(self.compiler)
            main, header = (tree / MAIN_SOURCE).read_bytes(), (tree / CATCH_HEADER).read_bytes()
            parts = [self._identity, main, header, *(flag.encode() for flag in FLAGS)]
            digest = hashlib.sha256(b"\0".join(parts))
            target = deps_dir() / "catch2-main" / f"{digest.hexdigest()[:24]}.o"
            if target.is_file():
                return target
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
                source = Path(scratch) / "test"
                source.mkdir()
                (source / "tests-main.cpp").write_bytes(main)
                (source / "catch.hpp").write_bytes(header)
                built = Path(scratch) / "main.o"
                subprocess.run(
                    [self.compiler, *FLAGS, "-c", str(source / "tests-main.cpp"), "-o", str(built)],
                    capture_output=True,
                    timeout=BUILD_TIMEOUT_S,
                    check=True,
                )
                built.rename(target)
            return target

"""What of the host a sandbox needs to see: Python prefixes, toolchains, and a PATH for them.

Only system directories and these exact paths are mounted, read-only. The user's home is
never mounted as a whole: a toolchain that lives there (rustup's ~/.cargo/bin and
~/.rustup) is mounted by its own directories, without credentials files next to it.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

STANDARD_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
TOOLS = ("cargo", "rustc", "go", "node", "npm", "java", "javac", "gcc", "g++", "cmake", "make")


@dataclass(frozen=True, slots=True)
class HostView:
    """Read-only mounts beyond the system directories, plus the PATH and variables they need."""

    ro_paths: tuple[Path, ...] = ()
    path_dirs: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)

    def default_path(self) -> str:
        return ":".join(dict.fromkeys((*self.path_dirs, *STANDARD_PATH)))


def python_prefixes() -> tuple[Path, ...]:
    """sys.prefix, sys.exec_prefix and sys.base_prefix (the venv and the interpreter it uses)."""
    prefixes = (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix)
    return tuple(Path(prefix) for prefix in dict.fromkeys(prefixes))


def _covered(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _rustup_home(cargo_bin: Path) -> Path | None:
    configured = os.environ.get("RUSTUP_HOME")
    candidate = Path(configured) if configured else cargo_bin.parent.parent / ".rustup"
    return candidate if candidate.is_dir() else None


def detect_host_view(
    system_paths: tuple[str, ...], mount_python: bool, detect_toolchains: bool
) -> HostView:
    """Find the Python prefixes and the toolchains on this host's PATH that a sandbox needs."""
    roots = tuple(Path(path).resolve() for path in system_paths if Path(path).exists())
    ro_paths: list[Path] = []
    path_dirs: list[str] = []
    env: dict[str, str] = {}
    if mount_python:
        prefixes = python_prefixes()
        ro_paths.extend(prefix for prefix in prefixes if not _covered(prefix.resolve(), roots))
        path_dirs.extend(str(prefix / "bin") for prefix in prefixes)
    if detect_toolchains:
        for tool in TOOLS:
            found = shutil.which(tool)
            if found is None:
                continue
            visible_dir = Path(found).parent
            if _covered(visible_dir, (*roots, *ro_paths)):
                if str(visible_dir) not in STANDARD_PATH:
                    path_dirs.append(str(visible_dir))
                continue
            if visible_dir.parts[-2:] == (".cargo", "bin"):
                rustup_home = _rustup_home(visible_dir)
                ro_paths.append(visible_dir)
                if rustup_home is not None:
                    ro_paths.append(rustup_home)
                    env["RUSTUP_HOME"] = str(rustup_home)
            else:
                ro_paths.append(Path(found).resolve().parent.parent)
            path_dirs.append(str(visible_dir))
    return HostView(tuple(dict.fromkeys(ro_paths)), tuple(dict.fromkeys(path_dirs)), env)

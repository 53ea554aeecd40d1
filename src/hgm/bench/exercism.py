"""The Exercism exercise layout: `<lang>/exercises/practice/<slug>/` with `.docs/` and `.meta/`.

Shared by the `exercises` adapter (users' own task directories and the built-in set) and the
`polyglot` adapter (the Aider-AI polyglot-benchmark checkout).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from hgm.bench.types import Task
from hgm.errors import UserError

# Exercism track directory name -> the language name hgm uses.
TRACK_LANGUAGES = {
    "python": "python",
    "rust": "rust",
    "go": "go",
    "javascript": "javascript",
    "cpp": "cpp",
    "java": "java",
}
HIDDEN_DIRS = (".meta", ".docs", ".git", "node_modules", "target", "build", ".gradle")


@dataclass(frozen=True, slots=True)
class Exercise:
    """One practice exercise on disk and the file roles its `.meta/config.json` names."""

    root: Path
    language: str
    slug: str
    solution: tuple[str, ...]
    test: tuple[str, ...]
    example: tuple[str, ...]

    @property
    def task_id(self) -> str:
        return f"{self.language}/{self.slug}"

    def is_hidden(self, relative: str) -> bool:
        """Files the agent never sees: tests, examples, the `.meta`/`.docs` dirs, and
        `__pycache__` anywhere (pip compiles an installed package's test files there)."""
        parts = relative.split("/")
        hidden = parts[0] in HIDDEN_DIRS or "__pycache__" in parts
        return hidden or relative in self.test or relative in self.example

    def visible_files(self) -> list[str]:
        """Relative paths of every file copied into the agent's workspace."""
        found = []
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                relative = path.relative_to(self.root).as_posix()
                if not self.is_hidden(relative):
                    found.append(relative)
        return found


def _string_list(config: dict[str, object], key: str, source: Path) -> tuple[str, ...]:
    files = config.get("files")
    values = files.get(key, []) if isinstance(files, dict) else []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise UserError(f"{source}: files.{key} must be a list of relative paths")
    for value in values:
        if value.startswith("/") or ".." in Path(value).parts:
            raise UserError(f"{source}: files.{key} entry {value!r} must stay inside the exercise")
    return tuple(values)


def load_exercise(root: Path, language: str) -> Exercise:
    config_path = root / ".meta" / "config.json"
    try:
        config = json.loads(config_path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise UserError(f"{config_path}: cannot read exercise config ({error})") from error
    solution = _string_list(config, "solution", config_path)
    if not solution:
        raise UserError(f"{config_path}: files.solution must name at least one file")
    return Exercise(
        root=root,
        language=language,
        slug=root.name,
        solution=solution,
        test=_string_list(config, "test", config_path),
        example=_string_list(config, "example", config_path),
    )


def find_exercises(base: Path, languages: frozenset[str] | None = None) -> list[Exercise]:
    """Every practice exercise under `base`, for the known tracks, sorted by task id."""
    if not base.is_dir():
        raise UserError(f"exercise directory {base} does not exist")
    found = []
    for track, language in sorted(TRACK_LANGUAGES.items()):
        if languages is not None and language not in languages:
            continue
        practice = base / track / "exercises" / "practice"
        if practice.is_dir():
            found.extend(
                load_exercise(path, language)
                for path in sorted(practice.iterdir())
                if (path / ".meta" / "config.json").is_file()
            )
    return found


def build_instructions(exercise: Exercise) -> str:
    """Introduction, instructions and instructions.append, then which files to edit."""
    docs = exercise.root / ".docs"
    parts = [
        (docs / name).read_text()
        for name in ("introduction.md", "instructions.md", "instructions.append.md")
        if (docs / name).is_file()
    ]
    files = ", ".join(exercise.solution)
    parts.append(
        "####\n\n"
        f"Change the supplied files to solve the exercise above: {files}\n"
        "Keep the names of the existing functions, classes and types: hidden unit tests "
        "call them. Use only the language's standard library; no packages can be installed.\n"
    )
    return "\n\n".join(part.strip("\n") for part in parts) + "\n"


def to_task(exercise: Exercise) -> Task:
    return Task(
        id=exercise.task_id,
        language=exercise.language,
        instructions=build_instructions(exercise),
        metadata={
            "slug": exercise.slug,
            "solution_files": list(exercise.solution),
            "test_files": list(exercise.test),
        },
    )


def copy_visible(exercise: Exercise, dest: Path) -> None:
    """Copy the files an agent may see (stubs and support files) into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for relative in exercise.visible_files():
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exercise.root / relative, target)


def copy_hidden_tests(exercise: Exercise, dest: Path) -> None:
    """Copy the hidden test files over whatever is in `dest`."""
    for relative in exercise.test:
        target = dest / relative
        if target.is_symlink() or target.is_dir():
            raise UserError(f"{exercise.task_id}: test path {relative} is not a regular file")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exercise.root / relative, target)


def _solution_for(example: str, solution: tuple[str, ...]) -> str | None:
    name, suffix = Path(example).name, Path(example).suffix
    same_name = [s for s in solution if Path(s).name == name]
    same_suffix = [s for s in solution if Path(s).suffix == suffix]
    return (same_name or same_suffix or [None])[0]


def reference_files(exercise: Exercise) -> dict[str, str]:
    """The reference solution (`files.example`) mapped onto the solution files it replaces.

    Each example maps to the solution file with its name, else its extension (Exercism
    pairs `.meta/example.rs` with `src/lib.rs`; solution files without one stay as given).
    """
    mapped: dict[str, str] = {}
    for example in exercise.example:
        target = _solution_for(example, exercise.solution)
        source = exercise.root / example
        if target is None or not source.is_file():
            raise UserError(
                f"{exercise.task_id}: files.example entry {example!r} must be an existing file "
                f"matching one of files.solution {list(exercise.solution)} by name or extension"
            )
        mapped[target] = source.read_text()
    if not mapped:
        raise UserError(f"{exercise.task_id}: .meta/config.json names no files.example")
    return mapped

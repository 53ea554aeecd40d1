"""Every config `hgm init` writes runs as written: its benchmark passes the pre-flight of
`hgm run` (tasks split, the first reference graded in the sandbox, the quick start's scripted
model written for every task, binary task files included), and a provider template that
cannot start says why in one line. The root agent's own check is the same for every
template and is tested in tests/evolve/test_world_preflight.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from components import need
from hgm.bench.exercises import BUILTIN_DIR
from hgm.evolve.preflight import bench_problems, check_providers
from hgm.runconfig.config import parse_run_config
from hgm.runconfig.real_world import RealWorldSection
from hgm.runconfig.templates import BENCHES, starter_config
from hgm.sandbox import BubblewrapConfig, check_backend, make_sandbox

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
JAR = bytes(range(256)) * 4  # not UTF-8, like the gradle wrapper jars of Polyglot's Java tasks


def fake_polyglot(root: Path) -> None:
    """A polyglot-layout checkout with 121 tasks: hgm's Java exercise with a binary file (as
    Polyglot's Java tasks have) and copies of its Python exercises (fast to grade)."""
    for language in ("python", "java"):
        shutil.copytree(BUILTIN_DIR / language, root / language)
    for java in (root / "java" / "exercises" / "practice").iterdir():
        (java / "gradle" / "wrapper").mkdir(parents=True)
        (java / "gradle" / "wrapper" / "gradle-wrapper.jar").write_bytes(JAR)
    practice = root / "python" / "exercises" / "practice"
    for exercise in sorted(practice.iterdir()):
        for copy in range(29):
            shutil.copytree(exercise, practice / f"{exercise.name}-{copy}")


def world(bench: str, provider: str) -> RealWorldSection:
    config = parse_run_config(starter_config(bench, provider), f"{bench}/{provider}")
    assert isinstance(config.world, RealWorldSection)
    return config.world


@pytest.mark.parametrize("bench", BENCHES)
def test_each_benchmark_template_passes_the_preflight(
    bench: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    monkeypatch.setenv("HGM_CACHE", str(tmp_path / "cache"))
    if bench == "polyglot":
        fake_polyglot(tmp_path / "cache" / "polyglot")
    section = world(bench, "scripted")
    problems = bench_problems(section, make_sandbox(section.sandbox))
    if bench == "swebench":  # the real SWE-bench needs Docker and its package: said so
        assert len(problems) == 1 and "swebench" in problems[0], problems
        return
    assert problems == []


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_hosted_provider_template_without_its_key_says_which_variable(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}[provider]
    monkeypatch.delenv(variable, raising=False)
    problems, facts = check_providers(world("humaneval", provider))
    assert facts is None and len(problems) == 1
    assert f"export {variable}=" in problems[0]


def test_the_scripted_model_refuses_a_reference_that_changes_a_binary_file(
    tmp_path: Path,
) -> None:
    from hgm.bench.types import Task
    from hgm.errors import UserError
    from hgm.evolve.quickstart import quickstart_gateway

    for side, data in (("a", JAR), ("b", JAR[::-1])):
        (tmp_path / side).mkdir()
        (tmp_path / side / "blob.bin").write_bytes(data)
    binary = (
        subprocess.run(
            ["git", "diff", "--no-index", "--binary", "a/blob.bin", "b/blob.bin"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        .stdout.replace("a/a/", "a/")
        .replace("b/b/", "b/")
    )
    assert "GIT binary patch" in binary

    class Blobs:  # a benchmark whose reference rewrites a binary file
        name = "blobs"

        def workspace(self, task: Task, dest: Path) -> None:
            dest.mkdir(parents=True, exist_ok=True)
            (dest / "blob.bin").write_bytes(JAR)

        def reference_diff(self, task: Task) -> str:
            return binary

    section = world("exercises", "scripted")
    assert section.quickstart is not None
    task = Task("blob", "python", "rewrite blob.bin")
    with pytest.raises(UserError, match=r"binary file blob\.bin"):
        quickstart_gateway(section.quickstart, Blobs(), [task], tmp_path / "scripts")  # type: ignore[arg-type]

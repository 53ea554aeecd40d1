"""Ablation: which self-modifications of an agent's lineage carry its gain.

For each step of the agent's lineage (every agent after the root, the agent itself
included), a *variant* is the agent with that step's change reverted: the agent's files
checked out of the archive, then the step's own diff (step against its parent, as
`hgm diff` prints it) applied in reverse by `git apply -R`. A step whose diff no longer
applies (a later step rewrote the same lines) or is empty is skipped with the reason.
Each variant and the agent are graded on the same tasks (by default the run's held-out
tasks, as `hgm certify` uses); the agent's grades are certification rows, reused when
`hgm certify` or an earlier ablation made them. Results: `hgm.evolve.ablation_store`.

Only real worlds have code to revert: a simulated world's agents have none.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hgm.archive import Archive
from hgm.archive.git import isolated_environment
from hgm.bench.diffs import diff_is_empty
from hgm.engine.world import EvalOutcome
from hgm.errors import UserError
from hgm.evolve.ablation_store import create_tables, record_result, record_step, variant_results
from hgm.evolve.certify import RealCertifier, read_certifications, record_certification
from hgm.runconfig.config import RunConfig, SimWorldSection
from hgm.store.run_dir import RunDir

ABLATE_RUN_SUFFIX = ":ablate"
_REASON_CHARS = 300


@dataclass(frozen=True, slots=True)
class Variant:
    """The agent without `step`'s change: its directory, or why there is none."""

    step: int
    directory: Path | None
    skipped: str | None


def _reverse_apply(patch: str, dest: Path) -> str | None:
    """Apply `patch` in reverse inside `dest`; None on success, else git's reason."""
    with tempfile.TemporaryDirectory(prefix="hgm-ablate-home-") as home:
        env = isolated_environment(Path(home)) | {"GIT_CEILING_DIRECTORIES": str(dest.parent)}
        completed = subprocess.run(
            ["git", "apply", "-R", "--whitespace=nowarn", "-"],
            input=patch.encode("utf-8"),
            cwd=dest,
            env=env,
            capture_output=True,
            check=False,
        )
    if completed.returncode == 0:
        return None
    error = completed.stderr.decode("utf-8", errors="replace").strip().splitlines()
    return " / ".join(error[:3])[:_REASON_CHARS] or f"git apply exited {completed.returncode}"


def build_variant(archive: Archive, agent: int, step: int, dest: Path) -> Variant:
    """`agent`'s files with `step`'s own change reverted, written to `dest` (or a skip)."""
    patch = archive.diff(step)
    if diff_is_empty(patch):
        return Variant(step, None, "the step changed no file")
    archive.checkout(agent, dest)
    problem = _reverse_apply(patch, dest)
    if problem is not None:
        shutil.rmtree(dest, ignore_errors=True)
        return Variant(step, None, f"its change no longer applies in reverse: {problem}")
    return Variant(step, dest, None)


def lineage_steps(archive: Archive, agent: int) -> list[int]:
    """The agents whose changes made `agent`, oldest first (the root is the starting point)."""
    return archive.lineage(agent)[1:]


Grader = Callable[[Path, str, str, str], EvalOutcome]
Progress = Callable[[str, str, bool], None]


@dataclass(frozen=True, slots=True)
class AblationWorld:
    """A real world opened to grade the agent (certify) and any directory (variants)."""

    archive: Archive
    certifier: RealCertifier
    grade_directory: Grader


def require_real_world(config: RunConfig, run_dir: RunDir) -> None:
    if isinstance(config.world, SimWorldSection):
        raise UserError(
            f"{run_dir.path}: a simulated-world run: sim agents have no code, so there is "
            "no change to revert (ablation needs a real world's archive)"
        )


@contextmanager
def open_ablation_world(config: RunConfig, run_dir: RunDir) -> Iterator[AblationWorld]:
    """The run's real world with gateways named `<run>:ablate`; stopped on the way out."""
    require_real_world(config, run_dir)
    from hgm.evolve.build import open_real_world

    assert not isinstance(config.world, SimWorldSection)
    run = config.run.name + ABLATE_RUN_SUFFIX
    with open_real_world(config.world, run, config.run.seed, run_dir.path, run_dir.db_path) as real:
        certifier = RealCertifier(real.tasks(), real.heldout_tasks(), real.certify)
        yield AblationWorld(real.context.archive, certifier, real.grade_directory)


def ablate(
    world: AblationWorld,
    db: sqlite3.Connection,
    agent: int,
    tasks: list[str],
    workers: int,
    on_done: Progress,
    on_skip: Callable[[int, str], None],
) -> float:
    """Build every variant, grade what is missing (agent and variants), record it all in
    `db`; return the money spent now. Pairs graded before are reused, never graded again."""
    create_tables(db)
    with tempfile.TemporaryDirectory(prefix="hgm-ablate-") as scratch:
        variants = []
        for step in lineage_steps(world.archive, agent):
            variant = build_variant(world.archive, agent, step, Path(scratch) / str(step))
            record_step(db, agent, step, variant.skipped)
            if variant.skipped is not None:
                on_skip(step, variant.skipped)
            else:
                variants.append(variant)
        own = read_certifications(db, agent)
        work: list[tuple[int | None, str]] = [(None, t) for t in tasks if t not in own]
        for task in tasks:
            if task in own:
                on_done(str(agent), task, own[task])
        for variant in variants:
            done = variant_results(db, agent, variant.step)
            for task in tasks:
                if task in done:
                    on_done(f"{agent} without {variant.step}", task, done[task])
                else:
                    work.append((variant.step, task))
        directories = {v.step: v.directory for v in variants}
        return _grade(world, db, agent, directories, work, workers, on_done)


def _grade(
    world: AblationWorld,
    db: sqlite3.Connection,
    agent: int,
    directories: dict[int, Path | None],
    work: list[tuple[int | None, str]],
    workers: int,
    on_done: Progress,
) -> float:
    """Grade `work` ((step or None for the agent itself, task) pairs) on `workers` threads,
    recording each pair as it finishes; on an error the finished pairs stay recorded."""

    def run(step: int | None, task: str) -> EvalOutcome:
        if step is None:
            return world.certifier.certify(agent, task)
        directory = directories[step]
        assert directory is not None
        label = f"{agent}-without-{step}"
        return world.grade_directory(directory, label, task, f"ablate-{label}-{task}")

    spent = 0.0
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ablate")
    try:
        running: dict[Future[EvalOutcome], tuple[int | None, str]] = {
            pool.submit(run, step, task): (step, task) for step, task in work
        }
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                step, task = running.pop(future)
                outcome = future.result()
                spent += outcome.cost_usd
                if step is None:
                    record_certification(db, agent, task, outcome)
                    on_done(str(agent), task, outcome.success)
                else:
                    record_result(
                        db,
                        agent,
                        step,
                        task,
                        outcome.success,
                        outcome.cost_usd,
                        outcome.duration,
                        outcome.details,
                    )
                    on_done(f"{agent} without {step}", task, outcome.success)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return spent

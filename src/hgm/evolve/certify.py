"""Certification: an agent and the root, graded on held-out tasks the search never saw.

The tasks come from the run's own config: a real world's `[world.bench.subset]`
held-out part, or a simulated world's `heldout_tasks` (extra task ids after the search
tasks, drawn with the run's seed). Evaluations go through the same world machinery as
the run: the harness in the sandbox through a gateway started for the purpose (its
LLM calls land in `run.db` under run `<name>:certify`, jobs `certify-<agent>-<task>`,
role `task`), or the simulated world's Bernoulli draws.

Each finished (agent, task) pair is one row of the `certifications` table of `run.db`
(created if absent; no other table is touched), so a second certification reuses the
pairs already graded and runs only the rest. Statistics: `hgm.evolve.certify_stats`.
An agent (or the root it is compared with) with any tampered grade, of the search or of
a certification, is refused: `refuse_tampered`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from hgm.engine.world import EvalOutcome
from hgm.errors import UserError
from hgm.evolve.certify_stats import (
    DIFFERENCE_METHOD,
    RATE_METHOD,
    TEST_METHOD,
    PairedDifference,
    Rate,
    paired_difference,
    rate,
)
from hgm.runconfig.config import RunConfig, SimWorldSection
from hgm.search.tree import Tree
from hgm.sim import make_world
from hgm.store.run_dir import RunDir
from hgm.store.tampering import tampered_grades

CERTIFY_RUN_SUFFIX = ":certify"
REFUSAL_SHOWN = 5  # tampered grades named in a refusal
TASK_CHOICES = "held-out, all (held-out and search tasks) or a number N (the first N held-out)"

_TABLE = """
CREATE TABLE IF NOT EXISTS certifications (
    agent     INTEGER NOT NULL,
    task      TEXT NOT NULL,
    success   INTEGER NOT NULL,
    cost_usd  REAL NOT NULL,
    duration  REAL NOT NULL,
    finished  REAL NOT NULL,
    details   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (agent, task)
)
"""


class Certifier(Protocol):
    """A run's world, opened to grade any agent on any task of the run."""

    search_tasks: list[str]
    heldout_tasks: list[str]

    def certify(self, agent: int, task: str) -> EvalOutcome: ...


# ---- the certifications table ----------------------------------------------------------


def has_certifications(db: sqlite3.Connection) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'certifications'"
    return db.execute(query).fetchone() is not None


def read_certifications(db: sqlite3.Connection, agent: int) -> dict[str, bool]:
    """Task -> resolved for every certified task of `agent` (empty if none or no table)."""
    if not has_certifications(db):
        return {}
    rows = db.execute("SELECT task, success FROM certifications WHERE agent = ?", (agent,))
    return {task: bool(success) for task, success in rows}


def certification_rows(db: sqlite3.Connection, agent: int) -> list[dict[str, Any]]:
    """`agent`'s certification rows, in the order they finished (for `hgm show`)."""
    if not has_certifications(db):
        return []
    rows = db.execute(
        "SELECT task, success, cost_usd, duration, finished, "
        "coalesce(json_extract(details, '$.tampered'), 0) FROM certifications "
        "WHERE agent = ? ORDER BY finished, task",
        (agent,),
    )
    return [
        {
            "task": row[0],
            "success": bool(row[1]),
            "cost_usd": row[2],
            "duration": row[3],
            "finished": row[4],
            "tampered": bool(row[5]),
        }
        for row in rows
    ]


def refuse_tampered(db: sqlite3.Connection, agent: int, root: int) -> None:
    """A UserError naming the tampered grades (search or certification) of `agent` or of the
    root it is compared with: an agent that attacked its grading is never certified."""
    found = tampered_grades(db, sorted({agent, root}))
    if not found:
        return
    shown = "; ".join(grade.describe() for grade in found[:REFUSAL_SHOWN])
    more = f" (and {len(found) - REFUSAL_SHOWN} more)" if len(found) > REFUSAL_SHOWN else ""
    whose = sorted({grade.agent for grade in found})
    names = ", ".join(f"the root {who}" if who == root else str(who) for who in whose)
    raise UserError(
        f"not certified: {len(found)} tampered grade(s) of agent {names} "
        f"(graders caught them attacking their grading): {shown}{more}"
    )


def record_certification(
    db: sqlite3.Connection, agent: int, task: str, outcome: EvalOutcome
) -> None:
    db.execute(_TABLE)
    db.execute(
        "INSERT OR REPLACE INTO certifications"
        "(agent, task, success, cost_usd, duration, finished, details) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            agent,
            task,
            int(outcome.success),
            outcome.cost_usd,
            outcome.duration,
            time.time(),
            json.dumps(outcome.details, default=str),
        ),
    )


# ---- the worlds ------------------------------------------------------------------------


class SimCertifier:
    """The run's simulated world, extended by its held-out tasks, holding the run's agents.

    Every draw of a simulated world is keyed by (seed, agent, task index), so the search
    tasks keep their indices and draws, and the held-out tasks are the indices after them.
    """

    def __init__(self, section: SimWorldSection, seed: int, tree: Tree) -> None:
        searched = section.sim.n_tasks
        extended = section.sim.model_copy(update={"n_tasks": searched + section.heldout_tasks})
        self._world = make_world(extended, seed)
        self._world.restore((agent, tree.parent(agent)) for agent in tree.agents())
        every = self._world.tasks()
        self.search_tasks, self.heldout_tasks = every[:searched], every[searched:]

    def certify(self, agent: int, task: str) -> EvalOutcome:
        return self._world.evaluate(agent, task)


@contextmanager
def open_certifier(config: RunConfig, run_dir: RunDir, tree: Tree) -> Iterator[Certifier]:
    """The run's world for certification; a real world's gateways stop on the way out."""
    world = config.world
    if isinstance(world, SimWorldSection):
        yield SimCertifier(world, config.run.seed, tree)
        return
    from hgm.evolve.build import open_real_world

    run = config.run.name + CERTIFY_RUN_SUFFIX
    with open_real_world(world, run, config.run.seed, run_dir.path, run_dir.db_path) as real:
        yield RealCertifier(real.tasks(), real.heldout_tasks(), real.certify)


@dataclass
class RealCertifier:
    search_tasks: list[str]
    heldout_tasks: list[str]
    grade: Callable[[int, str], EvalOutcome]

    def certify(self, agent: int, task: str) -> EvalOutcome:
        return self.grade(agent, task)


# ---- choosing tasks and running --------------------------------------------------------


def no_heldout_message(config: RunConfig) -> str:
    if isinstance(config.world, SimWorldSection):
        how = (
            "add `heldout_tasks = 20` under [world] in the run's run.toml (a simulated "
            "world's held-out tasks are extra ids after the search tasks, so adding them "
            "later leaves the search unchanged)"
        )
    else:
        how = (
            "give the next run a held-out part under [world.bench.subset] "
            "(heldout_size = N, heldout_fraction = F or heldout_ids = [...]); the search "
            "must never have seen them, so a finished run cannot gain one"
        )
    return f"the run config has no held-out tasks to certify on: {how}"


def has_heldout(config: RunConfig) -> bool:
    """Whether the run's config sets tasks aside that the search never sees."""
    world = config.world
    if isinstance(world, SimWorldSection):
        return world.heldout_tasks > 0
    subset = world.bench.subset
    return bool(subset.heldout_ids) or (subset.heldout_size or subset.heldout_fraction) is not None


def check_request(config: RunConfig, which: str) -> None:
    """Refuse a `--tasks` value or a config without held-out tasks before opening any world."""
    if which not in ("held-out", "all") and not which.isdigit():
        raise UserError(f"--tasks {which!r} is not allowed: use {TASK_CHOICES}")
    if not has_heldout(config):
        raise UserError(no_heldout_message(config))


def choose_tasks(certifier: Certifier, which: str, config: RunConfig) -> list[str]:
    """The tasks of `--tasks`: `held-out`, `all` (held-out, then search) or the first N held-out."""
    check_request(config, which)
    heldout = certifier.heldout_tasks
    if not heldout:
        raise UserError(no_heldout_message(config))
    if which == "held-out":
        return list(heldout)
    if which == "all":
        return [*heldout, *certifier.search_tasks]
    count = int(which)
    if not 1 <= count <= len(heldout):
        raise UserError(
            f"--tasks {count}: the run has {len(heldout)} held-out tasks; use 1..{len(heldout)}"
        )
    return list(heldout[:count])


@dataclass(frozen=True, slots=True)
class Certification:
    """`agent` and `root` on the same `tasks`: rates, the paired difference, what it took."""

    agent: int
    root: int
    tasks: list[str]
    which: str
    agent_rate: Rate
    root_rate: Rate
    difference: PairedDifference
    graded_now: int
    reused: int
    cost_usd: float

    def to_json(self) -> dict[str, Any]:
        def block(agent: int, value: Rate) -> dict[str, Any]:
            return {"agent": agent, **asdict(value), "ci95": list(value.ci95)}

        difference = asdict(self.difference) | {"ci95": list(self.difference.ci95)}
        return {
            "tasks": {"which": self.which, "count": len(self.tasks), "ids": self.tasks},
            "agent": block(self.agent, self.agent_rate),
            "root": block(self.root, self.root_rate),
            "difference": difference,
            "methods": {"rate": RATE_METHOD, "difference": DIFFERENCE_METHOD, "test": TEST_METHOD},
            "graded_now": self.graded_now,
            "reused": self.reused,
            "cost_usd": self.cost_usd,
        }


Progress = Callable[[int, str, bool], None]


def grade_pairs(
    certifier: Certifier,
    db: sqlite3.Connection,
    pairs: list[tuple[int, str]],
    workers: int,
    on_done: Progress,
) -> float:
    """Grade `pairs` on `workers` threads, recording each as it finishes; the money spent.

    On an error or Ctrl-C, pairs not yet started are cancelled; the finished ones stay.
    """
    spent = 0.0
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="certify")
    try:
        running: dict[Future[EvalOutcome], tuple[int, str]] = {
            pool.submit(certifier.certify, agent, task): (agent, task) for agent, task in pairs
        }
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                agent, task = running.pop(future)
                outcome = future.result()
                record_certification(db, agent, task, outcome)
                spent += outcome.cost_usd
                on_done(agent, task, outcome.success)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return spent


def certify(
    certifier: Certifier,
    db: sqlite3.Connection,
    agent: int,
    root: int,
    tasks: list[str],
    which: str,
    workers: int,
    on_done: Progress,
) -> Certification:
    """Grade `agent` and `root` on `tasks` (reusing recorded pairs) and compare them.

    Refused (UserError) when either has a tampered grade, before grading anything or, when
    a certification grade is the tampered one, after recording the pairs graded.
    """
    refuse_tampered(db, agent, root)
    db.execute(_TABLE)
    known = {who: read_certifications(db, who) for who in {agent, root}}
    pairs = [(who, task) for who in sorted(known) for task in tasks if task not in known[who]]
    reused = sum(1 for who in known for task in tasks if task in known[who])
    for who in known:
        for task in tasks:
            if task in known[who]:
                on_done(who, task, known[who][task])
    spent = grade_pairs(certifier, db, pairs, workers, on_done)
    refuse_tampered(db, agent, root)
    results = {who: read_certifications(db, who) for who in known}
    agent_outcomes = [results[agent][task] for task in tasks]
    root_outcomes = [results[root][task] for task in tasks]
    return Certification(
        agent=agent,
        root=root,
        tasks=tasks,
        which=which,
        agent_rate=rate(agent_outcomes),
        root_rate=rate(root_outcomes),
        difference=paired_difference(agent_outcomes, root_outcomes),
        graded_now=len(pairs),
        reused=reused,
        cost_usd=spent,
    )

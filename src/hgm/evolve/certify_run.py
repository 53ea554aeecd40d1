"""Certifying a run directory, for `hgm certify` and `hgm.Run.certify`: the agent it ships
(or any agent) and the root, graded on held-out tasks under the run's lock (see
`hgm.evolve.certify` for the machinery and the statistics)."""

from __future__ import annotations

from collections.abc import Callable

from hgm.errors import UserError
from hgm.evolve.certify import (
    Certification,
    Progress,
    certify,
    check_request,
    choose_tasks,
    open_certifier,
    refuse_tampered,
)
from hgm.runconfig.agent_report import require_agent
from hgm.runconfig.config import read_run_config
from hgm.runconfig.status import best_agent
from hgm.store.run_dir import RunDir, RunLock
from hgm.store.run_store import RunStore
from hgm.store.schema import connect


def certify_run(
    directory: RunDir,
    agent: int | None,
    which: str,
    workers: int | None,
    on_done: Progress,
    on_total: Callable[[int], None] | None = None,
) -> Certification:
    """Grade `agent` (default: the one the run ships by its [select] rule) and the root on
    the tasks `which` names ("held-out", "all" or a number N); `on_total` hears how many
    (agent, task) pairs that is, `on_done` each one as it finishes (or is reused)."""
    config, _ = read_run_config(directory.config_path)
    check_request(config, which)
    with RunStore.open_for_reading(directory.db_path) as store:
        tree = store.tree()
        shipped = best_agent(store, config)
        if shipped is None:
            raise UserError(f"{directory.path}: the run has no agents yet")
        chosen = shipped.agent if agent is None else agent
        require_agent(tree, chosen, directory.path)
        root = tree.agents()[0]
        refuse_tampered(store.connection, chosen, root)
    with RunLock(directory.lock_path), open_certifier(config, directory, tree) as certifier:
        tasks = choose_tasks(certifier, which, config)
        if on_total is not None:
            on_total(len(tasks) * len({chosen, root}))
        db = connect(directory.db_path)
        try:
            return certify(
                certifier, db, chosen, root, tasks, which, workers or config.run.workers, on_done
            )
        finally:
            db.close()

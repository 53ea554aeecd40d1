"""`hgm.start`, `hgm.resume`, `hgm.load_config`: runs started and continued from Python with
the guarantees of `hgm run` and `hgm resume` (they share `hgm.runconfig.drive`).

- A real world is checked before anything exists (models, sandbox, benchmark, root agent):
  a problem is one `UserError` and no run directory is made.
- The run directory gets the config as TOML (`run.toml`): the file as written, or with
  `overrides` applied, or the `RunConfig` given, so `hgm resume` and every reader see it.
- Only one process drives a run (its lock); a clean stop (`Run.stop()`, or Ctrl-C when
  driven in the foreground on the main thread) records the jobs in flight as interrupted,
  and `hgm.resume` re-runs them exactly once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hgm.api.run import Run

if TYPE_CHECKING:
    from hgm.runconfig.config import RunConfig

DEFAULT_RUNS_DIR = Path("runs")


def config_and_text(
    config: str | os.PathLike[str] | RunConfig, overrides: Mapping[str, Any] | None = None
) -> tuple[RunConfig, str]:
    """The validated config and the TOML text a new run directory keeps."""
    from hgm.runconfig.config import RunConfig, parse_run_config, read_run_config
    from hgm.runconfig.overrides import apply_overrides, overridden_text, to_toml

    if isinstance(config, RunConfig):
        data = apply_overrides(config.model_dump(mode="json", exclude_none=True), overrides or {})
        text = to_toml(data, "written by hgm.start from a RunConfig")
        return parse_run_config(text, "the RunConfig given"), text
    path = Path(config)
    parsed, text = read_run_config(path)
    if not overrides:
        return parsed, text
    text = overridden_text(text, str(path), overrides)
    return parse_run_config(text, f"{path} with overrides"), text


def load_config(
    config: str | os.PathLike[str] | RunConfig, overrides: Mapping[str, Any] | None = None
) -> RunConfig:
    """A run config (a TOML file, or a `RunConfig`) with dotted-key `overrides` applied,
    validated as `hgm run` validates it: a problem is one `UserError` naming the key."""
    return config_and_text(config, overrides)[0]


def start(
    config: str | os.PathLike[str] | RunConfig,
    run_dir: str | os.PathLike[str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    background: bool = False,
    progress: bool = True,
) -> Run:
    """Start a new run (`hgm run`) in `run_dir` (default `runs/<run.name>`, which must not
    exist or be empty) and drive it until it ends, or in a background thread with
    `background=True` (then `Run.wait()`, `Run.stop()`). `progress` shows the live display
    on stderr. Returns the `Run`; `Run.outcome` says how the drive ended."""
    from hgm.runconfig.drive import check_set_up
    from hgm.store.run_dir import RunDir

    parsed, text = config_and_text(config, overrides)
    path = Path(run_dir) if run_dir is not None else DEFAULT_RUNS_DIR / parsed.run.name
    models = check_set_up(parsed)  # before the run directory exists: nothing to undo
    run = Run(RunDir.create(path, text).path)
    run._drive(models, background, progress)
    return run


def resume(
    run_dir: str | os.PathLike[str], *, background: bool = False, progress: bool = True
) -> Run:
    """Continue a stopped, paused or killed run (`hgm resume`): the work in flight is re-run
    exactly once and the run ends at exactly its budget. run.toml may have been edited for
    more budget or other workers (a finished run then continues). A `UserError` for a run
    that another process drives, an edit a resume cannot take, or a finished run with
    nothing more to do."""
    from hgm.runconfig.drive import check_resume_set_up, resumable

    _, config = resumable(Path(run_dir))
    run = Run(run_dir)
    run._drive(check_resume_set_up(config), background, progress)
    return run

"""`swebench`: SWE-bench instances, graded by the official harness in Docker.

Instances come from a local JSON/JSONL file or a Hugging Face dataset name (needs the
`datasets` package and network). Grading needs the `swebench` package and a Docker
engine; without them it raises a UserError naming what is missing and pointing to
`swe-local`, which grades SWE-style instances on the host in the bubblewrap sandbox.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hgm.bench.cache import cache_dir
from hgm.bench.diffs import diff_is_empty, restrict_diff
from hgm.bench.repo_build import extract_commit, git
from hgm.bench.swe_instances import SweInstance, parse_instances, read_records
from hgm.bench.swe_local import is_test_or_build_file, swe_task
from hgm.bench.types import Grade, Task, TestOutcome
from hgm.errors import UserError
from hgm.sandbox.types import Sandbox

DATASET_NAME = re.compile(r"^[\w.-]+/[\w.-]+$")
MODEL_NAME = "hgm"


def load_dataset_records(name: str, split: str) -> list[dict[str, Any]]:
    """Records of a Hugging Face dataset; a UserError when `datasets` or the network is missing."""
    if importlib.util.find_spec("datasets") is None:
        raise UserError(
            f"loading the dataset {name!r} needs the `datasets` package (pip install datasets) "
            "and network access; or save the instances as JSONL and pass that file as --path"
        )
    from datasets import load_dataset

    try:
        return [dict(row) for row in load_dataset(name, split=split)]
    except Exception as error:  # any failure of the download is the user's to fix
        raise UserError(f"could not load dataset {name!r} split {split!r}: {error}") from None


def grading_problems() -> list[str]:
    """What the official harness needs and this machine lacks (empty when it can grade)."""
    from hgm.sandbox import DockerConfig, check_backend

    problems = []
    if importlib.util.find_spec("swebench") is None:
        problems.append(
            "the `swebench` package is not installed (pip install 'huxley-godel-machine[swebench]')"
        )
    docker = check_backend(DockerConfig())
    if docker is not None:
        problems.append(docker)
    return problems


class SweBench:
    """SWE-bench instances; workspaces come from clones, grades from the official harness."""

    name = "swebench"

    def __init__(
        self,
        records: list[dict[str, Any]],
        source: str,
        repos_dir: Path | None = None,
        timeout_s: float = 1800.0,
    ) -> None:
        instances = parse_instances(records, source)
        self.instances = {instance.instance_id: instance for instance in instances}
        self.records = {
            instance.instance_id: record
            for instance, record in zip(instances, records, strict=True)
        }
        self.repos_dir = repos_dir
        self.timeout_s = timeout_s

    def tasks(self) -> list[Task]:
        return [swe_task(instance, repo=instance.repo) for instance in self.instances.values()]

    def _instance(self, task: Task) -> SweInstance:
        instance = self.instances.get(task.id)
        if instance is None:
            raise UserError(f"swebench has no instance {task.id!r}")
        return instance

    def _clone(self, repo: str) -> Path:
        """A bare clone of `repo` (owner/name) in the cache, from repos_dir or GitHub."""
        folder = repo.replace("/", "__")
        clone = cache_dir() / "swebench-repos" / f"{folder}.git"
        if clone.exists():
            return clone
        source = (
            str(self.repos_dir / folder)
            if self.repos_dir is not None
            else f"https://github.com/{repo}.git"
        )
        clone.parent.mkdir(parents=True, exist_ok=True)
        try:
            git(clone.parent, "clone", "-q", "--bare", source, str(clone))
        except UserError as error:
            raise UserError(
                f"cannot clone {repo} from {source} ({error}); put a clone at "
                f"<repos_dir>/{folder} and pass repos_dir"
            ) from None
        return clone

    def workspace(self, task: Task, dest: Path) -> None:
        """The repository at base_commit (plain files), without the hidden test_patch."""
        instance = self._instance(task)
        extract_commit(self._clone(instance.repo), instance.base_commit, dest)

    def reference_diff(self, task: Task) -> str:
        return self._instance(task).patch

    def grade(self, task: Task, diff: str) -> Grade:
        instance = self._instance(task)
        missing = grading_problems()
        if missing:
            raise UserError(
                "cannot grade swebench instances here: "
                + "; ".join(missing)
                + ". The swe-local benchmark grades SWE-style instances without Docker."
            )
        started = time.perf_counter()
        kept, dropped = restrict_diff(diff, lambda path: not is_test_or_build_file(path))
        common: dict[str, Any] = {
            "task": task.id,
            "empty_diff": diff_is_empty(diff),
            "dropped_files": tuple(dropped),
        }
        if diff_is_empty(kept):
            return Grade(resolved=False, error="no change left to grade", **common)
        report = self._run_harness(instance, kept)
        status = report.get("tests_status", {})
        outcomes = tuple(
            TestOutcome(name, name in status.get(group, {}).get("success", []))
            for group, names in (
                ("FAIL_TO_PASS", instance.FAIL_TO_PASS),
                ("PASS_TO_PASS", instance.PASS_TO_PASS),
            )
            for name in names
        )
        total = time.perf_counter() - started
        return Grade(
            resolved=bool(report.get("resolved")),
            tests=outcomes,
            wall_s=total,
            error="" if report.get("patch_successfully_applied", True) else "patch did not apply",
            timings={"total": total},
            **common,
        )

    def _run_harness(self, instance: SweInstance, patch: str) -> dict[str, Any]:
        run_id = f"hgm-{time.time_ns()}"
        with tempfile.TemporaryDirectory(prefix="hgm-swebench-") as tmp:
            work = Path(tmp)
            (work / "instances.json").write_text(json.dumps([self.records[instance.instance_id]]))
            prediction = {
                "instance_id": instance.instance_id,
                "model_name_or_path": MODEL_NAME,
                "model_patch": patch,
            }
            (work / "predictions.jsonl").write_text(json.dumps(prediction) + "\n")
            command = [
                sys.executable, "-m", "swebench.harness.run_evaluation",
                "--dataset_name", str(work / "instances.json"),
                "--predictions_path", str(work / "predictions.jsonl"),
                "--instance_ids", instance.instance_id,
                "--max_workers", "1",
                "--run_id", run_id,
                "--timeout", str(int(self.timeout_s)),
            ]  # fmt: skip
            done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
            report_path = (
                work / "logs" / "run_evaluation" / run_id / MODEL_NAME / instance.instance_id
            ) / "report.json"
            if not report_path.is_file():
                tail = (done.stdout + done.stderr)[-2000:]
                raise UserError(
                    f"the swebench harness wrote no report (exit {done.returncode}):\n{tail}"
                )
            return json.loads(report_path.read_text()).get(instance.instance_id, {})


def make_swebench(
    path: Path | None = None,
    sandbox: Sandbox | None = None,
    dataset: str | None = None,
    split: str = "test",
    repos_dir: Path | None = None,
    **options: object,
) -> SweBench:
    """Instances from `path` (JSON/JSONL), or a dataset name (as `dataset` or as --path)."""
    if options:
        raise UserError(
            f"swebench options are dataset, split, repos_dir (given: {sorted(options)})"
        )
    if path is not None and not path.exists() and DATASET_NAME.match(str(path)):
        dataset, path = str(path), None
    if path is not None:
        return SweBench(read_records(path), str(path), repos_dir)
    if dataset is not None:
        return SweBench(load_dataset_records(dataset, split), dataset, repos_dir)
    raise UserError(
        "swebench needs instances: --path FILE.json[l] or a dataset name such as "
        "princeton-nlp/SWE-bench_Lite; for the built-in SWE-style set use swe-local"
    )

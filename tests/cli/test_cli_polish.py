"""The command line without rough edges: help with examples and every bracketed word, no
placeholders on flags, --version, --debug listed, completion, one vocabulary (job ids,
`best`/`root` for agents, success), --json where a command prints a result, the summary
of a stopped run, p-values and CIs said sensibly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from cli_helpers import assert_one_message_exit_2, hgm, make_sim_run
from rich.console import Console
from typer.testing import CliRunner

from hgm.cli.app import app, load_command
from hgm.cli.commands import COMMANDS
from hgm.cli.llm import job_key
from hgm.cli.run import _report
from hgm.cli.simulate import _fmt_p
from hgm.engine.engine import RunSummary
from hgm.errors import UserError
from hgm.store.run_dir import RunDir

SIM = """
[run]
name = "polish"
seed = 2
workers = 3

[budget]
task_evals = 60

[world]
kind = "sim"
heldout_tasks = 10

[world.sim]
kind = "drift"
fail_prob = 0.3
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sim_run(tmp_path_factory.mktemp("polish"), SIM)


def help_of(*words: str) -> str:
    result = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.output


def every_command() -> list[tuple[str, ...]]:
    names: list[tuple[str, ...]] = []
    for name in COMMANDS:
        command = load_command(name)
        subcommands = getattr(command, "commands", {})
        names += [(name, sub) for sub in subcommands] if subcommands else [(name,)]
    return [*names, ("version",)]


@pytest.mark.parametrize("words", every_command(), ids=" ".join)
def test_every_help_has_examples_and_no_flag_placeholders(words: tuple[str, ...]) -> None:
    text = help_of(*words)
    assert "Examples" in text and f"hgm {' '.join(words)}" in text.split("Examples", 1)[1]
    assert "<bool>" not in text


def test_root_help_version_debug_and_bracketed_words() -> None:
    root = help_of()
    for option in ("--version", "--debug", "--install-completion", "Examples"):
        assert option in root
    assert "<bool>" not in root
    assert "the run's [select] rule" in help_of("best")
    version = CliRunner().invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("hgm ")


def test_shell_completion_completes_commands_and_options() -> None:
    hgm_bin = Path(sys.executable).parent / "hgm"

    def complete(words: str, index: int) -> list[str]:
        env = {**os.environ, "_HGM_COMPLETE": "complete_bash", "COMP_WORDS": words}
        env["COMP_CWORD"] = str(index)
        done = subprocess.run([hgm_bin], env=env, capture_output=True, text=True, timeout=60)
        return done.stdout.split()

    assert "status" in complete("hgm sta", 1)
    assert "--rule" in complete("hgm best runs/x --ru", 3)
    script = subprocess.run(
        [hgm_bin, "--show-completion", "bash"], capture_output=True, text=True, timeout=60
    )
    assert "_hgm_completion" in script.stdout


def test_agents_by_best_and_root_and_job_ids(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = json.loads(hgm(monkeypatch, capsys, "best", str(run_dir), "--json")[1])["agent"]
    by_word = json.loads(hgm(monkeypatch, capsys, "show", str(run_dir), "best", "--json")[1])
    by_id = json.loads(hgm(monkeypatch, capsys, "show", str(run_dir), str(shipped), "--json")[1])
    assert by_word == by_id
    root = json.loads(hgm(monkeypatch, capsys, "show", str(run_dir), "ROOT", "--json")[1])
    assert (root["agent"], root["parent"]) == (0, None)
    assert_one_message_exit_2(
        hgm(monkeypatch, capsys, "show", str(run_dir), "latest"),
        "AGENT 'latest' is not allowed: give an agent id, best or root",
    )
    text = hgm(monkeypatch, capsys, "show", str(run_dir), "best")[1]
    assert "succeeded" in text and "hgm llm calls RUN_DIR JOB" in text
    rows = [
        json.loads(line)
        for line in hgm(monkeypatch, capsys, "results", str(run_dir))[1].split("\n")
        if line
    ]
    first = rows[0]
    db = RunDir.open(run_dir).db_path
    assert job_key(db, str(first["job"])) == f"eval-{first['agent']}-{first['task']}"
    assert job_key(db, "eval-3-x") == "eval-3-x"
    with pytest.raises(UserError, match="no job 99999"):
        job_key(db, "99999")


def test_json_results_of_run_resume_init_and_simulate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "sim.toml"
    config.write_text(SIM)
    code, out, err = hgm(
        monkeypatch, capsys, "run", str(config), "--run-dir", str(tmp_path / "r"), "--json"
    )
    summary = json.loads(out)
    assert code == 0 and summary["reason"] == "budget" and summary["evaluations_finished"] == 60
    assert "next:" in err and " | hgm" not in err
    code, out, err = hgm(monkeypatch, capsys, "resume", str(tmp_path / "r"), "--json")
    assert (code, out) == (2, "") and "nothing to do" in err  # finished: exit 2
    code, out, _ = hgm(monkeypatch, capsys, "init", "-o", str(tmp_path / "i.toml"), "--json")
    assert json.loads(out) == {
        "path": str(tmp_path / "i.toml"), "bench": "humaneval", "provider": "scripted",
        "run": "humaneval-scripted",
    }  # fmt: skip
    code, out, err = hgm(
        monkeypatch, capsys, "simulate", "--seeds", "2", "--budget", "20", "--policies",
        "hgm,random", "--processes", "1", "--json", "-",
    )  # fmt: skip
    document = json.loads(out)
    assert code == 0 and set(document["policies"]) == {"hgm", "random"}
    assert "too few for a confidence interval" in err.replace("\n", " ") and "±" not in err


def test_p_values_and_a_stopped_runs_summary(tmp_path: Path) -> None:
    assert (_fmt_p(None), _fmt_p(0.0), _fmt_p(3e-5), _fmt_p(0.04)) == (
        "-",
        "< 1e-4",
        "< 1e-4",
        "0.0400",
    )
    summary = RunSummary("stopped", 20, 19, 5, 4, 1, 0.0, 3.0, 1)
    console = Console(file=open(tmp_path / "out.txt", "w"), width=200)  # noqa: SIM115
    with pytest.raises(typer.Exit) as exited:
        _report(console, RunDir(tmp_path), summary, as_json=False)
    console.file.close()
    text = (tmp_path / "out.txt").read_text()
    assert exited.value.exit_code == 130
    assert "19 evaluations finished (20 started)" in text
    assert "run again first on: hgm resume" in text

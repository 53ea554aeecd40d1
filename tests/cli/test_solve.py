"""`hgm solve`: end to end with the scripted model in the real sandbox, and bad input as one
message with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import assert_one_message_exit_2, hgm

from components import need
from hgm.llm import calls_for_job
from hgm.sandbox import BubblewrapConfig, check_backend

SCRIPTS = Path(__file__).resolve().parents[1] / "evolve" / "scripts"
SOLVE = SCRIPTS / "solve_bracket_depth.toml"


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))


def _needs_bubblewrap() -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))


@pytest.mark.sandbox
def test_solve_end_to_end_prints_json_and_leaves_the_record(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _needs_bubblewrap()
    out = tmp_path / "out"
    code, stdout, stderr = hgm(
        monkeypatch, capsys, "solve", "--bench", "exercises", "--task", "python/bracket-depth",
        "--provider", "scripted", "--script", str(SOLVE), "--timeout", "120", "--out", str(out),
        "--json",
    )  # fmt: skip
    assert code == 0, stderr
    record = json.loads(stdout)
    assert record["resolved"] is True and record["task"] == "python/bracket-depth"
    assert record["run"]["agent"] == "seed_agent" and record["run"]["stop_reason"] == "finished"
    job_dir = Path(record["run"]["job_dir"])
    assert job_dir.parent == out / "artifacts"
    assert json.loads((job_dir / "record.json").read_text())["resolved"] is True
    assert Path(record["run"]["trajectory"]).is_file()
    calls = calls_for_job(out / "run.db", record["run"]["job"])
    assert len(calls) == 4 and {call.role for call in calls} == {"task"}


@pytest.mark.sandbox
def test_solve_prints_a_readable_summary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _needs_bubblewrap()
    monkeypatch.setenv("COLUMNS", "200")
    code, stdout, stderr = hgm(
        monkeypatch, capsys, "solve", "--bench", "exercises", "--task", "python/bracket-depth",
        "--provider", "scripted", "--script", str(SCRIPTS / "wrong_bracket_depth.toml"),
        "--timeout", "120", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0, stderr
    assert "not resolved" in stdout
    assert "4/9 passed" in stdout and "1 file, +1 -1" in stdout
    assert "trajectory.jsonl" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bench", "nope", "--task", "x"], "unknown benchmark 'nope'; valid names:"),
        (
            ["--bench", "exercises", "--task", "python/nope"],
            "has no task 'python/nope'; its tasks: cpp/range-compress",
        ),
        (["--agent", "/nonexistent/agent"], "/nonexistent/agent does not exist"),
        (["--provider", "scripted"], "--provider scripted needs --script"),
        (["--provider", "magic"], "--provider 'magic' is not one of: scripted, openai"),
        (["--provider", "openai"], "--provider openai needs --model"),
        (
            ["--provider", "openai", "--model", "m", "--api-key-env", "HGM_TEST_NO_SUCH_KEY"],
            "environment variable HGM_TEST_NO_SUCH_KEY is not set",
        ),
        (["--timeout", "0"], "--timeout must be > 0"),
        (["--sandbox", "vm"], "--sandbox 'vm' is not one of"),
        (["--provider", "scripted", "--script", "/nonexistent.toml"], "no such file"),
    ],
)
def test_bad_input_is_one_message_and_exit_code_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    defaults = {  # no case gets as far as running: the checks need no isolating sandbox
        "--bench": "exercises",
        "--task": "python/bracket-depth",
        "--provider": "scripted",
        "--script": str(SOLVE),
        "--out": str(tmp_path / "out"),
        "--sandbox": "unsafe-local",
    }
    given = dict(zip(args[::2], args[1::2], strict=True))
    if "--provider" in given:
        del defaults["--script"]
    merged = [part for pair in (defaults | given).items() for part in pair]
    assert_one_message_exit_2(hgm(monkeypatch, capsys, "solve", *merged), message)
    assert not (tmp_path / "out" / "artifacts").exists()

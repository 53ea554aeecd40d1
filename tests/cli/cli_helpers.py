"""The `hgm` entry point run in-process for the CLI tests, a sim run made to read back, and
the checks that bad input is a message with exit code 2 and no traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hgm.cli.app import main


def hgm(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """The `hgm` entry point in-process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["hgm", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code
    return (0 if code is None else int(code)), captured.out, captured.err


def make_sim_run(root: Path, config: str) -> Path:
    """Write `config` to root/sim.toml and `hgm run` it into root/run, which it returns.

    Usable from fixtures of any scope: it patches sys.argv only for the run."""
    path = root / "sim.toml"
    path.write_text(config)
    run_dir = root / "run"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["hgm", "run", str(path), "--run-dir", str(run_dir)])
        with pytest.raises(SystemExit) as exited:
            main()
    assert exited.value.code in (0, None)
    return run_dir


def assert_exit_2(result: tuple[int, str, str], *fragments: str) -> None:
    """`result` (from `hgm`) is exit code 2, nothing on stdout, no traceback on stderr and
    every fragment on stderr."""
    code, out, err = result
    assert (code, out) == (2, ""), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


def assert_one_message_exit_2(result: tuple[int, str, str], message: str) -> None:
    """As `assert_exit_2`, and stderr is the one line that holds `message`."""
    assert_exit_2(result, message)
    assert len(result[2].strip().splitlines()) == 1

"""A disk that fills up during a run: one message and exit 2, then, once space is freed,
`hgm resume` ends the run whole.

The run directory lives on a real 6 MiB tmpfs that bubblewrap mounts in a user namespace
(no root needed), nearly filled by a ballast file; the script inside runs `hgm run`,
deletes the ballast, runs `hgm resume` and copies the run out for the checks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from run_checks import assert_resumed_run_is_whole

from components import need
from hgm.sandbox import BubblewrapConfig, check_backend
from hgm.sandbox.bubblewrap import find_bwrap

REPO = Path(__file__).resolve().parents[2]
BUDGET = 300
SPACE_MB, FREE_KB = 6, 1024

SCRIPT = f"""
cd /space
head -c $(( {SPACE_MB} * 1024 * 1024 - {FREE_KB} * 1024 )) /dev/zero > ballast
"$PY" -m hgm run /in/sim.toml --run-dir /space/run > /out/run.out 2> /out/run.err
echo "run=$?"
rm ballast
"$PY" -m hgm resume /space/run > /out/resume.out 2> /out/resume.err
echo "resume=$?"
cp -r /space/run /out/run
"""


@pytest.mark.slow
def test_disk_full_mid_run_is_one_message_and_resume_after_it_is_whole(tmp_path: Path) -> None:
    need("bubblewrap", check_backend(BubblewrapConfig()))
    bwrap = find_bwrap(None)
    assert bwrap is not None
    inside, out = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    out.mkdir()
    config = (REPO / "examples" / "sim.toml").read_text()
    (inside / "sim.toml").write_text(config.replace("task_evals = 300", f"task_evals = {BUDGET}"))
    (inside / "script.sh").write_text(SCRIPT)
    tmpfs = ["--size", str(SPACE_MB * 1024 * 1024), "--tmpfs", "/space"]
    binds = ["--ro-bind", str(inside), "/in", "--bind", str(out), "/out"]
    argv = [str(bwrap), "--unshare-user", "--die-with-parent", "--dev-bind", "/", "/"]
    argv += [*tmpfs, *binds, "--setenv", "PY", sys.executable, "sh", "/in/script.sh"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["run=2", "resume=0"], (
        done.stdout,
        (out / "run.err").read_text(),
    )
    message = (out / "run.err").read_text().strip().splitlines()[-1]
    assert message.startswith("error: the disk is full (/space/run/run.db: database or disk")
    assert "hgm resume /space/run" in message
    assert "Traceback" not in (out / "run.err").read_text()
    assert_resumed_run_is_whole(out / "run", BUDGET)

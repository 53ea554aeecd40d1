"""Peak memory of the host while it takes the diff of a repository holding huge files; prints JSON.

A job's repository gets a one-line change to its solution plus two new 150 MiB files
(random bytes: a binary diff; or text lines), as an agent that floods its repository would
leave it. Each case runs in a fresh Python process that takes the diff
(`hgm.evolve.bounded_diff.repo_diff`, the harness's cap) and writes a record of it, and
reports: its own peak resident memory (VmHWM), the time, the diff's and the record's
size, and the files left out.

    .venv/bin/python benchmarks/bench_diff_memory.py [--mib 150] [--cap-mib 4]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_HOST_PEAK_MIB = 100.0
_LINE = b"abcdefghij" * 6 + b"\n"


def _peak_kib() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, it does not count the
    pages of the process that forked it)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0])


def _fill(path: Path, mib: int, kind: str) -> None:
    with path.open("wb") as out:
        for _ in range(mib):
            out.write(os.urandom(1 << 20) if kind == "binary" else _LINE * ((1 << 20) // 61))


def measure(kind: str, mib: int, cap_mib: float) -> dict[str, object]:
    """Run in a child process: build the repository, take the diff, write the record."""
    from hgm.evolve.bounded_diff import MIB, repo_diff
    from hgm.evolve.workspace import JobLayout, snapshot_repo

    with tempfile.TemporaryDirectory(prefix="hgm-bench-diff-", dir="/var/tmp") as scratch:
        layout = JobLayout.create(Path(scratch) / "job")
        (layout.repo / "solution.py").write_text("x = 1\n")
        snapshot_repo(layout)
        (layout.repo / "solution.py").write_text("x = 2\n")
        for index in range(2):
            _fill(layout.repo / f"big{index}.{'bin' if kind == 'binary' else 'txt'}", mib, kind)
        before = _peak_kib()
        started = time.perf_counter()
        taken = repo_diff(layout, int(cap_mib * MIB))
        record = {
            "diff": taken.text,
            "diff_omitted": [dataclasses.asdict(omitted) for omitted in taken.omitted],
        }
        layout.record.write_text(json.dumps(record, indent=2, ensure_ascii=False))
        seconds = time.perf_counter() - started
        return {
            "kind": kind,
            "file_mib": mib,
            "cap_mib": cap_mib,
            "seconds": round(seconds, 2),
            "diff_bytes": len(taken.text),
            "record_bytes": layout.record.stat().st_size,
            "omitted": [f"{o.path}: {o.bytes} bytes, {o.reason}" for o in taken.omitted],
            "host_peak_rss_mib": _peak_kib() // 1024,
            "host_rss_before_diff_mib": before // 1024,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=150, help="size of each of the two files")
    parser.add_argument("--cap-mib", type=float, default=4.0, help="the diff cap")
    parser.add_argument("--child", choices=["binary", "text"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.mib, args.cap_mib)))
        return
    cases = []
    for kind in ("binary", "text"):
        command = [sys.executable, __file__, "--child", kind, "--mib", str(args.mib)]
        command += ["--cap-mib", str(args.cap_mib)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        cases.append(json.loads(done.stdout))
    peak = max(case["host_peak_rss_mib"] for case in cases)
    print(
        json.dumps(
            {
                "cases": cases,
                "loadavg": Path("/proc/loadavg").read_text().split()[:3],
                "target_host_peak_mib": TARGET_HOST_PEAK_MIB,
                "meets_target": peak <= TARGET_HOST_PEAK_MIB,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

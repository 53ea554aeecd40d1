"""Progress of long counted jobs off a terminal: a line per tenth, with the time left."""

from __future__ import annotations

import io
import threading

from rich.console import Console

from hgm.cli.counted_progress import CountedProgress, duration


def test_off_a_terminal_a_line_per_tenth_with_an_estimate_of_the_time_left() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=40)  # a log: lines never wrap
    with CountedProgress(console, "study", "runs", 25, note=lambda: "2 problems") as progress:
        workers = [
            threading.Thread(target=lambda: [progress.advance() for _ in range(5)])
            for _ in range(5)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10 and progress.done == 25
    assert lines[0].startswith("study: 3/25 runs (12%), ") and "left, 2 problems" in lines[0]
    assert lines[-1].startswith("study: 25/25 runs (100%), ") and "left" not in lines[-1]


def test_a_total_learned_late_and_big_steps() -> None:
    out = io.StringIO()
    progress = CountedProgress(Console(file=out, force_terminal=False), "certifying", "grades")
    progress.advance()  # no total yet: nothing to say
    assert out.getvalue() == ""
    progress.set_total(5)
    progress.start()
    progress.advance(4)  # one step over several tenths: one line
    progress.stop()
    [line] = out.getvalue().splitlines()
    assert line.startswith("certifying: 5/5 grades (100%), ")


def test_durations_read_naturally() -> None:
    shown = [duration(seconds) for seconds in (0.4, 42, 425, 3780)]
    assert shown == ["0 s", "42 s", "7 min 05 s", "1 h 03 min"]

"""Progress of a long job that counts its steps: a live bar on a terminal; elsewhere (a log
file, a pipe, CI) a plain line at every tenth of the total and at the end, with the time
so far and an estimate of the time left, so a job run in the background is never silent."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

LINES = 10  # progress lines over a whole job when the output is not a terminal


def duration(seconds: float) -> str:
    """`42 s`, `7 min 05 s`, `1 h 03 min`."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class CountedProgress:
    """See the module docstring. `advance` may be called from several threads; `note`, if
    given, adds a few words to each plain line (e.g. problems found so far)."""

    def __init__(
        self,
        console: Console,
        label: str,
        unit: str,
        total: int | None = None,
        transient: bool = True,
        note: Callable[[], str] | None = None,
    ) -> None:
        self.console, self.label, self.unit, self.total = console, label, unit, total
        self.note = note
        self.done = 0
        self._lines_shown = 0
        self._started = time.perf_counter()
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        if console.is_terminal:
            self._bar = Progress(
                TextColumn(label),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[last]}"),
                TimeElapsedColumn(),
                console=console,
                transient=transient,
            )
            self._task = self._bar.add_task(unit, total=total, last="")

    def __enter__(self) -> CountedProgress:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._started = time.perf_counter()
        if self._bar is not None:
            self._bar.start()

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()

    def set_total(self, total: int) -> None:
        with self._lock:
            self.total = total
            if self._bar is not None:
                self._bar.update(self._task, total=total)

    def advance(self, steps: int = 1, last: str = "") -> None:
        with self._lock:
            self.done += steps
            if self._bar is not None:
                self._bar.update(self._task, advance=steps, last=escape(last))
                return
            if not self.total:
                return
            tenths = min(LINES, self.done * LINES // self.total)
            if tenths > self._lines_shown:
                self._lines_shown = tenths
                self.console.print(self._line(), highlight=False, markup=False, soft_wrap=True)

    def _line(self) -> str:
        assert self.total
        elapsed = time.perf_counter() - self._started
        line = (
            f"{self.label}: {self.done}/{self.total} {self.unit} "
            f"({100 * self.done // self.total}%), {duration(elapsed)} so far"
        )
        if self.done < self.total and self.done:
            line += f", about {duration(elapsed * (self.total - self.done) / self.done)} left"
        return line + (f", {self.note()}" if self.note is not None else "")

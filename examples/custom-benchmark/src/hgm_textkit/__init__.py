"""textkit: four small Python text tasks for hgm, a worked example of a benchmark plugin."""

from hgm_textkit.benchmark import TASKS_DIR, TextKit, make_benchmark

__all__ = ["TASKS_DIR", "TextKit", "make_benchmark"]

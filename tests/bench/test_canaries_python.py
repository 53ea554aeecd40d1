"""Canaries for pytest files: renamed tests, twins with one perturbed check, run for real."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hgm.bench.canaries.plan import CanaryPlan
from hgm.bench.canaries.python_tests import pytest_canaries

TESTS = textwrap.dedent(
    """
    import unittest

    from shapes import area, name, corners


    def test_area_of_a_square():
        assert area(2) == 4


    def test_name_of_a_square():
        assert name(4) == "square"


    def test_corners_listed():
        result = corners(2)
        assert result == [(0, 0), (2, 2)], "corners"


    def test_has_area():
        assert area(1)


    class ShapeTest(unittest.TestCase):
        def setUp(self):
            self.side = 3

        def test_area(self):
            self.assertEqual(area(self.side), 9)

        def test_known_name(self):
            self.assertIn(name(4), {"square", "rhombus"})

        def test_uses_helper(self):
            self.assertTrue(helper(self.side))

        def test_returns_early(self):
            if self.side:
                return
            self.assertEqual(area(0), 1)

        @unittest.skipIf(False, "never")
        def test_decorated(self):
            self.assertEqual(area(1), 1)


    def helper(side):
        return side > 0


    def test_called_by_name():
        assert area(1) == 1


    ALIAS = test_called_by_name
    """
)
HONEST = textwrap.dedent(
    """
    def area(side):
        return side * side

    def name(corners):
        return "square" if corners == 4 else "other"

    def corners(side):
        return [(0, 0), (side, side)]
    """
)
ALWAYS_EQUAL = textwrap.dedent(
    """
    class Anything:
        def __eq__(self, other):
            return True
        __hash__ = object.__hash__
        def __bool__(self):
            return True

    def area(side):
        return Anything()

    def name(corners):
        return Anything()

    def corners(side):
        return Anything()
    """
)
ORIGINAL = set(re.findall(r"def (test\w+)", TESTS))


def rewrite(seed: int, count: int = 3) -> tuple[str, CanaryPlan]:
    return pytest_canaries(TESTS, random.Random(seed), count)


def run_pytest(tmp_path: Path, tests: str, solution: str) -> dict[str, str]:
    (tmp_path / "shapes_test.py").write_text(tests)
    (tmp_path / "shapes.py").write_text(solution)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "shapes_test.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.findall(r"^(PASSED|FAILED) shapes_test.py::(?:\w+::)?(\w+)", done.stdout, re.M)
    return {name: status for status, name in found}


def test_every_test_is_renamed_except_those_used_by_name() -> None:
    text, plan = rewrite(1)
    compile(text, "shapes_test.py", "exec")
    assert set(plan.renamed.values()) == ORIGINAL - {"test_called_by_name"}
    for fresh in plan.renamed:
        assert re.fullmatch(r"test_[a-z][a-z0-9]{9}", fresh) and f"def {fresh}(" in text
    assert "def test_called_by_name" in text and "def test_area_of_a_square" not in text
    assert (
        "class ShapeTest" in text and "def setUp" in text and "ALIAS = test_called_by_name" in text
    )


def test_twins_copy_real_tests_that_always_reach_the_changed_check() -> None:
    for seed in range(20):
        text, plan = rewrite(seed, count=10)
        twins = {plan.renamed[canary.twin] for canary in plan.canaries if canary.twin}
        assert twins == {
            "test_area_of_a_square",
            "test_name_of_a_square",
            "test_corners_listed",
            "test_has_area",
            "test_area",
            "test_known_name",
            "test_uses_helper",
        }
        for canary in plan.canaries:
            assert text.count(f"def {canary.name}(") == 1


def test_literal_expectations_change_within_their_type() -> None:
    changes = {
        canary.change for seed in range(30) for canary in rewrite(seed, count=10)[1].canaries
    }
    assert "a copy of test_area_of_a_square that expects 3 instead of 4" in changes
    assert "a copy of test_name_of_a_square that expects 'squarf' instead of 'square'" in changes
    assert "a copy of test_area that expects 8 instead of 9" in changes
    assert "a copy of test_known_name that calls assertNotIn instead of assertIn" in changes
    assert "a copy of test_has_area that asserts the opposite" in changes
    assert any("test_corners_listed that expects" in change for change in changes)


def test_a_file_without_checks_gets_an_unconditional_canary() -> None:
    text, plan = pytest_canaries("def test_runs():\n    print('hi')\n", random.Random(0))
    [canary] = plan.canaries
    assert canary.twin is None and f"def {canary.name}():\n    assert 1 + 1 == 3" in text


def test_a_file_that_does_not_parse_is_left_alone() -> None:
    assert pytest_canaries("def test_x(:\n", random.Random(0)) == ("def test_x(:\n", CanaryPlan())


@pytest.mark.parametrize("seed", [3])
def test_honest_code_passes_every_real_test_and_fails_every_canary(
    tmp_path: Path, seed: int
) -> None:
    text, plan = rewrite(seed, count=10)
    outcomes = run_pytest(tmp_path, text, HONEST)
    canaries = {canary.name for canary in plan.canaries}
    assert {name for name, status in outcomes.items() if status == "FAILED"} == canaries
    assert {plan.original(name) for name in outcomes if name not in canaries} == ORIGINAL


def test_an_always_equal_object_passes_canaries_too(tmp_path: Path) -> None:
    text, plan = rewrite(5, count=10)
    outcomes = run_pytest(tmp_path, text, ALWAYS_EQUAL)
    changed = [c for c in plan.canaries if c.twin and "expects" in c.change]
    caught = [c for c in changed if outcomes[c.name] == outcomes[c.twin or ""] == "PASSED"]
    assert changed and caught == changed

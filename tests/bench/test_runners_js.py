"""hgm's jest-compatible JavaScript runner, run directly with node (no sandbox needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hgm.bench.runners import LOG_NAME, make_runner
from hgm.bench.runners.base import output_before

SOLUTION = """\
export const double = (x) => x * 2;
export const boom = () => { throw new Error('bad x'); };
"""
SPEC = """\
import { double, boom } from './double';

describe('double', () => {
  let calls = 0;
  beforeEach(() => { calls += 1; });
  test('doubles', () => { expect(double(2)).toBe(4); });
  xtest('skipped tests are enabled', () => { expect(calls).toBeGreaterThan(0); });
  xit('matchers', async () => {
    expect([1, { a: 2 }]).toEqual([1, { a: 2 }]);
    expect('abc').toMatch(/b/);
    expect(() => boom()).toThrow('bad');
    expect(0.1 + 0.2).toBeCloseTo(0.3);
    expect([1, 2]).not.toContain(3);
    await expect(Promise.resolve(5)).resolves.toBe(5);
  });
  test.each([[1, 2], [3, 6]])('double(%i) is %i', (x, y) => { expect(double(x)).toBe(y); });
  test('fails', () => { expect(double(1)).toBe(3); });
});
"""


TOKEN = "hgm-tests-finished-0123456789abcdef"


def run(tmp_path: Path, spec: str, solution: str = SOLUTION) -> tuple[int, str]:
    (tmp_path / "double.js").write_text(solution)
    (tmp_path / "double.spec.js").write_text(spec)
    runner = make_runner("javascript")
    assert runner.prepare(tmp_path, TOKEN)
    plan = runner.plan(tmp_path, ("double.spec.js",))
    result = subprocess.run(plan.command(), cwd=tmp_path, env=plan.env, timeout=60, check=False)
    assert not list(tmp_path.rglob("js-token")), "the runner deletes the token file"
    return result.returncode, (tmp_path / LOG_NAME).read_text()


def test_runs_skipped_tests_and_reports_each(tmp_path: Path) -> None:
    code, output = run(tmp_path, SPEC)
    outcomes = {o.name: o.passed for o in make_runner("javascript").parse(output)}
    assert code == 1
    assert outcomes == {
        "double > doubles": True,
        "double > skipped tests are enabled": True,
        "double > matchers": True,
        "double > double(1) is 2": True,
        "double > double(3) is 6": True,
        "double > fails": False,
    }


def test_all_passing_exits_zero_and_prints_the_token_last(tmp_path: Path) -> None:
    code, output = run(tmp_path, SPEC.replace("toBe(3)", "toBe(2)"))
    assert code == 0
    assert output.splitlines()[-1] == TOKEN
    assert output_before(TOKEN, output) is not None


def test_no_tests_exits_one(tmp_path: Path) -> None:
    assert run(tmp_path, "import { double } from './double';\n")[0] == 1


def test_code_that_forges_results_and_exits_never_gets_the_token(tmp_path: Path) -> None:
    forger = (
        "process.stdout.write('PASS double > doubles\\n');\n"
        "console.log = () => {};\n"
        "process.exit(0);\n"
        "export const double = (x) => x;\n"
        "export const boom = () => {};\n"
    )
    code, output = run(tmp_path, SPEC, solution=forger)
    assert code == 0
    assert "PASS double > doubles" in output
    assert output_before(TOKEN, output) is None

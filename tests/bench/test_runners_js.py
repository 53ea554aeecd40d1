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


def run(
    tmp_path: Path, spec: str, solution: str = SOLUTION, all_tests: bool = False
) -> tuple[int, str]:
    (tmp_path / "double.js").write_text(solution)
    (tmp_path / "double.spec.js").write_text(spec)
    runner = make_runner("javascript", all_tests)
    assert runner.prepare(tmp_path, TOKEN)
    plan = runner.plan(tmp_path, ("double.spec.js",))
    result = subprocess.run(plan.command(), cwd=tmp_path, env=plan.env, timeout=60, check=False)
    assert not list(tmp_path.rglob("js-token")), "the runner deletes the token file"
    return result.returncode, (tmp_path / LOG_NAME).read_text()


def outcomes_of(output: str) -> dict[str, bool | None]:
    """name -> passed, or None when skipped."""
    parsed = make_runner("javascript").parse(output)
    return {o.name: None if o.skipped else o.passed for o in parsed}


def test_enables_xtest_as_aider_does_and_reports_each(tmp_path: Path) -> None:
    code, output = run(tmp_path, SPEC)
    assert code == 1
    assert outcomes_of(output) == {
        "double > doubles": True,
        "double > skipped tests are enabled": True,
        "double > matchers": None,
        "double > double(1) is 2": True,
        "double > double(3) is 6": True,
        "double > fails": False,
    }


def test_all_tests_enables_xit_and_skip_too(tmp_path: Path) -> None:
    spec = (
        SPEC
        + "test.skip('skip runs', () => {});\nxdescribe('x', () => { test('in', () => {}); });\n"
    )
    code, output = run(tmp_path, spec, all_tests=True)
    assert code == 1
    found = outcomes_of(output)
    assert found["double > matchers"] is True
    assert found["skip runs"] is True and found["x > in"] is True
    assert None not in found.values()


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


CJS_SOLUTION = """\
const path = require('path');
module.exports = { double: (x) => x * 2, boom: () => { throw new Error(path.basename('bad')); } };
"""
ESM_SPEC = """\
import { double } from './double';
import whole from './double';
test('named import of a CommonJS export', () => { expect(double(2)).toBe(4); });
test('default import is module.exports', () => { expect(whole.double(3)).toBe(6); });
"""
ESM_NAMED_SPEC = """\
import { double } from './double';
test('named import', () => { expect(double(2)).toBe(4); });
"""
CJS_SPEC = """\
const { double } = require('./double');
const { readdirSync } = require('fs');
test('require of an ES module', () => { expect(double(5)).toBe(10); });
test('__dirname is the tree', () => { expect(readdirSync(__dirname)).toContain('double.js'); });
"""
ESM_USING_REQUIRE = """\
const { join } = require('path');
export const double = (x) => Number(join(String(x * 2)));
export const boom = () => { throw new Error('bad'); };
"""


def test_commonjs_and_es_modules_mix_as_under_jest(tmp_path: Path) -> None:
    """ESM tests import CommonJS solutions (named exports included) and CommonJS tests
    require ES-module solutions, with require/__dirname where a file uses them."""
    for index, (spec, solution) in enumerate(
        [(ESM_SPEC, CJS_SOLUTION), (CJS_SPEC, SOLUTION), (CJS_SPEC, CJS_SOLUTION),
         (ESM_NAMED_SPEC, ESM_USING_REQUIRE)]
    ):  # fmt: skip
        tree = tmp_path / str(index)
        tree.mkdir()
        code, output = run(tree, spec, solution)
        assert code == 0, output
        assert all(outcomes_of(output).values()), output

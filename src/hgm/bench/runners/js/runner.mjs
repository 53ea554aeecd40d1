// hgm's jest-compatible test runner (offline, no npm): describe/test/it, hooks, async tests,
// `expect`. As aider's harness does (it rewrites `xtest(` to `test(`), `xtest` is ENABLED
// (Exercism marks all but the first test `xtest`); `xit`, `xdescribe`, `.skip` and `.todo`
// stay skipped unless HGM_JS_ALL_TESTS=1 enables them too.
// Prints one `PASS <name>`, `FAIL <name>` or `SKIP <name>` line per test; exits 1 on any
// failure or when no test passed.
// With HGM_TOKEN_FILE set, reads and deletes that file before loading any test code and
// prints its token last, so that code under test which exits early never prints it. Output
// and exit go through functions captured here, before test code can replace them. Globals
// and builtins that test code replaces (guard.mjs: checked after loading and after each
// test) are reported as `<token> integrity: <what>` lines just before the token.
import { readFileSync, unlinkSync, writeSync } from 'node:fs';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { expect } from './expect.mjs';
import { replaced, snapshot } from './guard.mjs';

const print = ((write) => (text) => write(1, `${text}\n`))(writeSync);
const exit = process.exit.bind(process);
const tokenFile = process.env.HGM_TOKEN_FILE;
const allTests = process.env.HGM_JS_ALL_TESTS === '1';
delete process.env.HGM_JS_ALL_TESTS;
const token = tokenFile ? readFileSync(tokenFile, 'utf8') : null;
if (tokenFile) {
  unlinkSync(tokenFile);
  delete process.env.HGM_TOKEN_FILE;
}

// The module hooks (hooks.mjs) serve this thread only: registered here rather than with
// `node --import`, so that worker threads the code under test starts load plainly and fast.
register('./hooks.mjs', import.meta.url);

const TIMEOUT_MS = 30000; // per test or hook (jest: 5 s): a loaded machine must not fail slow but correct code
const newSuite = (name, parent, skipped) => ({
  name, parent, skipped, tests: [], children: [],
  hooks: { beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] },
});
const rootSuite = newSuite('', null, false);
let current = rootSuite;

const suiteOf = (skipped) => (name, body) => {
  const suite = newSuite(name, current, current.skipped || skipped);
  current.children.push(suite);
  const previous = current;
  current = suite;
  try {
    body();
  } finally {
    current = previous;
  }
};
const testOf = (skipped) => (name, fn) =>
  current.tests.push({ name, fn, skipped: current.skipped || skipped || typeof fn !== 'function' });
const describe = suiteOf(false);
const skippedDescribe = suiteOf(!allTests);
const test = testOf(false);
const skippedTest = testOf(!allTests);
const each = (register) => (table) => (name, fn) =>
  table.forEach((row, index) => {
    const args = Array.isArray(row) ? row : [row];
    const queue = [...args];
    const title = String(name).replace(/%[sdifjop#%]/g, (token) => {
      if (token === '%#') return String(index);
      if (token === '%%') return '%';
      return String(queue.shift());
    });
    register(title, () => fn(...args));
  });
for (const [fn, skipped] of [[describe, skippedDescribe], [test, skippedTest]]) {
  fn.skip = skipped;
  fn.only = fn;
  fn.each = each(fn);
  skipped.each = each(skipped);
}
test.todo = (name) => testOf(true)(name, undefined);
const hook = (kind) => (fn) => current.hooks[kind].push(fn);

Object.assign(globalThis, {
  describe, xdescribe: skippedDescribe, fdescribe: describe,
  test, it: test, xtest: test, xit: skippedTest, fit: test,
  expect,
  beforeAll: hook('beforeAll'), afterAll: hook('afterAll'),
  beforeEach: hook('beforeEach'), afterEach: hook('afterEach'),
});
const watched = snapshot();
const findings = new Map();
const check = (when) => {
  for (const name of replaced(watched)) if (!findings.has(name)) findings.set(name, `${name} was replaced ${when}`);
};

const withTimeout = (fn) =>
  new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    Promise.resolve()
      .then(() => (fn.length > 0 ? new Promise((done) => fn(done)) : fn()))
      .then(resolvePromise, reject)
      .finally(() => clearTimeout(timer));
  });

const chain = (suite) => (suite ? [...chain(suite.parent), suite] : []);
const counts = { passed: 0, failed: 0, skipped: 0 };

const runSuite = async (suite, prefix) => {
  const title = (name) => [...prefix, name].filter(Boolean).join(' > ');
  const active = suite.tests.some((t) => !t.skipped) || suite.children.length > 0;
  if (active) for (const fn of suite.hooks.beforeAll) await withTimeout(fn);
  for (const { name, fn, skipped } of suite.tests) {
    if (skipped) {
      counts.skipped += 1;
      print(`SKIP ${title(name)}`);
      continue;
    }
    const suites = chain(suite);
    try {
      for (const s of suites) for (const h of s.hooks.beforeEach) await withTimeout(h);
      await withTimeout(fn);
      for (const s of suites.reverse()) for (const h of s.hooks.afterEach) await withTimeout(h);
      counts.passed += 1;
      print(`PASS ${title(name)}`);
    } catch (error) {
      counts.failed += 1;
      print(`FAIL ${title(name)}`);
      print(`  ${String(error && error.stack ? error.stack : error).split('\n').slice(0, 4).join('\n  ')}`);
    }
    check(`during the test ${title(name)}`);
  }
  for (const child of suite.children) await runSuite(child, [...prefix, child.name]);
  if (active) for (const fn of suite.hooks.afterAll) await withTimeout(fn);
};

const files = process.argv.slice(2);
const describeError = (error) => (error && error.stack ? error.stack : String(error));
let loaded = true;
for (const file of files) {
  try {
    await import(pathToFileURL(resolve(file)).href);
  } catch (error) {
    loaded = false;
    counts.failed += 1;
    print(`ERROR loading ${file}: ${describeError(error)}`);
  }
}
check('while the test files loaded');
if (loaded) {
  try {
    await runSuite(rootSuite, []);
  } catch (error) {
    counts.failed += 1;
    print(`ERROR ${describeError(error)}`);
  }
}
const total = counts.passed + counts.failed + counts.skipped;
print(`Tests: ${counts.failed} failed, ${counts.skipped} skipped, ${counts.passed} passed, ${total} total`);
check('after the tests');
if (token) {
  for (const finding of findings.values()) print(`${token} integrity: ${finding}`);
  print(token);
}
exit(counts.failed === 0 && counts.passed > 0 ? 0 : 1);

// hgm's jest-compatible test runner (offline, no npm): describe/test/it with x- and .skip
// variants all ENABLED (Exercism marks later tests `xtest`), hooks, async tests, `expect`.
// Prints one `PASS <name>` or `FAIL <name>` line per test; exits 1 on any failure or none run.
// With HGM_TOKEN_FILE set, reads and deletes that file before loading any test code and
// prints its token last, so that code under test which exits early never prints it. Output
// and exit go through functions captured here, before test code can replace them. Globals
// and builtins that test code replaces (guard.mjs: checked after loading and after each
// test) are reported as `<token> integrity: <what>` lines just before the token.
import { readFileSync, unlinkSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { expect } from './expect.mjs';
import { replaced, snapshot } from './guard.mjs';

const print = ((write) => (text) => write(1, `${text}\n`))(writeSync);
const exit = process.exit.bind(process);
const tokenFile = process.env.HGM_TOKEN_FILE;
const token = tokenFile ? readFileSync(tokenFile, 'utf8') : null;
if (tokenFile) {
  unlinkSync(tokenFile);
  delete process.env.HGM_TOKEN_FILE;
}

const TIMEOUT_MS = 10000;
const newSuite = (name, parent) => ({ name, parent, tests: [], children: [], hooks: { beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] } });
const rootSuite = newSuite('', null);
let current = rootSuite;

const describe = (name, body) => {
  const suite = newSuite(name, current);
  current.children.push(suite);
  const previous = current;
  current = suite;
  try {
    body();
  } finally {
    current = previous;
  }
};
const test = (name, fn) => current.tests.push({ name, fn });
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
for (const fn of [describe, test]) {
  fn.skip = fn;
  fn.only = fn;
  fn.each = each(fn);
}
const hook = (kind) => (fn) => current.hooks[kind].push(fn);

Object.assign(globalThis, {
  describe, xdescribe: describe, fdescribe: describe,
  test, it: test, xtest: test, xit: test, fit: test,
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
const counts = { passed: 0, failed: 0 };

const runSuite = async (suite, prefix) => {
  const title = (name) => [...prefix, name].filter(Boolean).join(' > ');
  for (const fn of suite.hooks.beforeAll) await withTimeout(fn);
  for (const { name, fn } of suite.tests) {
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
  for (const fn of suite.hooks.afterAll) await withTimeout(fn);
};

const files = process.argv.slice(2);
try {
  for (const file of files) await import(pathToFileURL(resolve(file)).href);
  check('while the test files loaded');
  await runSuite(rootSuite, []);
} catch (error) {
  counts.failed += 1;
  print(`ERROR ${error && error.stack ? error.stack : error}`);
}
print(`Tests: ${counts.failed} failed, ${counts.passed} passed, ${counts.passed + counts.failed} total`);
check('after the tests');
if (token) {
  for (const finding of findings.values()) print(`${token} integrity: ${finding}`);
  print(token);
}
exit(counts.failed === 0 && counts.passed > 0 ? 0 : 1);

// The subset of jest's `expect` that exercise tests use. The builtins it compares with are
// captured when it loads, before any test code, so code under test cannot change them.
import util from 'node:util';

const { isDeepStrictEqual, inspect } = util;
const { is, keys: ownKeys } = Object;
const { isArray } = Array;
const { isNaN } = Number;
const show = (value) => inspect(value, { depth: 6, breakLength: Infinity });

const looseEqual = (a, b) => {
  if (is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (isArray(a) !== isArray(b)) return false;
  if (a instanceof Map && b instanceof Map) {
    return a.size === b.size && [...a].every(([k, v]) => b.has(k) && looseEqual(v, b.get(k)));
  }
  if (a instanceof Set && b instanceof Set) {
    return a.size === b.size && [...a].every((v) => b.has(v));
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  const keys = (o) => ownKeys(o).filter((k) => o[k] !== undefined);
  const [ka, kb] = [keys(a), keys(b)];
  return ka.length === kb.length && ka.every((k) => looseEqual(a[k], b[k]));
};

const thrown = (fn) => {
  try {
    fn();
  } catch (error) {
    return { error };
  }
  return null;
};

const errorMatches = (error, expected) => {
  if (expected === undefined) return true;
  const message = error && error.message !== undefined ? error.message : String(error);
  if (typeof expected === 'string') return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (typeof expected === 'function') return error instanceof expected;
  if (expected instanceof Error) return message === expected.message;
  return false;
};

const matchers = {
  toBe: (actual, expected) => [is(actual, expected), `${show(actual)} to be ${show(expected)}`],
  toEqual: (actual, expected) => [looseEqual(actual, expected), `${show(actual)} to equal ${show(expected)}`],
  toStrictEqual: (actual, expected) => [
    isDeepStrictEqual(actual, expected),
    `${show(actual)} to strictly equal ${show(expected)}`,
  ],
  toBeTruthy: (actual) => [Boolean(actual), `${show(actual)} to be truthy`],
  toBeFalsy: (actual) => [!actual, `${show(actual)} to be falsy`],
  toBeNull: (actual) => [actual === null, `${show(actual)} to be null`],
  toBeUndefined: (actual) => [actual === undefined, `${show(actual)} to be undefined`],
  toBeDefined: (actual) => [actual !== undefined, `${show(actual)} to be defined`],
  toBeNaN: (actual) => [isNaN(actual), `${show(actual)} to be NaN`],
  toBeGreaterThan: (a, b) => [a > b, `${show(a)} to be > ${show(b)}`],
  toBeGreaterThanOrEqual: (a, b) => [a >= b, `${show(a)} to be >= ${show(b)}`],
  toBeLessThan: (a, b) => [a < b, `${show(a)} to be < ${show(b)}`],
  toBeLessThanOrEqual: (a, b) => [a <= b, `${show(a)} to be <= ${show(b)}`],
  toBeCloseTo: (a, b, digits = 2) => [
    Math.abs(a - b) < 10 ** -digits / 2,
    `${show(a)} to be close to ${show(b)} (${digits} digits)`,
  ],
  toBeInstanceOf: (a, cls) => [a instanceof cls, `${show(a)} to be an instance of ${cls && cls.name}`],
  toContain: (a, item) => [
    a != null && (typeof a === 'string' ? a.includes(item) : [...a].includes(item)),
    `${show(a)} to contain ${show(item)}`,
  ],
  toContainEqual: (a, item) => [
    a != null && [...a].some((x) => looseEqual(x, item)),
    `${show(a)} to contain an item equal to ${show(item)}`,
  ],
  toHaveLength: (a, n) => [a != null && a.length === n, `${show(a)} to have length ${n}`],
  toHaveProperty: (a, key) => [a != null && key in Object(a), `${show(a)} to have property ${show(key)}`],
  toMatch: (a, pattern) => [
    typeof a === 'string' && (pattern instanceof RegExp ? pattern.test(a) : a.includes(pattern)),
    `${show(a)} to match ${show(pattern)}`,
  ],
  toMatchObject: (a, b) => [
    a != null && ownKeys(b).every((k) => looseEqual(a[k], b[k])),
    `${show(a)} to match object ${show(b)}`,
  ],
  toThrow: (fn, expected) => {
    const result = typeof fn === 'function' ? thrown(fn) : null;
    return [result !== null && errorMatches(result.error, expected), `function to throw ${show(expected)}`];
  },
};
matchers.toThrowError = matchers.toThrow;

const build = (actual, negate, promise) => {
  const api = {};
  for (const [name, check] of Object.entries(matchers)) {
    const verify = (value, args) => {
      const [ok, description] = check(value, ...args);
      if (ok === negate) throw new Error(`expected ${negate ? 'not ' : ''}${description}`);
    };
    api[name] = (...args) => {
      if (promise === 'resolves') return Promise.resolve(actual).then((v) => verify(v, args));
      if (promise === 'rejects') {
        return Promise.resolve(actual).then(
          () => {
            throw new Error('expected the promise to reject');
          },
          (reason) => verify(name.startsWith('toThrow') ? () => { throw reason; } : reason, args),
        );
      }
      return verify(actual, args);
    };
  }
  return api;
};

export const expect = (actual) => {
  const api = build(actual, false, null);
  api.not = build(actual, true, null);
  api.resolves = build(actual, false, 'resolves');
  api.resolves.not = build(actual, true, 'resolves');
  api.rejects = build(actual, false, 'rejects');
  return api;
};

// What code under test must leave alone: the runner's globals, the builtins that `expect`
// and the runner rely on, and the ways out of the process. `snapshot()` records their
// property descriptors before any test code loads; `replaced(saved)` names those that
// changed since (replaced, wrapped or turned into getters). Only functions captured here
// at load time are used, so patching Array.prototype cannot blind the check itself.
import fs from 'node:fs';
import util from 'node:util';

const describeProperty = Object.getOwnPropertyDescriptor;

const WATCHED = [
  [globalThis, 'globalThis', ['describe', 'xdescribe', 'fdescribe', 'test', 'it', 'xtest', 'xit', 'fit', 'expect',
    'beforeAll', 'afterAll', 'beforeEach', 'afterEach', 'Object', 'Array', 'Promise', 'Error']],
  [Object, 'Object', ['is', 'keys', 'entries', 'getPrototypeOf', 'getOwnPropertyDescriptor', 'defineProperty']],
  [Array, 'Array', ['isArray', 'from']],
  [Array.prototype, 'Array.prototype', ['every', 'some', 'includes', 'map', 'filter', 'forEach', 'indexOf', 'join']],
  [String.prototype, 'String.prototype', ['includes', 'split', 'slice', 'startsWith']],
  [Number, 'Number', ['isNaN']],
  [Math, 'Math', ['abs']],
  [Map.prototype, 'Map.prototype', ['has', 'get']],
  [Set.prototype, 'Set.prototype', ['has']],
  [Promise, 'Promise', ['resolve']],
  [Promise.prototype, 'Promise.prototype', ['then', 'finally']],
  [Function.prototype, 'Function.prototype', ['call', 'apply', 'bind']],
  [RegExp.prototype, 'RegExp.prototype', ['test']],
  [JSON, 'JSON', ['stringify']],
  [process, 'process', ['exit', 'reallyExit', 'exitCode']],
  [util, 'util', ['isDeepStrictEqual', 'inspect']],
  [fs, 'fs', ['writeSync']],
];

const same = (a, b) =>
  a === b || (a !== undefined && b !== undefined && a.value === b.value && a.get === b.get && a.set === b.set);

export const snapshot = () => {
  const saved = [];
  for (let i = 0; i < WATCHED.length; i += 1) {
    const [owner, label, keys] = WATCHED[i];
    for (let j = 0; j < keys.length; j += 1) {
      saved[saved.length] = [owner, `${label}.${keys[j]}`, keys[j], describeProperty(owner, keys[j])];
    }
  }
  return saved;
};

export const replaced = (saved) => {
  const names = [];
  for (let i = 0; i < saved.length; i += 1) {
    const [owner, name, key, descriptor] = saved[i];
    if (key === 'exitCode') continue; // checked only at the end, where the runner sets it
    if (!same(describeProperty(owner, key), descriptor)) names[names.length] = name;
  }
  return names;
};

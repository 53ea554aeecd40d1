import { chunk } from './chunk-array';

describe('chunk', () => {
  test('empty array', () => {
    expect(chunk([], 3)).toEqual([]);
  });

  xtest('exact multiple', () => {
    expect(chunk([1, 2, 3, 4], 2)).toEqual([[1, 2], [3, 4]]);
  });

  xtest('remainder goes last', () => {
    expect(chunk(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  xtest('size larger than the array', () => {
    expect(chunk([7], 5)).toEqual([[7]]);
  });

  xtest('input is not modified', () => {
    const items = [1, 2, 3];
    chunk(items, 1);
    expect(items).toEqual([1, 2, 3]);
  });

  xtest('invalid sizes throw', () => {
    expect(() => chunk([1], 0)).toThrow('size must be a positive integer');
    expect(() => chunk([1], 1.5)).toThrow('size must be a positive integer');
  });
});

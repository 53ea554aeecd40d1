import { total } from './word-total';

describe('word total', () => {
  test('empty text', () => {
    expect(total('')).toBe(0);
  });

  xtest('a sentence', () => {
    expect(total('one two  three')).toBe(3);
  });
});

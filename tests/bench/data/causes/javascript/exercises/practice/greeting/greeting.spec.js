const { greet, shout } = require('./greeting');

describe('greeting', () => {
  test('greets', () => {
    expect(greet('Ada')).toBe('Hello, Ada!');
  });

  xtest('shouts', () => {
    expect(shout('Ada')).toBe('HELLO, ADA!');
  });
});

const greet = (name) => `Hello, ${name}!`;

module.exports = { greet, shout: (name) => greet(name).toUpperCase() };

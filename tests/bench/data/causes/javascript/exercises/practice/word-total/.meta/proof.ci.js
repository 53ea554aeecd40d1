module.exports = {
  total: (text) => text.split(/\s+/).filter(Boolean).length,
};

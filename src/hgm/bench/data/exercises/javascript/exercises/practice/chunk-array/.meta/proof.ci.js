export const chunk = (items, size) => {
  if (!Number.isInteger(size) || size < 1) {
    throw new Error('size must be a positive integer');
  }
  const pieces = [];
  for (let start = 0; start < items.length; start += size) {
    pieces.push(items.slice(start, start + size));
  }
  return pieces;
};

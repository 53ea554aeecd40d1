const SMALL = new Set(['a', 'an', 'and', 'the', 'of', 'in', 'on', 'to']);

const capitalise = (part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase();

export const titleCase = (text) => {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return words
    .map((word, index) => {
      const lower = word.toLowerCase();
      const edge = index === 0 || index === words.length - 1;
      if (!edge && SMALL.has(lower)) return lower;
      return word.split('-').map(capitalise).join('-');
    })
    .join(' ');
};

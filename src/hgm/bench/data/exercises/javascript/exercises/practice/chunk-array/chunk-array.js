export const chunk = (items, size) => {
  throw new Error('Remove this line and implement the function');
};

export const titleCase = (text) => {
  throw new Error('Remove this line and implement the function');
};

export const greet = () => {
  throw new Error('Remove this statement and implement this function');
};

export const shout = () => {
  throw new Error('Remove this statement and implement this function');
};

export const trivial = 1

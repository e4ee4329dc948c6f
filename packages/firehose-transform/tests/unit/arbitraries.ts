import fc from 'fast-check';

/** Any UTF-16 code unit, lone surrogates and characters JSON escapes included. */
export const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Set per output format by the build (tsup.config.ts); absent when running the sources. */
declare const __LOGPIPE_BUILD_FORMAT__: 'esm' | 'cjs';

/**
 * The module format of the running code: `cjs` in the CommonJS build (`dist/*.cjs`), `esm`
 * in the ES module build and when running the sources. Code that locates files next to
 * itself uses `__dirname`/`__filename` for the first and `import.meta.url` for the second.
 */
export function buildFormat(): 'esm' | 'cjs' {
  // Not `typeof __dirname`: some hosts (node -e, test runners, bundler shims) define a
  // global __dirname for ESM code too, which would point somewhere else entirely.
  return typeof __LOGPIPE_BUILD_FORMAT__ === 'string' ? __LOGPIPE_BUILD_FORMAT__ : 'esm';
}

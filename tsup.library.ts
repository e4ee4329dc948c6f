import type { Options } from 'tsup';

/**
 * The tsup configuration of a library package: ESM + CJS + types, one entry
 * per `exports` key, so the build entry list and the exports map cannot drift.
 */
export function libraryConfig(pkg: { exports: Record<string, unknown> }): Options {
  const entry = Object.keys(pkg.exports)
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? 'src/index.ts' : `src/${k.slice(2)}.ts`));
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
  };
}

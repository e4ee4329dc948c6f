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

/**
 * {@link libraryConfig} plus a worker thread entry built next to the package entry in
 * both formats (`dist/<name>.js`, `dist/<name>.cjs`): each build starts its own. It is
 * not a public entry point, so it has no `exports` key and no types. The package's
 * code picks the entry of its own format by `__LOGPIPE_BUILD_FORMAT__` (the CJS build
 * finds it through `__dirname`; its unreached `import.meta.url` branch is defined away
 * instead of warning that `import.meta` is empty there).
 */
export function libraryConfigWithWorker(
  pkg: { exports: Record<string, unknown> },
  worker: { name: string; entry: string },
): Options {
  const base = libraryConfig(pkg);
  const entries = base.entry as string[];
  return {
    ...base,
    entry: {
      ...Object.fromEntries(entries.map((e) => [e.replace(/^src\//, '').replace(/\.ts$/, ''), e])),
      [worker.name]: worker.entry,
    },
    dts: { entry: entries },
    esbuildOptions(options, { format }) {
      options.define = {
        ...options.define,
        __LOGPIPE_BUILD_FORMAT__: JSON.stringify(format === 'cjs' ? 'cjs' : 'esm'),
        ...(format === 'cjs' ? { 'import.meta.url': 'undefined' } : {}),
      };
    },
  };
}

import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.library.js';
import pkg from './package.json' with { type: 'json' };

const base = libraryConfig(pkg);
const entries = base.entry as string[];

// The Parquet encoder pool's thread entry is built next to the package entry, in both
// formats (`dist/parquet-worker.js`, `dist/parquet-worker.cjs`): each build starts its own.
// It is not a public entry point, so it has no `exports` key and no types.
export default defineConfig({
  ...base,
  entry: {
    ...Object.fromEntries(entries.map((e) => [e.replace(/^src\//, '').replace(/\.ts$/, ''), e])),
    'parquet-worker': 'src/parquet-worker.ts',
  },
  dts: { entry: entries },
  esbuildOptions(options, { format }) {
    base.esbuildOptions?.(options, { format });
    // src/encoder-pool.ts picks the worker entry of its own format by this constant. The CJS
    // build finds it through __dirname; its unreached import.meta.url branch is defined away
    // instead of warning that import.meta is empty there.
    options.define = {
      ...options.define,
      __LOGPIPE_BUILD_FORMAT__: JSON.stringify(format === 'cjs' ? 'cjs' : 'esm'),
      ...(format === 'cjs' ? { 'import.meta.url': 'undefined' } : {}),
    };
  },
});

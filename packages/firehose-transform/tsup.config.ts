import { defineConfig } from 'tsup';
import pkg from './package.json' with { type: 'json' };

// The build entries are derived from the `exports` map so the two cannot drift apart.
const entry = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? 'src/index.ts' : `src/${k.slice(2)}.ts`));

export default defineConfig({
  entry,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
});

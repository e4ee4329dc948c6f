import { defineConfig } from 'tsup';
import { libraryConfigWithWorker } from '../../tsup.library.js';
import pkg from './package.json' with { type: 'json' };

// The Parquet encoder pool's thread entry (src/encoder-pool.ts finds it next to the build).
export default defineConfig(
  libraryConfigWithWorker(pkg, { name: 'parquet-worker', entry: 'src/parquet-worker.ts' }),
);

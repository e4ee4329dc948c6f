import { defineConfig } from 'tsup';
import { libraryConfigWithWorker } from '../../tsup.library.js';
import pkg from './package.json' with { type: 'json' };

// The worker pool's thread entry (src/pool/pool.ts finds it next to the build).
export default defineConfig(
  libraryConfigWithWorker(pkg, { name: 'pool-worker', entry: 'src/pool/worker.ts' }),
);

/**
 * The encoder pool's thread entry (built as `dist/parquet-worker.js` and
 * `dist/parquet-worker.cjs`): rebuilds the batch from its plain data, encodes it with
 * {@link encodeParquet}, and transfers the bytes back.
 */
import { workerData } from 'node:worker_threads';
import type { ColumnDef } from '@logpipe/core';
import { move } from 'piscina';
import { encodeParquet } from './encode.js';
import type { EncoderWorkerSetup, EncodeTask } from './encoder-pool.js';

const setup = (workerData ?? {}) as Partial<EncoderWorkerSetup>;
const options = setup.encodeOptions ?? {};

/** Encodes one batch; the file's buffer is transferred back, not copied. */
export default function encodeTask(task: EncodeTask): ReturnType<typeof move> {
  const columns: ColumnDef[] = task.columns.map((c) => ({ ...c, description: '' }));
  const bytes = encodeParquet(
    {
      // encodeParquet reads only the columns, their values and the row count.
      dataset: { name: task.dataset, description: '', columns: [] },
      columns,
      values: task.values,
      rows: task.rows,
    },
    options,
  );
  return move(bytes);
}

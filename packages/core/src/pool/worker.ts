/**
 * The worker thread's entry (built as `dist/pool-worker.js` and `dist/pool-worker.cjs`).
 * Builds its decoder and classifier once, from the pool's options, then runs tasks.
 */
import { workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { type ClassifierOptions, createClassifier } from '../classify.js';
import { createDecoder, type DecoderOptions } from '../decode/decoder.js';
import { runTask, TASK_LINES, type TaskMessage, type TaskOutput, type TaskState } from './task.js';

/** What the pool hands every worker at start. */
export interface WorkerSetup {
  classifier: ClassifierOptions;
  decoder: DecoderOptions;
}

let state: TaskState | undefined;

function setup(): TaskState {
  const data = (workerData ?? {}) as Partial<WorkerSetup>;
  return {
    decoder: createDecoder(data.decoder ?? {}),
    classifier: createClassifier(data.classifier ?? {}),
  };
}

/** Runs one task; the lines' output buffer is transferred back, not copied. */
export default function poolTask(msg: TaskMessage): TaskOutput | ReturnType<typeof move> {
  state ??= setup();
  const result = runTask(msg, state);
  if (result.kind !== TASK_LINES) return result;
  return move({
    [transferableSymbol]: [result.out],
    [valueSymbol]: result,
  } as unknown as Parameters<typeof move>[0]);
}

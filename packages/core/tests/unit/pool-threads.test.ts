// WorkerThreads: the piscina threads under core's worker pool and s3-parquet's encoder pool,
// here with a worker file of the test's own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerThreads } from '../../src/pool/threads.js';

const dir = mkdtempSync(join(tmpdir(), 'logpipe-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A worker that waits `ms`, then answers its workerData and the task; `boom` throws. */
const filename = join(dir, 'worker.cjs');
writeFileSync(
  filename,
  `const { workerData, threadId } = require('node:worker_threads');
module.exports = async ({ ms, value }) => {
  await new Promise((r) => setTimeout(r, ms));
  if (value === 'boom') throw new Error('boom on thread ' + threadId);
  return { setup: workerData, value, threadId };
};`,
);

describe('WorkerThreads', () => {
  it('starts exactly the threads asked for, each with workerData', async () => {
    const t = new WorkerThreads({ filename, threads: 2, workerData: { tag: 'x' } });
    const pool = await t.ready;
    expect(pool.options.minThreads).toBe(2);
    expect(pool.options.maxThreads).toBe(2);
    const answers = await Promise.all(
      [1, 2, 3, 4].map((value) => t.track(pool.run({ ms: 30, value }))),
    );
    expect(answers.map((a) => a.value)).toEqual([1, 2, 3, 4]);
    expect(answers.every((a) => a.setup.tag === 'x')).toBe(true);
    // Four 30 ms tasks at once on two threads: both threads took some.
    expect(new Set(answers.map((a) => a.threadId)).size).toBe(2);
    await t.close();
  });

  it('close() waits for tracked work, ends the threads, is idempotent and sets closed', async () => {
    const t = new WorkerThreads({ filename, threads: 1, workerData: null });
    const pool = await t.ready;
    let settled = false;
    const work = t.track(pool.run({ ms: 150, value: 'slow' })).then((a) => {
      settled = true;
      return a;
    });
    expect(t.closed).toBe(false);
    expect(pool.threads).toHaveLength(1);
    const closing = t.close();
    expect(t.closed).toBe(true);
    expect(t.close()).toBe(closing);
    await closing;
    expect(settled).toBe(true);
    expect((await work).value).toBe('slow');
    // The threads are gone.
    expect(pool.threads).toHaveLength(0);
  });

  it('a failed task fails alone; close() still waits for it and ends the threads', async () => {
    const t = new WorkerThreads({ filename, threads: 1, workerData: null });
    const pool = await t.ready;
    const failed = t.track(pool.run({ ms: 10, value: 'boom' }));
    await expect(failed).rejects.toThrow(/boom on thread/);
    expect((await t.track(pool.run({ ms: 0, value: 2 }))).value).toBe(2);
    await t.close();
  });

  it('threads that fail to start: queued and later tasks reject with the reason, none waits forever', async () => {
    const broken = join(dir, 'broken.cjs');
    writeFileSync(broken, "throw new Error('cannot load this worker');");
    const t = new WorkerThreads({ filename: broken, threads: 2, workerData: null });
    // No 'error' listener of the test's own: a failure piscina reports on the pool ('error')
    // would otherwise be thrown on this thread and fail the run as an uncaught exception.
    // Sent at once, before either thread has failed: each fails with the thread it was on.
    const first = [1, 2, 3].map((value) => t.track(t.run({ ms: 0, value })));
    for (const q of first) await expect(q).rejects.toThrow(/cannot load this worker/);
    // Sent after: piscina starts no thread again, so without WorkerThreads these would wait
    // forever. They reject with the reason.
    const later = [4, 5].map((value) => t.run({ ms: 0, value }));
    for (const q of later)
      await expect(q).rejects.toThrow(
        /^the worker threads failed to start \(.*broken\.cjs\): cannot load this worker$/,
      );
    await t.close();
  });

  it('passes resourceLimits to every worker', async () => {
    const t = new WorkerThreads({
      filename,
      threads: 1,
      workerData: null,
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    const pool = await t.ready;
    expect(pool.options.resourceLimits?.maxYoungGenerationSizeMb).toBe(8);
    await t.close();
  });
});

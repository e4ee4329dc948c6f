// Both builds must find their worker entry next to them: dist/pool-worker.js (ESM) and
// dist/pool-worker.cjs (CJS). Run after `pnpm turbo run build`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as Core from '../../src/index.js';

const dist = (name: string) => fileURLToPath(new URL(`../../dist/${name}`, import.meta.url));

async function runsOnWorkers(core: typeof Core): Promise<void> {
  const inputs = [...core.generateWorkload({ events: 600, seed: 21 })].map((p, i) => ({
    data: core.gzipEnvelope(p.envelope).toString('base64'),
    source: `recordId ${i}`,
  }));
  const pool = core.createWorkerPool({ threads: 2, inlineBelowBytes: 0 });
  try {
    const results = await pool.renderBatch(inputs, { region: 'us-east-1' });
    expect(results).toHaveLength(inputs.length);
    expect(results.every((r) => r.ok)).toBe(true);
    const events = results.reduce((n, r) => n + (r.ok ? r.value.events : 0), 0);
    expect(events).toBe(600);
    expect(pool.stats()).toMatchObject({ pooledBatches: 1, workerFailures: 0 });
    expect(pool.stats().tasks).toBeGreaterThanOrEqual(1);
  } finally {
    await pool.close();
  }
}

describe('the built package', () => {
  it('finds the libdeflate addon from both builds, and LOGPIPE_GUNZIP=zlib turns it off', async () => {
    const esm = (await import(dist('index.js'))) as typeof Core;
    const cjs = createRequire(import.meta.url)(dist('index.cjs')) as typeof Core;
    expect(esm.gunzipLibdeflateVersion()).toBe('1.23');
    expect(cjs.gunzipLibdeflateVersion()).toBe('1.23');
    // The same payload decodes the same way with node:zlib alone.
    const script = `
      const core = require(${JSON.stringify(dist('index.cjs'))});
      const gz = core.gzipEnvelope([...core.generateWorkload({ events: 50, seed: 3 })][0].envelope);
      const r = core.createDecoder().bytes(gz, 'x');
      console.log(JSON.stringify([core.gunzipLibdeflateVersion() ?? null, r.ok && r.value.envelope.logEvents.length]));
    `;
    const run = (env: Record<string, string>) =>
      JSON.parse(
        execFileSync(process.execPath, ['-e', script], {
          env: { ...process.env, ...env },
        }).toString(),
      );
    const [on, events] = run({});
    expect(on).toBe('1.23');
    expect(run({ LOGPIPE_GUNZIP: 'zlib' })).toEqual([null, events]);
    expect(events).toBeGreaterThan(0);
  });

  it('ships the worker entry in both formats', () => {
    expect(existsSync(dist('pool-worker.js'))).toBe(true);
    expect(existsSync(dist('pool-worker.cjs'))).toBe(true);
  });

  it('starts worker threads from the ESM build', async () => {
    await runsOnWorkers((await import(dist('index.js'))) as typeof Core);
  });

  it('starts worker threads from the ESM build where a global __dirname points elsewhere', async () => {
    // As under `node -e`, some test runners and bundler shims.
    const g = globalThis as { __dirname?: unknown };
    const saved = Object.getOwnPropertyDescriptor(g, '__dirname');
    g.__dirname = '/nonexistent';
    try {
      await runsOnWorkers((await import(dist('index.js'))) as typeof Core);
    } finally {
      if (saved === undefined) delete g.__dirname;
      else Object.defineProperty(g, '__dirname', saved);
    }
  });

  it('starts worker threads from the CJS build', async () => {
    const core = createRequire(import.meta.url)(dist('index.cjs')) as typeof Core;
    // A CJS module of its own, not the ESM one loaded again.
    expect(core.createWorkerPool).not.toBe(
      ((await import(dist('index.js'))) as typeof Core).createWorkerPool,
    );
    await runsOnWorkers(core);
  });
});

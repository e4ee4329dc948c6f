// Scenario: the worker pool (createWorkerPool) against inline processing on one thread.
// Input: batches of Firehose record `data` (base64 of gzipped CloudWatch Logs payloads of 1–100
// events, the seeded mixed workload), sized by their decompressed JSON.
// Every variant runs the same code (pool/task.ts); "inline" runs it on the calling thread.
// Every pool first runs 30 distinct batches of about 1 MB (see WARM_BATCHES). In the scaling and
// crossover tables each timed batch follows an untimed batch of the same variant (compare's
// `settle`).
// Tables:
//   scaling     batches of 1 MB and 3 MB, one at a time (as a Firehose transform does):
//               inline vs the pool at 1..N threads (and cut into one task per thread),
//               ratio vs inline (of the medians, and in turns: the median of each round's
//               ratio, as the Firehose targets are judged), CPU time of the whole process,
//               and (on Linux) that CPU time split by thread: the calling thread, the pool's
//               worker threads, and the others (V8's garbage-collector and compiler threads,
//               libuv's pool)
//   sustained   the same, batches back to back, about 20 MB of JSON per measurement (threads
//               stay warm), a third of the rounds (each is 20 MB per variant)
//   return      what comes back from the workers: NDJSON bytes (renderBatch) vs record objects
//               (processBatch, structured clone) vs record objects then lines rendered on the
//               calling thread (what a caller needing NDJSON would do with records)
//   crossover   inline vs the pool (2 threads) for batches of 16 KB … 4 MB (above 1 MB, half
//               the rounds: far above the crossover, and the scaling table has them too)
//   memory      (command line only) peak RSS above the warmed-up idle process: the first
//               batch, and 5 in a row; a child process per row (--expose-gc), median of 3
// run(opts) is also called by benchmarks/run.mjs ({ quick } gives a small smoke run).
//
// Usage: node benchmarks/scenarios/pool.mjs [--rounds 15] [--threads N] [--skip-memory]
//        [--gate 1.8 [--gate-minutes 20]]
// On a shared machine, --gate 1.8 counts only rounds during which a CPU probe before and
// after showed two free cores (a plain run reports such a probe before and after, as a control).
// A second control, before and after, involves no pool: child processes render the 1 MB batch
// inline, two at once against one alone; their combined rate is what the machine gives two
// threads on this work (the pure CPU loop of the first control does not see shared caches,
// memory bandwidth or a host's sibling hyperthreads).
// Needs: pnpm turbo run build --filter=@logpipe/core
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createWorkerPool, generateWorkload, gzipEnvelope } from '@logpipe/core';
// What a caller holding records would use to render them (the transform's own serializer).
import { recordLine } from '@logpipe/firehose-transform';
import { fmt } from '../lib.mjs';

/**
 * On-CPU nanoseconds of every thread of this process, by thread id, from Linux's
 * /proc/self/task/<tid>/schedstat (undefined where that does not exist). process.cpuUsage()
 * sums every thread; this splits it: the calling thread (tid = pid), the pool's worker
 * threads (the threads that appeared when the pools started) and the rest (V8's GC and
 * compiler threads, libuv's pool).
 */
function threadTimes() {
  let tids;
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const out = new Map();
  for (const tid of tids) {
    try {
      out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Thread ids that belong to worker pools (filled in as pools start). */
const workerTids = new Set();

/** CPU ms by thread group between two threadTimes() snapshots. */
function threadSplit(before, after) {
  if (before === undefined || after === undefined) return undefined;
  const split = { main: 0, workers: 0, other: 0 };
  for (const [tid, ns] of after) {
    const d = (ns - (before.get(tid) ?? 0)) / 1e6;
    if (tid === String(process.pid)) split.main += d;
    else if (workerTids.has(tid)) split.workers += d;
    else split.other += d;
  }
  return split;
}

export const name = 'pool';
export const title = 'Worker pool: decode, parse and render on worker threads vs inline';

const MB = 1_000_000;

function arg(args, flag, fallback) {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** Firehose-style inputs whose payloads add up to about `bytes` of JSON. */
export function buildBatch(bytes, seed = 1) {
  const inputs = [];
  let jsonBytes = 0;
  let events = 0;
  // Generous event count; stop once the batch is big enough.
  for (const p of generateWorkload({
    events: Math.ceil(bytes / 150) + 200,
    seed,
    eventsPerPayload: [1, 100],
  })) {
    if (jsonBytes >= bytes) break;
    const text = JSON.stringify(p.envelope);
    jsonBytes += Buffer.byteLength(text);
    events += p.envelope.logEvents.length;
    inputs.push({
      data: gzipEnvelope(p.envelope).toString('base64'),
      source: `recordId ${inputs.length}`,
    });
  }
  return { inputs, jsonBytes, events };
}

/**
 * A quick probe of the CPU this process can get right now: how much faster a pure CPU
 * loop runs on 2 threads than on 1 (2.00× on an idle 2-core machine, about 1.0× when
 * another process holds a core).
 */
class CpuProbe {
  async start() {
    const { Worker } = await import('node:worker_threads');
    const code = `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (n) => { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) | 0; parentPort.postMessage(x); });`;
    this.workers = [new Worker(code, { eval: true }), new Worker(code, { eval: true })];
    await Promise.all(this.workers.map((w) => this.spin(w, 1e6)));
    return this;
  }

  spin(w, n) {
    return new Promise((r) => {
      w.once('message', r);
      w.postMessage(n);
    });
  }

  /** One measurement, about 0.15 s with n = 1e7. */
  async ratio(n = 1e7) {
    let t = performance.now();
    await this.spin(this.workers[0], n);
    const one = performance.now() - t;
    t = performance.now();
    await Promise.all(this.workers.map((w) => this.spin(w, n / 2)));
    return one / (performance.now() - t);
  }

  stop() {
    return Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Runs every variant `rounds` times, interleaved (round r runs each variant once, in a
 * rotating order) so load from other processes falls on all of them alike; two warm-up
 * rounds first. With a gate, a round counts only when the CPU probe before and after it
 * showed at least `gate.min` (rounds are retried until `gate.deadline`, then taken as
 * they come and the result is marked). Returns per variant the median, p10 and p90 wall
 * seconds and the median CPU seconds of the whole process (every thread).
 *
 * With `settle`, every timed call of a variant follows an untimed call of the same variant,
 * as in a process that does only that: the work one call leaves for V8's background threads
 * and the next garbage collections (inline rendering leaves the calling thread's heap full
 * of garbage) then falls on the variant that caused it, not on whichever variant runs next.
 */
async function compare(variants, rounds, gate, settle = false) {
  const names = Object.keys(variants);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const threads = Object.fromEntries(names.map((n) => [n, []]));
  let discarded = 0;
  let ungated = 0;
  for (let r = 0, kept = 0; kept < rounds + 2; r++) {
    const gated = gate !== undefined && Date.now() < gate.deadline;
    if (gated) {
      while (Date.now() < gate.deadline && (await gate.probe.ratio()) < gate.min) {
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
    const round = [];
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length];
      if (settle) await variants[n]();
      const c0 = process.cpuUsage();
      const th0 = threadTimes();
      const t0 = process.hrtime.bigint();
      await variants[n]();
      const t = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      round.push([n, t, (c.user + c.system) / 1e6, threadSplit(th0, threadTimes())]);
    }
    if (gated && Date.now() < gate.deadline && (await gate.probe.ratio()) < gate.min) {
      discarded++;
      continue;
    }
    if (gate !== undefined && !gated) ungated++;
    kept++;
    if (kept <= 2) continue;
    for (const [n, t, c, split] of round) {
      times[n].push(t);
      cpu[n].push(c);
      if (split !== undefined) threads[n].push(split);
    }
  }
  const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  // Each variant against `inline` round by round (both ran in the same round, so a slow spell
  // of the machine falls on both): the median of the rounds' ratios, before any sorting.
  const inTurns = Object.fromEntries(
    names.map((n) => [
      n,
      times.inline === undefined ? undefined : median(times.inline.map((t, i) => t / times[n][i])),
    ]),
  );
  const out = {};
  for (const n of names) {
    const a = times[n].sort((x, y) => x - y);
    out[n] = {
      inTurns: inTurns[n],
      seconds: median(a),
      p10: a[Math.floor(a.length * 0.1)],
      p90: a[Math.min(a.length - 1, Math.floor(a.length * 0.9))],
      cpuSeconds: median(cpu[n]),
      // Means (not medians) per thread group, so that the three add up to their total.
      threadMs:
        threads[n].length === 0
          ? undefined
          : Object.fromEntries(
              ['main', 'workers', 'other'].map((k) => [
                k,
                threads[n].reduce((sum, x) => sum + x[k], 0) / threads[n].length,
              ]),
            ),
    };
  }
  out.rounds = { discarded, ungated };
  return out;
}

/** The control figure: the median of three probes. */
async function cpuControl() {
  const probe = await new CpuProbe().start();
  const ratios = [];
  for (let k = 0; k < 3; k++) ratios.push(await probe.ratio(1e8));
  await probe.stop();
  return ratios.sort((a, b) => a - b)[1];
}

/**
 * Batches of about 1 MB each pool runs before it is measured (none with --quick or in the
 * memory child), each of its own seed (100, 101, …; the measured batches have others). Every
 * worker thread is an isolate of its own that compiles the hot path itself, from the half
 * (with 2 threads) of the traffic it sees: with 3 warm-up batches of 256 KB, V8's optimizing
 * compiler was still compiling parsers in the workers 15 batches later (`--trace-opt`: 6–15
 * functions a batch for the first ten, taking 10–40 ms of background CPU each), charged to
 * the measured rounds. Thirty runs of one batch left paths that batch never takes: the
 * measured batch then hit them (`--trace-deopt`: "Insufficient type feedback" in the line
 * writer, parseRuntimeLine, applyPairs, processEnvelope) and the optimizing compiler ran
 * again, ×2 isolates. Pool of 2, 1 MB batches one at a time, 80 measured batches after the
 * warm-up (one run each): compilation on V8's threads 777 ms after 30 runs of one batch,
 * 488 ms after 30 distinct batches (370 ms after 90: not worth the time). What is left is
 * lukewarm code reaching the optimizing tier late (per task or per payload: unpackInputs,
 * estimateDecompressedBytes, piscina's postTask), as in a long-lived process.
 */
const WARM_BATCHES = 30;
/** The warm-up batches: built by run() unless --quick; none means no warm-up batches. */
let warmBatches = [];
/** Threads of this process before any pool started (see threadTimes). */
let threadsBeforePools = new Set();

async function warm(pool) {
  // Threads start in the background: wait until every one has run a task.
  const { inputs } = buildBatch(256 * 1024, 99);
  for (let i = 0; i < 3; i++) await pool.renderBatch(inputs);
  for (const b of warmBatches) await pool.renderBatch(b.inputs);
  for (const tid of threadTimes()?.keys() ?? [])
    if (!threadsBeforePools.has(tid)) workerTids.add(tid);
}

const VARIANTS = {
  render: (pool, inputs) => pool.renderBatch(inputs, { region: 'us-east-1' }),
  clone: (pool, inputs) => pool.processBatch(inputs, { region: 'us-east-1' }),
  'clone+lines': async (pool, inputs) => {
    const results = await pool.processBatch(inputs, { region: 'us-east-1' });
    let n = 0;
    for (const r of results) {
      if (!r.ok) continue;
      let out = '';
      for (const rec of r.value.records) out += `${recordLine(rec)}\n`;
      n += Buffer.from(out).length;
    }
    return n;
  },
};

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

function rate(batch, m) {
  return { eventsPerSec: batch.events / m.seconds, mbPerSec: batch.jsonBytes / MB / m.seconds };
}

/** "calling · workers · other" CPU ms (per batch with `per`), or "–" without /proc. */
function bySplit(m, per = 1) {
  const t = m.threadMs;
  if (t === undefined) return '–';
  return [t.main, t.workers, t.other].map((x) => fmt(x / per, 1)).join(' · ');
}

function spread(m) {
  return `${fmt(m.p10 * 1e3, 1)}–${fmt(m.p90 * 1e3, 1)}`;
}

/**
 * `gate`: count only rounds during which the machine gave this process 2 cores (probe
 * ≥ `gate` before and after the round), waiting up to `gateMinutes` in all for them.
 */
export async function run({
  rounds = 15,
  threads = Math.max(2, os.availableParallelism()),
  gate = 0,
  gateMinutes = 20,
  quick = false,
} = {}) {
  // --quick (benchmarks/run.mjs): small inputs, a smoke run whose figures mean nothing.
  const sizes = quick ? [256 * 1024] : [1 * MB, 3 * MB];
  const crossSizes = quick ? [16, 128] : [16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
  const controlBefore = await cpuControl();
  const pairBefore = await pairControl(quick);
  const probe = gate > 0 ? await new CpuProbe().start() : undefined;
  const g =
    probe === undefined
      ? undefined
      : { probe, min: gate, deadline: Date.now() + gateMinutes * 60_000 };
  const notes = [];
  const note = (what, m) => {
    if (m.rounds.discarded > 0 || m.rounds.ungated > 0)
      notes.push(
        `${what}: ${m.rounds.discarded} rounds discarded (probe < ${gate}×)${m.rounds.ungated > 0 ? `, ${m.rounds.ungated} rounds taken ungated (gate time out)` : ''}`,
      );
  };
  threadsBeforePools = new Set(threadTimes()?.keys() ?? []);
  warmBatches = quick
    ? []
    : Array.from({ length: WARM_BATCHES }, (_, i) => buildBatch(1 * MB, 100 + i));
  const inline = createWorkerPool({ threads: 1, inlineBelowBytes: Number.POSITIVE_INFINITY });
  const pools = [];
  for (let t = 1; t <= threads; t++)
    pools.push(createWorkerPool({ threads: t, inlineBelowBytes: 0 }));
  await warm(inline);
  for (const p of pools) await warm(p);
  const two = pools[Math.min(2, threads) - 1];
  const sections = [];

  // Scaling: 1 MB and 3 MB batches.
  const scaling = [
    '### Scaling: one batch at a time, NDJSON lines returned (renderBatch)',
    '',
    row([
      'batch',
      'variant',
      'ms (median)',
      'p10–p90 ms',
      'CPU ms',
      'CPU ms by thread: calling · workers · other',
      'events/s',
      'MB/s of JSON',
      'vs inline',
      'vs inline, in turns',
    ]),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const size of sizes) {
    const batch = buildBatch(size);
    const label = `${fmt(batch.jsonBytes / MB, 2)} MB, ${batch.inputs.length} records, ${batch.events} events`;
    // The same pool cut into one task per thread (no load balancing between threads).
    const coarse = createWorkerPool({
      threads,
      inlineBelowBytes: 0,
      minChunkBytes: Math.floor(batch.jsonBytes / threads),
    });
    await warm(coarse);
    const variants = { inline: () => VARIANTS.render(inline, batch.inputs) };
    const names = { inline: 'inline, 1 thread' };
    for (let t = 1; t <= threads; t++) {
      variants[`pool${t}`] = () => VARIANTS.render(pools[t - 1], batch.inputs);
      names[`pool${t}`] = `pool, ${t} thread${t > 1 ? 's' : ''}`;
    }
    variants.coarse = () => VARIANTS.render(coarse, batch.inputs);
    names.coarse = `pool, ${threads} threads, one task per thread`;
    const m = await compare(variants, rounds, g, true);
    note(`scaling ${label}`, m);
    await coarse.close();
    for (const k of Object.keys(variants)) {
      const v = m[k];
      const r = rate(batch, v);
      scaling.push(
        row([
          label,
          names[k],
          fmt(v.seconds * 1e3, 1),
          spread(v),
          fmt(v.cpuSeconds * 1e3, 1),
          bySplit(v),
          fmt(r.eventsPerSec, 0),
          fmt(r.mbPerSec),
          `${fmt(m.inline.seconds / v.seconds, 2)}×`,
          `${fmt(v.inTurns, 2)}×`,
        ]),
      );
    }
  }
  sections.push(scaling.join('\n'));

  // Sustained: batches back to back (a sidecar under load; threads stay warm), about 20 MB of
  // JSON a measurement (20 batches of 1 MB, 6 of 3 MB: 20 of 3 MB took a minute of the run).
  const burstOf = (batch) => (quick ? 3 : Math.max(5, Math.round((20 * MB) / batch.jsonBytes)));
  const sustained = [
    `### Sustained: batches back to back, ${quick ? '3 batches' : 'about 20 MB of JSON'} per measurement (renderBatch)`,
    '',
    row([
      'batch',
      'variant',
      'ms per batch (median)',
      'CPU ms per batch',
      'by thread: calling · workers · other',
      'events/s (sustained)',
      'vs inline',
    ]),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const size of sizes) {
    const batch = buildBatch(size);
    const burst = burstOf(batch);
    const label = `${fmt(batch.jsonBytes / MB, 2)} MB × ${burst}`;
    const many = (pool) => async () => {
      for (let i = 0; i < burst; i++) await pool.renderBatch(batch.inputs);
    };
    const variants = { inline: many(inline) };
    for (let t = 1; t <= threads; t++) variants[`pool${t}`] = many(pools[t - 1]);
    const m = await compare(variants, quick ? rounds : Math.max(3, Math.ceil(rounds / 3)), g);
    note(`sustained ${label}`, m);
    for (const k of Object.keys(variants)) {
      const v = m[k];
      const t = Number(k.slice(4));
      sustained.push(
        row([
          label,
          k === 'inline' ? 'inline, 1 thread' : `pool, ${t} thread${t > 1 ? 's' : ''}`,
          fmt((v.seconds / burst) * 1e3, 1),
          fmt((v.cpuSeconds / burst) * 1e3, 1),
          bySplit(v, burst),
          fmt((batch.events * burst) / v.seconds, 0),
          `${fmt(m.inline.seconds / v.seconds, 2)}×`,
        ]),
      );
    }
  }
  sections.push(sustained.join('\n'));

  // What comes back: bytes vs record objects.
  const ret = [
    `### What the workers return: pool of ${Math.min(2, threads)} threads vs the same work inline`,
    '',
    row([
      'batch',
      'returned',
      'inline ms',
      'pool ms',
      'pool p10–p90 ms',
      'pool events/s',
      'vs inline',
    ]),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:']),
  ];
  const labels = {
    render: 'NDJSON bytes (renderBatch)',
    clone: 'record objects (processBatch, structured clone)',
    'clone+lines': 'record objects, then lines rendered by the caller',
  };
  for (const size of sizes) {
    const batch = buildBatch(size);
    const variants = {};
    for (const v of Object.keys(labels)) {
      variants[`inline ${v}`] = () => VARIANTS[v](inline, batch.inputs);
      variants[`pool ${v}`] = () => VARIANTS[v](two, batch.inputs);
    }
    const m = await compare(variants, rounds, g);
    note(`return ${fmt(batch.jsonBytes / MB, 2)} MB`, m);
    for (const v of Object.keys(labels)) {
      const a = m[`inline ${v}`];
      const b = m[`pool ${v}`];
      ret.push(
        row([
          `${fmt(batch.jsonBytes / MB, 2)} MB`,
          labels[v],
          fmt(a.seconds * 1e3, 1),
          fmt(b.seconds * 1e3, 1),
          spread(b),
          fmt(rate(batch, b).eventsPerSec, 0),
          `${fmt(a.seconds / b.seconds, 2)}×`,
        ]),
      );
    }
  }
  sections.push(ret.join('\n'));

  // Crossover.
  const cross = [
    `### Crossover: inline vs pool of ${Math.min(2, threads)} threads (renderBatch), one batch at a time`,
    '',
    row(['batch (JSON)', 'records', 'inline ms', 'pool ms', 'pool p10–p90 ms', 'pool vs inline']),
    row(['---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const kb of crossSizes) {
    const batch = buildBatch(kb * 1024, 7);
    const m = await compare(
      {
        inline: () => VARIANTS.render(inline, batch.inputs),
        pool: () => VARIANTS.render(two, batch.inputs),
      },
      kb <= 256 && !quick ? Math.max(rounds, 41) : kb > 1024 ? Math.ceil(rounds / 2) : rounds,
      g,
      true,
    );
    note(`crossover ${kb} KiB`, m);
    cross.push(
      row([
        `${kb} KiB`,
        String(batch.inputs.length),
        fmt(m.inline.seconds * 1e3, 2),
        fmt(m.pool.seconds * 1e3, 2),
        spread(m.pool),
        `${fmt(m.inline.seconds / m.pool.seconds, 2)}×`,
      ]),
    );
  }
  sections.push(cross.join('\n'));

  await inline.close();
  for (const p of pools) await p.close();
  await probe?.stop();
  const controlAfter = await cpuControl();
  const pairAfter = await pairControl(quick);
  const pairText = (c) =>
    `${fmt(c.ratio, 2)}× one process alone (alone ${fmt(c.alone, 1)} ms a batch; together ${c.pair.map((x) => fmt(x, 1)).join(' and ')} ms)`;
  const control = [
    `CPU available (control: a pure CPU loop on 2 threads vs 1): ${fmt(controlBefore, 2)}× before, ${fmt(controlAfter, 2)}× after (2.00× on an idle 2-core machine).`,
    `Two processes at once (control, no pool: child processes rendering ${quick ? 'a 256 KiB' : 'the 1 MB'} batch inline, median ms a batch, two together against the mean of one alone before and after them): before ${pairText(pairBefore)}; after ${pairText(pairAfter)}.`,
    gate > 0
      ? `Gated: rounds count only when a probe before and after showed ≥ ${gate}× (2 free cores). ${notes.length === 0 ? 'No round was discarded.' : notes.join('; ')}.`
      : 'Not gated: other processes on the machine may have held a core during any round.',
  ].join(' ');
  return {
    title: `Worker pool (Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'})`,
    // The control first: the figures below mean little without it.
    sections: [control, ...sections],
    pairCeiling: [pairBefore.ratio, pairAfter.ratio],
  };
}

/** Child process of the second control: median ms of one batch rendered inline. */
async function inlineChild(size, batches) {
  const batch = buildBatch(size);
  const pool = createWorkerPool({ threads: 1, inlineBelowBytes: Number.POSITIVE_INFINITY });
  for (let i = 0; i < 5; i++) await pool.renderBatch(batch.inputs);
  const ms = [];
  for (let i = 0; i < batches; i++) {
    const t0 = performance.now();
    await pool.renderBatch(batch.inputs);
    ms.push(performance.now() - t0);
  }
  await pool.close();
  process.stdout.write(JSON.stringify(ms.sort((a, b) => a - b)[batches >> 1]));
}

/**
 * The second control, with no pool involved: child processes rendering the same batch
 * inline, one alone, two at once, one alone again. The pair's combined rate over the lone
 * one's (the mean of both) is what this
 * machine gives two threads on this work (2.00× where cores run independently; shared
 * caches, memory bandwidth or a host's sibling hyperthreads lower it).
 */
async function pairControl(quick) {
  const child = () =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [
        fileURLToPath(import.meta.url),
        '--inline-child',
        String(quick ? 256 * 1024 : MB),
        String(quick ? 3 : 40),
      ]);
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      p.stderr.on('data', (d) => {
        err += d;
      });
      p.on('error', reject);
      p.on('close', (code) =>
        code === 0 ? resolve(Number(out)) : reject(new Error(`inline child: ${err}`)),
      );
    });
  // One alone before and after the pair (the mean of both): a single run lands on one CPU
  // at one moment, and neither need be typical.
  const first = await child();
  const pair = await Promise.all([child(), child()]);
  const alone = (first + (await child())) / 2;
  return { alone, pair, ratio: (1 / pair[0] + 1 / pair[1]) * alone };
}

/** Child process: peak RSS while processing one batch, above the warmed-up idle process. */
async function memoryChild(size, threads) {
  const { Worker } = await import('node:worker_threads');
  const batch = buildBatch(size, 11);
  const pool =
    threads === 0
      ? createWorkerPool({ threads: 1, inlineBelowBytes: Number.POSITIVE_INFINITY })
      : createWorkerPool({ threads, inlineBelowBytes: 0 });
  await warm(pool);
  // A sampler thread reads the process RSS every millisecond, also while this thread is busy.
  const peak = new BigInt64Array(new SharedArrayBuffer(8));
  const sampler = new Worker(
    `const { workerData } = require('node:worker_threads');
const peak = workerData;
setInterval(() => { const r = BigInt(process.memoryUsage.rss()); if (r > Atomics.load(peak, 0)) Atomics.store(peak, 0, r); }, 1);`,
    { eval: true, workerData: peak },
  );
  await new Promise((r) => setTimeout(r, 100));
  globalThis.gc?.();
  const idle = process.memoryUsage.rss();
  Atomics.store(peak, 0, 0n);
  await pool.renderBatch(batch.inputs);
  await new Promise((r) => setTimeout(r, 20));
  const first = Number(Atomics.load(peak, 0));
  for (let i = 0; i < 4; i++) await pool.renderBatch(batch.inputs);
  await new Promise((r) => setTimeout(r, 20));
  const five = Number(Atomics.load(peak, 0));
  await sampler.terminate();
  await pool.close();
  process.stdout.write(JSON.stringify({ jsonBytes: batch.jsonBytes, idle, first, five }));
}

function memoryTable(threads) {
  const lines = [
    '### Memory: peak RSS above the warmed-up idle process (renderBatch; a child process per row, median of 3)',
    '',
    row([
      'batch (JSON)',
      'mode',
      'idle RSS MB',
      'first batch: peak − idle MB',
      '÷ batch size',
      '5 batches in a row: peak − idle MB',
      '÷ batch size',
    ]),
    row(['---:', '---', '---:', '---:', '---:', '---:', '---:']),
  ];
  const median = (a) => a.sort((x, y) => x - y)[1];
  for (const size of [1 * MB, 3 * MB]) {
    for (const t of [0, threads]) {
      const runs = [];
      for (let k = 0; k < 3; k++) {
        const res = spawnSync(
          process.execPath,
          [
            '--expose-gc',
            fileURLToPath(import.meta.url),
            '--memory-child',
            String(size),
            String(t),
          ],
          { encoding: 'utf8' },
        );
        if (res.status !== 0) throw new Error(res.stderr);
        runs.push(JSON.parse(res.stdout));
      }
      const json = runs[0].jsonBytes;
      const first = median(runs.map((m) => m.first - m.idle));
      const five = median(runs.map((m) => m.five - m.idle));
      lines.push(
        row([
          `${fmt(json / MB, 2)} MB`,
          t === 0 ? 'inline' : `pool, ${t} threads`,
          fmt(median(runs.map((m) => m.idle)) / MB),
          fmt(first / MB),
          `${fmt(first / json, 1)}×`,
          fmt(five / MB),
          `${fmt(five / json, 1)}×`,
        ]),
      );
    }
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--memory-child') {
    await memoryChild(Number(args[1]), Number(args[2]));
  } else if (args[0] === '--inline-child') {
    await inlineChild(Number(args[1]), Number(args[2]));
  } else {
    const threads = arg(args, '--threads', Math.max(2, os.availableParallelism()));
    const result = await run({
      rounds: arg(args, '--rounds', 15),
      threads,
      gate: arg(args, '--gate', 0),
      gateMinutes: arg(args, '--gate-minutes', 20),
    });
    const out = [`## ${result.title}`, '', ...result.sections.flatMap((s) => [s, ''])];
    if (!args.includes('--skip-memory')) out.push(memoryTable(threads), '');
    console.log(out.join('\n'));
  }
}

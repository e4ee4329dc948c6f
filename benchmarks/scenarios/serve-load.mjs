// Scenario: `logpipe serve` under a bounded load on loopback.
// Starts the built sidecar (packages/cli/dist/bin.js) with a local lake in a temp directory,
// then `concurrency` senders POST Firehose HTTP endpoint requests (spec 1.0, gzip bodies of
// CloudWatch Logs payloads from the seeded workload) for `seconds` seconds, each waiting for
// its answer (200 only once the records are in Parquet files) before sending the next.
// Reports requests/s, events/s and latency percentiles, next to a reference server on the
// same port setup that reads each body and answers 200 at once (the loopback + HTTP ceiling).
// A 429 (queue full) is counted and retried after a pause like Firehose would, not hidden.
//
// Usage: node benchmarks/scenarios/serve-load.mjs [--seconds 10] [--concurrency 16]
//        [--payloads 20] [--flush-ms 1000] [--max-requests 32] [--threads 0]
//        [--inline-below BYTES] [--decode] [--no-encode] [--no-reference]
// --threads N writes `workers: { threads: N }` into the sidecar's config (0: no worker
// threads, everything on the main thread; N > 0: Parquet encoding on N threads, decoding
// too with --decode, encoding not with --no-encode); --inline-below sets `workers.inlineBelowBytes` (default:
// core's). The notes say how many requests went to the worker threads. --no-reference skips
// the bare HTTP server (half the run time when comparing sidecar settings).
// Needs: pnpm turbo run build --filter=@logpipe/cli...
// SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes node flags to the sidecar (profiling).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { generateWorkload, gzipEnvelope } from '@logpipe/core';

export const name = 'serve-load';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

function arg(args, flag, fallback) {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** A pool of distinct Firehose requests, reused round-robin (a resend keeps its request id). */
function buildRequests(count, payloadsPerRequest, seed) {
  const payloads = [
    ...generateWorkload({
      events: count * payloadsPerRequest * 60,
      seed,
      eventsPerPayload: [1, 100],
    }),
  ];
  const out = [];
  for (let i = 0; i < count && (i + 1) * payloadsPerRequest <= payloads.length; i++) {
    const slice = payloads.slice(i * payloadsPerRequest, (i + 1) * payloadsPerRequest);
    const requestId = `bench-${seed}-${i}`;
    const json = JSON.stringify({
      requestId,
      timestamp: Date.now(),
      records: slice.map((p) => ({ data: gzipEnvelope(p.envelope).toString('base64') })),
    });
    out.push({
      requestId,
      body: gzipSync(json),
      events: slice.reduce((n, p) => n + p.envelope.logEvents.length, 0),
      jsonBytes: Buffer.byteLength(json),
    });
  }
  return out;
}

function post(agent, port, r) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/firehose',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': r.body.length,
          'x-amz-firehose-protocol-version': '1.0',
          'x-amz-firehose-request-id': r.requestId,
          'x-amz-firehose-access-key': 'bench-key',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Runs the senders against `port` for `seconds`; every request waits for its answer. */
async function drive(port, requests, { seconds, concurrency }) {
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  const statuses = new Map();
  let events = 0;
  let jsonBytes = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  const end = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const r = requests[next++ % requests.length];
      const t0 = process.hrtime.bigint();
      let status;
      try {
        status = await post(agent, port, r);
      } catch (err) {
        status = err.code ?? 'error';
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 200) {
        latencies.push(ms);
        events += r.events;
        jsonBytes += r.jsonBytes;
      } else {
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return {
    elapsed,
    acknowledged: latencies.length,
    requestsPerSec: latencies.length / elapsed,
    eventsPerSec: events / elapsed,
    mbPerSec: jsonBytes / 1e6 / elapsed,
    p50: pct(50),
    p99: pct(99),
    max: latencies[latencies.length - 1] ?? NaN,
    statuses: Object.fromEntries(statuses),
  };
}

/** The ceiling: a server that reads each body and answers 200 at once. */
async function referenceServer() {
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

async function startSidecar(dir, { flushMs, maxRequests, threads, inlineBelow, decode, encode }) {
  const config = {
    server: { host: '127.0.0.1', port: 0 },
    sources: { firehose: { accessKeys: ['bench-key'] } },
    queue: { maxRequests },
    workers: {
      threads,
      decode,
      encode,
      ...(inlineBelow === undefined ? {} : { inlineBelowBytes: inlineBelow }),
    },
    sinks: [{ type: 'lake', location: join(dir, 'lake'), flushIntervalMs: flushMs }],
    deadLetter: { path: join(dir, 'dead-letters') },
  };
  const file = join(dir, 'serve.json');
  await writeFile(file, JSON.stringify(config));
  const proc = spawn(
    process.execPath,
    [
      ...(process.env.SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean),
      BIN,
      'serve',
      '--config',
      file,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (c) => {
      buf += c.toString();
      const m = /"msg":"logpipe serve listening".*?"port":(\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`logpipe serve exited ${code} before listening`)));
  });
  proc.stdout.resume();
  const exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  return { port, proc, exited };
}

export async function run({
  seconds = 10,
  concurrency = 16,
  payloads = 20,
  flushMs = 1000,
  maxRequests = 32,
  threads = 0,
  decode = false,
  encode = true,
  inlineBelow = undefined,
  reference = true,
} = {}) {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: pnpm turbo run build --filter=@logpipe/cli...`);
  const requests = buildRequests(200, payloads, 7);
  const dir = await mkdtemp(join(os.tmpdir(), 'logpipe-serve-load-'));
  const rows = [];
  try {
    if (reference) {
      const ref = await referenceServer();
      rows.push({
        variant: 'reference (read body, answer 200)',
        ...(await drive(ref.port, requests, { seconds, concurrency })),
      });
      await ref.close();
    }

    const sidecar = await startSidecar(dir, {
      flushMs,
      maxRequests,
      threads,
      inlineBelow,
      decode,
      encode,
    });
    rows.push({
      variant: `logpipe serve → local lake, ${threads === 0 ? 'no worker pool' : `${threads} worker threads`}`,
      ...(await drive(sidecar.port, requests, { seconds, concurrency })),
    });
    const metrics = await (await fetch(`http://127.0.0.1:${sidecar.port}/metrics`)).text();
    const files = /logpipe_sink_writer_stat\{sink="lake",stat="filesWritten"\} (\d+)/.exec(
      metrics,
    )?.[1];
    const highWater = /logpipe_queue_high_water_flushes_total (\d+)/.exec(metrics)?.[1];
    const worker = (where) =>
      new RegExp(`logpipe_worker_batches_total\\{where="${where}"\\} (\\d+)`).exec(metrics)?.[1] ??
      '0';
    sidecar.proc.kill('SIGTERM');
    const exitCode = await sidecar.exited;
    const avgEvents = requests.reduce((n, r) => n + r.events, 0) / requests.length;
    const avgKb = requests.reduce((n, r) => n + r.body.length, 0) / requests.length / 1024;
    return {
      title: `logpipe serve under load on loopback (${seconds} s, ${concurrency} senders, requests of ${payloads} payloads ≈ ${Math.round(avgEvents)} events / ${avgKb.toFixed(0)} KiB gzip; flushIntervalMs ${flushMs}, queue.maxRequests ${maxRequests}, workers.threads ${threads}, decode ${decode}, encode ${encode}${inlineBelow === undefined ? '' : `, workers.inlineBelowBytes ${inlineBelow}`})`,
      rows,
      notes: `sidecar: ${files} Parquet files written, ${highWater} high-water flushes, requests on worker threads ${worker('pool')} (kept inline by the pool ${worker('inline')}), exit ${exitCode} after SIGTERM`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function fmt(n, digits = 1) {
  return Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const result = await run({
    seconds: arg(args, '--seconds', 10),
    concurrency: arg(args, '--concurrency', 16),
    payloads: arg(args, '--payloads', 20),
    flushMs: arg(args, '--flush-ms', 1000),
    maxRequests: arg(args, '--max-requests', 32),
    threads: arg(args, '--threads', 0),
    inlineBelow: arg(args, '--inline-below', undefined),
    decode: args.includes('--decode'),
    encode: !args.includes('--no-encode'),
    reference: !args.includes('--no-reference'),
  });
  const ref = result.rows.length > 1 ? result.rows[0] : undefined;
  console.log(
    [
      `## ${result.title}`,
      '',
      `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; senders and sidecar share the machine.`,
      '',
      '| variant | requests/s | events/s | MB/s of JSON | p50 ms | p99 ms | max ms | answers | vs reference |',
      '|---|---:|---:|---:|---:|---:|---:|---|---:|',
      ...result.rows.map(
        (r) =>
          `| ${r.variant} | ${fmt(r.requestsPerSec)} | ${fmt(r.eventsPerSec, 0)} | ${fmt(r.mbPerSec)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${JSON.stringify(r.statuses)} | ${ref === undefined ? '–' : `${fmt(r.requestsPerSec / ref.requestsPerSec, 3)}×`} |`,
      ),
      '',
      result.notes,
      '',
    ].join('\n'),
  );
}

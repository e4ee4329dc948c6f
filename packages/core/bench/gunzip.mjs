// Gunzip implementations on realistic CloudWatch Logs payloads of four sizes
// (≈1 KB, ≈6 KB, ≈60 KB, ≈170 KB compressed): node:zlib fresh per call, node:zlib
// with the output sized from the gzip trailer, raw inflate with our own gzip
// framing and zlib.crc32, the reused native handle core keeps (src/decode/gunzip.ts),
// core's gunzipCapped with the @logpipe/libdeflate addon (when built), and the npm
// inflaters installed next to it (fflate, pako; zlib-sync and @hazae41/foras when installed).
//
//   pnpm turbo run build --filter=@logpipe/core
//   node packages/core/bench/gunzip.mjs [--rounds 9] [--ms 150] [--sizes 1000,6000,60000,170000]
//     [--only reused,fallback]   (substrings of variant labels; the first variant always runs)
//
// Payloads come from core's generateWorkload + gzipEnvelope (built dist/): for each
// size, every workload format with as many events as make that size, 3 payloads
// per format (27 in all). core's own gunzip is compiled from src/ with esbuild (it
// is not exported). Each round runs every variant over all payloads for at least
// --ms milliseconds, variants interleaved so that load from other processes spreads
// over all of them. Rates are per second of this process's CPU time (user + system,
// process.cpuUsage), not of wall time: the machines these run on are shared, and CPU
// time does not count the time another process had the core. Figures are the median
// of --rounds rounds, spread is min–max of the rounds relative to the median. MB/s
// counts inflated bytes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { generateWorkload, gzipEnvelope, WORKLOAD_FORMATS } from '@logpipe/core';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(arg('rounds', '9'));
const MIN_MS = Number(arg('ms', '150'));
const SIZES = arg('sizes', '1000,6000,60000,170000').split(',').map(Number);
/** Comma-separated substrings: only variants whose label contains one of them (the first one always runs). */
const ONLY = arg('only', '')
  .split(',')
  .filter((s) => s !== '');
const CAP = 16 * 1024 * 1024;
const require = createRequire(import.meta.url);

/** core's gunzipCapped and its reference twin, compiled from src/ (esbuild, as tsup would). */
async function coreGunzip() {
  const esbuild = createRequire(require.resolve('tsup'))('esbuild');
  const out = esbuild.buildSync({
    stdin: {
      contents:
        "export { gunzipCapped } from './bytes.ts'; export { gunzipLibdeflateVersion, gunzipReference, gunzipReused } from './gunzip.ts';",
      resolveDir: join(here, '..', 'src', 'decode'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
  });
  // Next to this file, not in the system's temporary directory: the bundle finds the
  // libdeflate addon through this package's node_modules.
  const dir = mkdtempSync(join(here, '.gunzip-bench-'));
  try {
    const file = join(dir, 'bytes.mjs');
    writeFileSync(file, out.outputFiles[0].text);
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fail(message, code) {
  return Object.assign(new Error(message), { code });
}

/** Raw inflate with the gzip framing in JS: header fields, CRC32 (zlib.crc32) and ISIZE, members. */
function inflateRawFramed(b, cap) {
  const parts = [];
  let total = 0;
  let p = 0;
  while (p < b.length) {
    if (b[p] === 0) {
      p++; // zero padding after a member, as node:zlib allows
      continue;
    }
    if (b.length - p < 10) throw fail('unexpected end of file', 'Z_BUF_ERROR');
    if (b[p] !== 0x1f || b[p + 1] !== 0x8b || b[p + 2] !== 8)
      throw fail('incorrect header check', 'Z_DATA_ERROR');
    const flg = b[p + 3];
    let q = p + 10;
    if (flg & 4) q += 2 + (b[q] | (b[q + 1] << 8));
    for (const bit of [8, 16]) {
      if (flg & bit) {
        while (q < b.length && b[q] !== 0) q++;
        q++;
      }
    }
    if (flg & 2) q += 2;
    if (q >= b.length) throw fail('unexpected end of file', 'Z_BUF_ERROR');
    const { buffer, engine } = zlib.inflateRawSync(b.subarray(q), {
      maxOutputLength: cap - total,
      info: true,
    });
    const end = q + engine.bytesWritten;
    if (end + 8 > b.length) throw fail('unexpected end of file', 'Z_BUF_ERROR');
    if (b.readUInt32LE(end) !== zlib.crc32(buffer))
      throw fail('incorrect data check', 'Z_DATA_ERROR');
    if (b.readUInt32LE(end + 4) !== buffer.length >>> 0)
      throw fail('incorrect length check', 'Z_DATA_ERROR');
    parts.push(buffer);
    total += buffer.length;
    p = end + 8;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
}

async function optional(name) {
  try {
    return await import(name);
  } catch {
    return undefined;
  }
}

async function variants() {
  const core = await coreGunzip();
  const list = [
    [
      'zlib.gunzipSync (fresh stream per call; core before)',
      (b) => zlib.gunzipSync(b, { maxOutputLength: CAP }),
    ],
    [
      'zlib.gunzipSync, output sized from ISIZE (core fallback)',
      (b) => {
        const r = core.gunzipReference(b, CAP);
        if (!Buffer.isBuffer(r)) throw r;
        return r;
      },
    ],
    ['zlib.inflateRawSync + JS gzip framing + zlib.crc32', (b) => inflateRawFramed(b, CAP)],
    [
      'reused native handle, output sized from ISIZE (core without libdeflate)',
      (b) => {
        const r = core.gunzipReused(b, CAP);
        if (!Buffer.isBuffer(r)) throw r ?? new Error('reused handle unavailable');
        return r;
      },
    ],
  ];
  const version = core.gunzipLibdeflateVersion();
  if (version !== undefined) {
    list.push([
      `libdeflate ${version} addon, output of ISIZE (core now: gunzipCapped)`,
      (b) => {
        const r = core.gunzipCapped(b, CAP, 'bench');
        if (!Buffer.isBuffer(r)) throw r;
        return r;
      },
    ]);
  }
  const zs = await optional('zlib-sync');
  if (zs) {
    const Z = zs.default ?? zs;
    list.push([
      'zlib-sync (new Inflate per payload: it cannot be reset)',
      (b) => {
        const inf = new Z.Inflate({ windowBits: 31 });
        inf.push(b, Z.Z_FINISH);
        if (inf.err < 0) throw new Error(inf.msg);
        return inf.result;
      },
    ]);
  }
  const fflate = await optional('fflate');
  if (fflate) list.push(['fflate gunzipSync', (b) => fflate.gunzipSync(b)]);
  const pako = await optional('pako');
  if (pako) list.push(['pako ungzip', (b) => (pako.ungzip ?? pako.default.ungzip)(b)]);
  const foras = await optional('@hazae41/foras');
  if (foras) {
    await foras.initBundledOnce();
    list.push([
      '@hazae41/foras gunzip (wasm)',
      (b) => {
        const m = new foras.Memory(b);
        const out = foras.gunzip(m);
        m.free();
        return out.copyAndDispose();
      },
    ]);
  }
  const missing = ['zlib-sync', 'fflate', 'pako', '@hazae41/foras', 'libdeflate'].filter(
    (n) => !list.some(([label]) => label.startsWith(n)),
  );
  return { list, missing };
}

/** 3 payloads per workload format, each format with as many events as make ≈ target bytes of gzip. */
function payloadsOf(target) {
  const out = [];
  for (const format of WORKLOAD_FORMATS) {
    let k = 8;
    let got = [];
    for (let iter = 0; iter < 8; iter++) {
      got = [
        ...generateWorkload({ events: k * 3, seed: 11, formats: [format], eventsPerPayload: k }),
      ].map((p) => gzipEnvelope(p.envelope));
      const avg = got.reduce((s, b) => s + b.length, 0) / got.length;
      if (Math.abs(avg - target) / target < 0.08) break;
      k = Math.max(1, Math.round((k * target) / avg));
    }
    out.push(...got);
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (n, d = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

const all = await variants();
const missing = all.missing;
const list = all.list.filter(
  ([label], i) => i === 0 || ONLY.length === 0 || ONLY.some((o) => label.includes(o)),
);
console.log(
  `# gunzip: Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; ` +
    `per CPU-second, median of ${ROUNDS} rounds ≥ ${MIN_MS} ms, variants interleaved`,
);
if (missing.length > 0) console.log(`(not installed, skipped: ${missing.join(', ')})`);
for (const target of SIZES) {
  const payloads = payloadsOf(target);
  const expected = payloads.map((b) => zlib.gunzipSync(b));
  const inflated = expected.reduce((s, b) => s + b.length, 0);
  for (const [label, fn] of list) {
    payloads.forEach((b, i) => {
      if (!Buffer.from(fn(b)).equals(expected[i])) throw new Error(`${label} gives wrong bytes`);
    });
  }
  const rates = list.map(() => []);
  let sink = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    list.forEach(([, fn], v) => {
      let passes = 0;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      do {
        for (let i = 0; i < payloads.length; i++) sink += fn(payloads[i]).length;
        passes++;
      } while (performance.now() - t0 < MIN_MS);
      const cpu = process.cpuUsage(c0);
      const seconds = (cpu.user + cpu.system) / 1e6;
      if (round > 0) rates[v].push((passes * payloads.length) / seconds); // round 0 warms up
    });
  }
  if (sink === 0) throw new Error('nothing inflated');
  const gz = payloads.map((b) => b.length).sort((a, b) => a - b);
  console.log(
    `\n## ≈${fmt(target / 1000)} KB: ${payloads.length} payloads, ${fmt(gz[0])}–${fmt(gz.at(-1))} B gzip ` +
      `(median ${fmt(median(gz))}), ${fmt(inflated / payloads.length / 1024, 1)} KiB inflated on average\n`,
  );
  console.log('| variant | payloads/s | MB/s inflated | spread (min–max) | vs gunzipSync |');
  console.log('|---|---:|---:|---:|---:|');
  const base = median(rates[0]);
  list.forEach(([label], v) => {
    const m = median(rates[v]);
    const lo = Math.min(...rates[v]) / m - 1;
    const hi = Math.max(...rates[v]) / m - 1;
    console.log(
      `| ${label} | ${fmt(m)} | ${fmt((m * inflated) / payloads.length / 1e6)} | ` +
        `${fmt(lo * 100)} % / +${fmt(hi * 100)} % | ${fmt(m / base, 2)}× |`,
    );
  });
}

// Shared measuring helpers. Each variant runs `rounds` times over the same input after a
// warm-up; medians and spread are taken over the rounds. No variant sees another's output.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The benchmarks folder. */
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** Generated inputs reused across runs (gitignored). */
export const CACHE_DIR = join(BENCH_DIR, '.cache');

/** Runs fn `rounds` times (after one warm-up) and returns the median seconds. */
export function medianSeconds(fn, rounds = 7) {
  fn();
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Times `fn` (sync or async) `rounds` times after `warmup` untimed calls, with a GC before
 * each timed call when the process runs with --expose-gc. Returns the wall-clock seconds of
 * each round and the process CPU seconds (user + system, all threads) of each round: on a
 * machine shared with other work the CPU time moves much less than the wall time.
 */
export async function timeRounds(fn, { rounds, warmup = 1 }) {
  for (let i = 0; i < warmup; i++) await fn();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < rounds; i++) await timeCall(fn, wall, cpu);
  return { wall, cpu };
}

/** One timed call of `fn` after a GC (with --expose-gc): appends its wall and CPU seconds. */
async function timeCall(fn, wall, cpu) {
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1e6);
}

/**
 * Times several functions in one process, interleaved: round r calls each once, starting at
 * the (r mod n)-th so that none always follows the same one, each after a GC (with
 * --expose-gc) and after `warmup` untimed rounds. Returns per label the wall-clock and CPU
 * seconds of each round, in round order: entry i of two labels comes from the same round, so
 * their ratio is taken under the same conditions (see pairedRatio).
 */
export async function timeInterleaved(runs, { rounds, warmup = 1 }) {
  const labels = Object.keys(runs);
  for (let i = 0; i < warmup; i++) for (const l of labels) await runs[l]();
  const wall = Object.fromEntries(labels.map((l) => [l, []]));
  const cpu = Object.fromEntries(labels.map((l) => [l, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < labels.length; k++) {
      const l = labels[(r + k) % labels.length];
      await timeCall(runs[l], wall[l], cpu[l]);
    }
  }
  return { wall, cpu };
}

/**
 * The throughput of `a` relative to `b` from an interleaved job (timeInterleaved): the median
 * over rounds of b's time / a's time in the same round, on wall-clock and on CPU time, and the
 * number of rounds. Undefined when the job did not run.
 */
export function pairedRatio(result, a, b) {
  const ta = result?.times?.[a];
  const tb = result?.times?.[b];
  if (!ta?.length || ta.length !== tb?.length) return undefined;
  const ca = result.cpuTimes[a];
  const cb = result.cpuTimes[b];
  const median = (xs) => summarize(xs).median;
  return {
    ratio: median(ta.map((t, i) => tb[i] / t)),
    cpuRatio: median(ca.map((t, i) => cb[i] / t)),
    rounds: ta.length,
  };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, min, max and quartiles of a list of samples. */
export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
  };
}

/** Peak resident set size of this process so far, MB (getrusage maxrss). */
export function peakRssMB() {
  return process.resourceUsage().maxRSS / 1024;
}

export function fmt(n, digits = 1) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  return n.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/** A number with about three significant digits, thousands separated. */
export function fmtSig(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  const a = Math.abs(n);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return fmt(n, digits);
}

/**
 * Buffers framed as [u32 length][bytes]… in one file: the on-disk form of generated
 * payload lists in the cache.
 */
export function packBuffers(list) {
  let total = 0;
  for (const b of list) total += 4 + b.length;
  const out = Buffer.allocUnsafe(total);
  let o = 0;
  for (const b of list) {
    out.writeUInt32LE(b.length, o);
    o += 4;
    out.set(b, o);
    o += b.length;
  }
  return out;
}

export function unpackBuffers(buf) {
  const list = [];
  let o = 0;
  while (o < buf.length) {
    const n = buf.readUInt32LE(o);
    o += 4;
    list.push(buf.subarray(o, o + n));
    o += n;
  }
  return list;
}

/**
 * A generated input cached under .cache/<key>: `build()` returns { buffers, meta } once;
 * later calls (in any process) read the file. Keys must change when the input changes.
 */
export function cachedBuffers(key, build) {
  const bin = join(CACHE_DIR, `${key}.bin`);
  const json = join(CACHE_DIR, `${key}.json`);
  if (existsSync(bin) && existsSync(json)) {
    return {
      buffers: unpackBuffers(readFileSync(bin)),
      meta: JSON.parse(readFileSync(json, 'utf8')),
    };
  }
  const { buffers, meta } = build();
  mkdirSync(CACHE_DIR, { recursive: true });
  // Written under names of this process and renamed, so that neither an interrupted run nor
  // two runs at once (pnpm bench and a test) leave a half-written file.
  const tmp = `.${process.pid}.tmp`;
  writeFileSync(`${bin}${tmp}`, packBuffers(buffers));
  writeFileSync(`${json}${tmp}`, JSON.stringify(meta));
  renameSync(`${bin}${tmp}`, bin);
  renameSync(`${json}${tmp}`, json);
  return { buffers, meta };
}

/**
 * The one parse a parser of these formats cannot skip: `JSON.parse` of a message that is a
 * JSON object (after leading white space). 1 when it parsed to an object, 0 when it is not
 * JSON, -1 when it starts with `{` and does not parse (a number to sum into a sink, so that
 * the work is not optimized away).
 */
export function parseJsonMessage(m) {
  let i = 0;
  while (i < m.length && m.charCodeAt(i) <= 0x20) i++;
  if (m.charCodeAt(i) !== 0x7b) return 0;
  try {
    return typeof JSON.parse(m) === 'object' ? 1 : 0;
  } catch {
    return -1;
  }
}

// NDJSON output of normalized records, per dataset and on the mixed workload:
// JSON.stringify (the reference format), a template for the common columns with
// JSON.stringify for the fields, that template plus a serializer compiled from
// the dataset's column declaration (getDataset) for the fields, fast-json-stringify
// with one schema per dataset (datasetColumns), and what the package ships
// (renderLines from dist/, which picks per dataset: core's src/record-line.ts).
//
//   pnpm turbo run build --filter=@logpipe/firehose-transform...
//   node packages/firehose-transform/bench/serialize.mjs [--rounds 21] [--ms 50] [--events 30000]
//
// Records come from core's generateWorkload + processEnvelope, grouped by payload as the
// handler sees them; each variant renders a payload's records to one string and turns
// it into bytes (Buffer.from), as the handler does. Every variant is checked against
// the reference, byte for byte, on every record first; one that differs is reported
// as such and not timed. Variants run interleaved, --rounds rounds of at least --ms
// milliseconds each. Rates are per second of this process's CPU time (process.cpuUsage),
// which time taken by other processes on a shared machine does not inflate; figures are
// medians, spread is the interquartile range of the rounds relative to the median.
import os from 'node:os';
import {
  BUILTIN_DATASETS,
  createClassifier,
  datasetColumns,
  generateWorkload,
  getDataset,
  LineBuffer,
  processEnvelope,
  recordLineReference,
} from '@logpipe/core';
import { renderLines, renderLinesInto } from '@logpipe/firehose-transform';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(arg('rounds', '21'));
const MIN_MS = Number(arg('ms', '50'));
const EVENTS = Number(arg('events', '30000'));

// --- the reference: what output.ts did before (two JSON.stringify calls, spliced); core
// keeps it as the definition of the format
const referenceLine = recordLineReference;

// --- template for the common columns; the per-payload part escaped once per payload
function headTemplate() {
  let dataset;
  let owner;
  let logGroup;
  let logStream;
  let region;
  let middle = '';
  return (r) => {
    const o = r.origin;
    if (
      r.dataset !== dataset ||
      o.owner !== owner ||
      o.logGroup !== logGroup ||
      o.logStream !== logStream ||
      o.region !== region
    ) {
      ({ owner, logGroup, logStream, region } = o);
      dataset = r.dataset;
      middle =
        `,"dataset":${JSON.stringify(dataset)},"owner":${JSON.stringify(owner)}` +
        `,"log_group":${JSON.stringify(logGroup)},"log_stream":${JSON.stringify(logStream)}` +
        `,"origin_region":${JSON.stringify(region ?? null)},"message":`;
    }
    return `{"time":${Number.isFinite(r.time) ? `${r.time}` : 'null'},"id":${JSON.stringify(r.id)}${middle}${JSON.stringify(r.message)}`;
  };
}
function headThenStringify() {
  const head = headTemplate();
  return (r) => {
    const h = head(r);
    const rest = JSON.stringify(r.fields);
    return rest.length <= 2 ? `${h}}` : `${h},${rest.slice(1)}`;
  };
}

// --- compiled fields serializer from the column declaration (guarded: exact or undefined)
function anyValue(v) {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? `${v}` : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      return typeof v.toJSON === 'function' ? undefined : JSON.stringify(v);
    default:
      return undefined;
  }
}
function compileFields(dataset) {
  const columns = getDataset(dataset).columns;
  const keys = columns.map((c) => c.name);
  let body = `let n = 0; for (const k in f) { if (k !== keys[n]) return undefined; n++; }\nif (n !== ${keys.length}) return undefined;\nlet s = ''; let v; let j;\n`;
  for (const c of columns) {
    const p = JSON.stringify(`,${JSON.stringify(c.name)}:`);
    body += `v = f[${JSON.stringify(c.name)}];\n`;
    if (c.type === 'string')
      body += `if (typeof v === 'string') s += ${p} + JSON.stringify(v); else if (v === null) s += ${p} + 'null'; else return undefined;\n`;
    else if (['int', 'bigint', 'double', 'timestamp'].includes(c.type))
      body += `if (typeof v === 'number') s += ${p} + (Number.isFinite(v) ? '' + v : 'null'); else if (v === null) s += ${p} + 'null'; else return undefined;\n`;
    else if (c.type === 'boolean')
      body += `if (v === true) s += ${p} + 'true'; else if (v === false) s += ${p} + 'false'; else if (v === null) s += ${p} + 'null'; else return undefined;\n`;
    else body += `j = anyValue(v); if (j === undefined) return undefined; s += ${p} + j;\n`;
  }
  return new Function('keys', 'anyValue', `return function (f) {\n${body}return s;\n};`)(
    keys,
    anyValue,
  );
}
function headThenCompiled() {
  const head = headTemplate();
  const writers = new Map();
  return (r) => {
    const h = head(r);
    let w = writers.get(r.dataset);
    if (w === undefined) {
      w = BUILTIN_DATASETS.includes(r.dataset) ? compileFields(r.dataset) : null;
      writers.set(r.dataset, w);
    }
    const s = w?.(r.fields);
    if (s !== undefined) return `${h}${s}}`;
    const rest = JSON.stringify(r.fields);
    return rest.length <= 2 ? `${h}}` : `${h},${rest.slice(1)}`;
  };
}

// --- fast-json-stringify, one schema per dataset from datasetColumns (whole line)
async function fastJsonStringify() {
  let fjs;
  try {
    fjs = (await import('fast-json-stringify')).default;
  } catch {
    return undefined;
  }
  const schemaType = (t) =>
    t === 'string'
      ? { type: ['string', 'null'] }
      : t === 'boolean'
        ? { type: ['boolean', 'null'] }
        : t === 'json' || t === 'map'
          ? {}
          : { type: ['number', 'null'] };
  const compiled = new Map();
  return (r) => {
    let s = compiled.get(r.dataset);
    if (s === undefined) {
      // The line's order: time, id, dataset, then the other common columns, then the fields.
      const columns = datasetColumns(getDataset(r.dataset));
      const properties = {};
      for (const c of columns) {
        properties[c.name] = schemaType(c.type);
        if (c.name === 'id') properties.dataset = { type: 'string' };
      }
      s = fjs({ type: 'object', properties });
      compiled.set(r.dataset, s);
    }
    const o = r.origin;
    return s({
      time: r.time,
      id: r.id,
      dataset: r.dataset,
      owner: o.owner,
      log_group: o.logGroup,
      log_stream: o.logStream,
      origin_region: o.region ?? null,
      message: r.message,
      ...r.fields,
    });
  };
}

// --- inputs: records of each payload, as the handler renders them
const classifier = createClassifier();
const payloads = [];
for (const p of generateWorkload({ events: EVENTS, seed: 4 })) {
  const { records } = processEnvelope(p.envelope, classifier, { region: 'eu-west-1' });
  if (records.length > 0) payloads.push(records);
}
const sets = [];
for (const d of BUILTIN_DATASETS) {
  const ps = payloads.filter((rs) => rs[0].dataset === d);
  if (ps.length > 0) sets.push([d, ps]);
}
sets.push(['mixed workload', payloads]);

const lineVariants = [
  ['JSON.stringify ×2 (reference; output.ts before)', referenceLine],
  ['template head + JSON.stringify(fields)', headThenStringify()],
  ['template head + compiled fields (all datasets)', headThenCompiled()],
];
const fj = await fastJsonStringify();
if (fj) lineVariants.push(['fast-json-stringify, schema per dataset', fj]);
// Each variant gives a payload's bytes: its lines joined, then Buffer.from (what the
// handler did before), or the shipped lines written into a reused LineBuffer (what it does now).
const variants = lineVariants.map(([label, line]) => [
  label,
  (records) => {
    let out = '';
    for (let i = 0; i < records.length; i++) out += `${line(records[i])}\n`;
    return Buffer.from(out);
  },
]);
variants.push([
  'renderLines from dist, then Buffer.from (shipped lines, handler before)',
  (records) => Buffer.from(renderLines(records, 'records')),
]);
const scratch = new LineBuffer();
variants.push([
  'renderLinesInto a reused LineBuffer (shipped, handler now)',
  (records) => {
    scratch.reset();
    renderLinesInto(scratch, records, 'records');
    return scratch.bytes();
  },
]);

const quantile = (s, q) => s[Math.min(s.length - 1, Math.floor((s.length - 1) * q + 0.5))];
const fmt = (n, d = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
console.log(
  `# NDJSON serialization: Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; ` +
    `per CPU-second, median of ${ROUNDS} rounds ≥ ${MIN_MS} ms, variants interleaved`,
);
if (!fj) console.log('(fast-json-stringify not installed: skipped)');
for (const [name, ps] of sets) {
  const expected = ps.map((rs) => Buffer.from(rs.map((r) => `${referenceLine(r)}\n`).join('')));
  const bytes = expected.reduce((s, b) => s + b.length, 0);
  const records = ps.reduce((s, rs) => s + rs.length, 0);
  const exact = variants.map(([, render]) => ps.every((rs, i) => render(rs).equals(expected[i])));
  const rates = variants.map(() => []);
  let sink = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    variants.forEach(([, render], v) => {
      if (!exact[v]) return;
      let passes = 0;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      do {
        for (let i = 0; i < ps.length; i++) sink += render(ps[i]).length;
        passes++;
      } while (performance.now() - t0 < MIN_MS);
      const cpu = process.cpuUsage(c0);
      if (round > 0) rates[v].push((passes * records) / ((cpu.user + cpu.system) / 1e6)); // round 0 warms up
    });
  }
  if (sink === 0) throw new Error('nothing rendered');
  console.log(
    `\n## ${name}: ${fmt(records)} records in ${fmt(ps.length)} payloads, ${fmt(bytes / records)} B per line\n`,
  );
  console.log('| variant | records/s | MB/s of NDJSON | spread (IQR) | vs reference |');
  console.log('|---|---:|---:|---:|---:|');
  const sorted = rates.map((xs) => [...xs].sort((a, b) => a - b));
  const base = quantile(sorted[0], 0.5);
  variants.forEach(([label], v) => {
    if (!exact[v]) {
      console.log(`| ${label} | not byte-identical: not timed | | | |`);
      return;
    }
    const s = sorted[v];
    const m = quantile(s, 0.5);
    console.log(
      `| ${label} | ${fmt(m)} | ${fmt((m * bytes) / records / 1e6)} | ` +
        `${fmt((quantile(s, 0.25) / m - 1) * 100)} % / +${fmt((quantile(s, 0.75) / m - 1) * 100)} % | ${fmt(m / base, 2)}× |`,
    );
  });
}

/**
 * Packing quality of the Timestream writer, on generated EMF and Lambda REPORT traffic.
 *
 *   pnpm turbo run build --filter=@logpipe/timestream-writer...
 *   node packages/timestream-writer/bench/packing.mjs [events=20000] [seed=7]
 *
 * Runs against the built package (dist). For each traffic kind it reports records per
 * WriteRecords request and 1 KiB write units (the documented metering formula) per 1,000
 * log events, for three ways of writing the same measures:
 *
 *   single      one measure per record (MeasureName = the measure, the MetricRecord's
 *               measure name kept as a `namespace` dimension), 100 records per request,
 *               no CommonAttributes — the reference implementation, built here in a few lines;
 *   single+CA   the same records, with what each request shares in CommonAttributes;
 *   multi+CA    packMetrics: multi-measure records, CommonAttributes (what the writer sends).
 *
 * Prints a Markdown table; ratios are against `single`. Sizes only: nothing is timed.
 */
import { createClassifier, generateWorkload, processEnvelope } from '@logpipe/core';
import { packMetrics, recordBytes, requestBytes, writeUnits } from '../dist/index.js';

const EVENTS = Number(process.argv[2] ?? 20_000);
const SEED = Number(process.argv[3] ?? 7);
const NOW = Date.UTC(2026, 0, 1, 12);
const START = NOW - 3_600_000;

const SCENARIOS = [
  ['EMF', ['emf']],
  ['Lambda REPORT (text + JSON)', ['lambda', 'lambda_json']],
];

function traffic(formats) {
  const classifier = createClassifier();
  const metrics = [];
  let events = 0;
  for (const p of generateWorkload({ events: EVENTS, seed: SEED, formats, startTime: START })) {
    events += p.envelope.logEvents.length;
    for (const m of processEnvelope(p.envelope, classifier).metrics) metrics.push(m);
  }
  return { metrics, events };
}

/** The full records of a packed request (CommonAttributes merged back in). */
function fullRecords(req) {
  const c = req.CommonAttributes;
  return req.Records.map((r) => ({
    Time: r.Time ?? c.Time,
    MeasureName: r.MeasureName ?? c.MeasureName,
    Dimensions: [...(c.Dimensions ?? []), ...(r.Dimensions ?? [])],
    MeasureValues: r.MeasureValues,
  }));
}

/** Reference: one measure per record, 100 per request. */
function singleMeasure(requests) {
  const records = [];
  for (const req of requests) {
    for (const full of fullRecords(req)) {
      for (const mv of full.MeasureValues) {
        records.push({
          Time: full.Time,
          MeasureName: mv.Name,
          MeasureValue: mv.Value,
          MeasureValueType: mv.Type,
          Dimensions: [...full.Dimensions, { Name: 'namespace', Value: full.MeasureName }],
        });
      }
    }
  }
  return records;
}

function chunks(records, n = 100) {
  const out = [];
  for (let i = 0; i < records.length; i += n) out.push(records.slice(i, i + n));
  return out;
}

/** Factors what every record of a request shares (same rules as the writer). */
function withCommon(batch) {
  const first = batch[0];
  const same = (k) => batch.every((r) => r[k] === first[k]);
  const dims = first.Dimensions.filter((d) =>
    batch.every((r) => r.Dimensions.some((x) => x.Name === d.Name && x.Value === d.Value)),
  );
  const names = new Set(dims.map((d) => d.Name));
  const common = {};
  if (same('MeasureName')) common.MeasureName = first.MeasureName;
  if (same('Time')) common.Time = first.Time;
  if (dims.length > 0) common.Dimensions = dims;
  const records = batch.map((r) => {
    const own = { ...r, Dimensions: r.Dimensions.filter((d) => !names.has(d.Name)) };
    if (common.MeasureName !== undefined) delete own.MeasureName;
    if (common.Time !== undefined) delete own.Time;
    return own;
  });
  return { common, records };
}

function sortBySeries(records) {
  const key = (r) =>
    `${r.MeasureName}\u0000${r.Dimensions.map((d) => `${d.Name}=${d.Value}`).join('\u0001')}`;
  return [...records].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function measure(label, events, metrics) {
  const { requests, rejected } = packMetrics(metrics, { now: NOW });
  const single = singleMeasure(requests);

  const rows = [];
  {
    const batches = chunks(single);
    let units = 0;
    let bytes = 0;
    for (const b of batches) {
      const n = b.reduce((s, r) => s + recordBytes(r), 0);
      bytes += n;
      units += writeUnits(n);
    }
    rows.push(['single', single.length, batches.length, bytes, units]);
  }
  {
    const batches = chunks(sortBySeries(single));
    let units = 0;
    let bytes = 0;
    for (const b of batches) {
      const { common, records } = withCommon(b);
      const n = requestBytes(common, records);
      bytes += n;
      units += writeUnits(n);
    }
    rows.push(['single+CA', single.length, batches.length, bytes, units]);
  }
  {
    let units = 0;
    let bytes = 0;
    let records = 0;
    for (const r of requests) {
      units += r.writeUnits;
      bytes += r.bytes;
      records += r.Records.length;
    }
    rows.push(['multi+CA', records, requests.length, bytes, units]);
  }
  const base = rows[0];
  console.log(`\n### ${label}\n`);
  console.log(
    `${events} log events → ${metrics.length} MetricRecords (${rejected.length} refused before sending: ${summarize(rejected)})\n`,
  );
  console.log(
    '| packing | Timestream records | requests | records / request | metered bytes | write units | write units / 1,000 events | vs single |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, recs, reqs, bytes, units] of rows) {
    console.log(
      `| ${name} | ${recs} | ${reqs} | ${(recs / reqs).toFixed(1)} | ${bytes} | ${units} | ${((units * 1000) / events).toFixed(1)} | ${(units / base[4]).toFixed(2)}× |`,
    );
  }
}

function summarize(letters) {
  const by = {};
  for (const l of letters) by[l.code] = (by[l.code] ?? 0) + 1;
  const parts = Object.entries(by).map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

console.log(`## Timestream packing (events=${EVENTS}, seed=${SEED}, node ${process.version})`);
for (const [label, formats] of SCENARIOS) {
  const { metrics, events } = traffic(formats);
  measure(label, events, metrics);
}

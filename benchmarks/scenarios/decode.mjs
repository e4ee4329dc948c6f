// Scenario: decode, classify and parse CloudWatch Logs subscription payloads on one thread.
//
// Inputs (seeded generateWorkload, gzipped as CloudWatch Logs sends them, cached):
//   mixed      every format mixed, 1–100 events per payload (the target's "mixed traffic")
//   per format one workload format at a time (its dataset in brackets)
//   sweep      mixed traffic at 1, 10, 100 and 1,000 events per payload (payload size)
// Variants:
//   baseline   setup only: the input in memory (the RSS floor of every other variant)
//   floor      zlib.gunzipSync + JSON.parse of the envelope: no validation, no parsing
//   floor+json a lower bound of any parser of these formats: the floor, then JSON.parse of
//              every message that is a JSON object (starts with "{"), nothing else (mixed only)
//   decode     logpipe createDecoder().bytes: libdeflate (node:zlib without it) with a size cap,
//              UTF-8 check, envelope validation
//   full       decode + processEnvelope: classify every event and parse it into a LogRecord
//              (and MetricRecords from EMF and REPORT lines)
//   paired     floor, floor+json and full in one process, in turns (mixed only): their ratios
//              from the same rounds, which the target is judged on
import { gunzipSync } from 'node:zlib';
import { createClassifier, createDecoder, processEnvelope, WORKLOAD_FORMATS } from '@logpipe/core';
import { lineChart } from '../charts.mjs';
import { payloadSet } from '../inputs.mjs';
import { fmt, fmtSig, pairedRatio, parseJsonMessage } from '../lib.mjs';
import { measureTable, rowOf } from '../report.mjs';

export const name = 'decode';
export const title = 'Decode + classify + parse, one thread';

const DATASET_OF = {
  vpc_flow: 'vpc_flow',
  alb: 'alb',
  cloudtrail: 'cloudtrail',
  lambda: 'lambda',
  lambda_json: 'lambda',
  app_json: 'app',
  emf: 'app',
  logfmt: 'app',
  text: 'app',
};
const SWEEP = [1, 10, 100, 1000];
const sweep = (quick) => (quick ? [1, 100] : SWEEP);

function inputParams(set, quick) {
  if (set === 'mixed') return { seed: 1, events: quick ? 3_000 : 100_000 };
  if (set.startsWith('format:'))
    return { seed: 2, formats: [set.slice(7)], jsonBytes: quick ? 300_000 : 8_000_000 };
  const per = Number(set.slice(6));
  return { seed: 3, eventsPerPayload: per, jsonBytes: quick ? 600_000 : 16_000_000 };
}

function sets(quick) {
  return [
    'mixed',
    ...WORKLOAD_FORMATS.map((f) => `format:${f}`),
    ...sweep(quick).map((n) => `sweep:${n}`),
  ];
}

/** Generation jobs, run before any measurement so that no measured child generates. */
export function prepare({ quick }) {
  return sets(quick).map((set) => ({
    task: 'generate',
    params: inputParams(set, quick),
    label: set,
  }));
}

export const tasks = {
  generate(params) {
    return payloadSet(params).meta;
  },
};

export function jobs({ quick }) {
  const rounds = quick ? 2 : 8;
  const small = quick ? 2 : 6;
  const out = [];
  for (const variant of ['baseline', 'floor', 'floor+json', 'decode', 'full', 'paired'])
    out.push({
      id: `mixed/${variant}`,
      variant,
      params: { set: 'mixed', quick },
      rounds: variant === 'baseline' ? 0 : rounds,
      label: `mixed ${variant === 'paired' ? 'floor, floor+json and full in turns' : variant}`,
    });
  // Quick (smoke) runs keep one variant per format and two sweep points: enough to run every
  // parser and every code path once. The per-format and sweep rows take one pass (run.mjs
  // --passes): no target is judged on them, and a second process each cost a start-up and a
  // warm-up round.
  for (const f of WORKLOAD_FORMATS)
    for (const variant of quick ? ['full'] : ['floor', 'full'])
      out.push({
        id: `format:${f}/${variant}`,
        variant,
        params: { set: `format:${f}`, quick },
        rounds: small,
        passes: 1,
        label: `${f} ${variant}`,
      });
  for (const n of sweep(quick))
    for (const variant of ['floor', 'decode', 'full'])
      out.push({
        id: `sweep:${n}/${variant}`,
        variant,
        params: { set: `sweep:${n}`, quick },
        rounds: small,
        passes: 1,
        label: `${n} events/payload ${variant}`,
      });
  return out;
}

export function setup({ set, quick }) {
  const { buffers, meta } = payloadSet(inputParams(set, quick));
  return { payloads: buffers, meta: { ...meta, unitBytes: meta.jsonBytes } };
}

// Results are summed here so that no variant's work can be optimized away.
const sink = { n: 0 };

export const variants = {
  baseline: () => () => {},
  floor: ({ payloads }) => {
    return () => {
      for (const b of payloads)
        sink.n += JSON.parse(gunzipSync(b).toString('utf8')).logEvents.length;
    };
  },
  'floor+json': ({ payloads }) => {
    return () => {
      for (const b of payloads) {
        const events = JSON.parse(gunzipSync(b).toString('utf8')).logEvents;
        for (const e of events) sink.n += parseJsonMessage(e.message);
      }
    };
  },
  decode: ({ payloads }) => {
    const decoder = createDecoder();
    return () => {
      for (let i = 0; i < payloads.length; i++) {
        const r = decoder.bytes(payloads[i], 'bench');
        if (!r.ok) throw r.error;
        sink.n += r.value.envelope.logEvents.length;
      }
    };
  },
  // floor, floor+json and full in one process, in turns (child.mjs `interleave`): their
  // ratios from the same rounds. Each of the other variants runs in a process of its own,
  // and on a shared machine one process can run through a slow spell that another misses
  // (the floor alone took 303–448 ms a round in six processes in a row on Node 22); rounds
  // taken in turns share their spells.
  paired: (state) => ({
    runs: {
      floor: variants.floor(state),
      'floor+json': variants['floor+json'](state),
      full: variants.full(state).runs[''],
    },
    interleave: true,
  }),
  full: ({ payloads, meta }) => {
    const decoder = createDecoder();
    const classifier = createClassifier();
    let records = 0;
    return {
      runs: {
        '': () => {
          records = 0;
          for (let i = 0; i < payloads.length; i++) {
            const r = decoder.bytes(payloads[i], 'bench');
            if (!r.ok) throw r.error;
            records += processEnvelope(r.value.envelope, classifier).records.length;
          }
          sink.n += records;
        },
      },
      info: () => {
        if (records !== meta.events)
          throw new Error(`full parse gave ${records} records for ${meta.events} events`);
        return { records };
      },
    };
  },
};

export function report(results, { quick }) {
  const get = (id) => results[id];
  const sections = [];
  const charts = [];
  const summary = {};

  // Mixed traffic.
  const mixed = ['baseline', 'floor', 'floor+json', 'decode', 'full'].map((v) =>
    rowOf(get(`mixed/${v}`), v),
  );
  const m = get('mixed/floor')?.meta;
  sections.push(
    `### Mixed traffic (${fmt(m?.events ?? 0, 0)} events in ${fmt(m?.payloads ?? 0, 0)} payloads of 1–100 events, ${fmt((m?.jsonBytes ?? 0) / 1e6)} MB of JSON, ${fmt((m?.gzBytes ?? 0) / 1e6)} MB gzipped)`,
    '',
    measureTable(mixed, { reference: 'floor', unit: 'MB/s of JSON' }),
    '',
  );
  const floor = mixed.find((r) => r.variant === 'floor');
  const full = mixed.find((r) => r.variant === 'full');
  const decodeRow = mixed.find((r) => r.variant === 'decode');
  const bound = mixed.find((r) => r.variant === 'floor+json');
  const inTurns = pairedRatio(get('mixed/paired'), 'full', 'floor');
  const boundInTurns = pairedRatio(get('mixed/paired'), 'floor+json', 'floor');
  summary.mixed = { floor, decode: decodeRow, full, bound, paired: inTurns, boundInTurns };
  if (inTurns !== undefined && boundInTurns !== undefined)
    sections.push(
      `\`floor\`, \`floor+json\` and \`full\` again in one process, in turns (${inTurns.rounds} rounds, each running all three once; medians of the rounds' ratios): full vs floor ${fmt(inTurns.ratio, 2)}× (on CPU time ${fmt(inTurns.cpuRatio, 2)}×), floor+json vs floor ${fmt(boundInTurns.ratio, 2)}× (on CPU time ${fmt(boundInTurns.cpuRatio, 2)}×).`,
      '',
    );
  const headline = [
    {
      what: 'decode + classify + parse vs decode floor, mixed traffic (MB/s of JSON)',
      ours: fmtSig(full.mbPerSec),
      peer: fmtSig(floor.mbPerSec),
      ratio:
        inTurns === undefined
          ? `${fmt(full.mbPerSec / floor.mbPerSec, 2)}×`
          : `${fmt(inTurns.ratio, 2)}× in turns (${fmt(full.mbPerSec / floor.mbPerSec, 2)}× apart)`,
    },
    {
      what: 'logpipe decode (capped, validated) vs decode floor (MB/s of JSON)',
      ours: fmtSig(decodeRow.mbPerSec),
      peer: fmtSig(floor.mbPerSec),
      ratio: `${fmt(decodeRow.mbPerSec / floor.mbPerSec, 2)}×`,
    },
  ];

  // Per format.
  const lines = [
    '### Per format (floor vs decode + classify + parse)',
    '',
    '| format (dataset) | events | MB JSON | floor MB/s | full MB/s | full events/s | full vs floor | peak RSS MB (full) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const f of WORKLOAD_FORMATS) {
    const fl = rowOf(get(`format:${f}/floor`), 'floor');
    const fu = rowOf(get(`format:${f}/full`), 'full');
    const meta = get(`format:${f}/full`)?.meta;
    lines.push(
      `| ${f} (${DATASET_OF[f]}) | ${fmt(meta?.events ?? 0, 0)} | ${fmt((meta?.jsonBytes ?? 0) / 1e6)} | ${fmtSig(fl.mbPerSec)} | ${fmtSig(fu.mbPerSec)} | ${fmt(fu.eventsPerSec, 0)} | ${fmt(fu.mbPerSec / fl.mbPerSec, 2)}× | ${fmt(fu.peakRssMB, 0)} |`,
    );
  }
  sections.push(...lines, '');

  // Payload size sweep.
  const series = { floor: [], decode: [], full: [] };
  const sweepLines = [
    '### Throughput vs payload size (mixed traffic)',
    '',
    '| events / payload | mean payload KB (JSON) | floor MB/s | decode MB/s | full MB/s | full events/s | full vs floor |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const n of sweep(quick)) {
    const rows = Object.fromEntries(
      ['floor', 'decode', 'full'].map((v) => [v, rowOf(get(`sweep:${n}/${v}`), v)]),
    );
    const meta = get(`sweep:${n}/full`)?.meta;
    const kb = meta ? meta.jsonBytes / meta.payloads / 1e3 : Number.NaN;
    for (const v of Object.keys(series)) series[v].push([kb, rows[v].mbPerSec]);
    sweepLines.push(
      `| ${n} | ${fmtSig(kb)} | ${fmtSig(rows.floor.mbPerSec)} | ${fmtSig(rows.decode.mbPerSec)} | ${fmtSig(rows.full.mbPerSec)} | ${fmt(rows.full.eventsPerSec, 0)} | ${fmt(rows.full.mbPerSec / rows.floor.mbPerSec, 2)}× |`,
    );
  }
  charts.push({
    file: 'decode-payload-size.svg',
    title: 'Decode throughput vs payload size',
    svg: lineChart({
      title: 'Decode throughput vs payload size (one thread, mixed traffic)',
      xLabel: 'mean payload size, KB of JSON (log scale)',
      yLabel: 'MB/s of JSON',
      xLog: true,
      series: [
        { name: 'floor (gunzip + JSON.parse)', points: series.floor },
        { name: 'logpipe decode', points: series.decode },
        { name: 'decode + classify + parse', points: series.full },
      ],
    }),
  });
  sections.push(
    ...sweepLines,
    '',
    '![decode throughput vs payload size](decode-payload-size.svg)',
    '',
  );
  if (quick) sections.push('_Quick run: tiny inputs, figures are not meaningful._', '');
  return { sections, charts, summary, headline };
}

// Scenario: the Firehose data-transformation handler end to end, one thread, against a
// blueprint-equivalent reference and the Powertools parser, on the same invocations.
//
// Input: Firehose transformation events (toFirehoseEvent) whose records are gzipped
// CloudWatch Logs payloads of mixed traffic, ~256 KB, ~1 MB and ~3 MB of record data per
// invocation (Firehose's Lambda buffer size: 1 MB default, 3 MB max; the invocation itself is
// the base64 of that, 4/3 larger). At 1 MB and 3 MB the outputs exceed the 6 MB response and
// part of every batch is re-ingested (the handler then does less for those records, the
// blueprint does not); at 256 KB everything fits. Each round handles every batch once.
//
// Variants (all start from the invocation event, base64 record data):
//   baseline    setup only (RSS floor)
//   floor       per record: base64 → gunzip → JSON.parse of the envelope; nothing else
//   blueprint   what the AWS "kinesis-firehose-cloudwatch-logs-processor" blueprint does, on
//               one thread: base64 → gunzipSync → JSON.parse → CONTROL_MESSAGE dropped,
//               DATA_MESSAGE messages joined with "\n" → base64 → Ok; then, while the response
//               would exceed 6,000,000 bytes, Ok records from the first on are re-ingested
//               (original data, PutRecordBatch of ≤ 500 records / 4 MiB) and marked Dropped.
//               Written synchronously: the blueprint's per-event Promise.resolve is left out,
//               which only makes this reference faster.
//   messages    createTransformHandler({ output: 'messages' }): decode with validation,
//               classify + parse every event, partition keys, messages as lines, base64,
//               6 MB response budget with re-ingest of what does not fit
//   records     createTransformHandler() (output 'records', the normalized mode): the same,
//               each event rendered as its normalized JSON record
//   messages, pool of 2 / records, pool of 2
//               the same handlers given createWorkerPool({ threads: 2 }): decode, parse and
//               render on two worker threads, the response built on the calling thread
//   decode + JSON + line JSON
//               a lower bound of the normalized mode, not a handler: timed is logpipe's decode
//               of every record (decoder.firehoseRecord: base64, gunzip, envelope), JSON.parse
//               of every message that is a JSON object (lib.mjs parseJsonMessage, as decode's
//               floor+json: the parsers must read those), and, for records classified and
//               parsed beforehand (untimed), JSON.stringify of each one's message and of its
//               fields, the two calls of logpipe's line writer; no
//               classification, no parsers, no base64 of the output, no response. (A writer
//               could copy a message's escaped form from the payload where it escapes as
//               JSON.stringify does: about 1 µs of the message's call an event; the fields'
//               call stays.)
//   powertools  @aws-lambda-powertools/parser CloudWatchEnvelope.parse({ awslogs: { data } },
//               z.string()) per record: z.base64() check of the data, base64 → gunzip →
//               JSON.parse → zod validation of the envelope and every log event, then each
//               message checked as a string; gives the messages, builds no response. Powertools
//               has no schema for CloudWatch Logs data inside Firehose records, so each record's
//               data is handed to its CloudWatch Logs schema, which decodes exactly that.
//   in turns    blueprint, messages, records and powertools once more, in one process, in
//               turns: the ratios of the same rounds, which the targets are judged on
//
// Re-ingest goes to an in-process loopback client (answers every PutRecordBatch with success,
// no network, no SDK serialization), the same one for the handler and the blueprint; how many
// records each re-ingested is in the table.
import { gunzipSync } from 'node:zlib';
import {
  createClassifier,
  createDecoder,
  createWorkerPool,
  processEnvelope,
  toFirehoseEvent,
} from '@logpipe/core';
import { createTransformHandler } from '@logpipe/firehose-transform';
import { barChart } from '../charts.mjs';
import { firehoseBatches } from '../inputs.mjs';
import { fmt, fmtSig, pairedRatio, parseJsonMessage } from '../lib.mjs';
import { measureTable, rowOf } from '../report.mjs';

export const name = 'firehose';
export const title = 'Firehose transform handler, one thread';

const VARIANTS = [
  'baseline',
  'floor',
  'blueprint',
  'messages',
  'records',
  'powertools',
  'decode + JSON + line JSON',
  'messages, pool of 2',
  'records, pool of 2',
];
const BUDGET = 6_000_000;

function sizes(quick) {
  return quick
    ? [
        { label: '64 KB', batchBytes: 64_000, count: 2 },
        { label: '192 KB', batchBytes: 192_000, count: 1 },
      ]
    : [
        // Small enough that every output fits the 6 MB response: no re-ingest, so every
        // variant does the whole job for every event (the clean per-event comparison).
        { label: '256 KB', batchBytes: 256_000, count: 24 },
        { label: '1 MB', batchBytes: 1_000_000, count: 6 },
        { label: '3 MB', batchBytes: 3_000_000, count: 2 },
      ];
}

export function prepare({ quick }) {
  return sizes(quick).map((s) => ({ task: 'generate', params: s, label: s.label }));
}

export const tasks = {
  generate({ batchBytes, count }) {
    return firehoseBatches({ batchBytes, count }).meta;
  },
};

export function jobs({ quick }) {
  const out = [];
  for (const s of sizes(quick))
    for (const variant of [...VARIANTS, 'in turns'])
      out.push({
        id: `${s.label}/${variant}`,
        variant,
        params: { ...s },
        rounds: variant === 'baseline' ? 0 : quick ? 2 : 6,
        label: `${s.label} ${variant}`,
      });
  return out;
}

export function setup({ batchBytes, count }) {
  const { buffers, meta } = firehoseBatches({ batchBytes, count });
  const events = meta.batches.map((b, i) => {
    const ev = toFirehoseEvent(buffers.slice(b.start, b.end));
    ev.invocationId = `bench-${i}`;
    return ev;
  });
  let invocationBytes = 0;
  for (const ev of events) invocationBytes += Buffer.byteLength(JSON.stringify(ev));
  return { events, meta: { ...meta, unitBytes: meta.jsonBytes, invocationBytes } };
}

/** Answers every PutRecordBatch with success, counting what it was given. */
function loopbackFirehose() {
  const stats = { calls: 0, records: 0 };
  return {
    stats,
    send: async (command) => {
      const records = command.input.Records;
      stats.calls++;
      stats.records += records.length;
      return {
        FailedPutCount: 0,
        RequestResponses: records.map((_, i) => ({ RecordId: `loopback-${stats.calls}-${i}` })),
      };
    },
  };
}

const PUT_MAX_RECORDS = 500;
const PUT_MAX_BYTES = 4 * 1024 * 1024;

/** The blueprint's algorithm (see the header), synchronous where the blueprint chains promises. */
function blueprintHandler(client) {
  return async (event) => {
    const streamName = event.deliveryStreamArn.split('/')[1];
    const dataById = new Map();
    const records = [];
    for (const r of event.records) {
      dataById.set(r.recordId, r.data);
      let data;
      try {
        data = JSON.parse(gunzipSync(Buffer.from(r.data, 'base64')));
      } catch {
        records.push({ recordId: r.recordId, result: 'ProcessingFailed' });
        continue;
      }
      if (data.messageType === 'CONTROL_MESSAGE') {
        records.push({ recordId: r.recordId, result: 'Dropped' });
      } else if (data.messageType === 'DATA_MESSAGE') {
        let joined = '';
        for (const e of data.logEvents) joined += `${e.message}\n`;
        records.push({
          recordId: r.recordId,
          result: 'Ok',
          data: Buffer.from(joined, 'utf8').toString('base64'),
        });
      } else {
        records.push({ recordId: r.recordId, result: 'ProcessingFailed' });
      }
    }
    let projected = 0;
    for (const rec of records)
      if (rec.result === 'Ok') projected += rec.recordId.length + rec.data.length;
    const puts = [];
    let batch = [];
    let batchBytes = 0;
    let reingested = 0;
    for (let i = 0; i < records.length && projected > BUDGET; i++) {
      const rec = records[i];
      if (rec.result !== 'Ok') continue;
      const data = Buffer.from(dataById.get(rec.recordId), 'base64');
      if (batch.length === PUT_MAX_RECORDS || batchBytes + data.length > PUT_MAX_BYTES) {
        puts.push(batch);
        batch = [];
        batchBytes = 0;
      }
      batch.push({ Data: data });
      batchBytes += data.length;
      projected -= rec.data.length;
      rec.data = undefined;
      rec.result = 'Dropped';
      reingested++;
    }
    if (batch.length > 0) puts.push(batch);
    for (const Records of puts)
      await client.send({ input: { DeliveryStreamName: streamName, Records } });
    return { records, reingested };
  };
}

/** Sums an invocation's outcome into `t`. */
function tally(t, records, reingested) {
  for (const r of records) {
    t[r.result] = (t[r.result] ?? 0) + 1;
    if (r.result === 'Ok') t.okBytes += r.data.length;
  }
  t.reingested += reingested;
}

// Results are summed here so that no variant's work can be optimized away.
const sink = { n: 0 };

export const variants = {
  baseline: () => () => {},
  floor:
    ({ events }) =>
    () => {
      for (const ev of events)
        for (const r of ev.records)
          sink.n += JSON.parse(
            gunzipSync(Buffer.from(r.data, 'base64')).toString('utf8'),
          ).logEvents.length;
    },
  blueprint: ({ events }) => {
    const client = loopbackFirehose();
    const handler = blueprintHandler(client);
    return invocations(events, handler, (out) => out.reingested);
  },
  messages: (state) => handlerVariant(state, 'messages'),
  records: (state) => handlerVariant(state, 'records'),
  'messages, pool of 2': (state) => handlerVariant(state, 'messages', 2),
  'records, pool of 2': (state) => handlerVariant(state, 'records', 2),
  // blueprint, messages, records and powertools in one process, in turns (child.mjs
  // `interleave`): their ratios from the same rounds, which the targets are judged on. Each
  // variant above runs in a process of its own, and on a shared machine one process can run
  // through a slow spell that another misses; rounds taken in turns share their spells.
  'in turns': async (state) => {
    const made = {};
    for (const v of ['blueprint', 'messages', 'records', 'powertools'])
      made[v] = await variants[v](state);
    const runs = {};
    for (const [v, m] of Object.entries(made)) runs[v] = typeof m === 'function' ? m : m.runs[''];
    return {
      runs,
      interleave: true,
      close: async () => {
        for (const m of Object.values(made)) await m.close?.();
      },
    };
  },
  'decode + JSON + line JSON': ({ events }) => {
    const decoder = createDecoder();
    const classifier = createClassifier();
    // The records of each Firehose record, parsed once here, untimed.
    const parsed = events.map((ev) =>
      ev.records.map((r) => {
        const d = decoder.firehoseRecord(r);
        if (!d.ok) throw d.error;
        return processEnvelope(d.value.envelope, classifier).records;
      }),
    );
    return () => {
      events.forEach((ev, i) => {
        ev.records.forEach((r, j) => {
          const d = decoder.firehoseRecord(r);
          if (!d.ok) throw d.error;
          for (const e of d.value.envelope.logEvents) sink.n += parseJsonMessage(e.message);
          for (const rec of parsed[i][j])
            sink.n += JSON.stringify(rec.message).length + JSON.stringify(rec.fields).length;
        });
      });
    };
  },
  powertools: async ({ events }) => {
    // Loaded here, not at the top: the other variants' processes need not pay its 0.3 s.
    const { CloudWatchEnvelope } = await import(
      '@aws-lambda-powertools/parser/envelopes/cloudwatch'
    );
    const { z } = await import('zod');
    const message = z.string();
    return () => {
      for (const ev of events)
        for (const r of ev.records)
          sink.n += CloudWatchEnvelope.parse({ awslogs: { data: r.data } }, message).length;
    };
  },
};

async function handlerVariant({ events }, output, threads) {
  const client = loopbackFirehose();
  const pool = threads === undefined ? undefined : createWorkerPool({ threads });
  // Threads start in the background: one invocation first, so each has started.
  if (pool !== undefined)
    await pool.renderBatch(events[0].records.map((r) => ({ data: r.data, source: r.recordId })));
  const handler = createTransformHandler({
    output,
    firehoseClient: client,
    logger: () => {},
    pool,
  });
  return {
    ...invocations(events, handler, () => handler.lastSummary.reingestedRecords),
    close: () => pool?.close(),
  };
}

/**
 * A variant that handles every invocation once per round; `info` runs them once more
 * and sums their outcome (`reingestedOf` reads how many records one invocation re-ingested).
 */
function invocations(events, handle, reingestedOf) {
  return {
    runs: {
      '': async () => {
        for (const ev of events) sink.n += (await handle(ev)).records.length;
      },
    },
    info: async () => {
      const t = { okBytes: 0, reingested: 0 };
      for (const ev of events) {
        const out = await handle(ev);
        tally(t, out.records, reingestedOf(out));
      }
      return t;
    },
  };
}

export function report(results, { quick }) {
  const sections = [];
  const summary = {};
  const chartGroups = [];
  const headline = [];
  const shown = ['floor', 'blueprint', 'messages', 'records', 'powertools'];
  for (const s of sizes(quick)) {
    const rows = VARIANTS.map((v) => rowOf(results[`${s.label}/${v}`], v));
    const meta = results[`${s.label}/floor`]?.meta;
    const records = meta?.payloads ?? 0;
    const notes = {};
    for (const r of rows) {
      const i = r.info;
      if (i)
        notes[r.variant] =
          `(Ok ${i.Ok ?? 0}, Dropped ${i.Dropped ?? 0}${i.ProcessingFailed ? `, failed ${i.ProcessingFailed}` : ''}; re-ingested ${i.reingested} of ${records})`;
    }
    sections.push(
      `### ${s.label} batches (${meta?.batches.length ?? 0} invocations of ~${fmt((meta?.gzBytes ?? 0) / (meta?.batches.length || 1) / 1e6, 2)} MB record data, ${fmt((meta?.invocationBytes ?? 0) / (meta?.batches.length || 1) / 1e6, 2)} MB event JSON; ${fmt(meta?.events ?? 0, 0)} events, ${fmt(records, 0)} records, ${fmt((meta?.jsonBytes ?? 0) / 1e6)} MB of decompressed JSON per round)`,
      '',
      measureTable(rows, { reference: 'blueprint', unit: 'MB/s of JSON', notes }),
      '',
    );
    const by = Object.fromEntries(rows.map((r) => [r.variant, r]));
    const turns = results[`${s.label}/in turns`];
    const inTurns = {
      messages: pairedRatio(turns, 'messages', 'blueprint'),
      records: pairedRatio(turns, 'records', 'powertools'),
    };
    summary[s.label] = { ...by, inTurns };
    if (inTurns.messages !== undefined && inTurns.records !== undefined)
      sections.push(
        `The blueprint, both modes and Powertools again in one process, in turns (${inTurns.messages.rounds} rounds, each running all four once; medians of the rounds' ratios): messages mode vs blueprint ${fmt(inTurns.messages.ratio, 2)}× (on CPU time ${fmt(inTurns.messages.cpuRatio, 2)}×), normalized mode vs Powertools ${fmt(inTurns.records.ratio, 2)}× (on CPU time ${fmt(inTurns.records.cpuRatio, 2)}×).`,
        '',
      );
    const cmp = (what, a, b, turns) => {
      const apart = `${fmt(by[a].eventsPerSec / by[b].eventsPerSec, 2)}×`;
      headline.push({
        what: `Firehose ${s.label}: ${what} (events/s)`,
        ours: fmt(by[a].eventsPerSec, 0),
        peer: fmt(by[b].eventsPerSec, 0),
        ratio: turns === undefined ? apart : `${fmt(turns.ratio, 2)}× in turns (${apart} apart)`,
      });
    };
    cmp('messages mode vs blueprint-equivalent', 'messages', 'blueprint', inTurns.messages);
    cmp('normalized mode vs blueprint-equivalent', 'records', 'blueprint');
    cmp(
      'normalized mode vs Powertools envelope decoding',
      'records',
      'powertools',
      inTurns.records,
    );
    cmp('normalized mode, pool of 2 threads vs one thread', 'records, pool of 2', 'records');
    chartGroups.push({ label: s.label, values: shown.map((v) => by[v].eventsPerSec) });
  }
  const chart = {
    file: 'firehose-batches.svg',
    title: 'Firehose handler throughput by batch size',
    svg: barChart({
      title: 'Firehose transform: events/s per batch size (one thread)',
      yLabel: 'events/s',
      names: [
        'floor (base64+gunzip+JSON.parse)',
        'blueprint-equivalent',
        'logpipe messages',
        'logpipe normalized',
        'Powertools envelope',
      ],
      groups: chartGroups,
    }),
  };
  sections.push('![Firehose throughput by batch size](firehose-batches.svg)', '');
  sections.push(
    `Per-event cost, normalized mode vs Powertools envelope decoding: ${sizes(quick)
      .map((s) => {
        const by = summary[s.label];
        return `${s.label}: ${fmtSig(1e6 / by.records.eventsPerSec)} µs vs ${fmtSig(1e6 / by.powertools.eventsPerSec)} µs`;
      })
      .join('; ')}. ` +
      `logpipe's decode, JSON.parse of the JSON messages and the line writer's two JSON.stringify calls alone (the "decode + JSON + line JSON" row: no classification, no parsers, no output base64, no response) take ${sizes(
        quick,
      )
        .map(
          (s) => `${fmtSig(1e6 / summary[s.label]['decode + JSON + line JSON'].eventsPerSec)} µs`,
        )
        .join(' / ')}; the floor (node:zlib and JSON.parse, decode only) ${sizes(quick)
        .map((s) => `${fmtSig(1e6 / summary[s.label].floor.eventsPerSec)} µs`)
        .join(' / ')}.`,
    '',
  );
  return { sections, charts: [chart], summary, headline };
}

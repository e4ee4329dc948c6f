// Scenario: decode and parse CloudWatch Logs subscription payloads on one thread.
// Input: a seeded mixed workload (every format), gzipped as CloudWatch Logs sends it.
// Variants:
//   reference  zlib.gunzipSync + JSON.parse: the floor, no validation, no parsing
//   decode     logpipe createDecoder().bytes: gunzip with a cap, UTF-8 check, envelope validation
//   full       decode + processEnvelope: classify and parse every event into LogRecords
import { gunzipSync } from 'node:zlib';
import {
  createClassifier,
  createDecoder,
  generateWorkload,
  gzipEnvelope,
  processEnvelope,
} from '@logpipe/core';
import { medianSeconds } from '../lib.mjs';

export const name = 'decode';

export function run({ events = 200_000, seed = 1, eventsPerPayload = [1, 100] } = {}) {
  const payloads = [];
  let jsonBytes = 0;
  for (const p of generateWorkload({ events, seed, eventsPerPayload })) {
    const text = JSON.stringify(p.envelope);
    jsonBytes += Buffer.byteLength(text);
    payloads.push(gzipEnvelope(p.envelope));
  }
  const decoder = createDecoder();
  const classifier = createClassifier();
  let sink = 0;
  const variants = {
    reference: () => {
      for (const b of payloads) sink += JSON.parse(gunzipSync(b).toString('utf8')).logEvents.length;
    },
    decode: () => {
      for (let i = 0; i < payloads.length; i++) {
        const r = decoder.bytes(payloads[i], 'bench');
        if (!r.ok) throw r.error;
        sink += r.value.envelope.logEvents.length;
      }
    },
    full: () => {
      for (let i = 0; i < payloads.length; i++) {
        const r = decoder.bytes(payloads[i], 'bench');
        if (!r.ok) throw r.error;
        sink += processEnvelope(r.value.envelope, classifier).records.length;
      }
    },
  };
  const rows = [];
  for (const [variant, fn] of Object.entries(variants)) {
    const s = medianSeconds(fn, 5);
    rows.push({ variant, seconds: s, eventsPerSec: events / s, mbPerSec: jsonBytes / 1e6 / s });
  }
  if (sink === 0) throw new Error('nothing decoded');
  const ref = rows[0].seconds;
  for (const r of rows) r.vsReference = ref / r.seconds;
  return {
    title: `Decode + parse, one thread (${events.toLocaleString('en-US')} events, ${payloads.length.toLocaleString('en-US')} payloads of ${eventsPerPayload.join('–')} events, ${(jsonBytes / 1e6).toFixed(1)} MB JSON)`,
    rows,
  };
}

// Seeded inputs shared by the scenarios, generated once and cached in .cache/ (the generator
// is deterministic, so a cached file is the same input every run). Bump INPUT_VERSION when
// what is generated changes.
import { createHash } from 'node:crypto';
import { generateWorkload, gzipEnvelope } from '@logpipe/core';
import { cachedBuffers } from './lib.mjs';

const INPUT_VERSION = 1;

function keyOf(kind, params) {
  const h = createHash('sha256')
    .update(JSON.stringify({ v: INPUT_VERSION, kind, params }))
    .digest('hex')
    .slice(0, 16);
  return `${kind}-${h}`;
}

/**
 * Gzipped CloudWatch Logs payloads from `generateWorkload`, until `events` events or
 * `jsonBytes` bytes of envelope JSON (whichever is given).
 * meta: events, jsonBytes (decompressed envelope JSON), gzBytes, payloads.
 */
export function payloadSet({
  seed = 1,
  formats,
  eventsPerPayload = [1, 100],
  events,
  jsonBytes,
  startTime,
}) {
  const params = { seed, formats, eventsPerPayload, events, jsonBytes, startTime };
  return cachedBuffers(keyOf('payloads', params), () => {
    const buffers = [];
    const meta = { events: 0, jsonBytes: 0, gzBytes: 0, payloads: 0 };
    const gen = generateWorkload({
      events: events ?? Number.MAX_SAFE_INTEGER,
      seed,
      formats,
      eventsPerPayload,
      startTime,
    });
    for (const p of gen) {
      const gz = gzipEnvelope(p.envelope);
      buffers.push(gz);
      meta.events += p.envelope.logEvents.length;
      meta.jsonBytes += Buffer.byteLength(JSON.stringify(p.envelope));
      meta.gzBytes += gz.length;
      meta.payloads++;
      if (jsonBytes !== undefined && meta.jsonBytes >= jsonBytes) break;
    }
    return { buffers, meta };
  });
}

/**
 * `count` Firehose batches of mixed traffic, each holding about `batchBytes` of record data
 * (the gzipped payloads, as Firehose buffers them before invoking the Lambda). Batch i starts
 * at hour i of 2026-01-01 and, at the generator's 50 ms mean interval, stays within that hour,
 * so no payload spans two hour partitions.
 * meta: events, jsonBytes, gzBytes, payloads, batches: [{ start, end, events, gzBytes }].
 */
export function firehoseBatches({ batchBytes, count, seed = 11 }) {
  return cachedBuffers(keyOf('firehose', { batchBytes, count, seed }), () => {
    const buffers = [];
    const meta = { events: 0, jsonBytes: 0, gzBytes: 0, payloads: 0, batches: [] };
    for (let b = 0; b < count; b++) {
      const batch = { start: buffers.length, end: 0, events: 0, gzBytes: 0 };
      const gen = generateWorkload({
        events: Number.MAX_SAFE_INTEGER,
        seed: seed + b,
        startTime: Date.UTC(2026, 0, 1, b),
      });
      for (const p of gen) {
        const gz = gzipEnvelope(p.envelope);
        if (batch.gzBytes + gz.length > batchBytes && batch.events > 0) break;
        buffers.push(gz);
        batch.events += p.envelope.logEvents.length;
        batch.gzBytes += gz.length;
        meta.jsonBytes += Buffer.byteLength(JSON.stringify(p.envelope));
        meta.payloads++;
      }
      batch.end = buffers.length;
      meta.events += batch.events;
      meta.gzBytes += batch.gzBytes;
      meta.batches.push(batch);
    }
    return { buffers, meta };
  });
}

// `messages` output goes through core's native message scanner where the libdeflate addon is
// built, and every output reads envelopes with it. The same event through the built package with LOGPIPE_GUNZIP=zlib (no addon, hence
// JSON.parse and record objects) must get the same answer. Run after `pnpm turbo run build`.
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import {
  type CwlEnvelope,
  createWorkerPool,
  generateWorkload,
  gunzipLibdeflateVersion,
  type WorkerPool,
} from '@logpipe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirehoseTransformationEvent } from '../../src/event.js';
import { createTransformHandler, type TransformOptions } from '../../src/handler.js';
import { envelope, eventOf } from '../support/events.js';

const dist = new URL('../../dist/index.cjs', import.meta.url).pathname;
const HOUR_EDGE = Date.UTC(2026, 10, 26, 9, 59, 59, 900);

type Answer = { result: unknown; summary: unknown; logs: string[] };

/** Log lines without the summary's duration. */
const timeless = (line: string) => line.replace(/"durationMs":[\d.]+/, '"durationMs":0');

/** What the handler answers here, with the summary's duration left out. */
async function here(
  event: FirehoseTransformationEvent,
  options: TransformOptions,
): Promise<Answer> {
  const logs: string[] = [];
  const handler = createTransformHandler({ ...options, logger: (l) => logs.push(timeless(l)) });
  const result = await handler(event);
  return { result, summary: { ...handler.lastSummary, durationMs: 0 }, logs };
}

/** The same from the built package in a process of its own, without the addon. */
function withoutAddon(event: FirehoseTransformationEvent, options: TransformOptions): Answer {
  const script = `
    const { createTransformHandler } = require(${JSON.stringify(dist)});
    const { event, options } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const logs = [];
    const handler = createTransformHandler({ ...options, logger: (l) => logs.push(l) });
    handler(event).then((result) => {
      process.stdout.write(JSON.stringify({ result, summary: { ...handler.lastSummary, durationMs: 0 }, logs, version: require('@logpipe/core').gunzipLibdeflateVersion() ?? null }));
    });
  `;
  const out = JSON.parse(
    execFileSync(process.execPath, ['-e', script], {
      input: JSON.stringify({ event, options }),
      env: { ...process.env, LOGPIPE_GUNZIP: 'zlib' },
      cwd: new URL('../..', import.meta.url).pathname,
      maxBuffer: 256 * 1024 * 1024,
    }).toString(),
  );
  expect(out.version).toBeNull();
  return { result: out.result, summary: out.summary, logs: out.logs.map(timeless) };
}

/** A mixed workload, and payloads that take the record path for one reason or another. */
function mixedEvent(): FirehoseTransformationEvent {
  const envelopes: CwlEnvelope[] = [...generateWorkload({ events: 3000, seed: 17 })].map(
    (p) => p.envelope,
  );
  envelopes.push(
    // Two hours: two partitions.
    envelope('/aws/lambda/edge', [
      ['before the hour', HOUR_EDGE],
      ['after the hour', HOUR_EDGE + 200],
    ]),
    // A group with no convention: sniffed per message, two datasets.
    envelope('misc', [
      [
        '2 123456789012 eni-0a1b2c3d 10.0.0.1 10.0.0.2 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK',
        HOUR_EDGE - 5000,
      ],
      ['just some text', HOUR_EDGE - 4000],
    ]),
    // Sniffed, one dataset.
    envelope('misc', [
      ['plain text \u00e9 \ud83d\ude00', HOUR_EDGE - 5000],
      ['lone \ud800 surrogate and a newline\n', HOUR_EDGE - 4000],
      ['', HOUR_EDGE - 3000],
    ]),
    // An escaped log stream: left to JSON.parse by the scanner.
    { ...envelope('/aws/lambda/x', [['m', HOUR_EDGE - 1000]]), logStream: 'a"b' },
    // No events.
    { ...envelope('/aws/lambda/x', []), logEvents: [] },
    { ...envelope('/aws/lambda/x', []), messageType: 'CONTROL_MESSAGE' },
  );
  const event = eventOf(envelopes);
  // Bytes that are not UTF-8, and data that is not base64.
  const bad = Buffer.from(JSON.stringify(envelope('/aws/lambda/y', [['é', HOUR_EDGE]])));
  bad[bad.indexOf(0xc3)] = 0xff;
  event.records.push(
    {
      recordId: 'not-utf8',
      approximateArrivalTimestamp: 1,
      data: gzipSync(bad).toString('base64'),
    },
    { recordId: 'not-base64', approximateArrivalTimestamp: 1, data: '!!!' },
  );
  return event;
}

describe('the handler with the native scanner', () => {
  const event = mixedEvent();
  let pool: WorkerPool;
  // Every batch goes to the worker threads, which scan too.
  beforeAll(() => {
    pool = createWorkerPool({ threads: 2, inlineBelowBytes: 0 });
  });
  afterAll(() => pool.close());

  it.each<[string, TransformOptions]>([
    ['default partition keys', { output: 'messages' }],
    ['no partition keys', { output: 'messages', partitionKeys: false }],
    ['a response budget that runs out', { output: 'messages', responseBudgetBytes: 150_000 }],
    ['a small record limit', { output: 'messages', maxOutputRecordBytes: 3_000 }],
    // Records output reads envelopes with the scanner too (scanEnvelope).
    ['records output', { output: 'records' }],
    ['records output and a response budget that runs out', { responseBudgetBytes: 400_000 }],
  ])(
    'answers as the JavaScript path does, on this thread and on a pool, with %s',
    async (_name, options) => {
      // The addon is here, so this process scans.
      expect(gunzipLibdeflateVersion()).toBe('1.23');
      const mine = await here(event, options);
      const theirs = withoutAddon(event, options);
      expect(mine).toEqual(theirs);
      expect(await here(event, { ...options, pool })).toEqual(theirs);
      const records = (mine.result as { records: Array<{ result: string }> }).records;
      expect(records.filter((r) => r.result === 'Ok').length).toBeGreaterThan(5);
    },
  );
});

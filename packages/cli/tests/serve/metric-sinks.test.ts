/**
 * The sidecar with every sink type at once: the lake, Timestream LiveAnalytics (the real
 * AWS SDK client against the loopback Timestream stand-in of @logpipe/timestream-writer's
 * tests) and InfluxDB (a real influxd 1.x, started by that package's test support).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createClassifier, createDecoder, processEnvelope } from '@logpipe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type InfluxTestServer,
  startInfluxDB,
} from '../../../timestream-writer/tests/support/influxdb.js';
import {
  type FakeTimestreamServer,
  startTimestreamServer,
} from '../../../timestream-writer/tests/support/timestream-server.js';
import { countMetricRows } from './support/lake.js';
import { firehoseRequests, sendFirehose } from './support/senders.js';
import { baseConfig, type ServeProcess, startServe, writeConfig } from './support/serve-process.js';

let dir: string;
let influx: InfluxTestServer;
let timestream: FakeTimestreamServer;
let serve: ServeProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpipe-serve-sinks-'));
  [influx, timestream] = await Promise.all([
    startInfluxDB(),
    startTimestreamServer({ tables: [{ database: 'logpipe', table: 'metrics' }] }),
  ]);
  await influx.createDatabase('logpipe');
  const config = baseConfig(dir, {
    sinks: [
      { type: 'lake', location: join(dir, 'lake'), flushIntervalMs: 200 },
      {
        type: 'timestream',
        database: 'logpipe',
        table: 'metrics',
        region: 'us-east-1',
        endpoint: timestream.url,
      },
      { type: 'influxdb', url: influx.url, api: 'v1', database: 'logpipe' },
    ],
  });
  serve = await startServe(await writeConfig(dir, config), {
    env: {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
}, 60_000);

afterAll(async () => {
  serve?.kill('SIGTERM');
  await serve?.exited;
  await Promise.allSettled([influx?.stop(), timestream?.close()]);
  await rm(dir, { recursive: true, force: true });
});

function metric(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

describe('logpipe serve: Timestream and InfluxDB sinks next to the lake', () => {
  it('acknowledges a request once its metrics are in Timestream, InfluxDB and the lake', async () => {
    const [r] = firehoseRequests({
      requests: 1,
      payloadsPerRequest: 12,
      eventsPerPayload: [2, 6],
      seed: 51,
      prefix: 'metrics',
      formats: ['emf', 'lambda'],
      startTime: Date.now() - 120_000,
    });
    // The MetricRecords the request carries, decoded here independently.
    const body = JSON.parse(gunzipSync(r!.body).toString('utf8')) as {
      records: Array<{ data: string }>;
    };
    const decoder = createDecoder();
    const classifier = createClassifier();
    let expected = 0;
    for (const rec of body.records) {
      const d = decoder.bytes(Buffer.from(rec.data, 'base64'), 'test');
      if (!d.ok) throw d.error;
      expected += processEnvelope(d.value.envelope, classifier).metrics.length;
    }
    expect(expected).toBeGreaterThan(0);

    const a = await sendFirehose(serve.port, r!);
    expect(a.status).toBe(200);

    // Already there when acknowledged.
    expect(await countMetricRows(join(dir, 'lake'))).toBe(expected);
    expect(timestream.stored.size).toBeGreaterThan(0);
    const points = await influx.points('logpipe');
    expect(points.length).toBeGreaterThan(0);
    expect(points.length).toBeLessThanOrEqual(expected);

    const text = await (await fetch(serve.url('/metrics'))).text();
    for (const sink of ['lake', 'timestream', 'influxdb']) {
      expect(
        metric(
          text,
          new RegExp(
            `^logpipe_sink_sent_records_total\\{sink="${sink}",kind="metric"\\} (\\d+)$`,
            'm',
          ),
        ),
      ).toBe(expected);
    }
    expect(
      metric(text, /^logpipe_sink_writer_stat\{sink="influxdb",stat="written"\} (\d+)$/m),
    ).toBe(expected);
    expect(
      metric(text, /^logpipe_sink_writer_stat\{sink="influxdb",stat="deadLettered"\} (\d+)$/m),
    ).toBe(0);
    expect(
      metric(text, /^logpipe_sink_writer_stat\{sink="timestream",stat="ingested.total"\} (\d+)$/m),
    ).toBe(expected);
    expect(
      metric(text, /^logpipe_sink_write_units_total\{sink="timestream"\} (\d+)$/m),
    ).toBeGreaterThan(0);
  });
});

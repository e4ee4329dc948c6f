import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/decode/decoder.js';
import { decodeInput } from '../../src/decode/input.js';
import { decodeRecordData } from '../../src/decode/record-data.js';
import { metricStreamRecord, parseMetricStream } from '../../src/metric-stream.js';
import { fixture } from '../fixtures.js';

const text = fixture('metric-stream.ndjson');

describe('CloudWatch Metric Streams (JSON format)', () => {
  it('turns each data point into one multi-measure record with every statistic as a measure', () => {
    const { metrics, errors } = parseMetricStream(text, 'recordId 1');
    expect(errors).toEqual([]);
    expect(metrics).toEqual([
      {
        time: 1611929698000,
        measureName: 'AWS/EC2',
        dimensions: {
          InstanceId: 'i-123456789012',
          metric_name: 'DiskWriteOps',
          account_id: '1234567890',
          region: 'us-east-1',
        },
        measures: {
          count: { value: 3, unit: 'Seconds' },
          sum: { value: 20, unit: 'Seconds' },
          max: { value: 18, unit: 'Seconds' },
          min: { value: 0, unit: 'Seconds' },
          p99: { value: 17.56, unit: 'Seconds' },
          'p99.9': { value: 17.8764, unit: 'Seconds' },
          'TM(25%:75%)': { value: 16.43, unit: 'Seconds' },
        },
      },
      {
        time: 1611929700000,
        measureName: 'AWS/ApplicationELB',
        dimensions: {
          LoadBalancer: 'app/my-alb/50dc6c495c0c9188',
          TargetGroup: 'targetgroup/web/73e2d6bc24d8a067',
          metric_name: 'RequestCount',
          account_id: '1234567890',
          region: 'us-east-1',
        },
        // Unit "None" is no unit.
        measures: {
          count: { value: 1 },
          sum: { value: 1042 },
          max: { value: 1042 },
          min: { value: 1042 },
        },
      },
    ]);
  });

  it('names the line and the reason of every bad line and keeps the good ones', () => {
    const lines = text.trim().split('\n');
    const bad = [
      lines[0],
      '{"metric_stream_name":"s","namespace":"N","metric_name":"m","timestamp":"yesterday","value":{"sum":1}}',
      'not json',
      '{"metric_stream_name":"s","namespace":"N","metric_name":"m","timestamp":1,"value":{"sum":"1"}}',
      '{"metric_stream_name":"s","namespace":"N","metric_name":"m","timestamp":1,"value":{}}',
      lines[1],
    ].join('\n');
    const { metrics, errors } = parseMetricStream(bad, 'recordId 7');
    expect(metrics.map((m) => m.measureName)).toEqual(['AWS/EC2', 'AWS/ApplicationELB']);
    expect(errors.map((e) => [e.code, e.source])).toEqual([
      ['INVALID_METRIC', 'recordId 7 line 2'],
      ['INVALID_JSON', 'recordId 7 line 3'],
      ['INVALID_METRIC', 'recordId 7 line 4'],
      ['INVALID_METRIC', 'recordId 7 line 5'],
    ]);
    expect(errors[0]?.message).toContain('`timestamp` must be epoch milliseconds');
    expect(errors[2]?.message).toContain('statistic sum must be a finite number');
    expect(errors[3]?.message).toContain('`value` has no statistics');
  });

  it('refuses dimensions that are not strings', () => {
    expect(
      metricStreamRecord({
        namespace: 'N',
        metric_name: 'm',
        timestamp: 1,
        value: { sum: 1 },
        dimensions: { a: 1 },
      }),
    ).toBe('dimension a must be a string');
  });

  it('is recognised in the base64 data of a Firehose record', () => {
    const r = decodeRecordData(createDecoder(), Buffer.from(text).toString('base64'), 'records[0]');
    expect(r.kind).toBe('metrics');
    if (r.kind !== 'metrics') return;
    expect(r.metrics).toHaveLength(2);
    expect(r.errors).toEqual([]);
  });

  it('is recognised by decodeInput as NDJSON and inside a Firehose transformation event', () => {
    const lines = decodeInput(Buffer.from(text), { name: 'metrics.ndjson' });
    expect(lines.forms).toEqual(['metric-stream']);
    expect(lines.units).toHaveLength(1);
    expect(lines.units[0]).toMatchObject({ kind: 'metrics', source: 'metrics.ndjson' });
    const unit = lines.units[0];
    expect(unit?.kind === 'metrics' ? unit.metrics.length : 0).toBe(2);

    const event = {
      invocationId: 'i',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/metrics',
      region: 'us-east-1',
      records: [
        { recordId: 'r1', data: Buffer.from(text).toString('base64') },
        { recordId: 'r2', data: Buffer.from('{"metric_stream_name":"x"}').toString('base64') },
      ],
    };
    const fh = decodeInput(Buffer.from(JSON.stringify(event)), { name: 'event.json' });
    expect(fh.forms).toEqual(['firehose-transform-event', 'metric-stream']);
    expect(fh.units.map((u) => [u.kind, u.source])).toEqual([
      ['metrics', 'recordId r1'],
      ['error', 'recordId r2'],
    ]);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { gzipEnvelope, toCwlLambdaEvent, toFirehoseEvent, toKinesisEvent } from '@logpipe/core';
import { describe, expect, it } from 'vitest';
import { ndjson, run, vector } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'logpipe-cli-'));
const data = JSON.parse(readFileSync(vector('cwl-data-message.json'), 'utf8'));
const gz = gzipEnvelope(data);

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('logpipe decode', () => {
  it.each([
    ['a plain CWL payload', () => file('plain.json', JSON.stringify(data))],
    ['a gzipped CWL payload', () => file('payload.gz', gz)],
    [
      'a Firehose transformation event',
      () => file('fh.json', JSON.stringify(toFirehoseEvent([gz]))),
    ],
    ['a Lambda Kinesis event', () => file('kin.json', JSON.stringify(toKinesisEvent([gz])))],
    [
      'a CloudWatch Logs Lambda event',
      () => file('cwl.json', JSON.stringify(toCwlLambdaEvent(gz))),
    ],
    ['base64 of a gzipped payload', () => file('b64.txt', `${gz.toString('base64')}\n`)],
  ])('prints one NDJSON record per event of %s', async (_name, path) => {
    const r = await run(['decode', path()]);
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.id)).toEqual([
      '31953106606966983378809025079804211143289615424298221568',
      '31953106606966983378809025079804211143289615424298221569',
      '31953106606966983378809025079804211143289615424298221570',
    ]);
    // The documented sample's CloudTrail messages are truncated JSON: they fall back
    // to `app` with the reason, never lost.
    for (const l of lines) {
      expect(l.kind).toBe('log');
      expect(l.logGroup).toBe('CloudTrail');
      expect(l.dataset).toBe('app');
      expect((l.fields as { parse_error: string }).parse_error).toMatch(/^cloudtrail: /);
    }
  });

  it('reads standard input with -', async () => {
    const r = await run(['decode', '-'], gz);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)).toHaveLength(3);
  });

  it('drops a CONTROL_MESSAGE and says so on stderr', async () => {
    const r = await run(['decode', vector('cwl-control-message.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('CONTROL_MESSAGE dropped');
  });

  it('decodes raw records of a Firehose HTTP endpoint request as log lines', async () => {
    const r = await run(['decode', vector('firehose-http-request.json'), '--log-group', 'my-app']);
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines.map((l) => l.message)).toEqual(['hello', 'hello world']);
    expect(lines.map((l) => l.dataset)).toEqual(['app', 'app']);
    expect(r.stderr).toContain('firehose-http-request');
  });

  it('recognises VPC flow log lines by content and parses them', async () => {
    const r = await run(['decode', vector('vpc-flow.txt')]);
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.dataset === 'vpc_flow')).toBe(true);
    expect((lines[0]!.fields as Record<string, unknown>).srcport).toBe(20641);
  });

  it('recognises an ALB access log line by content', async () => {
    const r = await run(['decode', vector('alb.txt')]);
    expect(ndjson(r.stdout)[0]!.dataset).toBe('alb');
  });

  it('splits a CloudTrail log file into one record per event', async () => {
    const r = await run(['decode', vector('cloudtrail.json')]);
    expect(r.code).toBe(0);
    const [rec] = ndjson(r.stdout);
    expect(rec!.dataset).toBe('cloudtrail');
    expect(rec!.timestamp).toBe(Date.parse('2014-03-24T21:11:59Z'));
    expect((rec!.fields as Record<string, unknown>).event_name).toBe('CreateUser');
  });

  it('prints EMF metrics as metric lines', async () => {
    const r = await run(['decode', vector('emf.json'), '--log-group', '/ecs/app']);
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines.map((l) => l.kind)).toEqual(['log', 'metric']);
    expect(lines[1]).toMatchObject({
      measureName: 'lambda-function-metrics',
      dimensions: { functionVersion: '$LATEST' },
      measures: { time: { value: 100, unit: 'Milliseconds' } },
    });
  });

  it('uses the parser given with --parser', async () => {
    const r = await run(['decode', vector('vpc-flow.txt'), '--parser', 'text']);
    expect(ndjson(r.stdout).every((l) => l.dataset === 'app')).toBe(true);
  });

  it('reports a failed record with its code on stderr and exits 1, still printing the good ones', async () => {
    const event = toFirehoseEvent([gz, gz.subarray(0, 40)]);
    const r = await run(['decode', file('mixed.json', JSON.stringify(event))]);
    expect(r.code).toBe(1);
    expect(ndjson(r.stdout)).toHaveLength(3);
    expect(r.stderr).toMatch(/error TRUNCATED_GZIP: recordId \d+0001/);
  });

  it('reports input that is not valid UTF-8', async () => {
    const r = await run([
      'decode',
      file('bad.gz', gzipSync(Buffer.from([0xff, 0xfe, 0x00, 0x41]))),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('INVALID_UTF8');
  });

  it('exits 2 on a usage error', async () => {
    const r = await run(['decode', '--parser', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope/);
  });
});

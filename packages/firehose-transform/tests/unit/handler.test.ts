import { describe, expect, it } from 'vitest';
import { createTransformHandler } from '../../src/handler.js';
import { envelope, eventOf, fixtureEvent, lines } from '../support/events.js';

const T0 = Date.UTC(2026, 10, 26, 9, 15);
const HOUR = 3_600_000;

function quiet() {
  const logged: string[] = [];
  return { logged, logger: (l: string) => logged.push(l) };
}

describe('the transform handler on the events the AWS guides show', () => {
  it('answers a Direct PUT event with one record per recordId: Ok for data, Dropped for the CONTROL_MESSAGE', async () => {
    const { logger, logged } = quiet();
    const event = fixtureEvent('firehose-direct-put-event.json');
    const res = await createTransformHandler({ logger })(event);
    expect(res.records.map((r) => [r.recordId, r.result])).toEqual([
      ['49546986683135544286507457936321625675700192471156785154', 'Ok'],
      ['49546986683135544286507457936321625675700192471156785155', 'Dropped'],
    ]);
    const out = lines(res.records[0]!.data).map((l) => JSON.parse(l));
    expect(out.map((r) => r.id)).toEqual([
      '31953106606966983378809025079804211143289615424298221568',
      '31953106606966983378809025079804211143289615424298221569',
      '31953106606966983378809025079804211143289615424298221570',
    ]);
    expect(out[0]).toMatchObject({
      time: 1432826855000,
      dataset: 'app',
      owner: '123456789012',
      log_group: 'CloudTrail',
      log_stream: '123456789012_CloudTrail_us-east-1',
      origin_region: 'us-east-1',
      message: '{"eventVersion":"1.03","userIdentity":{"type":"Root"}',
    });
    expect(out[0].parse_error).toMatch(/^cloudtrail: /);
    expect(res.records[0]!.metadata).toEqual({
      partitionKeys: {
        dataset: 'app',
        account: '123456789012',
        year: '2015',
        month: '05',
        day: '28',
        hour: '15',
      },
    });
    const summary = JSON.parse(logged.at(-1)!);
    expect(summary).toMatchObject({
      msg: 'logpipe firehose transform',
      recordsIn: 2,
      ok: 1,
      dropped: 1,
      failed: 0,
      eventsIn: 3,
      eventsOut: 3,
      dropReasons: { control_message: 1 },
    });
  });

  it('answers an event from a Kinesis source the same way', async () => {
    const res = await createTransformHandler({ logger: () => {} })(
      fixtureEvent('firehose-kinesis-source-event.json'),
    );
    expect(res.records).toHaveLength(1);
    expect(res.records[0]).toMatchObject({
      recordId: '49572672223665514422805246926656954630972486059535892482',
      result: 'Ok',
    });
    expect(lines(res.records[0]!.data)).toHaveLength(3);
  });
});

describe('output modes, filters and partition keys', () => {
  const env = envelope('/aws/vpc/flowlogs', [
    [
      '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
      T0,
    ],
    [
      '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK',
      T0 + 1,
    ],
  ]);

  it('writes normalized records with the dataset fields by default', async () => {
    const res = await createTransformHandler({ logger: () => {} })(eventOf([env]));
    const [a] = lines(res.records[0]!.data).map((l) => JSON.parse(l));
    expect(a).toMatchObject({
      dataset: 'vpc_flow',
      srcport: 20641,
      dstport: 22,
      action: 'ACCEPT',
      start: 1418530010000,
    });
    expect(res.records[0]!.metadata?.partitionKeys).toEqual({
      dataset: 'vpc_flow',
      account: '123456789012',
      year: '2026',
      month: '11',
      day: '26',
      hour: '09',
    });
  });

  it('writes the bare messages, one per line, with output: messages', async () => {
    const res = await createTransformHandler({ logger: () => {}, output: 'messages' })(
      eventOf([env]),
    );
    expect(lines(res.records[0]!.data)).toEqual(env.logEvents.map((e) => e.message));
  });

  it('does not parse with output: messages: a line its parser rejects stays in its log group dataset', async () => {
    // A flow-logs group whose second line is no flow log record: parsed ('records'), it
    // falls back to `app`; as bare messages it keeps the classifier's dataset, `vpc_flow`.
    const mixed = envelope('/aws/vpc/flowlogs', [
      [env.logEvents[0]!.message, T0],
      ['not a flow log line', T0 + 1],
    ]);
    const asMessages = await createTransformHandler({ logger: () => {}, output: 'messages' })(
      eventOf([mixed]),
    );
    expect(asMessages.records.map((r) => r.result)).toEqual(['Ok']);
    expect(asMessages.records[0]!.metadata?.partitionKeys.dataset).toBe('vpc_flow');
    expect(lines(asMessages.records[0]!.data)).toEqual([
      env.logEvents[0]!.message,
      'not a flow log line',
    ]);
    // Parsed, the same payload spans two datasets: it would be split (and, with no
    // re-ingest client here, stays ProcessingFailed).
    const { logger, logged } = quiet();
    const asRecords = await createTransformHandler({ logger })(eventOf([mixed]));
    expect(asRecords.records.map((r) => r.result)).toEqual(['ProcessingFailed']);
    expect(JSON.parse(logged.at(-1)!).errors).toEqual({ NO_REINGEST_CLIENT: 1 });
    // With a filter, messages output parses (the filter sees fields): the bad line is `app`.
    const filtered = await createTransformHandler({
      logger: () => {},
      output: 'messages',
      filter: (r) => r.dataset === 'app',
    })(eventOf([mixed]));
    expect(lines(filtered.records[0]!.data)).toEqual(['not a flow log line']);
    expect(filtered.records[0]!.metadata?.partitionKeys.dataset).toBe('app');
  });

  it('writes what a user mapper returns', async () => {
    const res = await createTransformHandler({
      logger: () => {},
      output: (r) => `${r.fields.action}:${r.fields.dstport}`,
    })(eventOf([env]));
    expect(lines(res.records[0]!.data)).toEqual(['ACCEPT:22', 'REJECT:3389']);
  });

  it('removes events a filter rejects, counts them, and drops a record left empty', async () => {
    const { logger, logged } = quiet();
    const h = createTransformHandler({ logger, filter: (r) => r.fields.action === 'ACCEPT' });
    const rejectOnly = envelope('/aws/vpc/flowlogs', [[env.logEvents[1]!.message, T0]]);
    const res = await h(eventOf([env, rejectOnly]));
    expect(res.records.map((r) => r.result)).toEqual(['Ok', 'Dropped']);
    expect(lines(res.records[0]!.data)).toHaveLength(1);
    expect(JSON.parse(logged.at(-1)!).dropReasons).toEqual({ filtered: 2 });
  });

  it('adds user partition keys', async () => {
    const res = await createTransformHandler({
      logger: () => {},
      partitionKeys: (r) => ({ eni: String(r.fields.interface_id) }),
    })(eventOf([env]));
    expect(res.records[0]!.metadata?.partitionKeys).toMatchObject({
      dataset: 'vpc_flow',
      eni: 'eni-1235b8ca123456789',
    });
  });

  it('omits partition keys with partitionKeys: false, keeping a payload that spans hours whole', async () => {
    const spans = envelope('app', [
      ['a', T0],
      ['b', T0 + HOUR],
    ]);
    const res = await createTransformHandler({ logger: () => {}, partitionKeys: false })(
      eventOf([spans]),
    );
    expect(res.records[0]).toMatchObject({ result: 'Ok' });
    expect(res.records[0]!.metadata).toBeUndefined();
    expect(lines(res.records[0]!.data)).toHaveLength(2);
  });

  it('refuses invalid options at construction', () => {
    expect(() => createTransformHandler({ output: 'xml' as never })).toThrow(/output/);
    expect(() => createTransformHandler({ responseBudgetBytes: 0 })).toThrow(/responseBudgetBytes/);
    expect(() => createTransformHandler({ partitionKeys: 'yes' as never })).toThrow(
      /partitionKeys/,
    );
  });
});

describe('records that cannot be placed', () => {
  it('marks undecodable input ProcessingFailed and logs the error code', async () => {
    const { logger, logged } = quiet();
    const event = eventOf([envelope('app', [['ok', T0]])]);
    event.records.push({
      recordId: 'bad',
      approximateArrivalTimestamp: 0,
      data: Buffer.from('not gzip').toString('base64'),
    });
    event.records.push({
      recordId: 'cut',
      approximateArrivalTimestamp: 0,
      data: event.records[0]!.data.slice(0, 40),
    });
    const res = await createTransformHandler({ logger })(event);
    expect(res.records.map((r) => r.result)).toEqual([
      'Ok',
      'ProcessingFailed',
      'ProcessingFailed',
    ]);
    const errors = logged.filter((l) => l.includes('"level":"error"')).map((l) => JSON.parse(l));
    expect(errors.map((e) => [e.recordId, e.code])).toEqual([
      ['bad', 'NOT_GZIP'],
      ['cut', 'TRUNCATED_GZIP'],
    ]);
    expect(JSON.parse(logged.at(-1)!).errors).toEqual({ NOT_GZIP: 1, TRUNCATED_GZIP: 1 });
  });

  it('marks a single event larger than the record limit ProcessingFailed', async () => {
    const res = await createTransformHandler({ logger: () => {}, maxOutputRecordBytes: 1000 })(
      eventOf([envelope('app', [['x'.repeat(2000), T0]])]),
    );
    expect(res.records[0]!.result).toBe('ProcessingFailed');
  });

  it('marks a payload that spans hours ProcessingFailed when no re-ingest client is configured', async () => {
    const { logger, logged } = quiet();
    const res = await createTransformHandler({ logger })(
      eventOf([
        envelope('app', [
          ['a', T0],
          ['b', T0 + HOUR],
        ]),
      ]),
    );
    expect(res.records[0]!.result).toBe('ProcessingFailed');
    expect(logged.some((l) => l.includes('NO_REINGEST_CLIENT'))).toBe(true);
  });

  it('prints the summary as EMF too when asked', async () => {
    const { logger, logged } = quiet();
    await createTransformHandler({ logger, emfNamespace: 'logpipe' })(
      eventOf([envelope('app', [['a', T0]])]),
    );
    const emf = JSON.parse(logged.at(-1)!);
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('logpipe');
    expect(emf).toMatchObject({ recordsIn: 1, ok: 1, eventsOut: 1 });
  });
});

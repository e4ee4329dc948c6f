import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/classify.js';
import type { CwlEnvelope } from '../../src/decode/envelope.js';
import { ConfigError } from '../../src/errors.js';
import type { Parser } from '../../src/parsers/types.js';
import { processEnvelope } from '../../src/process.js';
import { fixture } from '../fixtures.js';

const lines = (name: string) =>
  fixture(name)
    .split('\n')
    .filter((l) => l !== '');

function envelope(logGroup: string, messages: string[]): CwlEnvelope {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup,
    logStream: 's',
    subscriptionFilters: [],
    logEvents: messages.map((message, i) => ({
      id: String(i).padStart(56, '0'),
      timestamp: 1_700_000_000_000,
      message,
    })),
  };
}

describe('choosing a parser by log group name', () => {
  const c = createClassifier();
  it.each([
    ['/aws/lambda/orders', 'lambda'],
    ['aws-cloudtrail-logs-123456789012-abcd1234', 'cloudtrail'],
    ['CloudTrail/DefaultLogGroup', 'cloudtrail'],
    ['/aws/vpc/flowlogs', 'vpc_flow'],
    ['vpc-flow-logs-prod', 'vpc_flow'],
    ['/aws/rds/instance/db1/postgresql', 'app'],
    ['/aws/ecs/containerinsights/cluster/performance', 'app'],
    ['API-Gateway-Execution-Logs_abc123/prod', 'app'],
    ['/ecs/checkout', 'app'],
  ])('sends %s to %s', (group, parser) => {
    expect(c.parserFor(group)?.name).toBe(parser);
  });

  it('sniffs each event of a log group whose name says nothing', () => {
    expect(c.parserFor('my-random-group')).toBeNull();
    const out = processEnvelope(
      envelope('my-random-group', [
        lines('vpc-flow.txt')[0]!,
        lines('alb.txt')[0]!,
        lines('lambda-text.txt')[2]!,
        JSON.stringify(JSON.parse(fixture('cloudtrail.json')).Records[0]),
        'just some text',
      ]),
      c,
    );
    expect(out.records.map((r) => r.dataset)).toEqual([
      'vpc_flow',
      'alb',
      'lambda',
      'cloudtrail',
      'app',
    ]);
    expect(out.fallbacks).toBe(0);
  });

  it('sends everything unknown to app when sniffing is off', () => {
    const off = createClassifier({ sniff: false });
    expect(off.parserFor('my-random-group')?.name).toBe('app');
    expect(off.sniff(lines('vpc-flow.txt')[0]!).name).toBe('app');
  });
});

describe('user overrides', () => {
  it('win over conventions, matched by glob or RegExp in order', () => {
    const c = createClassifier({
      overrides: [
        { logGroup: '/aws/lambda/edge-*', parser: 'alb' },
        {
          logGroup: /^custom-flow/,
          parser: 'vpc_flow',
          format: '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action}',
        },
      ],
    });
    expect(c.parserFor('/aws/lambda/edge-proxy')?.name).toBe('alb');
    expect(c.parserFor('/aws/lambda/other')?.name).toBe('lambda');
    const out = processEnvelope(
      envelope('custom-flow-1', ['5 vpc-0abc 10.0.0.1 10.0.0.2 ACCEPT']),
      c,
    );
    expect(out.records[0]!.dataset).toBe('vpc_flow');
    expect(out.records[0]!.fields).toMatchObject({
      version: 5,
      vpc_id: 'vpc-0abc',
      srcaddr: '10.0.0.1',
      action: 'ACCEPT',
    });
  });

  it('accept a parser of your own', () => {
    const mine: Parser = {
      name: 'mine',
      dataset: 'app',
      parse: (message) => ({
        ok: true,
        dataset: 'app',
        fields: { format: 'mine', level: null, fields: { len: message.length }, parse_error: null },
      }),
    };
    const out = processEnvelope(
      envelope('g', ['abc']),
      createClassifier({ overrides: [{ logGroup: 'g', parser: mine }] }),
    );
    expect(out.records[0]!.fields).toMatchObject({ format: 'mine', fields: { len: 3 } });
  });

  it('send a line the chosen parser rejects to app, with the parser and reason', () => {
    const c = createClassifier({ overrides: [{ logGroup: 'g', parser: 'vpc_flow' }] });
    const out = processEnvelope(envelope('g', ['this is not a flow log']), c);
    expect(out.fallbacks).toBe(1);
    expect(out.records[0]!.dataset).toBe('app');
    expect(out.records[0]!.fields.parse_error).toMatch(/^vpc_flow: /);
  });

  it('are validated at construction with a message naming the override', () => {
    expect(() =>
      createClassifier({ overrides: [{ logGroup: 'g', parser: 'nope' as never }] }),
    ).toThrow(ConfigError);
    expect(() =>
      createClassifier({ overrides: [{ logGroup: 'g', parser: 'nope' as never }] }),
    ).toThrow(/overrides\[0\].*unknown parser/);
    expect(() =>
      createClassifier({
        overrides: [{ logGroup: 'g', parser: 'vpc_flow', format: '${version} ${bogus-field}' }],
      }),
    ).toThrow(/overrides\[0\].*bogus-field/);
    expect(() =>
      createClassifier({ overrides: [{ logGroup: 'g', parser: 'alb', format: '${version}' }] }),
    ).toThrow(/format/);
    expect(() =>
      createClassifier({ overrides: [{ logGroup: 42 as never, parser: 'alb' }] }),
    ).toThrow(/logGroup/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALB_DATASET } from '../../../src/datasets/alb.js';
import { LOG_COLUMNS } from '../../../src/datasets/common.js';
import { generateAlbLine } from '../../../src/generator/alb.js';
import { Rng } from '../../../src/generator/rng.js';
import { generateVpcFlowLine } from '../../../src/generator/vpc-flow.js';
import { createAlbParser, looksLikeAlb } from '../../../src/parsers/alb.js';
import type { ParseContext } from '../../../src/parsers/types.js';
import { fixture } from '../../fixtures.js';

const ctx: ParseContext = {
  origin: { owner: '123456789012', logGroup: 'alb-access', logStream: 's' },
  time: Date.UTC(2026, 0, 1),
};
const parser = createAlbParser();
// Copied verbatim from /work/shared/vectors/alb.txt (ELB User Guide for ALB, "Access log entries").
const VECTOR = fixture('alb.txt').trim();
const VPC_VECTOR = fixture('vpc-flow.txt').split('\n')[0] as string;
const T0 = Date.UTC(2026, 0, 1, 12);
const COLUMNS = ALB_DATASET.columns.map((c) => c.name);

/** The columns after trace_id (field 18), null in an entry that stops there. */
const AFTER_TRACE_ID = COLUMNS.slice(COLUMNS.indexOf('trace_id') + 1);

function fields(line: string): Record<string, unknown> {
  const r = parser.parse(line, ctx);
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  expect(r.dataset).toBe('alb');
  return r.fields;
}

function reason(line: string): string {
  const r = parser.parse(line, ctx);
  if (r.ok) throw new Error(`accepted: ${line}`);
  return r.reason;
}

const VECTOR_FIELDS = {
  type: 'http',
  request_time: Date.UTC(2018, 10, 30, 22, 23, 0, 186),
  elb: 'app/my-loadbalancer/50dc6c495c0c9188',
  client_ip: '192.168.131.39',
  client_port: 2817,
  target_ip: null,
  target_port: null,
  request_processing_time: 0,
  target_processing_time: 0.001,
  response_processing_time: 0,
  elb_status_code: 200,
  target_status_code: 200,
  received_bytes: 34,
  sent_bytes: 366,
  request: 'GET http://www.example.com:80/ HTTP/1.1',
  request_verb: 'GET',
  request_url: 'http://www.example.com:80/',
  request_proto: 'HTTP/1.1',
  user_agent: 'curl/7.46.0',
  ssl_cipher: null,
  ssl_protocol: null,
  target_group_arn:
    'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
  trace_id: 'Root=1-58337364-23a8c76965a2ef7629b185e3',
  domain_name: null,
  chosen_cert_arn: null,
  matched_rule_priority: 0,
  request_creation_time: Date.UTC(2018, 10, 30, 22, 22, 48, 364),
  actions_executed: 'forward',
  redirect_url: null,
  error_reason: null,
  target_port_list: null,
  target_status_code_list: null,
  classification: null,
  classification_reason: null,
  conn_trace_id: null,
  transformed_host: null,
  transformed_uri: null,
  request_transform_status: null,
};

describe('ALB access log parser', () => {
  it('is named alb and writes the alb dataset', () => {
    expect(parser.name).toBe('alb');
    expect(parser.dataset).toBe('alb');
  });

  it('parses the documented entry to every field', () => {
    expect(fields(VECTOR)).toEqual(VECTOR_FIELDS);
  });

  it('returns every dataset column, in declaration order', () => {
    expect(Object.keys(fields(VECTOR))).toEqual(COLUMNS);
  });

  it('tolerates a trailing LF or CRLF', () => {
    expect(fields(`${VECTOR}\n`)).toEqual(VECTOR_FIELDS);
    expect(fields(`${VECTOR}\r\n`)).toEqual(VECTOR_FIELDS);
  });

  it('unescapes \\" and \\\\ inside quoted fields and keeps spaces', () => {
    const line = VECTOR.replace('"curl/7.46.0"', '"Mozilla \\"quoted\\" agent \\\\ end \\n"');
    expect(fields(line).user_agent).toBe('Mozilla "quoted" agent \\ end \\n');
  });

  it('reads IPv6 client:port bare (port after the last colon) or bracketed', () => {
    const at = (endpoint: string) => fields(VECTOR.replace('192.168.131.39:2817', endpoint));
    expect(at('2001:db8::1:443')).toMatchObject({ client_ip: '2001:db8::1', client_port: 443 });
    expect(at('[2001:db8::ff]:8443')).toMatchObject({
      client_ip: '2001:db8::ff',
      client_port: 8443,
    });
    expect(at('::ffff:10.0.0.1:65535')).toMatchObject({
      client_ip: '::ffff:10.0.0.1',
      client_port: 65535,
    });
  });

  it('splits target:port when the request reached a target', () => {
    expect(fields(VECTOR.replace(':2817 -', ':2817 10.0.0.15:8080'))).toMatchObject({
      target_ip: '10.0.0.15',
      target_port: 8080,
    });
  });

  it('reads -1 processing times as null and - status codes as null', () => {
    const line = VECTOR.replace('0.000 0.001 0.000 200 200', '-1 -1 -1 502 -');
    expect(fields(line)).toMatchObject({
      request_processing_time: null,
      target_processing_time: null,
      response_processing_time: null,
      elb_status_code: 502,
      target_status_code: null,
    });
  });

  it('truncates microseconds to milliseconds and accepts times without a fraction', () => {
    expect(fields(VECTOR.replace('22:23:00.186641Z', '22:23:00.999999Z')).request_time).toBe(
      Date.UTC(2018, 10, 30, 22, 23, 0, 999),
    );
    expect(fields(VECTOR.replace('22:23:00.186641Z', '22:23:00.5Z')).request_time).toBe(
      Date.UTC(2018, 10, 30, 22, 23, 0, 500),
    );
    expect(fields(VECTOR.replace('22:23:00.186641Z', '22:23:00Z')).request_time).toBe(
      Date.UTC(2018, 10, 30, 22, 23, 0),
    );
  });

  it('reads a request line of "- - - " (nothing parsed) as null', () => {
    expect(
      fields(VECTOR.replace('"GET http://www.example.com:80/ HTTP/1.1"', '"- - - "')),
    ).toMatchObject({ request: null, request_verb: null, request_url: null, request_proto: null });
  });

  it('keeps a URL that contains spaces whole between verb and protocol', () => {
    expect(
      fields(VECTOR.replace('http://www.example.com:80/', 'http://www.example.com:80/a b')),
    ).toMatchObject({
      request_verb: 'GET',
      request_url: 'http://www.example.com:80/a b',
      request_proto: 'HTTP/1.1',
    });
  });

  it('ignores fields AWS appends after request_transform_status, even malformed ones', () => {
    const current = `${VECTOR} TID_abc "internal.example.com" "/v2/x" "TransformSucceeded"`;
    expect(fields(`${current} 10.0.0.9 "future" "unterminated`)).toEqual({
      ...VECTOR_FIELDS,
      conn_trace_id: 'TID_abc',
      transformed_host: 'internal.example.com',
      transformed_uri: '/v2/x',
      request_transform_status: 'TransformSucceeded',
    });
  });

  it('parses older entries that stop after trace_id, with the later fields null', () => {
    const old = `${VECTOR.split(' "Root=')[0]} "Root=1-abc"`;
    const f = fields(old);
    expect(f.trace_id).toBe('Root=1-abc');
    expect(f.user_agent).toBe('curl/7.46.0');
    for (const c of AFTER_TRACE_ID) expect(f[c]).toBeNull();
  });
});

describe('ALB access log parser, rejections', () => {
  it('rejects entries that stop before trace_id, counting the fields', () => {
    expect(reason('http 2018-11-30T22:23:00.186641Z app/x')).toBe(
      'expected at least 18 fields (through trace_id), got 3',
    );
    expect(reason(VECTOR.split(' "Root=')[0] as string)).toBe(
      'expected at least 18 fields (through trace_id), got 17',
    );
    expect(reason('')).toBe('expected at least 18 fields (through trace_id), got 0');
  });

  it('rejects non-numeric values, naming the field and the value', () => {
    expect(reason(VECTOR.replace('200 200 34', 'abc 200 34'))).toBe(
      'field 9 (elb_status_code): expected an integer, got "abc"',
    );
    expect(reason(VECTOR.replace(' 366 ', ' 3.5 '))).toBe(
      'field 12 (sent_bytes): expected an integer, got "3.5"',
    );
    expect(reason(VECTOR.replace('0.000 0.001', '0.000 fast'))).toBe(
      'field 7 (target_processing_time): expected seconds, got "fast"',
    );
    expect(reason(VECTOR.replace('0.000 0.001', '0.000 -2'))).toBe(
      'field 7 (target_processing_time): expected seconds or -1, got "-2"',
    );
    expect(reason(VECTOR.replace('" 0 2018', '" first 2018'))).toBe(
      'field 21 (matched_rule_priority): expected an integer, got "first"',
    );
  });

  it('rejects malformed times, naming the field', () => {
    expect(reason(VECTOR.replace('2018-11-30T22:23:00.186641Z', 'yesterday'))).toBe(
      'field 2 (time): expected an ISO 8601 UTC time like 2018-11-30T22:23:00.186641Z, got "yesterday"',
    );
    for (const t of [
      '2018-02-30T22:23:00.186641Z',
      '2018-11-30T24:00:00.000000Z',
      '2018-11-30T22:23:00.186641',
      '2018-11-30T22:23:00.Z',
      '2018-11-30 22:23:00.186641Z',
    ]) {
      expect(reason(VECTOR.replace('2018-11-30T22:23:00.186641Z', t))).toMatch(/^field 2 \(time\)/);
    }
    expect(reason(VECTOR.replace('2018-11-30T22:22:48.364000Z', 'now'))).toMatch(
      /^field 22 \(request_creation_time\): expected an ISO 8601 UTC time/,
    );
  });

  it('rejects client and target endpoints without a valid port', () => {
    expect(reason(VECTOR.replace('192.168.131.39:2817', '192.168.131.39'))).toBe(
      'field 4 (client:port): expected ip:port, got "192.168.131.39"',
    );
    expect(reason(VECTOR.replace('192.168.131.39:2817', '192.168.131.39:70000'))).toBe(
      'field 4 (client:port): expected ip:port, got "192.168.131.39:70000"',
    );
    expect(reason(VECTOR.replace('192.168.131.39:2817', '[2001:db8::1]'))).toBe(
      'field 4 (client:port): expected ip:port, got "[2001:db8::1]"',
    );
    expect(reason(VECTOR.replace(':2817 -', ':2817 :80'))).toBe(
      'field 5 (target:port): expected ip:port, got ":80"',
    );
  });

  it('rejects unterminated quotes and text glued to a closing quote', () => {
    expect(reason(VECTOR.replace('"curl/7.46.0" - -', '"curl/7.46.0 - -').slice(0, 200))).toBe(
      'field 14 (user_agent): unterminated quoted value',
    );
    expect(reason(VECTOR.replace('"curl/7.46.0"', '"curl/7.46.0"x'))).toBe(
      'field 14 (user_agent): expected a space after the closing quote, got "x - - arn:"',
    );
  });
});

describe('alb dataset', () => {
  it('has no column that clashes with the common log columns', () => {
    const common = new Set(LOG_COLUMNS.map((c) => c.name));
    expect(ALB_DATASET.name).toBe('alb');
    expect(ALB_DATASET.columns.filter((c) => common.has(c.name))).toEqual([]);
    expect(new Set(COLUMNS).size).toBe(COLUMNS.length);
  });

  it('declares times as timestamps, processing times as doubles, codes as int, sizes as bigint', () => {
    const typeOf = (name: string) => ALB_DATASET.columns.find((c) => c.name === name)?.type;
    for (const c of ['request_time', 'request_creation_time']) expect(typeOf(c)).toBe('timestamp');
    for (const c of [
      'request_processing_time',
      'target_processing_time',
      'response_processing_time',
    ])
      expect(typeOf(c)).toBe('double');
    for (const c of ['client_port', 'target_port', 'elb_status_code', 'target_status_code'])
      expect(typeOf(c)).toBe('int');
    for (const c of ['received_bytes', 'sent_bytes']) expect(typeOf(c)).toBe('bigint');
    expect(
      ALB_DATASET.columns.find((c) => c.name === 'target_processing_time')?.description,
    ).toMatch(/-1/);
  });
});

const seed = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('ALB properties', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 400 }),
          fc.string({ unit: 'binary', maxLength: 400 }),
          fc.string({ unit: fc.constantFrom('"', '\\', ' ', '-', '1', ':', 'h'), maxLength: 80 }),
        ),
        (s) => {
          const r = parser.parse(s, ctx);
          if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
          expect(typeof looksLikeAlb(s)).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('parses generated entries back to exactly the generated fields', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const g = generateAlbLine(new Rng(s), T0);
        expect(fields(g.message)).toEqual(g.fields);
      }),
      { numRuns: 500 },
    );
  });

  it('generates values of the declared column types', () => {
    const types = new Map(ALB_DATASET.columns.map((c) => [c.name, c.type]));
    fc.assert(
      fc.property(seed, (s) => {
        const g = generateAlbLine(new Rng(s), T0);
        expect(Object.keys(g.fields)).toEqual(COLUMNS);
        for (const [k, v] of Object.entries(g.fields)) {
          if (v === null) continue;
          const type = types.get(k);
          if (type === 'string') expect(typeof v).toBe('string');
          else if (type === 'double') expect(Number.isFinite(v)).toBe(true);
          else expect(Number.isSafeInteger(v)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('mutated entries either parse or give a reason, never throw', () => {
    fc.assert(
      fc.property(
        seed,
        fc.nat(600),
        fc.nat(3),
        fc.string({
          unit: fc.constantFrom('"', '\\', ' ', '-', '1', ':', '.', 'Z', '\n'),
          maxLength: 4,
        }),
        (s, at, cut, insert) => {
          const line = generateAlbLine(new Rng(s), T0).message;
          const r = parser.parse(line.slice(0, at) + insert + line.slice(at + cut), ctx);
          if (!r.ok) expect(r.reason).toMatch(/^(field \d+|expected at least)/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('looksLikeAlb', () => {
  it('recognises the documented entry and generated entries', () => {
    expect(looksLikeAlb(VECTOR)).toBe(true);
    fc.assert(
      fc.property(seed, (s) => {
        expect(looksLikeAlb(generateAlbLine(new Rng(s), T0).message)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('does not match VPC flow log records', () => {
    expect(looksLikeAlb(VPC_VECTOR)).toBe(false);
    fc.assert(
      fc.property(seed, (s) => {
        expect(looksLikeAlb(generateVpcFlowLine(new Rng(s), T0).message)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('does not match plain text, JSON, or lines that only start like an entry', () => {
    for (const l of [
      '',
      '{"type":"http","time":"2018-11-30T22:23:00.186641Z"}',
      'http server listening on :8080',
      'https 2024-01-01T00:00:00.000Z GET /health 200',
      'ftp 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188',
      VECTOR.replace('http ', 'tcp '),
    ])
      expect(looksLikeAlb(l)).toBe(false);
  });
});

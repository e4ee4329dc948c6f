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

/** The documented entry with one value replaced (the first occurrence of `from`). */
const withValue = (from: string, to: string) => VECTOR.replace(from, to);
const TIME = '2018-11-30T22:23:00.186641Z';
const CREATION = '2018-11-30T22:22:48.364000Z';
const TIME_REASON = /^field 2 \(time\): expected an ISO 8601 UTC time/;

describe('ALB parser, times', () => {
  it('reads times across hour, day, month and year boundaries and leap days, in sequence', () => {
    // One parser, one time after another: each must be right whatever hour came before.
    const cases: Array<[string, number]> = [
      ['2024-02-28T23:59:59.999999Z', Date.UTC(2024, 1, 28, 23, 59, 59, 999)],
      ['2024-02-29T00:00:00.000000Z', Date.UTC(2024, 1, 29, 0, 0, 0, 0)],
      ['2024-02-29T00:59:59.5Z', Date.UTC(2024, 1, 29, 0, 59, 59, 500)],
      ['2024-02-29T01:00:00Z', Date.UTC(2024, 1, 29, 1, 0, 0, 0)],
      ['2024-02-29T00:30:00Z', Date.UTC(2024, 1, 29, 0, 30, 0, 0)],
      ['2024-03-01T00:00:00Z', Date.UTC(2024, 2, 1, 0, 0, 0, 0)],
      ['2025-12-31T23:59:59.999Z', Date.UTC(2025, 11, 31, 23, 59, 59, 999)],
      ['2026-01-01T00:00:00.000001Z', Date.UTC(2026, 0, 1, 0, 0, 0, 0)],
      ['2000-02-29T12:00:00Z', Date.UTC(2000, 1, 29, 12, 0, 0, 0)],
      ['1970-01-01T00:00:00Z', 0],
      ['1970-01-01T00:00:00.001Z', 1],
      ['9999-12-31T23:59:59.999999Z', Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
      ['2018-11-30T22:23:00.186641Z', Date.UTC(2018, 10, 30, 22, 23, 0, 186)],
    ];
    for (const [t, ms] of cases) {
      const f = fields(withValue(TIME, t).replace(CREATION, t));
      expect([t, f.request_time, f.request_creation_time]).toEqual([t, ms, ms]);
    }
  });

  it('truncates a fraction of 1 to 9 digits (and up to 16) to milliseconds', () => {
    const cases: Array<[string, number]> = [
      ['.1', 100],
      ['.12', 120],
      ['.05', 50],
      ['.123', 123],
      ['.005', 5],
      ['.1234', 123],
      ['.12345', 123],
      ['.123456', 123],
      ['.1234567', 123],
      ['.12345678', 123],
      ['.123456789', 123],
      ['.000000001', 0],
      ['.999999999', 999],
      ['.1234567890123456', 123],
    ];
    for (const [fraction, ms] of cases) {
      const f = fields(withValue(TIME, `2024-01-01T23:00:00${fraction}Z`));
      expect([fraction, f.request_time]).toEqual([fraction, Date.UTC(2024, 0, 1, 23, 0, 0, ms)]);
    }
  });

  it('rejects impossible dates and malformed times, also in the hour just read', () => {
    for (const t of [
      '2023-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '1969-12-31T23:59:59Z',
      '2024-04-31T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-01-00T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:00:60Z',
      '2024-01-01T23:00:00.Z',
      '2024-01-01T23:00:00.1x2Z',
      '2024-01-01T23:00:00,123Z',
      '2024-01-01T23:0a:00Z',
      '2024-01-01T23:00:00.123456',
      '2024-1-01T23:00:00.000Z',
      '2024-01-01T23:00:00.0Zx',
      '2024-01-01T23-00:00.000Z',
      '2024-01-01 23:00:00.000Z',
      // 16 digits above 2^53 − 1 are not a safe integer and were never accepted.
      '2024-01-01T23:00:00.9999999999999999Z',
      '2024-01-01T23:00:00.12345678901234567Z',
    ]) {
      // The valid time first, so that the hour (where there is one) is the one just read.
      expect(fields(withValue(TIME, '2024-01-01T23:59:59Z')).request_time).toBe(
        Date.UTC(2024, 0, 1, 23, 59, 59),
      );
      expect(reason(withValue(TIME, t))).toMatch(TIME_REASON);
    }
  });
});

describe('ALB parser, numbers', () => {
  it('reads processing times exactly as Number() does, -0 included', () => {
    const at = (v: string) => fields(withValue('0.000 0.001', `0.000 ${v}`)).target_processing_time;
    expect(Object.is(at('-0.000'), -0)).toBe(true);
    expect(Object.is(at('-0'), -0)).toBe(true);
    expect(Object.is(at('0.000'), 0)).toBe(true);
    expect(at('0.001')).toBe(0.001);
    expect(at('00.5')).toBe(0.5);
    expect(at('2.675')).toBe(2.675);
    expect(at('123')).toBe(123);
    expect(at('0.1234567890123')).toBe(0.1234567890123);
    expect(at('0.30000000000000004')).toBe(0.30000000000000004);
    expect(at('1.00000000000000000001')).toBe(1);
    expect(at('12345678901234567')).toBe(12345678901234568);
    for (const v of ['-1', '-1.000', '-01', '-']) expect(at(v)).toBeNull();
  });

  it('rejects processing times that are not plain decimals, or negative other than -1', () => {
    const why = (v: string) => reason(withValue('0.000 0.001', `0.000 ${v}`));
    for (const v of ['1.', '.5', '1.2.3', '+1', '1e3', '--1', '0x1', '1,5', '-.5']) {
      expect(why(v)).toBe(`field 7 (target_processing_time): expected seconds, got "${v}"`);
    }
    expect(reason(withValue('0.000 0.001', '0.000 ""'))).toBe(
      'field 7 (target_processing_time): expected seconds, got ""',
    );
    for (const v of ['-2', '-0.5', '-1.5', '-0.999']) {
      expect(why(v)).toBe(`field 7 (target_processing_time): expected seconds or -1, got "${v}"`);
    }
  });

  it('reads processing times like the definition for any text of digits, dots and dashes', () => {
    // The definition: `-` and `-1` are null; otherwise [-]digits[.digits] read by Number(),
    // where -1 is null and other negatives are rejected.
    const expected = (v: string): unknown => {
      if (v === '-' || v === '-1') return null;
      if (!/^-?\d+(?:\.\d+)?$/.test(v)) return 'expected seconds';
      const x = Number(v);
      if (x === -1) return null;
      return x < 0 ? 'expected seconds or -1' : x;
    };
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('0', '1', '2', '5', '9', '.', '-'),
          minLength: 1,
          maxLength: 24,
        }),
        (v) => {
          const r = parser.parse(withValue('0.000 0.001', `0.000 ${v}`), ctx);
          const got = r.ok
            ? r.fields.target_processing_time
            : r.reason.replace(/^field 7 \(target_processing_time\): (.*), got .*$/, '$1');
          expect(Object.is(got, expected(v)) || got === expected(v)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads integers up to the largest safe integer and rejects the rest', () => {
    const sent = (v: string) => withValue(' 366 ', ` ${v} `);
    expect(fields(sent('007')).sent_bytes).toBe(7);
    expect(fields(sent('123456789012345')).sent_bytes).toBe(123456789012345);
    expect(fields(sent('9007199254740991')).sent_bytes).toBe(9007199254740991);
    for (const v of ['9007199254740992', '12345678901234567890', '-5', '1.0', '1e3', '+1']) {
      expect(reason(sent(v))).toBe(`field 12 (sent_bytes): expected an integer, got "${v}"`);
    }
    expect(reason(sent('""'))).toBe('field 12 (sent_bytes): expected an integer, got ""');
  });
});

describe('ALB parser, endpoints and quoted fields', () => {
  const client = (v: string) => withValue('192.168.131.39:2817', v);

  it('reads ports with leading zeros and bracketed IPv6 with a `]` later in the line', () => {
    expect(fields(client('10.0.0.1:065535'))).toMatchObject({
      client_ip: '10.0.0.1',
      client_port: 65535,
    });
    expect(fields(client('h:0'))).toMatchObject({ client_ip: 'h', client_port: 0 });
    const bracketLater = (v: string) => client(v).replace('"curl/7.46.0"', '"bot [x]"');
    expect(fields(bracketLater('[::1]:80'))).toMatchObject({ client_ip: '::1', client_port: 80 });
    expect(fields(bracketLater('10.0.0.1:80'))).toMatchObject({
      client_ip: '10.0.0.1',
      client_port: 80,
    });
  });

  it('rejects endpoints of the wrong shape', () => {
    for (const v of ['[::1]80', 'a]b:80', '[]:80', '10.0.0.1:', 'a:b:c', '[::1:80', '""']) {
      const shown = v === '""' ? '' : v;
      expect(reason(client(v))).toBe(`field 4 (client:port): expected ip:port, got "${shown}"`);
    }
  });

  it('reads empty, one-character and escaped quoted values', () => {
    const agent = (v: string) => fields(withValue('"curl/7.46.0"', v)).user_agent;
    expect(agent('""')).toBeNull();
    expect(agent('"-"')).toBeNull();
    expect(agent('"x"')).toBe('x');
    expect(agent('"\\""')).toBe('"');
    expect(agent('"\\\\"')).toBe('\\');
    expect(reason(withValue('"curl/7.46.0"', '"""'))).toBe(
      'field 14 (user_agent): expected a space after the closing quote, got "\\" - - arn:"',
    );
  });

  it('splits an escaped request line on its unescaped text', () => {
    const f = fields(
      withValue('"GET http://www.example.com:80/ HTTP/1.1"', '"GET /a\\"b HTTP/1.1"'),
    );
    expect(f).toMatchObject({
      request: 'GET /a"b HTTP/1.1',
      request_verb: 'GET',
      request_url: '/a"b',
      request_proto: 'HTTP/1.1',
    });
  });

  it('splits request lines with extra spaces or missing parts', () => {
    const request = (v: string) => fields(withValue('GET http://www.example.com:80/ HTTP/1.1', v));
    expect(request('GET  x  HTTP/1.1  ')).toMatchObject({
      request: 'GET  x  HTTP/1.1  ',
      request_verb: 'GET',
      request_url: ' x ',
      request_proto: 'HTTP/1.1',
    });
    expect(request('GET')).toMatchObject({
      request: 'GET',
      request_verb: 'GET',
      request_url: null,
      request_proto: null,
    });
    expect(request('GET /')).toMatchObject({
      request_verb: 'GET',
      request_url: '/',
      request_proto: null,
    });
    expect(request(' ')).toMatchObject({
      request: null,
      request_verb: null,
      request_url: null,
      request_proto: null,
    });
  });

  it('keeps nothing of one line for the next: escaped values, field counts', () => {
    const escaped = withValue('"curl/7.46.0"', '"a \\"b\\""').replace('"forward"', '"\\\\x"');
    expect(fields(escaped)).toMatchObject({ user_agent: 'a "b"', actions_executed: '\\x' });
    expect(fields(VECTOR)).toEqual(VECTOR_FIELDS);
    // Fields past a line feed are not read; the next line's are.
    const cut = `${VECTOR.split(' "Root=')[0]} "Root=1-abc"\n"more" 1`;
    expect(fields(cut).domain_name).toBeNull();
    expect(fields(VECTOR)).toEqual(VECTOR_FIELDS);
  });

  it('rejects a non-string message', () => {
    expect(parser.parse(42 as unknown as string, ctx)).toEqual({
      ok: false,
      reason: 'message is not a string',
    });
  });
});

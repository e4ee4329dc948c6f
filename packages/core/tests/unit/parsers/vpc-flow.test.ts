import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOG_COLUMNS } from '../../../src/datasets/common.js';
import {
  VPC_FLOW_DATASET,
  VPC_FLOW_FIELDS,
  type VpcFlowField,
} from '../../../src/datasets/vpc-flow.js';
import { ConfigError } from '../../../src/errors.js';
import { generateAlbLine } from '../../../src/generator/alb.js';
import { Rng } from '../../../src/generator/rng.js';
import { generateVpcFlowCustomLine, generateVpcFlowLine } from '../../../src/generator/vpc-flow.js';
import type { ParseContext, Parser } from '../../../src/parsers/types.js';
import {
  createVpcFlowParser,
  looksLikeVpcFlow,
  parseVpcFlowFormat,
  VPC_FLOW_DEFAULT_FORMAT,
} from '../../../src/parsers/vpc-flow.js';
import { fixture } from '../../fixtures.js';

const ctx: ParseContext = {
  origin: {
    owner: '123456789010',
    logGroup: 'vpc-flow-logs',
    logStream: 'eni-1235b8ca123456789-all',
  },
  time: Date.UTC(2026, 0, 1),
};
const parser = createVpcFlowParser();
// Copied verbatim from /work/shared/vectors/vpc-flow.txt (Amazon VPC User Guide, "Flow log record examples").
const [ACCEPT, REJECT, NODATA, SKIPDATA] = fixture('vpc-flow.txt').trimEnd().split('\n') as [
  string,
  string,
  string,
  string,
];
const ALB_VECTOR = fixture('alb.txt').trim();
const T0 = Date.UTC(2026, 0, 1, 12);

function fields(line: string, p: Parser = parser): Record<string, unknown> {
  const r = p.parse(line, ctx);
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  expect(r.dataset).toBe('vpc_flow');
  return r.fields;
}

function reason(line: string, p: Parser = parser): string {
  const r = p.parse(line, ctx);
  if (r.ok) throw new Error(`accepted: ${line}`);
  return r.reason;
}

/** Simple reference twin of the parser: split, then convert each field. */
function referenceParse(
  line: string,
  format: readonly VpcFlowField[],
): Record<string, unknown> | undefined {
  const parts = line.replace(/\r?\n$/, '').split(' ');
  if (parts.length !== format.length) return undefined;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i] as string;
    const f = format[i] as VpcFlowField;
    if (raw === '-') out[f.column] = null;
    else if (raw === '') return undefined;
    else if (f.type === 'string') out[f.column] = raw;
    else {
      if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(Number(raw))) return undefined;
      out[f.column] = f.type === 'timestamp' ? Number(raw) * 1000 : Number(raw);
    }
  }
  return out;
}

const V5_FORMAT =
  '${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}';

describe('VPC flow log parser, default format', () => {
  it('is named vpc_flow and writes the vpc_flow dataset', () => {
    expect(parser.name).toBe('vpc_flow');
    expect(parser.dataset).toBe('vpc_flow');
  });

  it('parses the documented ACCEPT record to every field', () => {
    expect(fields(ACCEPT)).toEqual({
      version: 2,
      account_id: '123456789010',
      interface_id: 'eni-1235b8ca123456789',
      srcaddr: '172.31.16.139',
      dstaddr: '172.31.16.21',
      srcport: 20641,
      dstport: 22,
      protocol: 6,
      packets: 20,
      bytes: 4249,
      start: 1418530010000,
      end: 1418530070000,
      action: 'ACCEPT',
      log_status: 'OK',
    });
  });

  it('parses the documented REJECT record to every field', () => {
    expect(fields(REJECT)).toEqual({
      version: 2,
      account_id: '123456789010',
      interface_id: 'eni-1235b8ca123456789',
      srcaddr: '172.31.9.69',
      dstaddr: '172.31.9.12',
      srcport: 49761,
      dstport: 3389,
      protocol: 6,
      packets: 20,
      bytes: 4249,
      start: 1418530010000,
      end: 1418530070000,
      action: 'REJECT',
      log_status: 'OK',
    });
  });

  it('parses the documented NODATA record with nulls for every -', () => {
    expect(fields(NODATA)).toEqual({
      version: 2,
      account_id: '123456789010',
      interface_id: 'eni-1235b8ca123456789',
      srcaddr: null,
      dstaddr: null,
      srcport: null,
      dstport: null,
      protocol: null,
      packets: null,
      bytes: null,
      start: 1431280876000,
      end: 1431280934000,
      action: null,
      log_status: 'NODATA',
    });
  });

  it('parses the documented SKIPDATA record with nulls for every -', () => {
    expect(fields(SKIPDATA)).toEqual({
      version: 2,
      account_id: '123456789010',
      interface_id: 'eni-11111111aaaaaaaaa',
      srcaddr: null,
      dstaddr: null,
      srcport: null,
      dstport: null,
      protocol: null,
      packets: null,
      bytes: null,
      start: 1431280876000,
      end: 1431280934000,
      action: null,
      log_status: 'SKIPDATA',
    });
  });

  it('tolerates one trailing LF or CRLF', () => {
    expect(fields(`${ACCEPT}\n`)).toEqual(fields(ACCEPT));
    expect(fields(`${ACCEPT}\r\n`)).toEqual(fields(ACCEPT));
  });

  it('reads IPv6 addresses and integers up to 2^53 - 1', () => {
    const line = `2 123456789010 eni-0a1b 2001:db8::1 2001:db8::2 443 50000 6 9007199254740991 9007199254740991 1700000000 1700000060 ACCEPT OK`;
    expect(fields(line)).toMatchObject({
      srcaddr: '2001:db8::1',
      dstaddr: '2001:db8::2',
      packets: 9007199254740991,
      bytes: 9007199254740991,
    });
  });
});

describe('VPC flow log parser, rejections', () => {
  it('rejects a line with too few fields, counting them', () => {
    expect(reason(ACCEPT.split(' ').slice(0, 10).join(' '))).toBe(
      'expected 14 space-separated fields, got 10',
    );
    expect(reason('')).toBe(
      'field 1 (version): empty value (fields are separated by single spaces)',
    );
  });

  it('rejects a line with too many fields, counting them', () => {
    expect(reason(`${ACCEPT} extra`)).toBe('expected 14 space-separated fields, got 15');
    expect(reason(`${ACCEPT} a b`)).toBe('expected 14 space-separated fields, got 16');
    expect(reason(`${ACCEPT} `)).toBe('expected 14 space-separated fields, got 15');
  });

  it('rejects a non-integer in a numeric field, naming the field and the value', () => {
    expect(reason(ACCEPT.replace(' 20641 ', ' abc '))).toBe(
      'field 6 (srcport): expected an integer, got "abc"',
    );
    expect(reason(ACCEPT.replace(' 4249 ', ' 42.5 '))).toBe(
      'field 10 (bytes): expected an integer, got "42.5"',
    );
    expect(reason(ACCEPT.replace(' 1418530010 ', ' -1418530010 '))).toBe(
      'field 11 (start): expected an integer, got "-1418530010"',
    );
    expect(reason(ACCEPT.replace('2 ', 'v2 '))).toBe(
      'field 1 (version): expected an integer, got "v2"',
    );
  });

  it('rejects integers beyond 2^53 - 1 as out of range', () => {
    expect(reason(ACCEPT.replace(' 4249 ', ' 9007199254740992 '))).toBe(
      'field 10 (bytes): integer out of range, got "9007199254740992"',
    );
  });

  it('rejects empty fields made by doubled spaces', () => {
    expect(reason(ACCEPT.replace(' eni-', '  eni-'))).toBe(
      'field 3 (interface-id): empty value (fields are separated by single spaces)',
    );
  });
});

describe('VPC flow log parser, custom formats', () => {
  it('parses v3–v5 fields in a non-default order', () => {
    const p = createVpcFlowParser({ format: V5_FORMAT });
    const line =
      '5 vpc-0a1b2c3d subnet-aaaa1111 i-0123456789abcdef0 eni-0a1b2c3d4e5f 123456789012 IPv4 10.0.1.5 52.216.1.1 49152 443 10.0.1.5 52.216.1.1 6 5230 12 1700000000 1700000060 ACCEPT 19 OK us-east-1 use1-az4 - - - S3 egress 8';
    expect(fields(line, p)).toEqual({
      version: 5,
      vpc_id: 'vpc-0a1b2c3d',
      subnet_id: 'subnet-aaaa1111',
      instance_id: 'i-0123456789abcdef0',
      interface_id: 'eni-0a1b2c3d4e5f',
      account_id: '123456789012',
      type: 'IPv4',
      srcaddr: '10.0.1.5',
      dstaddr: '52.216.1.1',
      srcport: 49152,
      dstport: 443,
      pkt_srcaddr: '10.0.1.5',
      pkt_dstaddr: '52.216.1.1',
      protocol: 6,
      bytes: 5230,
      packets: 12,
      start: 1700000000000,
      end: 1700000060000,
      action: 'ACCEPT',
      tcp_flags: 19,
      log_status: 'OK',
      region: 'us-east-1',
      az_id: 'use1-az4',
      sublocation_type: null,
      sublocation_id: null,
      pkt_src_aws_service: null,
      pkt_dst_aws_service: 'S3',
      flow_direction: 'egress',
      traffic_path: 8,
    });
  });

  it('gives each line an object of its own, keys in the order of the format', () => {
    const p = createVpcFlowParser({ format: V5_FORMAT });
    const line =
      '5 vpc-0a1b2c3d subnet-aaaa1111 i-0123456789abcdef0 eni-0a1b2c3d4e5f 123456789012 IPv4 10.0.1.5 52.216.1.1 49152 443 10.0.1.5 52.216.1.1 6 5230 12 1700000000 1700000060 ACCEPT 19 OK us-east-1 use1-az4 - - - S3 egress 8';
    const first = fields(line, p);
    expect(Object.keys(first)).toEqual(parseVpcFlowFormat(V5_FORMAT).map((f) => f.column));
    const copy = { ...first };
    // Parsing more lines (one rejected half-way) leaves the first line's object as it was.
    const other = line.replace('vpc-0a1b2c3d', 'vpc-ffff').replace(' 443 ', ' 22 ');
    const second = fields(other, p);
    expect(p.parse(line.replace(' 5230 ', ' x5230 '), ctx).ok).toBe(false);
    expect(first).toEqual(copy);
    expect(second).not.toBe(first);
    expect([second.vpc_id, second.dstport, first.vpc_id, first.dstport]).toEqual([
      'vpc-ffff',
      22,
      'vpc-0a1b2c3d',
      443,
    ]);
  });

  it('knows the ECS (v7), reject-reason (v8) and encryption-status fields', () => {
    const p = createVpcFlowParser({
      format:
        '${version} ${ecs-cluster-name} ${ecs-task-id} ${ecs-service-name} ${action} ${reject-reason} ${encryption-status} ${resource-id}',
    });
    expect(fields('10 prod 0123abcd - REJECT BPA 1 -', p)).toEqual({
      version: 10,
      ecs_cluster_name: 'prod',
      ecs_task_id: '0123abcd',
      ecs_service_name: null,
      action: 'REJECT',
      reject_reason: 'BPA',
      encryption_status: 1,
      resource_id: null,
    });
  });

  it('reads - as null in every field of the full format', () => {
    const format = VPC_FLOW_FIELDS.map((f) => `\${${f.awsName}}`).join(' ');
    const p = createVpcFlowParser({ format });
    const all = fields(VPC_FLOW_FIELDS.map(() => '-').join(' '), p);
    expect(Object.keys(all)).toEqual(VPC_FLOW_DATASET.columns.map((c) => c.name));
    expect(Object.values(all).every((v) => v === null)).toBe(true);
  });

  it('names the field by its position in the custom format when rejecting', () => {
    const p = createVpcFlowParser({ format: '${srcaddr} ${tcp-flags}' });
    expect(reason('10.0.0.1 SYN', p)).toBe('field 2 (tcp-flags): expected an integer, got "SYN"');
    expect(reason('10.0.0.1', p)).toBe('expected 2 space-separated fields, got 1');
  });

  it('refuses an invalid format at construction with ConfigError naming the problem', () => {
    const bad: [string, RegExp][] = [
      ['${version} ${bogus}', /unknown field "bogus" \(token 2\)/],
      ['${version} ${Srcaddr}', /unknown field "Srcaddr"/],
      ['${version} srcaddr', /token 2 "srcaddr" is not a single \$\{field\} reference/],
      ['${version}${srcaddr}', /token 1 "\$\{version\}\$\{srcaddr\}" is not a single/],
      ['${version} ${version}', /field "version" appears twice/],
      ['  ', /non-empty/],
    ];
    for (const [format, message] of bad) {
      expect(() => createVpcFlowParser({ format })).toThrow(ConfigError);
      expect(() => createVpcFlowParser({ format })).toThrow(message);
    }
    try {
      createVpcFlowParser({ format: '${bogus}' });
    } catch (err) {
      expect(ConfigError.isInstance(err) && err.code).toBe('INVALID_CONFIG');
    }
  });

  it('reads a format into the field table, in order; the default is the v2 fields', () => {
    expect(
      parseVpcFlowFormat('${pkt-srcaddr}  ${version}\n${region}').map((f) => f.column),
    ).toEqual(['pkt_srcaddr', 'version', 'region']);
    expect(parseVpcFlowFormat(VPC_FLOW_DEFAULT_FORMAT)).toEqual(
      VPC_FLOW_FIELDS.filter((f) => f.version === 2),
    );
  });
});

describe('vpc_flow dataset', () => {
  it('declares one column per AWS field, "-" → "_"', () => {
    expect(VPC_FLOW_DATASET.name).toBe('vpc_flow');
    expect(VPC_FLOW_DATASET.columns.map((c) => c.name)).toEqual(
      VPC_FLOW_FIELDS.map((f) => f.awsName.replaceAll('-', '_')),
    );
    expect(VPC_FLOW_FIELDS.map((f) => f.awsName)).toEqual(
      expect.arrayContaining([
        'pkt-src-aws-service',
        'ecs-task-arn',
        'ecs-second-container-id',
        'reject-reason',
        'traffic-path',
      ]),
    );
  });

  it('has no column that clashes with the common log columns', () => {
    const common = new Set(LOG_COLUMNS.map((c) => c.name));
    expect(VPC_FLOW_DATASET.columns.filter((c) => common.has(c.name))).toEqual([]);
    expect(new Set(VPC_FLOW_DATASET.columns.map((c) => c.name)).size).toBe(
      VPC_FLOW_DATASET.columns.length,
    );
  });

  it('types ports, protocol, version, flags and path as int, counters as bigint, times as timestamp', () => {
    const typeOf = (name: string) => VPC_FLOW_DATASET.columns.find((c) => c.name === name)?.type;
    for (const c of ['version', 'srcport', 'dstport', 'protocol', 'tcp_flags', 'traffic_path'])
      expect(typeOf(c)).toBe('int');
    for (const c of ['packets', 'bytes']) expect(typeOf(c)).toBe('bigint');
    for (const c of ['start', 'end']) expect(typeOf(c)).toBe('timestamp');
    for (const c of ['account_id', 'interface_id', 'srcaddr', 'action', 'log_status', 'vpc_id'])
      expect(typeOf(c)).toBe('string');
  });
});

const seed = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('VPC flow properties', () => {
  const custom = createVpcFlowParser({ format: '${version} ${srcaddr} ${bytes} ${start}' });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ unit: fc.constantFrom('2', '-', ' ', '0', 'a', '\n'), maxLength: 60 }),
        ),
        (s) => {
          for (const p of [parser, custom]) {
            const r = p.parse(s, ctx);
            if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
          }
          expect(typeof looksLikeVpcFlow(s)).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('parses generated default-format lines back to exactly the generated fields', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const g = generateVpcFlowLine(new Rng(s), T0);
        expect(fields(g.message)).toEqual(g.fields);
      }),
      { numRuns: 500 },
    );
  });

  it('parses generated lines of any custom format back to exactly the generated fields', () => {
    const names = VPC_FLOW_FIELDS.map((f) => f.awsName);
    fc.assert(
      fc.property(seed, fc.shuffledSubarray(names, { minLength: 1 }), (s, chosen) => {
        const format = chosen.map((n) => `\${${n}}`).join(' ');
        const g = generateVpcFlowCustomLine(new Rng(s), T0, format);
        expect(fields(g.message, createVpcFlowParser({ format }))).toEqual(g.fields);
      }),
      { numRuns: 300 },
    );
  });

  it('generates values of the declared column types', () => {
    const types = new Map(VPC_FLOW_DATASET.columns.map((c) => [c.name, c.type]));
    const format = VPC_FLOW_FIELDS.map((f) => `\${${f.awsName}}`).join(' ');
    fc.assert(
      fc.property(seed, (s) => {
        const g = generateVpcFlowCustomLine(new Rng(s), T0, format);
        for (const [k, v] of Object.entries(g.fields)) {
          if (v === null) continue;
          const type = types.get(k);
          if (type === 'string') expect(typeof v === 'string' && v.length > 0).toBe(true);
          else expect(Number.isSafeInteger(v)).toBe(true);
          if (type === 'timestamp') expect((v as number) % 1000).toBe(0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with a simple split-and-convert reference on generated and mutated lines', () => {
    const format = parseVpcFlowFormat(VPC_FLOW_DEFAULT_FORMAT);
    fc.assert(
      fc.property(
        seed,
        fc.nat(160),
        fc.nat(3),
        fc.string({
          unit: fc.constantFrom(' ', '-', '0', '9', 'a', '.', '\n', '\r'),
          maxLength: 4,
        }),
        (s, at, cut, insert) => {
          const line = generateVpcFlowLine(new Rng(s), T0).message;
          const mutated = line.slice(0, at) + insert + line.slice(at + cut);
          const r = parser.parse(mutated, ctx);
          const expected = referenceParse(mutated, format);
          expect(r.ok).toBe(expected !== undefined);
          if (r.ok) expect(r.fields).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('looksLikeVpcFlow', () => {
  it('recognises the documented records and generated default-format lines', () => {
    for (const l of [ACCEPT, REJECT, NODATA, SKIPDATA, `${ACCEPT}\n`])
      expect(looksLikeVpcFlow(l)).toBe(true);
    fc.assert(
      fc.property(seed, (s) => {
        expect(looksLikeVpcFlow(generateVpcFlowLine(new Rng(s), T0).message)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('does not match ALB entries', () => {
    expect(looksLikeVpcFlow(ALB_VECTOR)).toBe(false);
    fc.assert(
      fc.property(seed, (s) => {
        expect(looksLikeVpcFlow(generateAlbLine(new Rng(s), T0).message)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('does not match plain text, JSON, or near-misses', () => {
    for (const l of [
      '',
      '{"version":2,"action":"ACCEPT"}',
      '2 apples and 3 oranges were sold today at the market for 5 dollars OK',
      'START RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac Version: $LATEST',
      ACCEPT.replace(' 20641 ', ' port '),
      ACCEPT.replace(' OK', ' FINE'),
      `${ACCEPT} extra`,
      ACCEPT.replace('2 ', '5 '),
    ])
      expect(looksLikeVpcFlow(l)).toBe(false);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VPC_FLOW_FIELDS } from '../../../src/datasets/vpc-flow.js';
import { ConfigError } from '../../../src/errors.js';
import { generateAlbLine } from '../../../src/generator/alb.js';
import { Rng } from '../../../src/generator/rng.js';
import { generateVpcFlowCustomLine, generateVpcFlowLine } from '../../../src/generator/vpc-flow.js';
import type { ParseContext } from '../../../src/parsers/types.js';
import { createVpcFlowParser, looksLikeVpcFlow } from '../../../src/parsers/vpc-flow.js';
import { fixture } from '../../fixtures.js';

const ctx: ParseContext = { origin: { owner: '1', logGroup: 'g', logStream: 's' }, time: 0 };
const parser = createVpcFlowParser();
const [accept, reject, nodata, skipdata] = fixture('vpc-flow.txt').split('\n') as [
  string,
  string,
  string,
  string,
];

function fields(line: string, p = parser) {
  const r = p.parse(line, ctx);
  if (!r.ok) throw new Error(r.reason);
  expect(r.dataset).toBe('vpc_flow');
  return r.fields;
}

describe('VPC flow log parser, default format', () => {
  it('parses the documented ACCEPT record', () => {
    expect(fields(accept)).toEqual({
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

  it('parses the documented REJECT record', () => {
    expect(fields(reject)).toMatchObject({
      srcaddr: '172.31.9.69',
      dstport: 3389,
      action: 'REJECT',
      log_status: 'OK',
    });
  });

  it('parses NODATA and SKIPDATA records with nulls for every -', () => {
    expect(fields(nodata)).toEqual({
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
    expect(fields(skipdata)).toMatchObject({
      interface_id: 'eni-11111111aaaaaaaaa',
      log_status: 'SKIPDATA',
      action: null,
    });
  });

  it('accepts a trailing newline', () => {
    expect(fields(`${accept}\n`)).toEqual(fields(accept));
  });

  it('rejects a line with too few or too many fields, saying so', () => {
    const few = parser.parse(accept.split(' ').slice(0, 10).join(' '), ctx);
    expect(few).toEqual({ ok: false, reason: 'expected 14 space-separated fields, got 10' });
    const many = parser.parse(`${accept} extra`, ctx);
    expect(many.ok).toBe(false);
    if (!many.ok)
      expect(many.reason).toMatch(/expected 14 space-separated fields, got more: "extra"/);
  });

  it('rejects a non-numeric value in a numeric field, naming the field', () => {
    const r = parser.parse(accept.replace(' 20641 ', ' abc '), ctx);
    expect(r).toEqual({ ok: false, reason: 'field 6 (srcport): expected an integer, got "abc"' });
  });

  it('rejects empty fields from doubled spaces', () => {
    const r = parser.parse(accept.replace(' eni-', '  eni-'), ctx);
    expect(r.ok).toBe(false);
  });
});

describe('VPC flow log parser, custom formats', () => {
  const v5 =
    '${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}';

  it('parses v3–v5 fields in any order', () => {
    const p = createVpcFlowParser({ format: v5 });
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

  it('knows the ECS (v7) and reject-reason (v8) fields', () => {
    const p = createVpcFlowParser({
      format: '${version} ${ecs-cluster-name} ${ecs-task-id} ${action} ${reject-reason}',
    });
    expect(fields('8 prod 0123abcd REJECT BPA', p)).toEqual({
      version: 8,
      ecs_cluster_name: 'prod',
      ecs_task_id: '0123abcd',
      action: 'REJECT',
      reject_reason: 'BPA',
    });
  });

  it('refuses an invalid format at construction with a clear message', () => {
    expect(() => createVpcFlowParser({ format: '${version} ${bogus}' })).toThrow(ConfigError);
    expect(() => createVpcFlowParser({ format: '${version} ${bogus}' })).toThrow(
      /unknown field "bogus"/,
    );
    expect(() => createVpcFlowParser({ format: '${version} srcaddr' })).toThrow(
      /"srcaddr" is not a \$\{field\} reference/,
    );
    expect(() => createVpcFlowParser({ format: '${version} ${version}' })).toThrow(/appears twice/);
    expect(() => createVpcFlowParser({ format: '  ' })).toThrow(/non-empty/);
  });

  it('declares a column for every field, named with underscores', () => {
    expect(VPC_FLOW_FIELDS.map((x) => x.column)).toContain('pkt_src_aws_service');
    expect(new Set(VPC_FLOW_FIELDS.map((x) => x.column)).size).toBe(VPC_FLOW_FIELDS.length);
  });
});

describe('VPC flow properties', () => {
  it('never throws on arbitrary strings', () => {
    const custom = createVpcFlowParser({ format: '${version} ${srcaddr} ${bytes} ${start}' });
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => {
        for (const p of [parser, custom]) {
          const r = p.parse(s, ctx);
          if (!r.ok) expect(typeof r.reason).toBe('string');
        }
        expect(typeof looksLikeVpcFlow(s)).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('parses generated lines back to the generated fields', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const rng = new Rng(seed);
        const g = generateVpcFlowLine(rng, Date.UTC(2026, 0, 1));
        expect(fields(g.message)).toEqual(g.fields);
        expect(looksLikeVpcFlow(g.message)).toBe(true);
        const fmt = rng.chance(0.5)
          ? '${version} ${account-id} ${vpc-id} ${pkt-srcaddr} ${dstport} ${flow-direction} ${traffic-path} ${ecs-service-name}'
          : '${srcaddr} ${dstaddr} ${bytes} ${start} ${end} ${pkt-dst-aws-service}';
        const c = generateVpcFlowCustomLine(rng, Date.UTC(2026, 0, 1), fmt);
        expect(fields(c.message, createVpcFlowParser({ format: fmt }))).toEqual(c.fields);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated lines either parse or give a reason, never throw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.nat(200),
        fc.string({ maxLength: 5 }),
        (seed, at, ins) => {
          const line = generateVpcFlowLine(new Rng(seed), 0).message;
          const mutated = line.slice(0, at) + ins + line.slice(at + 1);
          const r = parser.parse(mutated, ctx);
          expect(r.ok || typeof r.reason === 'string').toBe(true);
        },
      ),
    );
  });
});

describe('looksLikeVpcFlow', () => {
  it('recognises the documented records', () => {
    for (const l of [accept, reject, nodata, skipdata]) expect(looksLikeVpcFlow(l)).toBe(true);
  });

  it('does not match ALB lines, JSON or prose', () => {
    expect(looksLikeVpcFlow(fixture('alb.txt').trim())).toBe(false);
    expect(looksLikeVpcFlow(generateAlbLine(new Rng(3), 0).message)).toBe(false);
    expect(looksLikeVpcFlow('{"a":1}')).toBe(false);
    expect(
      looksLikeVpcFlow('2 apples and 3 oranges were sold today at the market for 5 dollars OK'),
    ).toBe(false);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateAlbLine } from '../../../src/generator/alb.js';
import { Rng } from '../../../src/generator/rng.js';
import { generateVpcFlowLine } from '../../../src/generator/vpc-flow.js';
import { createAlbParser, looksLikeAlb } from '../../../src/parsers/alb.js';
import type { ParseContext } from '../../../src/parsers/types.js';
import { fixture } from '../../fixtures.js';

const ctx: ParseContext = { origin: { owner: '1', logGroup: 'g', logStream: 's' }, time: 0 };
const parser = createAlbParser();
const vector = fixture('alb.txt').trim();

function fields(line: string) {
  const r = parser.parse(line, ctx);
  if (!r.ok) throw new Error(r.reason);
  expect(r.dataset).toBe('alb');
  return r.fields;
}

describe('ALB access log parser', () => {
  it('parses the documented entry to every field', () => {
    expect(fields(vector)).toEqual({
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
    });
  });

  it('unescapes quotes inside quoted fields', () => {
    const line = vector.replace('"curl/7.46.0"', '"Mozilla \\"quoted\\" agent \\\\ end"');
    expect(fields(line).user_agent).toBe('Mozilla "quoted" agent \\ end');
  });

  it('reads IPv6 client:port, bare or bracketed', () => {
    expect(fields(vector.replace('192.168.131.39:2817', '2001:db8::1:443'))).toMatchObject({
      client_ip: '2001:db8::1',
      client_port: 443,
    });
    expect(fields(vector.replace('192.168.131.39:2817', '[2001:db8::ff]:8443'))).toMatchObject({
      client_ip: '2001:db8::ff',
      client_port: 8443,
    });
  });

  it('reads -1 processing times as null and - status codes as null', () => {
    const line = vector.replace('0.000 0.001 0.000 200 200', '-1 -1 -1 502 -');
    expect(fields(line)).toMatchObject({
      request_processing_time: null,
      target_processing_time: null,
      response_processing_time: null,
      elb_status_code: 502,
      target_status_code: null,
    });
  });

  it('tolerates fields AWS appends at the end, and older entries that stop after trace_id', () => {
    expect(fields(`${vector} TID_abc "host" "/uri" "-" "something-new" 42`)).toMatchObject({
      conn_trace_id: 'TID_abc',
      transformed_host: 'host',
      transformed_uri: '/uri',
    });
    const old = vector.split(' "Root=')[0] as string;
    expect(fields(`${old} "Root=1-abc"`)).toMatchObject({
      trace_id: 'Root=1-abc',
      domain_name: null,
      request_creation_time: null,
      actions_executed: null,
    });
  });

  it('rejects malformed entries with the field and reason', () => {
    expect(parser.parse('http 2018-11-30T22:23:00.186641Z app/x', ctx)).toEqual({
      ok: false,
      reason: 'expected at least 18 fields (through trace_id), got 3',
    });
    expect(parser.parse(vector.replace('200 200 34', 'abc 200 34'), ctx)).toEqual({
      ok: false,
      reason: 'field 9 (elb_status_code): expected an integer, got "abc"',
    });
    expect(parser.parse(vector.replace('"curl/7.46.0"', '"curl'), ctx)).toMatchObject({
      ok: false,
    });
    expect(
      parser.parse(vector.replace('2018-11-30T22:23:00.186641Z', 'yesterday'), ctx),
    ).toMatchObject({
      ok: false,
      reason: 'field 2 (time): expected an ISO 8601 time, got "yesterday"',
    });
  });
});

describe('ALB properties', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => {
        const r = parser.parse(s, ctx);
        expect(r.ok || typeof r.reason === 'string').toBe(true);
        expect(typeof looksLikeAlb(s)).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('parses generated entries back to the generated fields', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const g = generateAlbLine(new Rng(seed), Date.UTC(2026, 0, 1, 12));
        expect(fields(g.message)).toEqual(g.fields);
        expect(looksLikeAlb(g.message)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated entries either parse or give a reason, never throw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.nat(600),
        fc.string({ maxLength: 4 }),
        (seed, at, ins) => {
          const line = generateAlbLine(new Rng(seed), 0).message;
          const r = parser.parse(line.slice(0, at) + ins + line.slice(at + 2), ctx);
          expect(r.ok || typeof r.reason === 'string').toBe(true);
        },
      ),
    );
  });
});

describe('looksLikeAlb', () => {
  it('recognises the documented entry and not flow logs, JSON or prose', () => {
    expect(looksLikeAlb(vector)).toBe(true);
    expect(looksLikeAlb(generateVpcFlowLine(new Rng(1), 0).message)).toBe(false);
    expect(looksLikeAlb('{"type":"http"}')).toBe(false);
    expect(looksLikeAlb('http server started on port 8080')).toBe(false);
  });
});

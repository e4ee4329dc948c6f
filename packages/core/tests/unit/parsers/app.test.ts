import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AppLineKind, generateAppLine } from '../../../src/generator/app.js';
import { Rng } from '../../../src/generator/rng.js';
import {
  appFallback,
  createAppParser,
  createJsonParser,
  createLogfmtParser,
  createTextParser,
} from '../../../src/parsers/app.js';
import type { ParseContext, ParseOk, ParseResult } from '../../../src/parsers/types.js';
import { fixture } from '../../fixtures.js';

const ctx: ParseContext = {
  origin: { owner: '123456789012', logGroup: '/ecs/orders', logStream: 'web/abc' },
  time: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
};
const APP_COLUMNS = ['format', 'level', 'fields', 'parse_error'];

function accepted(r: ParseResult): ParseOk {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('json parser', () => {
  const json = createJsonParser();

  it('accepts a JSON object with nested values preserved and the level lower-cased', () => {
    const msg =
      '  {"timestamp":"2022-10-12T00:03:50.000Z","level":"INFO","http":{"status":200,"tags":["a",null]},"ok":true}';
    expect(json.parse(msg, ctx)).toStrictEqual({
      ok: true,
      dataset: 'app',
      fields: {
        format: 'json',
        level: 'info',
        fields: {
          timestamp: '2022-10-12T00:03:50.000Z',
          level: 'INFO',
          http: { status: 200, tags: ['a', null] },
          ok: true,
        },
        parse_error: null,
      },
      metrics: undefined,
    });
  });

  it('reads the Lambda JSON log format application line', () => {
    const line = fixture('lambda-json.txt').split('\n')[0] as string;
    expect(accepted(json.parse(line, ctx)).fields).toMatchObject({
      format: 'json',
      level: 'info',
      parse_error: null,
    });
  });

  it.each([
    ['{"level":"Warning"}', 'warning'],
    ['{"severity":"ERROR"}', 'error'],
    ['{"log.level":"debug"}', 'debug'],
    ['{"log":{"level":"TRACE"}}', 'trace'],
    ['{"lvl":"info"}', 'info'],
    ['{"levelname":"CRITICAL"}', 'critical'],
    ['{"level":30,"msg":"pino"}', 'info'],
    ['{"level":50}', 'error'],
    ['{"level":31}', null],
    ['{"level":true}', null],
    ['{"level":""}', null],
    ['{"msg":"no level"}', null],
    ['{"level":"info","severity":"error"}', 'info'],
    // The first member present wins, even when its value gives no level.
    ['{"level":null,"severity":"error"}', null],
    ['{"log":{"level":null},"lvl":"x"}', null],
    ['{"log":["warn"],"lvl":"DEBUG"}', 'debug'],
    ['{"log":null,"levelname":"Fatal"}', 'fatal'],
    // A "__proto__" member is an own member, not a prototype with a level.
    ['{"__proto__":{"level":"warn"},"lvl":"x"}', 'x'],
  ])('takes the level of %s as %j', (msg, level) => {
    expect(accepted(json.parse(msg, ctx)).fields.level).toBe(level);
  });

  it.each([
    ['[1,2]', /not a JSON object/],
    ['"text"', /not a JSON object/],
    ['null', /not a JSON object/],
    ['hello {"a":1}', /does not start with "\{"/],
    ['{"a":1', /invalid JSON/],
    ['{"a":1} trailing', /invalid JSON/],
    ['', /not a JSON object/],
  ])('rejects %j with a reason', (msg, reason) => {
    expect(json.parse(msg, ctx)).toMatchObject({ ok: false, reason });
  });

  it('rejects the Lambda platform.report example with its trailing comma', () => {
    const line = fixture('lambda-json.txt').split('\n')[1] as string;
    expect(json.parse(line, ctx)).toMatchObject({ ok: false, reason: /invalid JSON/ });
  });

  it('parses each message with JSON.parse exactly once, EMF documents included', () => {
    const spy = vi.spyOn(JSON, 'parse');
    json.parse(fixture('emf-multi-directive.json'), ctx);
    createAppParser().parse('{"level":"info"}', ctx);
    createAppParser().parse('{"truncated":', ctx);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('reads an EMF document as format emf with its metrics', () => {
    const r = accepted(json.parse(fixture('emf.json'), ctx));
    expect(r.fields).toMatchObject({ format: 'emf', level: null, parse_error: null });
    expect(r.fields.fields).toMatchObject({ functionVersion: '$LATEST', time: 100 });
    expect(r.metrics).toStrictEqual([
      {
        time: 1574109732004,
        measureName: 'lambda-function-metrics',
        dimensions: { functionVersion: '$LATEST' },
        measures: { time: { value: 100, unit: 'Milliseconds' } },
      },
    ]);
  });

  it('uses the event time for an EMF document without _aws.Timestamp', () => {
    const msg =
      '{"_aws":{"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"x"}]}]},"x":1}';
    expect(accepted(json.parse(msg, ctx)).metrics?.[0]?.time).toBe(ctx.time);
  });

  it('accepts a broken EMF document with the reason in parse_error and no metrics', () => {
    const msg =
      '{"_aws":{"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["svc"]],"Metrics":[{"Name":"x"}]}]},"svc":5,"x":1,"level":"error"}';
    const r = accepted(json.parse(msg, ctx));
    expect(r.fields).toMatchObject({
      format: 'emf',
      level: 'error',
      parse_error:
        'EMF: CloudWatchMetrics[0].Dimensions[0]: dimension "svc" must be a string, not a number',
    });
    expect(r.metrics).toBeUndefined();
  });
});

describe('text parser', () => {
  const text = createTextParser();

  it.each([
    ['2024-05-01 12:00:00.123 ERROR 4242 --- [main] c.e.App : boom', 'error'],
    ['2024-05-01T12:00:00.000Z\t8a2f\tWARN\tslow', 'warn'],
    ['2024/05/01 12:00:00 [error] 12#0: *1 upstream timed out', 'error'],
    ['[Warning] disk almost full', 'warning'],
    ['<Info> started', 'info'],
    ['ERROR:root:something broke', 'error'],
    ['DEBUG, cache state dumped', 'debug'],
    ['Error: connect ECONNREFUSED', 'error'],
    ['12:00:01 FATAL- out of memory', 'fatal'],
    ['2024-05-01 12:00:00,123 - app - CRITICAL - db down', 'critical'],
    ['TRACE entering handler', 'trace'],
    ['the request had an error in it', null],
    ['Server started on port 8080', null],
    ['START RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac Version: $LATEST', null],
    ['a b c d e f g h ERROR too late', null],
    ['ERRORS everywhere', null],
    ['Benutzer Jürgen hat sich angemeldet ✓', null],
    ['', null],
    // Trailing punctuation up to the first ':' or the end of the token, one opening bracket.
    ['ERROR-:x', 'error'],
    ['ERROR-x', null],
    ['x DEBUG:', 'debug'],
    ['x DEBUG.', null],
    ['x WARN]]]]),;> y', 'warn'],
    ['x <Notice>- y', 'notice'],
    ['(ERROR boom', 'error'],
    ['[ERROR', 'error'],
    ['[[ERROR] x', null],
    ['[', null],
    ['x ERR:OR', null],
    ['x:ERROR', null],
    ['x ERRORS', null],
    ['x WARNINGS', null],
    ['x CRITICAL\u2014', null],
    // Lower or mixed case counts only as the first token or in brackets.
    ['x info y', null],
    ['x Info y', null],
    ['x INFO y', 'info'],
    ['x [info] y', 'info'],
    ['x (Fatal)', 'fatal'],
    // Letters that only look like ASCII (U+0130 lower-cases to "i" and a combining dot,
    // U+0131 is a dotless i, U+212A is the Kelvin sign).
    ['\u0130NFO started', null],
    ['x \u0130NFO', null],
    ['\u0131nfo x', null],
    ['x IN\u212AO', null],
    // Only the first 8 tokens and 256 characters are looked at; a word is cut at the 256th.
    ['x x x x x x x x ERROR', null],
    [`${'x'.repeat(250)} ERRORS`, 'error'],
    [`${'x'.repeat(252)} ERROR`, null],
  ])('finds the level of %j as %j', (msg, level) => {
    expect(text.parse(msg, ctx)).toStrictEqual({
      ok: true,
      dataset: 'app',
      fields: { format: 'text', level, fields: null, parse_error: null },
      metrics: undefined,
    });
  });
});

describe('app parser', () => {
  const app = createAppParser();

  it('is named app and belongs to the app dataset', () => {
    expect(app.name).toBe('app');
    expect(app.dataset).toBe('app');
  });

  it.each([
    ['{"msg":"hi"}', 'json'],
    [' \n{"msg":"hi"}', 'json'],
    [fixture('emf.json'), 'emf'],
    ['at=info method=GET path=/ status=200', 'logfmt'],
    ['level=info msg="hello world" cached', 'logfmt'],
    ['retry=3', 'text'],
    ['user bob set a=1 b=2 ok', 'text'],
    ['["not","an","object"]', 'text'],
    ['{"truncated":', 'text'],
    ['a = 1, b = 2', 'text'],
    ['plain words', 'text'],
    ['retry=3 ok', 'text'],
    ['x=1 y', 'text'],
    ['msg="a=b"', 'text'],
    ['a=1 a=2', 'text'],
    ['a==b c=d', 'text'],
    ['one=1 two=2 three four', 'text'],
    // Repeated keys: the pairs are judged as stored (a: '1', b: '2'), not as written.
    ['a b a=1 b=2', 'logfmt'],
  ])('reads %j as %s', (msg, format) => {
    expect(accepted(app.parse(msg, ctx)).fields.format).toBe(format);
  });

  it('reads the Lambda platform.report example with its trailing comma as text', () => {
    const line = fixture('lambda-json.txt').split('\n')[1] as string;
    expect(accepted(app.parse(line, ctx)).fields).toStrictEqual({
      format: 'text',
      level: null,
      fields: null,
      parse_error: null,
    });
  });

  it('gives the same result as the specialised parser it picks', () => {
    for (const [msg, parser] of [
      ['{"level":"warn","a":{"b":[1]}}', createJsonParser()],
      ['ts=1 level=error msg="x y"', createLogfmtParser()],
      ['INFO hello', createTextParser()],
    ] as const) {
      expect(app.parse(msg, ctx)).toStrictEqual(parser.parse(msg, ctx));
    }
  });
});

describe('appFallback', () => {
  it('reads the line as app with the rejecting parser reason in parse_error', () => {
    expect(
      appFallback(
        'at=info method=GET path=/',
        ctx,
        'not a VPC flow log line: 3 fields, expected 14',
      ),
    ).toStrictEqual({
      ok: true,
      dataset: 'app',
      fields: {
        format: 'logfmt',
        level: null,
        fields: { at: 'info', method: 'GET', path: '/' },
        parse_error: 'not a VPC flow log line: 3 fields, expected 14',
      },
      metrics: undefined,
    });
  });

  it('keeps the metrics of a valid EMF document and joins the reason with a broken one', () => {
    expect(appFallback(fixture('emf.json'), ctx, 'not ALB').metrics).toHaveLength(1);
    const broken = '{"_aws":{"CloudWatchMetrics":{}}}';
    expect(appFallback(broken, ctx, 'not ALB').fields.parse_error).toBe(
      'not ALB; EMF: _aws.CloudWatchMetrics must be an array',
    );
  });
});

describe('every app parser', () => {
  const parsers = [createAppParser(), createJsonParser(), createLogfmtParser(), createTextParser()];
  const message = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({
      unit: fc.constantFrom('{', '}', '"', '=', ' ', 'a', ':', '[', 'E', 'R', 'O', '\\', '\n'),
    }),
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify({ _aws: { CloudWatchMetrics: v }, level: v })),
  );

  it('never throws, and accepted results carry exactly the four app columns (property)', () => {
    fc.assert(
      fc.property(message, fc.string(), (msg, reason) => {
        for (const p of parsers) {
          const r = p.parse(msg, ctx);
          if (r.ok) {
            expect(r.dataset).toBe('app');
            expect(Object.keys(r.fields)).toEqual(APP_COLUMNS);
          } else {
            expect(r.reason.length).toBeGreaterThan(0);
          }
        }
        expect(createAppParser().parse(msg, ctx).ok).toBe(true);
        expect(Object.keys(appFallback(msg, ctx, reason).fields)).toEqual(APP_COLUMNS);
      }),
      { numRuns: 500 },
    );
  });
});

describe('generated app lines', () => {
  const app = createAppParser();

  it.each(['json', 'logfmt', 'text', 'emf'] as AppLineKind[])(
    'parse back to their fields and metrics: %s (property)',
    (kind) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 0x7fffffff }),
          fc.integer({ min: 0, max: Date.UTC(2100, 0) }),
          (seed, t) => {
            const line = generateAppLine(new Rng(seed), t, kind);
            const r = accepted(app.parse(line.message, { origin: ctx.origin, time: t }));
            expect(r.fields).toStrictEqual(line.fields);
            expect(r.fields.format).toBe(kind);
            expect(r.metrics).toStrictEqual(line.metrics);
          },
        ),
        { numRuns: 300 },
      );
    },
  );

  it('mixes every kind, with levels, stack traces, unicode and EMF metrics, when no kind is given', () => {
    const rng = new Rng(7);
    const formats = new Set<unknown>();
    let levels = 0;
    let stacks = 0;
    let unicode = 0;
    let metrics = 0;
    for (let i = 0; i < 500; i++) {
      const line = generateAppLine(rng, ctx.time + i);
      formats.add(line.fields.format);
      if (line.fields.level !== null) levels++;
      if (line.message.includes('\\n    at ')) stacks++;
      if (/[^\p{ASCII}]/u.test(line.message)) unicode++;
      metrics += line.metrics?.length ?? 0;
    }
    expect([...formats].sort()).toEqual(['emf', 'json', 'logfmt', 'text']);
    expect(levels).toBeGreaterThan(100);
    expect(stacks).toBeGreaterThan(5);
    expect(unicode).toBeGreaterThan(5);
    expect(metrics).toBeGreaterThan(30);
  });

  it('is deterministic for a seed', () => {
    const a = generateAppLine(new Rng(99), 0);
    const b = generateAppLine(new Rng(99), 0);
    expect(a).toStrictEqual(b);
  });
});

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LAMBDA_DATASET } from '../../../src/datasets/lambda.js';
import { generateLambdaInvocation } from '../../../src/generator/lambda.js';
import { Rng } from '../../../src/generator/rng.js';
import type { LogOrigin } from '../../../src/model.js';
import { emfMetrics } from '../../../src/parsers/emf.js';
import { createLambdaParser, looksLikeLambdaPlatform } from '../../../src/parsers/lambda.js';
import type { ParseContext, ParseOk, ParseResult } from '../../../src/parsers/types.js';

// Vectors copied verbatim from /work/shared/vectors (Lambda Developer Guide examples).
const fixture = (name: string): string[] =>
  readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
const [TEXT_START, TEXT_END, TEXT_REPORT] = fixture('lambda-text.txt') as [string, string, string];
const [JSON_APP, JSON_REPORT_INVALID] = fixture('lambda-json.txt') as [string, string];

const TIME = Date.UTC(2024, 0, 1, 0, 0, 5);
const ORIGIN: LogOrigin = {
  owner: '123456789012',
  logGroup: '/aws/lambda/my-function',
  logStream: '2024/01/01/[$LATEST]3e7a5b2f0c9d4e8f9a1b2c3d4e5f6a7b',
};
const CTX: ParseContext = { origin: ORIGIN, time: TIME };
const COLUMNS = LAMBDA_DATASET.columns.map((c) => c.name);

/** Every column null, except the function taken from ORIGIN and `over`. */
function row(over: Record<string, unknown>): Record<string, unknown> {
  const base: Record<string, unknown> = {};
  for (const c of COLUMNS) base[c] = null;
  base.type = 'app';
  base.function_name = 'my-function';
  base.function_version = '$LATEST';
  return { ...base, ...over };
}

function parseOk(message: string, ctx: ParseContext = CTX): ParseOk {
  const r: ParseResult = createLambdaParser().parse(message, ctx);
  if (!r.ok) throw new Error(`expected ok, got ${r.reason}`);
  expect(r.dataset).toBe('lambda');
  return r;
}

describe('lambda parser: text platform lines (documented vectors)', () => {
  it('reads START with its request id and version, and nothing else', () => {
    const r = parseOk(TEXT_START);
    expect(r.fields).toEqual(
      row({
        type: 'start',
        request_id: 'c793869b-ee49-115b-a5b6-4fd21e8dedac',
        function_version: '$LATEST',
      }),
    );
    expect(r.metrics).toBeUndefined();
  });

  it('reads END with its request id', () => {
    expect(parseOk(TEXT_END).fields).toEqual(
      row({ type: 'end', request_id: 'c793869b-ee49-115b-a5b6-4fd21e8dedac' }),
    );
  });

  it('reads every REPORT value of the documented line, X-Ray included', () => {
    expect(parseOk(TEXT_REPORT).fields).toEqual(
      row({
        type: 'report',
        request_id: 'c793869b-ee49-115b-a5b6-4fd21e8dedac',
        duration_ms: 128.83,
        billed_duration_ms: 200,
        memory_size_mb: 128,
        max_memory_used_mb: 74,
        init_duration_ms: 166.62,
        xray_trace_id: '1-5d9d007f-0a8c7fd02xmpl480aed55ef0',
        xray_segment_id: '3d752xmpl1bbe37e',
        xray_sampled: true,
      }),
    );
  });

  it('derives one AWS/Lambda metric point from REPORT with CloudWatch units and the event time', () => {
    expect(parseOk(TEXT_REPORT).metrics).toEqual([
      {
        time: TIME,
        measureName: 'AWS/Lambda',
        dimensions: {
          function_name: 'my-function',
          function_version: '$LATEST',
          log_stream: ORIGIN.logStream,
        },
        measures: {
          duration_ms: { value: 128.83, unit: 'Milliseconds' },
          billed_duration_ms: { value: 200, unit: 'Milliseconds' },
          memory_size_mb: { value: 128, unit: 'Megabytes' },
          max_memory_used_mb: { value: 74, unit: 'Megabytes' },
          init_duration_ms: { value: 166.62, unit: 'Milliseconds' },
        },
      },
    ]);
  });

  it('omits the unknown function dimensions and the init measure of a warm start', () => {
    const ctx: ParseContext = {
      origin: { owner: '1', logGroup: 'custom-group', logStream: 'whatever' },
      time: 7,
    };
    const r = parseOk(
      'REPORT RequestId: 3b2a\tDuration: 2.27 ms\tBilled Duration: 3 ms\tMemory Size: 256 MB\tMax Memory Used: 67 MB\t\n',
      ctx,
    );
    expect(r.fields.function_name).toBeNull();
    expect(r.fields.function_version).toBeNull();
    expect(r.metrics).toEqual([
      {
        time: 7,
        measureName: 'AWS/Lambda',
        dimensions: { log_stream: 'whatever' },
        measures: {
          duration_ms: { value: 2.27, unit: 'Milliseconds' },
          billed_duration_ms: { value: 3, unit: 'Milliseconds' },
          memory_size_mb: { value: 256, unit: 'Megabytes' },
          max_memory_used_mb: { value: 67, unit: 'Megabytes' },
        },
      },
    ]);
  });
});

describe('lambda parser: other text platform lines', () => {
  it('reads SnapStart restore durations, status and error type, tolerating unknown keys and a trailing tab', () => {
    const r = parseOk(
      'REPORT RequestId: 8f50\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 512 MB\tMax Memory Used: 91 MB\tRestore Duration: 474.16 ms\tBilled Restore Duration: 106 ms\tFuture Key: 12\tStatus: timeout\tError Type: Sandbox.Timedout\t\n',
    );
    expect(r.fields).toEqual(
      row({
        type: 'report',
        request_id: '8f50',
        duration_ms: 3000,
        billed_duration_ms: 3000,
        memory_size_mb: 512,
        max_memory_used_mb: 91,
        restore_duration_ms: 474.16,
        billed_restore_duration_ms: 106,
        status: 'timeout',
        error_type: 'Sandbox.Timedout',
      }),
    );
    expect(r.metrics?.[0]?.measures).toEqual({
      duration_ms: { value: 3000, unit: 'Milliseconds' },
      billed_duration_ms: { value: 3000, unit: 'Milliseconds' },
      memory_size_mb: { value: 512, unit: 'Megabytes' },
      max_memory_used_mb: { value: 91, unit: 'Megabytes' },
      restore_duration_ms: { value: 474.16, unit: 'Milliseconds' },
      billed_restore_duration_ms: { value: 106, unit: 'Milliseconds' },
    });
  });

  it('reads INIT_START runtime version and ARN', () => {
    const arn =
      'arn:aws:lambda:us-east-1::runtime:0cdcfbdefbc5e7d3343f73c2e2dd3cba17d61dea0686b404502a0c9ce83931b9';
    expect(
      parseOk(`INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: ${arn}\n`).fields,
    ).toEqual(
      row({ type: 'init_start', runtime_version: 'python:3.12.v18', runtime_version_arn: arn }),
    );
  });

  it('reads INIT_REPORT init duration and status without a metric point', () => {
    const r = parseOk('INIT_REPORT Init Duration: 10006.37 ms\tPhase: init\tStatus: timeout');
    expect(r.fields).toEqual(
      row({ type: 'init_report', init_duration_ms: 10006.37, status: 'timeout' }),
    );
    expect(r.metrics).toBeUndefined();
  });

  it('takes the function version of START over the log stream', () => {
    expect(parseOk('START RequestId: abc Version: 7\n').fields.function_version).toBe('7');
    expect(parseOk('END RequestId: abc\n').fields.function_version).toBe('$LATEST');
  });

  it('keeps a REPORT without any value as a report with no metric point', () => {
    const r = parseOk('REPORT RequestId: abc');
    expect(r.fields).toEqual(row({ type: 'report', request_id: 'abc' }));
    expect(r.metrics).toBeUndefined();
  });

  it('keeps a runtime exit error as text, with its request id', () => {
    const r = parseOk(
      'RequestId: 9a8b7c6d-1234-4abc-9def-0123456789ab Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n',
    );
    expect(r.fields).toEqual(
      row({
        request_id: '9a8b7c6d-1234-4abc-9def-0123456789ab',
        app_message: 'Error: Runtime exited with error: exit status 1\nRuntime.ExitError',
      }),
    );
  });

  it('keeps a timeout line as text, with its time and request id', () => {
    const r = parseOk(
      '2024-01-01T00:00:03.012Z 8f507cfc-xmpl-4697-b07a-ac58fc914c95 Task timed out after 3.00 seconds\n',
    );
    expect(r.fields).toEqual(
      row({
        request_id: '8f507cfc-xmpl-4697-b07a-ac58fc914c95',
        log_time: Date.UTC(2024, 0, 1, 0, 0, 3, 12),
        app_message: 'Task timed out after 3.00 seconds',
      }),
    );
  });
});

describe('lambda parser: runtime application lines', () => {
  it('splits the Node.js format into time, request id, lower-case level and message (tabs in the message kept)', () => {
    const r = parseOk(
      '2024-01-01T00:00:00.123Z\t79b4f56e-95b1-4643-9700-2807f4e68189\tINFO\tuser=7\tcart=3\n',
    );
    expect(r.fields).toEqual(
      row({
        request_id: '79b4f56e-95b1-4643-9700-2807f4e68189',
        level: 'info',
        log_time: Date.UTC(2024, 0, 1, 0, 0, 0, 123),
        app_message: 'user=7\tcart=3',
      }),
    );
  });

  it('reads an init-phase Node.js line whose request id is undefined as having none', () => {
    const r = parseOk('2024-01-01T00:00:00.000Z\tundefined\tWARN\tslow cold start\n');
    expect(r.fields).toEqual(
      row({ level: 'warn', log_time: Date.UTC(2024, 0, 1), app_message: 'slow cold start' }),
    );
  });

  it('reads the Python format [LEVEL]\\ttime\\trequest id\\tmessage', () => {
    const r = parseOk(
      '[WARNING]\t2020-01-17T00:49:52.214Z\t8f507cfc-xmpl-4697-b07a-ac58fc914c95\t## ENVIRONMENT VARIABLES\n',
    );
    expect(r.fields).toEqual(
      row({
        request_id: '8f507cfc-xmpl-4697-b07a-ac58fc914c95',
        level: 'warning',
        log_time: Date.UTC(2020, 0, 17, 0, 49, 52, 214),
        app_message: '## ENVIRONMENT VARIABLES',
      }),
    );
  });

  it("reads Python's uncaught error line with its level", () => {
    const r = parseOk(
      "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'x'\nTraceback",
    );
    expect(r.fields).toEqual(
      row({
        level: 'error',
        app_message:
          "Runtime.ImportModuleError: Unable to import module 'app': No module named 'x'\nTraceback",
      }),
    );
  });

  it('accepts any other output as app text without one trailing newline', () => {
    expect(parseOk('hello from print()\n').fields).toEqual(
      row({ app_message: 'hello from print()' }),
    );
    expect(parseOk('').fields).toEqual(row({ app_message: '' }));
    // A timestamp without a zone is not the runtime format (it would be read as local time).
    expect(parseOk('2024-01-01T00:00:00.000\tabc\tINFO\tx').fields).toEqual(
      row({ app_message: '2024-01-01T00:00:00.000\tabc\tINFO\tx' }),
    );
    expect(parseOk('[not-a-level]\tx').fields.app_message).toBe('[not-a-level]\tx');
  });
});

describe('lambda parser: JSON log format', () => {
  it('reads the documented application line into columns and leaves no extra fields', () => {
    expect(parseOk(JSON_APP).fields).toEqual(
      row({
        request_id: '79b4f56e-95b1-4643-9700-2807f4e68189',
        level: 'info',
        log_time: Date.UTC(2022, 9, 12, 0, 3, 50),
        app_message: 'Hello world, I am a function!',
      }),
    );
  });

  it('treats the documented platform.report with a trailing comma (invalid JSON) as text, without a metric', () => {
    const r = parseOk(JSON_REPORT_INVALID);
    expect(r.fields).toEqual(row({ app_message: JSON_REPORT_INVALID }));
    expect(r.metrics).toBeUndefined();
  });

  it('maps a valid platform.report to the REPORT columns and one metric point', () => {
    const valid = JSON_REPORT_INVALID.replace(
      '"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",}',
      '"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"}',
    );
    const r = parseOk(valid);
    expect(r.fields).toEqual(
      row({
        type: 'platform.report',
        request_id: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
        log_time: Date.UTC(2022, 9, 12, 0, 1, 15),
        duration_ms: 693.92,
        billed_duration_ms: 694,
        memory_size_mb: 128,
        max_memory_used_mb: 84,
        init_duration_ms: 397.68,
        fields: {
          metrics: {
            billedDurationMs: 694,
            durationMs: 693.92,
            initDurationMs: 397.68,
            maxMemoryUsedMB: 84,
            memorySizeMB: 128,
          },
          requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
        },
      }),
    );
    expect(r.metrics).toEqual([
      {
        time: TIME,
        measureName: 'AWS/Lambda',
        dimensions: {
          function_name: 'my-function',
          function_version: '$LATEST',
          log_stream: ORIGIN.logStream,
        },
        measures: {
          duration_ms: { value: 693.92, unit: 'Milliseconds' },
          billed_duration_ms: { value: 694, unit: 'Milliseconds' },
          memory_size_mb: { value: 128, unit: 'Megabytes' },
          max_memory_used_mb: { value: 84, unit: 'Megabytes' },
          init_duration_ms: { value: 397.68, unit: 'Milliseconds' },
        },
      },
    ]);
  });

  it('reads the X-Ray header of platform events and the version of platform.start', () => {
    const record = {
      requestId: 'r1',
      version: '12',
      tracing: {
        spanId: 'abc123',
        type: 'X-Amzn-Trace-Id',
        value: 'Root=1-5f7d-ab;Parent=53995c3f42cd8ad8;Sampled=0',
      },
    };
    const r = parseOk(
      JSON.stringify({ time: '2024-01-01T00:00:00.000Z', type: 'platform.start', record }),
    );
    expect(r.fields).toEqual(
      row({
        type: 'platform.start',
        request_id: 'r1',
        log_time: Date.UTC(2024, 0, 1),
        function_version: '12',
        xray_trace_id: '1-5f7d-ab',
        xray_segment_id: '53995c3f42cd8ad8',
        xray_sampled: false,
        fields: record,
      }),
    );
    expect(r.metrics).toBeUndefined();
  });

  it('reads runtime, function and init duration of platform.initStart and platform.initReport', () => {
    const start = {
      initializationType: 'on-demand',
      phase: 'init',
      runtimeVersion: 'nodejs:20.v13',
      runtimeVersionArn: 'arn:aws:lambda:us-east-1::runtime:abc',
      functionName: 'other-name',
      functionVersion: '$LATEST',
    };
    expect(
      parseOk(
        JSON.stringify({ time: '2024-01-01T00:00:00Z', type: 'platform.initStart', record: start }),
      ).fields,
    ).toEqual(
      row({
        type: 'platform.initStart',
        log_time: Date.UTC(2024, 0, 1),
        function_name: 'other-name',
        runtime_version: 'nodejs:20.v13',
        runtime_version_arn: 'arn:aws:lambda:us-east-1::runtime:abc',
        fields: start,
      }),
    );
    const report = {
      initializationType: 'on-demand',
      phase: 'init',
      status: 'error',
      errorType: 'Runtime.ExitError',
      metrics: { durationMs: 12.5 },
    };
    expect(parseOk(JSON.stringify({ type: 'platform.initReport', record: report })).fields).toEqual(
      row({
        type: 'platform.initReport',
        status: 'error',
        error_type: 'Runtime.ExitError',
        init_duration_ms: 12.5,
        fields: report,
      }),
    );
  });

  it('keeps JSON keys it does not map in fields, including unexpected types of mapped ones', () => {
    const r = parseOk(
      JSON.stringify({
        timestamp: 1700000000000,
        level: 'ERROR',
        requestId: 'r',
        message: { a: 1 },
        errorType: 'TypeError',
        stackTrace: ['x'],
      }),
    );
    expect(r.fields).toEqual(
      row({
        request_id: 'r',
        level: 'error',
        error_type: 'TypeError',
        fields: { timestamp: 1700000000000, message: { a: 1 }, stackTrace: ['x'] },
      }),
    );
  });

  it('keeps a __proto__ key as an own field', () => {
    const r = parseOk('{"__proto__":{"polluted":true},"message":"m"}');
    const fields = r.fields.fields as Record<string, unknown>;
    expect(Object.keys(fields)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('treats a JSON line that is not an object as text', () => {
    expect(parseOk('{"a":1} trailing').fields).toEqual(row({ app_message: '{"a":1} trailing' }));
    expect(parseOk('[1,2]').fields).toEqual(row({ app_message: '[1,2]' }));
  });

  it('attaches the EMF metrics of an EMF document, or records why there are none', () => {
    const doc = {
      _aws: {
        Timestamp: 1574109732004,
        CloudWatchMetrics: [
          {
            Namespace: 'lambda-function-metrics',
            Dimensions: [['functionVersion']],
            Metrics: [{ Name: 'time', Unit: 'Milliseconds' }],
          },
        ],
      },
      functionVersion: '$LATEST',
      time: 100,
    };
    const expected = emfMetrics(doc, TIME);
    const r = parseOk(JSON.stringify(doc));
    expect(r.fields.fields).toEqual(doc);
    expect(r.fields.type).toBe('app');
    if (typeof expected === 'string') {
      expect(r.fields.emf_error).toBe(expected);
      expect(r.metrics).toBeUndefined();
    } else {
      expect(r.fields.emf_error).toBeNull();
      expect(r.metrics).toEqual(expected);
    }
  });
});

describe('looksLikeLambdaPlatform', () => {
  it('recognises the platform line prefixes and nothing else', () => {
    for (const line of [
      TEXT_START,
      TEXT_END,
      TEXT_REPORT,
      'INIT_START Runtime Version: x',
      'INIT_REPORT Init Duration: 1 ms',
      'RESTORE_START Runtime Version: x',
      'RESTORE_REPORT Restore Duration: 1 ms',
    ]) {
      expect(looksLikeLambdaPlatform(line)).toBe(true);
    }
    for (const line of [
      '',
      'START',
      'STARTED RequestId: x',
      'RequestId: x Error: y',
      JSON_APP,
      'INIT_STARTX',
      'hello',
    ]) {
      expect(looksLikeLambdaPlatform(line)).toBe(false);
    }
  });
});

describe('lambda parser: times, REPORT numbers and levels at the edges', () => {
  const REQ = '79b4f56e-95b1-4643-9700-2807f4e68189';
  const timeOf = (t: string): unknown => parseOk(`${t}\t${REQ}\tINFO\tm`).fields.log_time;

  it('reads ISO times exactly as Date.parse does, lenient cases included', () => {
    const cases: [string, number][] = [
      ['2024-01-01T00:00:00.123Z', Date.UTC(2024, 0, 1, 0, 0, 0, 123)],
      ['2024-01-01T00:00:00Z', Date.UTC(2024, 0, 1)],
      ['2024-02-29T23:59:59.999Z', Date.UTC(2024, 1, 29, 23, 59, 59, 999)],
      // V8 rolls an impossible day or hour 24 over instead of refusing it.
      ['2024-02-30T00:00:00.000Z', Date.UTC(2024, 2, 1)],
      ['2023-02-29T00:00:00.000Z', Date.UTC(2023, 2, 1)],
      ['2100-02-29T00:00:00.000Z', Date.UTC(2100, 2, 1)],
      ['2024-01-01T24:00:00.000Z', Date.UTC(2024, 0, 2)],
      ['1969-12-31T23:59:59.999Z', -1],
      ['1970-01-01T00:00:00.000Z', 0],
      // Year 99, not 1999 (which Date.UTC would make of it).
      ['0099-01-01T00:00:00.000Z', -59042995200000],
      ['2024-01-01T00:00:00.5Z', Date.UTC(2024, 0, 1, 0, 0, 0, 500)],
      ['2024-01-01T00:00:00.123456Z', Date.UTC(2024, 0, 1, 0, 0, 0, 123)],
      ['2024-01-01T01:00:00.000+01:00', Date.UTC(2024, 0, 1)],
      // Consecutive times across an hour boundary and back.
      ['2024-01-01T00:59:59.999Z', Date.UTC(2024, 0, 1, 0, 59, 59, 999)],
      ['2024-01-01T01:00:00.000Z', Date.UTC(2024, 0, 1, 1)],
      ['2024-01-01T00:30:00.000Z', Date.UTC(2024, 0, 1, 0, 30)],
    ];
    for (const [t, expected] of cases) expect([t, timeOf(t)]).toEqual([t, expected]);
  });

  it('keeps a line whose time Date.parse refuses as text', () => {
    for (const t of [
      '2024-01-01T23:59:60.000Z',
      '2024-13-01T00:00:00.000Z',
      '2024-01-01T00:60:00.000Z',
    ]) {
      const line = `${t}\t${REQ}\tINFO\tm`;
      expect(parseOk(line).fields).toEqual(row({ app_message: line }));
    }
  });

  it('reads REPORT numbers as parseFloat does, odd spellings included', () => {
    const r = parseOk(
      'REPORT RequestId: r1\tDuration: 1e3 ms\tBilled Duration: 3.5 ms\tMemory Size:  128 MB\tMax Memory Used: 0067 MB\tInit Duration: 12. ms\tRestore Duration: .5 ms\tBilled Restore Duration: 9007199254740993 ms\t\n',
    );
    expect(r.fields).toEqual(
      row({
        type: 'report',
        request_id: 'r1',
        duration_ms: 1000,
        billed_duration_ms: null,
        memory_size_mb: 128,
        max_memory_used_mb: 67,
        init_duration_ms: 12,
        restore_duration_ms: 0.5,
        billed_restore_duration_ms: null,
      }),
    );
    const q = parseOk(
      'REPORT RequestId: r2\t Duration : 0.1 ms\tInit Duration: 1234567890.123456 ms\tRestore Duration: -0 ms\tBilled Duration: 7ms\tMemory Size:128 MB\tMax Memory Used: x MB',
    );
    expect(q.fields).toEqual(
      row({
        type: 'report',
        request_id: 'r2',
        duration_ms: 0.1,
        init_duration_ms: 1234567890.123456,
        restore_duration_ms: -0,
        billed_duration_ms: 7,
      }),
    );
    expect(Object.is(q.fields.restore_duration_ms, -0)).toBe(true);
  });

  it('lower-cases levels whatever their case, and keeps an unknown one in the message', () => {
    const levelOf = (level: string): unknown =>
      parseOk(`2024-01-01T00:00:00.000Z\t${REQ}\t${level}\tm`).fields;
    expect(levelOf('INFO')).toMatchObject({ level: 'info', app_message: 'm' });
    expect(levelOf('Info')).toMatchObject({ level: 'info', app_message: 'm' });
    expect(levelOf('FATAL')).toMatchObject({ level: 'fatal', app_message: 'm' });
    expect(levelOf('Warning')).toMatchObject({ level: 'warning', app_message: 'm' });
    expect(levelOf('CRIT')).toMatchObject({ level: 'crit', app_message: 'm' });
    expect(levelOf('VERBOSE')).toMatchObject({ level: null, app_message: 'VERBOSE\tm' });
  });
});

describe('lambda parser properties', () => {
  const parser = createLambdaParser();
  const prefixes = fc.constantFrom(
    '',
    'START RequestId: ',
    'END RequestId: ',
    'REPORT RequestId: ',
    'INIT_START ',
    'INIT_REPORT ',
    'RESTORE_REPORT ',
    'RequestId: ',
    '2024-01-01T00:00:00.000Z\t',
    '2024-01-01T00:00:00.000Z ',
    '[INFO]\t',
    '[ERROR] ',
    '{',
  );

  it('accepts every string without throwing, with every column present', () => {
    fc.assert(
      fc.property(prefixes, fc.string({ unit: 'binary' }), (prefix, rest) => {
        const r = parser.parse(prefix + rest, CTX);
        expect(r.ok).toBe(true);
        if (r.ok) expect(Object.keys(r.fields)).toEqual(COLUMNS);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every serialized JSON value, platform-shaped ones included, without throwing', () => {
    const platformish = fc.record({
      time: fc.oneof(fc.string(), fc.constant('2024-01-01T00:00:00Z')),
      type: fc.constantFrom(
        'platform.report',
        'platform.start',
        'platform.runtimeDone',
        'platform.initStart',
        'platform.x',
      ),
      record: fc.oneof(
        fc.jsonValue(),
        fc.record({ requestId: fc.jsonValue(), metrics: fc.jsonValue(), tracing: fc.jsonValue() }),
      ),
    });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), platformish), (v) => {
        const r = parser.parse(JSON.stringify(v) ?? '', CTX);
        expect(r.ok).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses generated invocations back to their generated fields and metrics', () => {
    fc.assert(
      fc.property(fc.integer(), fc.boolean(), fc.boolean(), (seed, json, known) => {
        const rng = new Rng(seed);
        const time = Date.UTC(2026, 0, 1) + rng.int(0, 1e9);
        const lines = generateLambdaInvocation(
          rng,
          time,
          known
            ? {
                json,
                functionName: 'my-function',
                functionVersion: '$LATEST',
                logStream: ORIGIN.logStream,
              }
            : { json },
        );
        expect(lines.length).toBeGreaterThanOrEqual(4);
        const p = createLambdaParser();
        for (const line of lines) {
          const r = p.parse(line.message, { origin: ORIGIN, time });
          expect(r.ok).toBe(true);
          if (!r.ok) continue;
          const got: Record<string, unknown> = {};
          for (const k of Object.keys(line.fields)) got[k] = r.fields[k];
          expect(got).toEqual(line.fields);
          expect(r.fields.function_name).toBe('my-function');
          if (known) expect(r.metrics).toEqual(line.metrics);
          if (line.fields.type === 'report' || line.fields.type === 'platform.report') {
            expect(r.metrics?.[0]?.measures.duration_ms?.value).toBe(line.fields.duration_ms);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

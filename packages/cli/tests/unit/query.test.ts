import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { CellValue } from '@logpipe/athena-query';
import {
  createClassifier,
  generateWorkload,
  type LogRecord,
  type MetricRecord,
  processEnvelope,
} from '@logpipe/core';
import { createLakeWriter, createLocalStorage, encodeParquet } from '@logpipe/s3-parquet';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeAthenaServer,
  startAthenaServer,
} from '../../../athena-query/tests/support/athena-server.js';
import {
  parseDuration,
  parseTime,
  type QueryCommandOptions,
  resolveTimeRange,
  runQuery,
} from '../../src/commands/query.js';
import { cellJson } from '../../src/format/cell.js';
import { binChart } from '../../src/format/chart.js';
import { csvRecord } from '../../src/format/csv.js';
import { formatTable } from '../../src/format/table.js';
import type { Io } from '../../src/io.js';
import { ndjson, run } from '../helpers.js';

const START = Date.UTC(2026, 0, 1, 23, 40);
const HOUR = 3_600_000;
const FROM = '2026-01-01T23:00';
const TO = '2026-01-02T02:00';

const lake = mkdtempSync(join(tmpdir(), 'logpipe-query-'));
let records: LogRecord[] = [];

beforeAll(async () => {
  const classifier = createClassifier();
  const metrics: MetricRecord[] = [];
  for (const p of generateWorkload({
    events: 4000,
    seed: 8,
    startTime: START,
    eventIntervalMs: 500,
  })) {
    const out = processEnvelope(p.envelope, classifier);
    records.push(...out.records);
    metrics.push(...out.metrics);
  }
  const writer = createLakeWriter({
    storage: createLocalStorage({ root: lake }),
    encode: encodeParquet,
  });
  const durable = writer.write(records, metrics);
  await writer.close();
  await durable;
});

afterAll(() => {
  records = [];
});

function count(dataset: string, where: (r: LogRecord) => boolean = () => true): number {
  return records.filter((r) => r.dataset === dataset && where(r)).length;
}

/** Table body lines: the rows between the header rule and the bottom rule. */
function tableRows(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const top = lines.findIndex((l) => l.startsWith('├'));
  const bottom = lines.findIndex((l, i) => i > top && l.startsWith('└'));
  return lines.slice(top + 1, bottom).map((l) =>
    l
      .split('│')
      .slice(1, -1)
      .map((c) => c.trim()),
  );
}

/** RFC 4180 reader, the reference the CSV output is checked against. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      quoted = true;
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || record.length > 0) throw new Error('CSV does not end with CRLF');
  return records;
}

function captureIo(): { io: Io; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return {
    io: { stdout, stderr, stdin: Readable.from([]) },
    out: () => out,
    err: () => err,
  };
}

describe('logpipe query over the local lake', () => {
  it('prints a table of a stats query, its rows matching the lake, and what it scanned', async () => {
    const r = await run([
      'query',
      '--lake',
      lake,
      '--dataset',
      'app',
      '--from',
      FROM,
      '--to',
      TO,
      'filter level = "error" | stats count(*) as errors by log_group | sort errors desc',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ log_group +│ +errors │/);
    const rows = tableRows(r.stdout);
    const want: Record<string, number> = {};
    for (const rec of records) {
      if (rec.dataset === 'app' && rec.fields.level === 'error') {
        const g = rec.origin.logGroup ?? '';
        want[g] = (want[g] ?? 0) + 1;
      }
    }
    expect(Object.fromEntries(rows.map(([g, n]) => [g, Number(n)]))).toEqual(want);
    const counts = rows.map(([, n]) => Number(n));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(r.stdout).toMatch(new RegExp(`${rows.length} rows · [\\d.]+ [kM]B scanned · [\\d.]+ s`));
  });

  it('draws a chart under the table of a stats … by bin(…) query', async () => {
    const r = await run([
      'query',
      '--lake',
      lake,
      '--dataset',
      'alb',
      '--from',
      FROM,
      '--to',
      TO,
      'stats count(*) as requests by bin(10m)',
    ]);
    expect(r.code).toBe(0);
    const rows = tableRows(r.stdout);
    expect(rows.reduce((n, [, c]) => n + Number(c), 0)).toBe(count('alb'));
    expect(rows[0]?.[0]).toMatch(/^2026-01-01T23:40:00\.000Z$/);
    expect(r.stdout).toContain('requests by bin(10m)');
    const chart = r.stdout.slice(r.stdout.indexOf('requests by bin(10m)'));
    expect(chart).toMatch(/┤/);
    expect(chart).toContain('2026-01-01 23:40');
  });

  it('writes NDJSON rows with the columns in order, ISO times and exact integers; stats on stderr', async () => {
    const r = await run([
      'query',
      '--lake',
      lake,
      '--dataset',
      'vpc_flow',
      '--from',
      FROM,
      '--to',
      TO,
      '--format',
      'json',
      'fields @timestamp, srcaddr, bytes | sort @timestamp asc | limit 50',
    ]);
    expect(r.code).toBe(0);
    const rows = ndjson(r.stdout);
    expect(rows).toHaveLength(50);
    const first = records
      .filter((x) => x.dataset === 'vpc_flow')
      .sort((a, b) => a.time - b.time)[0] as LogRecord;
    expect(Object.keys(rows[0] as object)).toEqual(['@timestamp', 'srcaddr', 'bytes']);
    expect(rows[0]?.['@timestamp']).toBe(new Date(first.time).toISOString());
    expect(r.stdout).toMatch(/"bytes":\d+\}/);
    expect(r.stderr).toMatch(/^50 rows · /);
  });

  it('writes RFC 4180 CSV that reads back to the same cells as the JSON output', async () => {
    const args = [
      'query',
      '--lake',
      lake,
      '--dataset',
      'app',
      '--from',
      FROM,
      '--to',
      TO,
      'fields @timestamp, @message, level | sort @timestamp desc | limit 200',
    ];
    const csv = await run([...args, '--format', 'csv']);
    const json = await run([...args, '--format', 'json']);
    expect(csv.code).toBe(0);
    const table = parseCsv(csv.stdout);
    expect(table[0]).toEqual(['@timestamp', '@message', 'level']);
    const rows = ndjson(json.stdout);
    expect(table.slice(1)).toEqual(
      rows.map((row) =>
        ['@timestamp', '@message', 'level'].map((c) => (row[c] === null ? '' : String(row[c]))),
      ),
    );
    // Messages with quotes and commas were among them.
    expect(csv.stdout).toContain('""');
  });

  it('counts --since back from now', async () => {
    const end = START + 2 * HOUR;
    const { io, out } = captureIo();
    const r = await runQuery(
      'stats count(*) as n',
      { lake, dataset: 'lambda', since: '30m', now: end, format: 'json' },
      io,
    );
    expect(r.exitCode).toBe(0);
    const want = count('lambda', (x) => x.time >= end - 30 * 60_000 && x.time < end);
    expect(ndjson(out())).toEqual([{ n: want }]);
  });

  it('prints the SQL and its parameters with --explain, without running it', async () => {
    const r = await run([
      'query',
      '--lake',
      join(lake, 'does-not-exist'),
      '--dataset',
      'app',
      '--from',
      FROM,
      '--to',
      TO,
      '--explain',
      'filter level = "error" | stats count(*) by bin(5m)',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('-- dialect: duckdb; datasets: app');
    expect(r.stdout).toContain('-- bin column: bin(5m)');
    expect(r.stdout).toContain('FROM "main"."app"');
    expect(r.stdout).toContain('-- params: ["error"]');
    expect(r.stdout).toContain(
      '-- time range: 2026-01-01T23:00:00.000Z to 2026-01-02T02:00:00.000Z (exclusive)',
    );
  });

  it('points at a syntax error with a caret under the query text, and exits 2', async () => {
    const r = await run([
      'query',
      '--lake',
      lake,
      '--since',
      '1h',
      'fields @message\n| stats count(*) by',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^logpipe query: line 2, column (\d+): /);
    const column = Number(/column (\d+)/.exec(lines[0] as string)?.[1]);
    expect(lines[1]).toBe('  | stats count(*) by');
    expect(lines[2]).toBe(`  ${' '.repeat(column - 1)}^`);
  });

  it('exits 2 for usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['--since', '1h', '--from', FROM], /either --since or --from/],
      [['--to', TO], /--to needs --from/],
      [['--since', 'soon'], /--since "soon"/],
      [['--from', 'yesterday'], /--from "yesterday"/],
      [['--from', TO, '--to', FROM], /time range is empty/],
      [['--since', '1h', '--dataset', 'nope'], /unknown dataset "nope"/],
      [['--since', '1h', '--athena'], /either --lake or --athena/],
      [['--since', '1h', '--workgroup', 'w'], /--workgroup goes with --athena/],
      [['--since', '1h', '--lake', join(lake, 'missing')], /no lake directory/],
      [['--since', '1h', '--lake', 's3://bucket/lake'], /with --athena/],
    ];
    for (const [extra, message] of cases) {
      const args = ['query', '--lake', lake, ...extra, 'stats count(*)'];
      // --athena and --lake missing: drop the default --lake where the case gives its own.
      const r = await run(extra.includes('--lake') ? ['query', ...extra, 'stats count(*)'] : args);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr, extra.join(' ')).toMatch(message);
    }
    const format = await run(['query', '--format', 'xml', 'stats count(*)']);
    expect(format.code).toBe(2);
  });

  it('exits 1 when the query fails while it runs', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'logpipe-query-broken-'));
    const dir = join(broken, 'app', 'year=2026', 'month=01', 'day=01', 'hour=23');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'part-0.parquet'), 'this is not parquet');
    const r = await run(['query', '--lake', broken, '--from', FROM, '--to', TO, 'stats count(*)']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^logpipe query: .*part-0\.parquet/);
  });
});

describe('logpipe query --athena', () => {
  let server: FakeAthenaServer;
  const saved: Record<string, string | undefined> = {};
  const env = {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_ATHENA: '',
  };

  beforeAll(async () => {
    server = await startAthenaServer({ workgroups: { primary: {}, logs: {} } });
    env.AWS_ENDPOINT_URL_ATHENA = server.url;
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await server.close();
  });

  it('compiles for Athena, runs in the workgroup and database given, and prints the rows', async () => {
    server.script({
      columns: [
        { name: 'log_group', type: 'varchar' },
        { name: 'errors', type: 'bigint' },
      ],
      rows: [
        ['/ecs/checkout', '12'],
        ['batch-jobs', '3'],
      ],
      dataScannedInBytes: 2_000_000,
    });
    const r = await run([
      'query',
      '--athena',
      '--workgroup',
      'logs',
      '--database',
      'lake_db',
      '--output-location',
      's3://results/logpipe/',
      '--from',
      FROM,
      '--to',
      TO,
      'filter level = "error" | stats count(*) as errors by log_group',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tableRows(r.stdout)).toEqual([
      ['/ecs/checkout', '12'],
      ['batch-jobs', '3'],
    ]);
    expect(r.stdout).toMatch(/2 rows · 2\.0 MB scanned · [\d.]+ s · \$0\.000048 · query /);
    const execution = server.executions.at(-1);
    expect(execution?.workGroup).toBe('logs');
    expect(execution?.outputLocation).toBe('s3://results/logpipe/');
    expect(execution?.sql).toContain('"lake_db"."app"');
    expect(execution?.params).toEqual(["'error'"]);
  });
});

describe('logpipe demo queries', () => {
  it('ends by running Logs Insights queries over the lake it wrote and printing their tables', async () => {
    const demoLake = mkdtempSync(join(tmpdir(), 'logpipe-demo-q-'));
    const r = await run(['demo', '--events', '3000', '--seed', '5', '--lake', demoLake]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sections = r.stdout.split('\n$ logpipe query ').slice(1);
    expect(sections).toHaveLength(3);
    expect(sections[0]).toContain("--dataset alb 'stats count(*) as requests by bin(5m)'");
    expect(sections[0]).toContain('requests by bin(5m)');
    const albTotal = tableRows(sections[0] as string).reduce((n, [, c]) => n + Number(c), 0);
    const declared = Number(/│ alb +│ +(\d+) │/.exec(r.stdout)?.[1]);
    expect(albTotal).toBe(declared);
    expect(sections[1]).toContain('--dataset vpc_flow');
    expect(tableRows(sections[1] as string).length).toBe(5);
    expect(sections[2]).toContain('--dataset app');
    expect(sections[2]).toMatch(/│ log_group +│ +errors │/);
  });

  it('runs no queries with --no-lake', async () => {
    const r = await run(['demo', '--events', '300', '--no-lake']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('$ logpipe query');
  });
});

describe('query option parsing', () => {
  it('reads durations in s, m, h, d and w', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(
          ['s', 1000],
          ['m', 60_000],
          ['h', 3_600_000],
          ['d', 86_400_000],
          ['w', 604_800_000],
        ),
        (n, [unit, ms]) => {
          expect(parseDuration(`${n}${unit}`)).toBe(n * (ms as number));
        },
      ),
    );
    for (const bad of ['', '0m', '1', 'm', '1.5h', '-1h', '1y']) {
      expect(() => parseDuration(bad), bad).toThrow(/--since/);
    }
  });

  it('reads ISO 8601 times (UTC without an offset) and epoch milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(parseTime(String(ms))).toBe(ms);
        expect(parseTime(new Date(ms).toISOString())).toBe(ms);
        expect(parseTime(new Date(ms).toISOString().replace('Z', ''))).toBe(ms);
      }),
    );
    expect(parseTime('2026-01-02')).toBe(Date.UTC(2026, 0, 2));
    expect(parseTime('2026-01-02 03:04')).toBe(Date.UTC(2026, 0, 2, 3, 4));
    expect(parseTime('2026-01-02T03:04:05+01:00')).toBe(Date.UTC(2026, 0, 2, 2, 4, 5));
    expect(() => parseTime('02/01/2026')).toThrow(/ISO 8601/);
  });

  it('defaults to the last hour and --to to now', () => {
    const now = Date.UTC(2026, 5, 1, 12);
    expect(resolveTimeRange({}, now)).toEqual({ from: now - HOUR, to: now });
    const options: Pick<QueryCommandOptions, 'from'> = { from: '2026-06-01T10:00' };
    expect(resolveTimeRange(options, now)).toEqual({ from: Date.UTC(2026, 5, 1, 10), to: now });
  });
});

describe('query output formats', () => {
  it('CSV fields read back as the text of the cell, null and "" kept apart', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.constant(null)), {
          minLength: 1,
          maxLength: 6,
        }),
        (cells) => {
          const line = csvRecord(cells);
          expect(parseCsv(line)).toEqual([cells.map((c) => c ?? '')]);
          const fields = line.slice(0, -2);
          if (cells.length === 1) expect(fields === '""').toBe(cells[0] === '');
        },
      ),
    );
    expect(csvRecord(['a,b', 'say "hi"', 'two\nlines', null, '', 3n, new Date(0)])).toBe(
      '"a,b","say ""hi""","two\nlines",,"",3,1970-01-01T00:00:00.000Z\r\n',
    );
  });

  it('JSON lines parse back to the same values, bigints as exact numbers', () => {
    const value = fc.letrec((tie) => ({
      cell: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('cell'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('cell'), { maxKeys: 3 }),
      ),
    })).cell as fc.Arbitrary<CellValue>;
    fc.assert(
      fc.property(value, (v) => {
        expect(JSON.parse(cellJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
    expect(cellJson({ n: 2n ** 64n, at: new Date(0) })).toBe(
      '{"n":18446744073709551616,"at":"1970-01-01T00:00:00.000Z"}',
    );
  });

  it('keeps table cells on one line, cut when long, numbers right-aligned', () => {
    const text = formatTable(
      ['msg', 'n'],
      [
        { msg: `line one\nline two ${'x'.repeat(100)}`, n: 3n },
        { msg: 'short', n: 0.1 + 0.2 },
      ],
      { maxCellWidth: 30 },
    );
    const lines = text.split('\n');
    expect(lines).toHaveLength(6);
    expect(text).toContain('line one↵line two xxxxxxxxxxx…');
    expect(text).toMatch(/│ +0\.3 │/);
    expect(text).toMatch(/│ +3 │/);
  });

  it('charts the first aggregate per group, fills missing bins with 0, and averages when bins outnumber columns', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const rows = [
      { b: new Date(t0), status: 200n, n: 5n, avg: 1.5 },
      { b: new Date(t0), status: 500n, n: 1n, avg: 2 },
      { b: new Date(t0 + 60_000), status: 200n, n: 7n, avg: 1 },
      { b: new Date(t0 + 180_000), status: 200n, n: 9n, avg: 1 },
    ];
    const chart = binChart(['b', 'status', 'n', 'avg'], rows, 'b', { width: 60 }) as string;
    expect(chart.split('\n')[0]).toBe('n by b');
    // The 200 series, over four 1-minute bins (the empty one drawn as 0): 9 is the top label.
    expect(chart).toMatch(/^ +9 [┤┼]/m);
    // Without the filled bin the lowest value would be 5.
    expect(chart).toMatch(/^ +0 [┤┼]/m);
    expect(chart).toContain('  200');
    expect(chart).toContain('(1 smaller series not drawn)');
    const many = Array.from({ length: 500 }, (_, i) => ({ b: new Date(t0 + i * 60_000), n: i }));
    const wide = binChart(['b', 'n'], many, 'b', { width: 80 }) as string;
    expect(wide.split('\n')[0]).toMatch(/^n by b \(each column: mean of \d+ bins\)$/);
    for (const line of wide.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(binChart(['b', 'n'], [{ b: new Date(t0), n: 1 }], 'b')).toBeUndefined();
    expect(
      binChart(
        ['b', 's'],
        [
          { b: new Date(t0), s: 'x' },
          { b: new Date(t0 + 1), s: 'y' },
        ],
        'b',
      ),
    ).toBeUndefined();
  });
});

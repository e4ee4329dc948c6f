import {
  type DatasetDef,
  datasetColumns,
  getDataset,
  LOG_COLUMNS,
  listDatasets,
  partitionOf,
  partitionPath,
} from '@logpipe/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATHENA_COLUMN_TYPES, athenaDdl, normalizeLakeLocation } from '../../src/ddl.js';

const LOCATION = 's3://my-lake/logs/';

/** Column name → type of a CREATE TABLE statement's column list. */
function tableColumns(sql: string): Array<[string, string]> {
  const body = sql.slice(sql.indexOf('(\n') + 2, sql.indexOf('\n)\n'));
  return body.split(',\n').map((line) => {
    const m = /^ {2}`([a-z0-9_]+)` (\S+)/.exec(line);
    if (m === null) throw new Error(`not a column line: ${line}`);
    return [m[1]!, m[2]!];
  });
}

/** The TBLPROPERTIES of a CREATE TABLE statement. */
function tableProperties(sql: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const m of sql.matchAll(/^ {2}'([^']+)' = '([^']*)'/gm)) props[m[1]!] = m[2]!;
  return props;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code === 'INVALID_CONFIG') return e.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('athenaDdl', () => {
  const statements = athenaDdl({ database: 'logpipe', location: LOCATION });

  it('creates the database, then one external Parquet table per built-in dataset', () => {
    expect(statements[0]).toBe('CREATE DATABASE IF NOT EXISTS `logpipe`');
    const datasets = listDatasets();
    expect(statements).toHaveLength(datasets.length + 1);
    datasets.forEach((def, i) => {
      const sql = statements[i + 1]!;
      expect(
        sql.startsWith(`CREATE EXTERNAL TABLE IF NOT EXISTS \`logpipe\`.\`${def.name}\` (`),
      ).toBe(true);
      expect(sql).toContain(
        '\nPARTITIONED BY (`year` string, `month` string, `day` string, `hour` string)\nSTORED AS PARQUET\n',
      );
      expect(sql).toContain(`\nLOCATION '${LOCATION}${def.name}/'\n`);
      expect(sql.endsWith(';')).toBe(false);
    });
  });

  it('declares every dataset column in storage order with its Athena type', () => {
    listDatasets().forEach((def, i) => {
      expect(tableColumns(statements[i + 1]!)).toEqual(
        datasetColumns(def).map((c) => [c.name, ATHENA_COLUMN_TYPES[c.type]]),
      );
    });
    expect(ATHENA_COLUMN_TYPES).toEqual({
      timestamp: 'timestamp',
      string: 'string',
      json: 'string',
      map: 'map<string,string>',
      int: 'int',
      bigint: 'bigint',
      double: 'double',
      boolean: 'boolean',
    });
  });

  it('projects partitions over the lake layout: year from the start year to now, zero-padded month/day/hour', () => {
    const props = tableProperties(statements[1]!);
    expect(props).toEqual({
      'projection.enabled': 'true',
      'projection.year.type': 'date',
      'projection.year.format': 'yyyy',
      'projection.year.range': '2020,NOW',
      'projection.year.interval': '1',
      'projection.year.interval.unit': 'YEARS',
      'projection.month.type': 'integer',
      'projection.month.range': '1,12',
      'projection.month.digits': '2',
      'projection.day.type': 'integer',
      'projection.day.range': '1,31',
      'projection.day.digits': '2',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': `${LOCATION}vpc_flow/year=\${year}/month=\${month}/day=\${day}/hour=\${hour}/`,
    });
    const start = athenaDdl({
      database: 'logpipe',
      location: LOCATION,
      datasets: ['alb'],
      projectionStartYear: 2024,
    });
    expect(tableProperties(start[1]!)['projection.year.range']).toBe('2024,NOW');
  });

  it('projects exactly the directory the writer puts each event time in (property)', () => {
    const templates = new Map(
      listDatasets().map((def, i) => [
        def.name,
        tableProperties(statements[i + 1]!)['storage.location.template']!,
      ]),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...listDatasets().map((d) => d.name)),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2099, 11, 31, 23, 59, 59, 999) }),
        (dataset, time) => {
          const p = partitionOf(time);
          // What the projection generates for this hour: yyyy, then 2-digit integers.
          const year = String(new Date(time).getUTCFullYear()).padStart(4, '0');
          const month = String(new Date(time).getUTCMonth() + 1).padStart(2, '0');
          const day = String(new Date(time).getUTCDate()).padStart(2, '0');
          const hour = String(new Date(time).getUTCHours()).padStart(2, '0');
          expect([year, month, day, hour]).toEqual([p.year, p.month, p.day, p.hour]);
          const projected = templates
            .get(dataset)!
            .replace('${year}', year)
            .replace('${month}', month)
            .replace('${day}', day)
            .replace('${hour}', hour);
          expect(projected).toBe(`${LOCATION}${partitionPath(dataset, time)}/`);
        },
      ),
    );
  });

  it('creates only the datasets asked for, by name or declaration', () => {
    const custom: DatasetDef = {
      name: 'nginx',
      description: "Nginx access logs (the 'combined' format) with C:\\ paths",
      columns: [
        { name: 'status', type: 'int', description: 'HTTP status' },
        { name: 'headers', type: 'map', description: '' },
      ],
    };
    const out = athenaDdl({
      database: 'logs_2',
      location: 's3://b-1.example/lake',
      datasets: ['alb', custom],
    });
    expect(out).toHaveLength(3);
    expect(out[1]).toContain('`logs_2`.`alb`');
    expect(tableColumns(out[2]!)).toEqual([
      ...LOG_COLUMNS.map((c) => [c.name, ATHENA_COLUMN_TYPES[c.type]]),
      ['status', 'int'],
      ['headers', 'map<string,string>'],
    ]);
    expect(out[2]).toContain(
      "COMMENT 'Nginx access logs (the \\'combined\\' format) with C:\\\\ paths'",
    );
    expect(out[2]).toContain('  `headers` map<string,string>\n)');
    expect(out[2]).toContain("LOCATION 's3://b-1.example/lake/nginx/'");
  });

  it('leaves comments out on request', () => {
    const out = athenaDdl({
      database: 'logpipe',
      location: LOCATION,
      datasets: ['metrics'],
      comments: false,
    });
    expect(out[1]).not.toContain('COMMENT');
    expect(tableColumns(out[1]!)).toEqual(
      getDataset('metrics').columns.map((c) => [c.name, ATHENA_COLUMN_TYPES[c.type]]),
    );
  });

  it.each([
    [{ database: 'Logpipe' }, /database/],
    [{ database: 'log-pipe' }, /database/],
    [{ database: 'a`b' }, /database/],
    [{ database: '' }, /database/],
    [{ location: 'https://my-lake.s3.amazonaws.com/logs/' }, /s3:\/\/bucket/],
    [{ location: 's3://My_Bucket/logs/' }, /bucket name/],
    [{ location: 's3://my-lake/logs//raw/' }, /empty path segment/],
    [{ location: 's3://my-lake/_dead_letter/' }, /starts with _ or \./],
    [{ location: 's3://my-lake/.hidden/' }, /starts with _ or \./],
    [{ location: "s3://my-lake/it's/" }, /characters outside/],
    [{ location: 's3://my-lake/${x}/' }, /characters outside/],
    [{ datasets: ['nope'] }, /unknown dataset/],
    [{ datasets: ['alb', 'alb'] }, /twice/],
    [{ datasets: [] }, /at least one/],
    [{ projectionStartYear: 20 }, /projectionStartYear/],
    [
      {
        datasets: [{ name: '_markers', description: '', columns: [] }],
      },
      /not starting with _/,
    ],
    [
      {
        datasets: [
          { name: 'x', description: '', columns: [{ name: 'year', type: 'int', description: '' }] },
        ],
      },
      /clashes with the partition column/,
    ],
    [
      {
        datasets: [
          {
            name: 'x',
            description: '',
            columns: [{ name: 'Bad Name', type: 'string', description: '' }],
          },
        ],
      },
      /column "Bad Name"/,
    ],
  ] as const)('refuses %j', (override, message) => {
    expect(
      configError(() =>
        athenaDdl({
          database: 'logpipe',
          location: LOCATION,
          ...(override as Record<string, unknown>),
        }),
      ),
    ).toMatch(message);
  });
});

describe('normalizeLakeLocation', () => {
  it.each([
    ['s3://my-lake', 's3://my-lake/'],
    ['s3://my-lake/', 's3://my-lake/'],
    ['s3://my-lake/logs', 's3://my-lake/logs/'],
    ['s3://my-lake/a/b=c/', 's3://my-lake/a/b=c/'],
  ])('%s → %s', (input, output) => {
    expect(normalizeLakeLocation(input)).toBe(output);
  });
});

/**
 * Athena (Glue catalog) DDL for the lake: one external Parquet table per dataset, with
 * partition projection over the lake layout
 * `<location>/<dataset>/year=YYYY/month=MM/day=DD/hour=HH/*.parquet`, so new hours are
 * queryable without crawlers or `MSCK REPAIR TABLE`.
 */
import {
  type ColumnDef,
  type ColumnType,
  ConfigError,
  type DatasetDef,
  datasetColumns,
  getDataset,
  listDatasets,
  PARTITION_KEYS,
} from '@logpipe/core';

/**
 * Options of {@link athenaDdl}.
 *
 * @example
 * ```ts
 * const options: AthenaDdlOptions = {
 *   database: 'logpipe',
 *   location: 's3://my-lake/logs/',
 *   datasets: ['alb', 'vpc_flow'],
 * };
 * ```
 */
export interface AthenaDdlOptions {
  /** Glue database holding the tables: lower-case letters, digits, `_`; 1–255 characters. */
  database: string;
  /** The lake root, `s3://bucket/prefix/`: each dataset is the folder `<dataset>/` below it. */
  location: string;
  /** Datasets to create tables for (names of built-in datasets, or declarations). Default: every built-in dataset. */
  datasets?: ReadonlyArray<string | DatasetDef> | undefined;
  /** First year partition projection considers (the lake's oldest data). Default 2020. */
  projectionStartYear?: number | undefined;
  /** Put the dataset's column descriptions into the table as COMMENTs. Default true. */
  comments?: boolean | undefined;
}

/** Default first year of the `year` partition projection. */
export const DEFAULT_PROJECTION_START_YEAR = 2020;

/**
 * Hive/Athena type of each dataset column type, as `@logpipe/s3-parquet` writes it:
 * timestamps are INT64 TIMESTAMP(MILLIS, UTC), `json` is a UTF-8 string of JSON text, `map`
 * is MAP<STRING, STRING>.
 */
export const ATHENA_COLUMN_TYPES: Readonly<Record<ColumnType, string>> = {
  timestamp: 'timestamp',
  string: 'string',
  json: 'string',
  map: 'map<string,string>',
  int: 'int',
  bigint: 'bigint',
  double: 'double',
  boolean: 'boolean',
};

/**
 * Glue column comments are at most 255 characters.
 * https://docs.aws.amazon.com/glue/latest/webapi/API_Column.html
 */
const GLUE_MAX_COMMENT_CHARS = 255;

const DATABASE_RE = /^[a-z0-9_]{1,255}$/;
/** Table names are dataset names; a leading `_` or `.` is what the lake reserves for non-data. */
const TABLE_RE = /^[a-z0-9][a-z0-9_]{0,254}$/;
const COLUMN_RE = /^[a-z_][a-z0-9_]{0,254}$/;
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SEGMENT_RE = /^[A-Za-z0-9!*()=+-][A-Za-z0-9!_.*()=+-]*$/;

function quoteIdent(name: string): string {
  return `\`${name}\``;
}

/** A Hive string literal: single quotes, with `\` and `'` escaped by a backslash. */
function hiveString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function comment(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const cut =
    oneLine.length > GLUE_MAX_COMMENT_CHARS
      ? `${oneLine.slice(0, GLUE_MAX_COMMENT_CHARS - 1)}…`
      : oneLine;
  return hiveString(cut);
}

/**
 * The lake root as `s3://bucket/prefix/` (trailing slash added).
 *
 * @throws ConfigError when it is not an S3 URL Athena takes as a table location: a path
 * segment starting with `_` or `.` is refused, since Athena, Hive and Spark treat such objects
 * as hidden (the lake keeps dead letters and compaction markers there for that reason).
 */
export function normalizeLakeLocation(location: string): string {
  const m = /^s3:\/\/([^/]+)(\/.*)?$/.exec(location);
  if (m === null) {
    throw new ConfigError(`location must be s3://bucket/prefix/, got ${JSON.stringify(location)}`);
  }
  const bucket = m[1]!;
  if (!BUCKET_RE.test(bucket) || bucket.includes('..')) {
    throw new ConfigError(`location: ${JSON.stringify(bucket)} is not a valid S3 bucket name`);
  }
  const path = (m[2] ?? '/').replace(/\/$/, '');
  const segments = path === '' ? [] : path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') {
      throw new ConfigError(`location: empty path segment (//) in ${JSON.stringify(location)}`);
    }
    if (segment.startsWith('_') || segment.startsWith('.')) {
      throw new ConfigError(
        `location: ${JSON.stringify(segment)} starts with _ or ., which Athena treats as hidden`,
      );
    }
    if (!SEGMENT_RE.test(segment)) {
      throw new ConfigError(
        `location: path segment ${JSON.stringify(segment)} has characters outside [A-Za-z0-9!_.*()=+-]`,
      );
    }
  }
  return `s3://${bucket}${segments.map((s) => `/${s}`).join('')}/`;
}

function resolveDataset(entry: string | DatasetDef): DatasetDef {
  if (typeof entry === 'string') return getDataset(entry);
  if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string') {
    throw new ConfigError('datasets: each entry must be a dataset name or declaration');
  }
  return entry;
}

function columnLine(column: ColumnDef, withComments: boolean): string {
  if (!COLUMN_RE.test(column.name)) {
    throw new ConfigError(
      `column ${JSON.stringify(column.name)}: use lower-case letters, digits and _`,
    );
  }
  const type = ATHENA_COLUMN_TYPES[column.type];
  if (type === undefined) {
    throw new ConfigError(`column ${column.name}: unknown type ${JSON.stringify(column.type)}`);
  }
  const text = `  ${quoteIdent(column.name)} ${type}`;
  return withComments && column.description !== ''
    ? `${text} COMMENT ${comment(column.description)}`
    : text;
}

/**
 * The statements that create the lake's tables in Athena: `CREATE DATABASE IF NOT EXISTS`,
 * then one `CREATE EXTERNAL TABLE IF NOT EXISTS … STORED AS PARQUET` per dataset, with
 *
 * - the dataset's columns in storage order (`timestamp`→timestamp, `string`/`json`→string,
 *   `map`→map<string,string>, `int`→int, `bigint`→bigint, `double`→double,
 *   `boolean`→boolean);
 * - `PARTITIONED BY (year string, month string, day string, hour string)`;
 * - `LOCATION '<location><dataset>/'`;
 * - partition projection: `year` as a date projection (`yyyy`, from `projectionStartYear` to
 *   NOW, one year apart), `month`/`day`/`hour` as integers 1–12 / 1–31 / 0–23 written with two
 *   digits, and `storage.location.template` spelling out the lake layout.
 *
 * Objects whose names start with `_` (dead letters, compaction markers) are not data and are
 * never read: Athena treats them as hidden. Statements have no trailing `;` (StartQueryExecution
 * takes one statement at a time).
 *
 * @example
 * ```ts
 * for (const sql of athenaDdl({ database: 'logpipe', location: 's3://my-lake/logs/' })) {
 *   await runDdl(sql); // e.g. StartQueryExecution and wait
 * }
 * ```
 * @throws ConfigError for an invalid database name, location, dataset or column name.
 */
export function athenaDdl(options: AthenaDdlOptions): string[] {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('athenaDdl: options are required');
  }
  const { database } = options;
  if (typeof database !== 'string' || !DATABASE_RE.test(database)) {
    throw new ConfigError(
      `database ${JSON.stringify(database)}: use 1..255 lower-case letters, digits and _`,
    );
  }
  const location = normalizeLakeLocation(String(options.location ?? ''));
  const startYear = options.projectionStartYear ?? DEFAULT_PROJECTION_START_YEAR;
  if (!Number.isSafeInteger(startYear) || startYear < 1970 || startYear > 9999) {
    throw new ConfigError(
      `projectionStartYear must be an integer year 1970..9999, got ${startYear}`,
    );
  }
  const withComments = options.comments ?? true;
  const datasets = (options.datasets ?? listDatasets()).map(resolveDataset);
  if (datasets.length === 0) throw new ConfigError('datasets: at least one dataset is required');
  const seen = new Set<string>();

  const statements = [`CREATE DATABASE IF NOT EXISTS ${quoteIdent(database)}`];
  for (const def of datasets) {
    if (!TABLE_RE.test(def.name)) {
      throw new ConfigError(
        `dataset ${JSON.stringify(def.name)}: a table name needs lower-case letters, digits and _, not starting with _`,
      );
    }
    if (seen.has(def.name)) throw new ConfigError(`dataset ${def.name} is listed twice`);
    seen.add(def.name);
    const columns = datasetColumns(def);
    const names = new Set<string>();
    for (const c of columns) {
      if (names.has(c.name)) throw new ConfigError(`dataset ${def.name}: column ${c.name} twice`);
      if ((PARTITION_KEYS as readonly string[]).includes(c.name)) {
        throw new ConfigError(
          `dataset ${def.name}: column ${c.name} clashes with the partition column of that name`,
        );
      }
      names.add(c.name);
    }
    const tableLocation = `${location}${def.name}/`;
    const template = `${tableLocation}${PARTITION_KEYS.map((k) => `${k}=\${${k}}`).join('/')}/`;
    const properties: Array<[string, string]> = [
      ['projection.enabled', 'true'],
      ['projection.year.type', 'date'],
      ['projection.year.format', 'yyyy'],
      ['projection.year.range', `${startYear},NOW`],
      ['projection.year.interval', '1'],
      ['projection.year.interval.unit', 'YEARS'],
      ['projection.month.type', 'integer'],
      ['projection.month.range', '1,12'],
      ['projection.month.digits', '2'],
      ['projection.day.type', 'integer'],
      ['projection.day.range', '1,31'],
      ['projection.day.digits', '2'],
      ['projection.hour.type', 'integer'],
      ['projection.hour.range', '0,23'],
      ['projection.hour.digits', '2'],
      ['storage.location.template', template],
    ];
    const lines = [
      `CREATE EXTERNAL TABLE IF NOT EXISTS ${quoteIdent(database)}.${quoteIdent(def.name)} (`,
      columns.map((c) => columnLine(c, withComments)).join(',\n'),
      ')',
    ];
    if (withComments && def.description !== '') lines.push(`COMMENT ${comment(def.description)}`);
    lines.push(
      `PARTITIONED BY (${PARTITION_KEYS.map((k) => `${quoteIdent(k)} string`).join(', ')})`,
      'STORED AS PARQUET',
      `LOCATION ${hiveString(tableLocation)}`,
      'TBLPROPERTIES (',
      properties.map(([k, v]) => `  ${hiveString(k)} = ${hiveString(v)}`).join(',\n'),
      ')',
    );
    statements.push(lines.join('\n'));
  }
  return statements;
}

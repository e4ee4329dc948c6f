import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import {
  type CellValue,
  type CompiledQuery,
  compileInsights,
  createAthenaEngine,
  createDuckDbEngine,
  type QueryEngine,
  type QueryResult,
  type QueryStats,
} from '@logpipe/athena-query';
import { ConfigError, LogpipeError } from '@logpipe/core';
import { cellJson } from '../format/cell.js';
import { binChart } from '../format/chart.js';
import { csvRecord } from '../format/csv.js';
import { formatTable } from '../format/table.js';
import { type Io, write } from '../io.js';

/** Output formats of `logpipe query`. */
export const QUERY_FORMATS = ['table', 'json', 'csv'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** Options of `logpipe query`. */
export interface QueryCommandOptions {
  /** Time range ending now: `30m`, `1h`, `2d`… (default `1h` when no `from` is given). */
  since?: string | undefined;
  /** Start of the time range: ISO 8601 (UTC unless it has an offset) or epoch ms. */
  from?: string | undefined;
  /** Exclusive end of the time range (default now). */
  to?: string | undefined;
  /** Dataset to query (the compiler's default: `app`). */
  dataset?: string | undefined;
  /** Local lake directory queried with DuckDB (default `./lake`). */
  lake?: string | undefined;
  /** Run on Amazon Athena instead of the local lake. */
  athena?: boolean | undefined;
  /** Athena workgroup. */
  workgroup?: string | undefined;
  /** Athena (Glue) database of the tables (default `logpipe`). */
  database?: string | undefined;
  /** Athena result location (`s3://…`), unless the workgroup sets one. */
  outputLocation?: string | undefined;
  /** Output format (default `table`). */
  format?: QueryFormat | undefined;
  /** Print the SQL and its parameters instead of running the query. */
  explain?: boolean | undefined;
  /** The clock of `--since` and `now()`, epoch ms (default `Date.now()`). */
  now?: number | undefined;
}

/** What one `logpipe query` run did. */
export interface QuerySummary {
  /** 0 done, 1 the query failed while running, 2 a usage or syntax error. */
  exitCode: number;
  /** Rows printed. */
  rows: number;
  /** The engine's figures, when the query ran. */
  stats?: QueryStats | undefined;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Milliseconds of a `--since` duration: a whole number and a unit, `s`, `m`, `h`, `d` or `w`
 * (`90s`, `30m`, `1h`, `2d`, `1w`).
 *
 * @example
 * ```ts
 * parseDuration('30m'); // 1_800_000
 * ```
 * @throws ConfigError for anything else.
 */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+)\s*([smhdw])\s*$/.exec(text);
  const ms = m === null ? Number.NaN : Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new ConfigError(
      `--since ${JSON.stringify(text)}: expected a positive duration such as 30m, 1h, 2d (units s, m, h, d, w)`,
    );
  }
  return ms;
}

const ISO_RE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Epoch ms of a `--from`/`--to` value: digits are epoch milliseconds; otherwise ISO 8601
 * (`2026-01-02`, `2026-01-02T03:04`, `2026-01-02 03:04:05.678+01:00`), read as UTC when it
 * has no offset.
 *
 * @example
 * ```ts
 * parseTime('2026-01-02T03:00'); // Date.UTC(2026, 0, 2, 3)
 * parseTime('1767225600000'); // 1767225600000
 * ```
 * @throws ConfigError for anything else.
 */
export function parseTime(text: string, option = '--from'): number {
  const t = text.trim();
  let ms = Number.NaN;
  if (/^\d+$/.test(t)) ms = Number(t);
  else {
    const m = ISO_RE.exec(t);
    if (m !== null) {
      const iso = t.replace(' ', 'T');
      ms = Date.parse(m[1] === undefined && iso.includes('T') ? `${iso}Z` : iso);
    }
  }
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new ConfigError(
      `${option} ${JSON.stringify(text)}: expected ISO 8601 (2026-01-02T03:04:05Z; UTC when no offset is given) or epoch milliseconds`,
    );
  }
  return ms;
}

/**
 * The `[from, to)` range of the options: `--since` (default 1h) back from now, or
 * `--from` to `--to` (default now).
 *
 * @throws ConfigError when the options conflict or the range is empty.
 */
export function resolveTimeRange(
  options: Pick<QueryCommandOptions, 'since' | 'from' | 'to'>,
  now: number,
): { from: number; to: number } {
  if (options.since !== undefined && (options.from !== undefined || options.to !== undefined)) {
    throw new ConfigError('give either --since or --from/--to, not both');
  }
  if (options.to !== undefined && options.from === undefined) {
    throw new ConfigError('--to needs --from');
  }
  let range: { from: number; to: number };
  if (options.from !== undefined) {
    range = {
      from: parseTime(options.from, '--from'),
      to: options.to === undefined ? now : parseTime(options.to, '--to'),
    };
  } else {
    range = { from: now - parseDuration(options.since ?? '1h'), to: now };
  }
  if (range.from >= range.to) {
    throw new ConfigError(
      `the time range is empty: --from ${new Date(range.from).toISOString()} is not before --to ${new Date(range.to).toISOString()}`,
    );
  }
  return range;
}

function isQueryTextError(error: unknown): error is LogpipeError & {
  line?: number;
  column?: number;
  reason?: string;
} {
  return (
    LogpipeError.isInstance(error) &&
    (error.name === 'InsightsSyntaxError' || error.name === 'InsightsCompileError')
  );
}

/**
 * The message of a query that does not compile: where it is (line, column), why, and the
 * query line with a caret under the column.
 */
export function queryErrorText(query: string, error: unknown): string {
  const e = error as { line?: unknown; column?: unknown; reason?: unknown; message?: unknown };
  const reason =
    typeof e.reason === 'string' ? e.reason : String(e.message ?? error).split('\n')[0];
  if (typeof e.line !== 'number' || typeof e.column !== 'number') return `${reason}\n`;
  const lines = query.split(/\r\n|\r|\n/);
  const text = (lines[e.line - 1] ?? '').replace(/\t/g, ' ');
  const caret = `${' '.repeat(Math.max(0, e.column - 1))}^`;
  return `line ${e.line}, column ${e.column}: ${reason}\n  ${text}\n  ${caret}\n`;
}

/** How to print one result. */
export interface PrintOptions {
  format: QueryFormat;
  /** A terminal: colours. */
  color: boolean;
  /** Terminal width for the chart. */
  width: number;
}

/** The print options that fit `io.stdout`. */
export function printOptionsOf(io: Io, format: QueryFormat = 'table'): PrintOptions {
  const out = io.stdout as { isTTY?: boolean; columns?: number };
  return { format, color: out.isTTY === true, width: Math.min(160, out.columns ?? 100) };
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** One line of what a query cost: rows, bytes scanned, time, and Athena's cost and id. */
export function statsLine(stats: QueryStats): string {
  const parts = [
    `${stats.rows} row${stats.rows === 1 ? '' : 's'}`,
    `${megabytes(stats.bytesScanned)} scanned`,
    `${(stats.elapsedMs / 1000).toFixed(2)} s`,
  ];
  if (stats.costUsd > 0) parts.push(`$${stats.costUsd.toFixed(6)}`);
  if (stats.reused === true) parts.push('reused result');
  if (stats.queryId !== undefined) parts.push(`query ${stats.queryId}`);
  return parts.join(' · ');
}

/**
 * Prints a running query's result: a table (and, for `stats … by bin(…)`, a chart) followed
 * by its stats, or NDJSON / CSV (RFC 4180) rows streamed as they come, stats on stderr.
 * Rejects when the query fails.
 */
export async function printResult(
  result: QueryResult,
  compiled: CompiledQuery,
  io: Io,
  options: PrintOptions,
): Promise<{ rows: number; stats: QueryStats }> {
  let rows = 0;
  if (options.format === 'table') {
    const all: Record<string, CellValue>[] = [];
    for await (const row of result) all.push(row);
    rows = all.length;
    const columns = (await result.columns()).map((c) => c.name);
    const out: string[] = [];
    if (rows === 0) out.push('no rows');
    else out.push(formatTable(columns, all, { color: options.color }));
    if (compiled.binColumn !== undefined && rows > 1) {
      const chart = binChart(columns, all, compiled.binColumn, {
        width: options.width,
        color: options.color,
      });
      if (chart !== undefined) out.push('', chart);
    }
    const stats = await result.stats();
    out.push(statsLine(stats), '');
    await write(io.stdout, out.join('\n'));
    return { rows, stats };
  }
  if (options.format === 'csv') {
    const columns = (await result.columns()).map((c) => c.name);
    await write(io.stdout, csvRecord(columns));
    for await (const row of result) {
      rows++;
      await write(io.stdout, csvRecord(columns.map((c) => row[c] ?? null)));
    }
  } else {
    for await (const row of result) {
      rows++;
      await write(io.stdout, `${cellJson(row)}\n`);
    }
  }
  const stats = await result.stats();
  await write(io.stderr, `${statsLine(stats)}\n`);
  return { rows, stats };
}

function explainText(compiled: CompiledQuery): string {
  const range = compiled.timeRange;
  return [
    `-- dialect: ${compiled.dialect}; datasets: ${compiled.datasets.join(', ')}`,
    range === undefined
      ? undefined
      : `-- time range: ${new Date(range.from).toISOString()} to ${new Date(range.to).toISOString()} (exclusive)`,
    compiled.binColumn === undefined ? undefined : `-- bin column: ${compiled.binColumn}`,
    `${compiled.sql};`,
    `-- params: ${JSON.stringify(compiled.params)}`,
    '',
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}

function usage(io: Io, message: string): QuerySummary {
  io.stderr.write(`logpipe query: ${message}\n`);
  return { exitCode: 2, rows: 0 };
}

/**
 * `logpipe query`: compiles a Logs Insights query for the local lake (DuckDB) or Athena, runs
 * it and prints the result.
 *
 * @example
 * ```ts
 * await runQuery('stats count(*) by bin(5m)', { since: '2h', dataset: 'alb', lake: './lake' }, io);
 * ```
 */
export async function runQuery(
  query: string,
  options: QueryCommandOptions,
  io: Io,
): Promise<QuerySummary> {
  const now = options.now ?? Date.now();
  const format = options.format ?? 'table';
  if (!(QUERY_FORMATS as readonly string[]).includes(format)) {
    return usage(io, `--format must be one of ${QUERY_FORMATS.join(', ')}`);
  }
  const athena = options.athena === true;
  if (athena && options.lake !== undefined) return usage(io, 'give either --lake or --athena');
  if (options.lake?.startsWith('s3://') === true) {
    return usage(io, '--lake takes a local directory here; query a lake on S3 with --athena');
  }
  if (!athena) {
    for (const [flag, value] of [
      ['--workgroup', options.workgroup],
      ['--database', options.database],
      ['--output-location', options.outputLocation],
    ] as const) {
      if (value !== undefined) return usage(io, `${flag} goes with --athena`);
    }
  }
  let compiled: CompiledQuery;
  try {
    const range = resolveTimeRange(options, now);
    compiled = compileInsights(query, {
      dialect: athena ? 'athena' : 'duckdb',
      dataset: options.dataset,
      from: range.from,
      to: range.to,
      database: athena ? options.database : undefined,
      now,
    });
    compiled = { ...compiled, timeRange: compiled.timeRange ?? range };
  } catch (error) {
    if (isQueryTextError(error)) return usage(io, queryErrorText(query, error).trimEnd());
    if (ConfigError.isInstance(error)) return usage(io, error.message);
    throw error;
  }
  if (options.explain === true) {
    await write(io.stdout, explainText(compiled));
    return { exitCode: 0, rows: 0 };
  }

  let engine: QueryEngine;
  if (athena) {
    engine = createAthenaEngine({
      // Region and credentials: the AWS SDK's usual environment and profile chain.
      client: new AthenaClient({}),
      workgroup: options.workgroup,
      database: options.database,
      outputLocation: options.outputLocation,
    });
  } else {
    const lake = resolve(options.lake ?? './lake');
    if (!existsSync(lake) || !statSync(lake).isDirectory()) {
      return usage(
        io,
        `no lake directory at ${lake} (write one with \`logpipe demo\` or \`logpipe ingest\`, or give --lake)`,
      );
    }
    engine = createDuckDbEngine({ lake });
  }
  try {
    const { rows, stats } = await printResult(
      engine.execute(compiled),
      compiled,
      io,
      printOptionsOf(io, format),
    );
    return { exitCode: 0, rows, stats };
  } catch (error) {
    io.stderr.write(`logpipe query: ${error instanceof Error ? error.message : String(error)}\n`);
    return { exitCode: 1, rows: 0 };
  } finally {
    await engine.close();
  }
}

/** The Logs Insights queries `logpipe demo` runs over the lake it wrote. */
export const DEMO_QUERIES: readonly { dataset: string; query: string }[] = [
  { dataset: 'alb', query: 'stats count(*) as requests by bin(5m)' },
  {
    dataset: 'vpc_flow',
    query: 'stats sum(bytes) as bytes, count(*) as flows by srcaddr | sort bytes desc | limit 5',
  },
  {
    dataset: 'app',
    query:
      'filter level = "error" | stats count(*) as errors by log_group | sort errors desc | limit 5',
  },
];

/**
 * Runs {@link DEMO_QUERIES} over a local lake for `[from, to)` and prints each result as
 * `logpipe query` would. Resolves with how many failed (their errors go to stderr).
 */
export async function runDemoQueries(
  lake: string,
  range: { from: number; to: number },
  io: Io,
): Promise<{ ran: number; failed: number }> {
  const engine = createDuckDbEngine({ lake: resolve(lake) });
  const print = printOptionsOf(io);
  let failed = 0;
  try {
    for (const { dataset, query } of DEMO_QUERIES) {
      await write(io.stdout, `\n$ logpipe query --dataset ${dataset} '${query}'\n`);
      try {
        const compiled = compileInsights(query, { dialect: 'duckdb', dataset, ...range });
        await printResult(
          engine.execute({ ...compiled, timeRange: compiled.timeRange ?? range }),
          compiled,
          io,
          print,
        );
      } catch (error) {
        failed++;
        io.stderr.write(
          `logpipe demo: query on ${dataset} failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
    }
  } finally {
    await engine.close();
  }
  return { ran: DEMO_QUERIES.length, failed };
}

// Scenario: local query latency, Logs Insights queries over a lake of 1 M and 10 M VPC flow log rows.
//
// The lakes (cached in .cache/, built once):
//   base    100,000 generated VPC flow log events (default format), parsed by logpipe and written by its lake writer
//           (createLakeWriter + encodeParquet: ZSTD, Hive-partitioned by hour)
//   1 M, 10 M  the base rows repeated with shifted times (copy k: time + k × the base's span,
//           ids made unique), written by DuckDB into the same layout, one file per hour
//           partition in time order (as after `logpipe compact`), ZSTD, row groups of
//           100,000: writing 10 M rows through the JS encoder would take most of the
//           10-minute budget on two cores. The engine reads them like any lake files (same
//           columns, same partition keys).
// Variants (one child process per lake and engine; DuckDB with its default threads):
//   logpipe   compileInsights(…, { dialect: 'duckdb', dataset: 'vpc_flow' }) + createDuckDbEngine
//             ({ lake }).execute, every row read from the async iterator: what `logpipe query`
//             does (lake listing, marker-aware file list, views, query, typed rows)
//   duckdb    the same compiled SQL and parameters on a plain DuckDB connection whose `vpc_flow` view
//             reads the lake by glob with the same read_parquet options (no listing, no
//             per-query views): the floor for that SQL on that lake
// Queries run over the whole lake's time range except `last hour`, which covers only its last
// hour (partition pruning).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { compileInsights, createDuckDbEngine } from '@logpipe/athena-query';
import {
  createClassifier,
  createDecoder,
  hourStart,
  partitionPath,
  processEnvelope,
} from '@logpipe/core';
import { createLakeWriter, createLocalStorage, encodeParquet } from '@logpipe/s3-parquet';
import { barChart } from '../charts.mjs';
import { payloadSet } from '../inputs.mjs';
import { CACHE_DIR, fmt, summarize } from '../lib.mjs';

export const name = 'query';
export const title = 'Local query latency (embedded DuckDB over the lake)';

const LAKE_VERSION = 3;
const START = Date.UTC(2026, 0, 1);
const DATASET = 'vpc_flow';
const HOUR = 3_600_000;

const QUERIES = [
  ['flows by hour', 'stats count(*) as flows by bin(1h)'],
  ['top talkers', 'stats sum(bytes) as bytes_total by srcaddr | sort bytes_total desc | limit 10'],
  [
    'rejected by port',
    "filter action = 'REJECT' | stats count(*) as rejected by dstport | sort rejected desc | limit 10",
  ],
  [
    'latest 20 to port 443',
    'fields @timestamp, srcaddr, dstaddr, action | filter dstport = 443 | sort @timestamp desc | limit 20',
  ],
  ['regex over @message', 'filter @message like /REJECT/ | stats count(*) as n'],
  [
    'last hour by action',
    'stats count(*) as flows, sum(bytes) as bytes_total by action',
    'last-hour',
  ],
];

function sizes(quick) {
  return quick
    ? {
        base: 5_000,
        lakes: [
          { label: '20 k', rows: 20_000 },
          { label: '50 k', rows: 50_000 },
        ],
      }
    : {
        base: 100_000,
        lakes: [
          { label: '1 M', rows: 1_000_000 },
          { label: '10 M', rows: 10_000_000 },
        ],
      };
}

function baseDir(base) {
  return join(CACHE_DIR, `query-v${LAKE_VERSION}-base-${base}`);
}
function lakeDir(base, rows) {
  return join(CACHE_DIR, `query-v${LAKE_VERSION}-lake-${base}-${rows}`);
}

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.parquet')) out.push(p);
  }
  return out;
}

async function buildBase(base) {
  const dir = baseDir(base);
  const done = join(dir, 'done.json');
  if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8'));
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const { buffers } = payloadSet({
    seed: 9,
    formats: ['vpc_flow'],
    eventsPerPayload: 100,
    events: base,
    startTime: START,
  });
  const decoder = createDecoder();
  const classifier = createClassifier();
  const writer = createLakeWriter({
    storage: createLocalStorage({ root: tmp }),
    encode: encodeParquet,
  });
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  const writes = [];
  for (const b of buffers) {
    const r = decoder.bytes(b, 'bench');
    if (!r.ok) throw r.error;
    const { records } = processEnvelope(r.value.envelope, classifier);
    for (const rec of records) {
      if (rec.dataset !== DATASET)
        throw new Error(`a flow log event was classified as ${rec.dataset}`);
      if (rec.time < first) first = rec.time;
      if (rec.time > last) last = rec.time;
    }
    writes.push(writer.write(records, []));
  }
  await writer.close();
  await Promise.all(writes);
  const meta = { rows: base, first, last, files: walk(tmp).length };
  writeFileSync(join(tmp, 'done.json'), JSON.stringify(meta));
  return publish(tmp, dir, meta);
}

/** Moves a finished build into place, unless another process got there first. */
function publish(tmp, dir, meta) {
  const done = join(dir, 'done.json');
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
      return meta;
    } catch (error) {
      if (!existsSync(done)) throw error;
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  return JSON.parse(readFileSync(done, 'utf8'));
}

async function buildLake(base, rows, baseMeta) {
  const dir = lakeDir(base, rows);
  const done = join(dir, 'done.json');
  if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8'));
  if (rows % baseMeta.rows !== 0)
    throw new Error(`lake rows ${rows} must be a multiple of ${baseMeta.rows}`);
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const span = baseMeta.last - baseMeta.first + 50;
  const copies = rows / baseMeta.rows;
  const files = walk(join(baseDir(base), DATASET));
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run("SET TimeZone = 'UTC'");
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
  await db.run(
    `CREATE TABLE base AS SELECT * FROM read_parquet([${list}], hive_partitioning = false)`,
  );
  // One file per hour partition, rows in time order (a lake after compaction): copy k of the
  // base is shifted by k × span; each hour takes the rows of the copies that overlap it.
  // An hour's file is one row group, which DuckDB writes on one thread: the hours go to one
  // connection per core, each taking the next hour left.
  const lastTime = baseMeta.last + (copies - 1) * span;
  const hours = [];
  for (let h = hourStart(baseMeta.first); h <= lastTime; h += HOUR) hours.push(h);
  const writeHour = async (conn, h) => {
    const kMin = Math.max(0, Math.floor((h - baseMeta.last) / span));
    const kMax = Math.min(copies - 1, Math.floor((h + HOUR - baseMeta.first) / span));
    const part = join(tmp, partitionPath(DATASET, h));
    mkdirSync(part, { recursive: true });
    await conn.run(`COPY (
      SELECT * FROM (
        SELECT b.* REPLACE (
            b.time + to_milliseconds(r.k * ${span}) AS time,
            substr(b.id, 1, 48) || lpad(CAST(r.k AS VARCHAR), 8, '0') AS id)
          FROM range(${kMin}, ${kMax + 1}) r(k), base b
          -- The same bounds on the base's own time: rows of other hours are dropped before
          -- their id and time are rewritten (10 M rows: 58.6 → 54.0 s, one run each).
          WHERE epoch_ms(b.time) >= ${h} - r.k * ${span}
            AND epoch_ms(b.time) < ${h + HOUR} - r.k * ${span}
      )
      WHERE epoch_ms(time) >= ${h} AND epoch_ms(time) < ${h + HOUR}
      ORDER BY time
    ) TO '${join(part, 'part-00000000000000000000000000000000.parquet')}' (FORMAT parquet,
        COMPRESSION zstd, ROW_GROUP_SIZE 100000)`);
  };
  let next = 0;
  const writer = async () => {
    const conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    while (next < hours.length) await writeHour(conn, hours[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, availableParallelism()) }, writer));
  const stats = (
    await db.runAndReadAll(
      `SELECT count(*)::BIGINT AS n, epoch_ms(min(time)) AS first, epoch_ms(max(time)) AS last
         FROM read_parquet('${join(tmp, DATASET)}/*/*/*/*/*.parquet')`,
    )
  ).getRowObjectsJS()[0];
  instance.closeSync();
  const lakeFiles = walk(tmp);
  let bytes = 0;
  for (const f of lakeFiles) bytes += statSync(f).size;
  const meta = {
    rows: Number(stats.n),
    first: Number(stats.first),
    last: Number(stats.last),
    files: lakeFiles.length,
    bytes,
    copies,
  };
  if (meta.rows !== rows) throw new Error(`lake has ${meta.rows} rows, wanted ${rows}`);
  writeFileSync(join(tmp, 'done.json'), JSON.stringify(meta));
  return publish(tmp, dir, meta);
}

export function prepare({ quick }) {
  const { base, lakes } = sizes(quick);
  // Largest first: the runner starts `long` tasks first, in this order.
  return lakes.toReversed().map((l) => ({
    task: 'lake',
    params: { base, rows: l.rows },
    label: `lake of ${l.label} rows`,
    long: true,
  }));
}

export const tasks = {
  async lake({ base, rows }) {
    const baseMeta = await buildBase(base);
    return { base: baseMeta, lake: await buildLake(base, rows, baseMeta) };
  },
};

export function jobs({ quick }) {
  const { base, lakes } = sizes(quick);
  const out = [];
  for (const l of lakes)
    for (const variant of ['logpipe', 'duckdb'])
      out.push({
        id: `${l.label}/${variant}`,
        variant,
        params: { base, rows: l.rows },
        rounds: quick ? 1 : l.rows > 1_000_000 ? 4 : 6,
        // One process each (run.mjs --passes): a second would open the lake and run the warm-up
        // round of all six queries again (at 10 M rows, 5–6 s) for no figure a target uses.
        passes: 1,
        label: `${l.label} rows ${variant}`,
      });
  return out;
}

export function setup({ base, rows }) {
  const dir = lakeDir(base, rows);
  const meta = JSON.parse(readFileSync(join(dir, 'done.json'), 'utf8'));
  const to = Math.floor(meta.last / 3_600_000) * 3_600_000 + 3_600_000;
  const compiled = QUERIES.map(([label, text, range]) => [
    label,
    text,
    range === 'last-hour' ? { from: to - 3_600_000, to } : { from: START, to },
  ]);
  return { dir, compiled, meta: { ...meta, events: meta.rows, unitBytes: meta.bytes } };
}

export const variants = {
  logpipe: ({ dir, compiled }) => {
    const engine = createDuckDbEngine({ lake: dir });
    const counts = {};
    const runs = {};
    for (const [label, text, range] of compiled) {
      runs[label] = async () => {
        const q = compileInsights(text, { dialect: 'duckdb', dataset: DATASET, ...range });
        const result = engine.execute(q);
        let n = 0;
        for await (const _row of result) n++;
        counts[label] = n;
      };
    }
    return { runs, info: () => ({ counts }), close: () => engine.close() };
  },
  duckdb: async ({ dir, compiled }) => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
    });
    const db = await instance.connect();
    await db.run("SET TimeZone = 'UTC'");
    const keys = ['year', 'month', 'day', 'hour'];
    await db.run(
      `CREATE VIEW ${DATASET} AS SELECT * FROM read_parquet('${join(dir, DATASET)}/*/*/*/*/*.parquet', hive_partitioning = true, hive_types = {${keys.map((k) => `'${k}': 'VARCHAR'`).join(', ')}}, hive_types_autocast = false, union_by_name = true)`,
    );
    const counts = {};
    const runs = {};
    for (const [label, text, range] of compiled) {
      const q = compileInsights(text, { dialect: 'duckdb', dataset: DATASET, ...range });
      runs[label] = async () => {
        const reader = await db.runAndReadAll(q.sql, q.params);
        counts[label] = reader.getRowObjects().length;
      };
    }
    return { runs, info: () => ({ counts }), close: () => instance.closeSync() };
  },
};

export function report(results, { quick }) {
  const { lakes } = sizes(quick);
  const sections = [];
  const lakeLines = [
    '| lake | rows | files | Parquet MB | hours of events |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const l of lakes) {
    const m = results[`${l.label}/logpipe`]?.meta;
    if (!m) continue;
    lakeLines.push(
      `| ${l.label} | ${fmt(m.rows, 0)} | ${fmt(m.files, 0)} | ${fmt(m.bytes / 1e6)} | ${fmt((m.last - m.first) / 3_600_000, 1)} |`,
    );
  }
  sections.push(...lakeLines, '');
  const header = ['query'];
  const align = ['---'];
  for (const l of lakes) {
    header.push(
      `${l.label}: logpipe ms (min–max)`,
      `${l.label}: DuckDB direct ms`,
      `${l.label}: logpipe / direct`,
    );
    align.push('---:', '---:', '---:');
  }
  const lines = [`| ${header.join(' | ')} | rows out |`, `|${align.join('|')}|---:|`];
  const chartGroups = [];
  const headline = [];
  const ms = (r, label) => summarize(r?.times?.[label] ?? []);
  for (const [label, text] of QUERIES) {
    const cells = [`${label}: \`${text.replaceAll('|', '\\|')}\``];
    const values = [];
    let rowsOut = '';
    for (const l of lakes) {
      const a = ms(results[`${l.label}/logpipe`], label);
      const b = ms(results[`${l.label}/duckdb`], label);
      cells.push(
        `${fmt(a.median * 1e3, 0)} (${fmt(a.min * 1e3, 0)}–${fmt(a.max * 1e3, 0)})`,
        `${fmt(b.median * 1e3, 0)}`,
        `${fmt(a.median / b.median, 2)}×`,
      );
      values.push(a.median * 1e3, b.median * 1e3);
      rowsOut = results[`${l.label}/logpipe`]?.info?.counts?.[label] ?? '';
    }
    lines.push(`| ${cells.join(' | ')} | ${rowsOut} |`);
    chartGroups.push({ label, values });
  }
  const rss = lakes
    .map(
      (l) =>
        `${l.label}: logpipe ${fmt(results[`${l.label}/logpipe`]?.peakRssMB, 0)} MB, DuckDB direct ${fmt(results[`${l.label}/duckdb`]?.peakRssMB, 0)} MB`,
    )
    .join('; ');
  sections.push(
    ...lines,
    '',
    `Peak RSS per process: ${rss}.`,
    '',
    '![query latency](query-latency.svg)',
    '',
  );
  for (const l of lakes) {
    const all = QUERIES.map(([label]) => [
      ms(results[`${l.label}/logpipe`], label).median,
      ms(results[`${l.label}/duckdb`], label).median,
    ]);
    const sum = all.reduce((s, [a]) => s + a, 0);
    const sumRef = all.reduce((s, [, b]) => s + b, 0);
    headline.push({
      what: `Query, lake of ${l.label} rows: all ${QUERIES.length} queries, logpipe engine vs DuckDB direct (ms, sum of medians)`,
      ours: fmt(sum * 1e3, 0),
      peer: fmt(sumRef * 1e3, 0),
      ratio: `${fmt(sum / sumRef, 2)}× the time`,
    });
  }
  const chart = {
    file: 'query-latency.svg',
    svg: barChart({
      title: 'Logs Insights query latency over the local lake (median ms)',
      yLabel: 'ms',
      names: lakes.flatMap((l) => [`${l.label} rows, logpipe`, `${l.label} rows, DuckDB direct`]),
      groups: chartGroups,
      width: 980,
    }),
  };
  return { sections, charts: [chart], summary: { lakes }, headline };
}

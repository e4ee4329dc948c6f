// Scenario: Parquet encoding of the same rows by logpipe (encodeParquet) and by DuckDB.
//
// Rows: the LogRecords of the seeded mixed workload (every log dataset), one columnar batch
// (logColumns) per dataset, as the lake writer hands them to the encoder. Every variant writes
// one file per dataset, ZSTD, row groups of 100,000 rows, on one thread.
// Variants:
//   baseline            setup only (rows in memory; the RSS floor)
//   encodeParquet       @logpipe/s3-parquet encodeParquet (its default: ZSTD), bytes in memory
//   duckdb-copy         DuckDB (1 thread) COPY <table> TO '<file>' (FORMAT parquet, COMPRESSION
//                       zstd, ROW_GROUP_SIZE 100000), the rows already in DuckDB tables (loaded
//                       untimed in setup): DuckDB's writer alone
//   duckdb-append+copy  the same COPY, timed together with loading the rows through DuckDB's
//                       appender: what a Node process pays to get Parquet out of DuckDB
// The encoder comparison across libraries and codecs (hyparquet-writer, parquet-wasm, DuckDB)
// lives in packages/s3-parquet/bench/encoders.mjs; this is only logpipe vs DuckDB, here.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createClassifier, createDecoder, getDataset, processEnvelope } from '@logpipe/core';
import { encodeParquet, logColumns } from '@logpipe/s3-parquet';
import { loadBatch } from '../../packages/s3-parquet/bench/duckdb-load.mjs';
import { barChart } from '../charts.mjs';
import { payloadSet } from '../inputs.mjs';
import { fmt, fmtSig } from '../lib.mjs';
import { measureTable, rowOf } from '../report.mjs';

export const name = 'parquet';
export const title = 'Parquet encoding: logpipe encodeParquet vs DuckDB';

const VARIANTS = ['baseline', 'encodeParquet', 'duckdb-copy', 'duckdb-append+copy'];
const ROW_GROUP = 100_000;
// DuckDB writes files: to memory-backed /dev/shm where there is one, so disk I/O is not timed.
const TMP = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

function input(quick) {
  return { seed: 5, events: quick ? 2_000 : 40_000 };
}

export function prepare({ quick }) {
  return [{ task: 'generate', params: input(quick), label: 'rows' }];
}

export const tasks = {
  generate(params) {
    return payloadSet(params).meta;
  },
};

export function jobs({ quick }) {
  return VARIANTS.map((variant) => ({
    id: variant,
    variant,
    params: { quick },
    rounds: variant === 'baseline' ? 0 : quick ? 2 : 6,
    label: variant,
  }));
}

export function setup({ quick }) {
  const { buffers, meta } = payloadSet(input(quick));
  const decoder = createDecoder();
  const classifier = createClassifier();
  const byDataset = new Map();
  for (const b of buffers) {
    const r = decoder.bytes(b, 'bench');
    if (!r.ok) throw r.error;
    for (const rec of processEnvelope(r.value.envelope, classifier).records) {
      const list = byDataset.get(rec.dataset);
      if (list === undefined) byDataset.set(rec.dataset, [rec]);
      else list.push(rec);
    }
  }
  const batches = [...byDataset].map(([ds, records]) => logColumns(getDataset(ds), records));
  let rows = 0;
  for (const b of batches) rows += b.rows;
  return {
    batches,
    meta: { events: rows, rows, unitBytes: meta.jsonBytes, datasets: batches.length },
  };
}

async function duck() {
  const d = await import('@duckdb/node-api');
  const instance = await d.DuckDBInstance.create(':memory:', { threads: '1' });
  const db = await instance.connect();
  return { d, instance, db };
}

/** Creates table `name` for a batch and appends its rows through the appender. */
function load({ d, db }, name, batch) {
  return loadBatch(d, db, name, batch);
}

async function copyOut({ db }, name, file) {
  await db.run(
    `COPY ${name} TO '${file}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP})`,
  );
  return statSync(file).size;
}

// Results are summed here so that no variant's work can be optimized away.
const sink = { n: 0 };

export const variants = {
  baseline: () => () => {},
  encodeParquet: ({ batches }) => {
    let bytes = 0;
    return {
      runs: {
        '': () => {
          bytes = 0;
          for (const b of batches) bytes += encodeParquet(b, { rowGroupSize: ROW_GROUP }).length;
          sink.n += bytes;
        },
      },
      info: () => ({ bytes }),
    };
  },
  'duckdb-copy': async ({ batches }) => {
    const conn = await duck();
    const dir = mkdtempSync(join(TMP, 'logpipe-bench-parquet-'));
    for (let i = 0; i < batches.length; i++) await load(conn, `t${i}`, batches[i]);
    let bytes = 0;
    return {
      runs: {
        '': async () => {
          bytes = 0;
          for (let i = 0; i < batches.length; i++)
            bytes += await copyOut(conn, `t${i}`, join(dir, `t${i}.parquet`));
        },
      },
      info: () => ({ bytes }),
      close: () => {
        conn.instance.closeSync();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  'duckdb-append+copy': async ({ batches }) => {
    const conn = await duck();
    const dir = mkdtempSync(join(TMP, 'logpipe-bench-parquet-'));
    let bytes = 0;
    return {
      runs: {
        '': async () => {
          bytes = 0;
          for (let i = 0; i < batches.length; i++) {
            await load(conn, `t${i}`, batches[i]);
            bytes += await copyOut(conn, `t${i}`, join(dir, `t${i}.parquet`));
            await conn.db.run(`DROP TABLE t${i}`);
          }
        },
      },
      info: () => ({ bytes }),
      close: () => {
        conn.instance.closeSync();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export function report(results) {
  const rows = VARIANTS.map((v) => rowOf(results[v], v));
  const meta = results.encodeParquet?.meta;
  const by = Object.fromEntries(rows.map((r) => [r.variant, r]));
  const size = (v) => by[v]?.info?.bytes;
  const lines = [
    `${fmt(meta?.rows ?? 0, 0)} rows of ${meta?.datasets ?? 0} datasets per round (from ${fmt((meta?.unitBytes ?? 0) / 1e6)} MB of CloudWatch Logs JSON); "events/s" is rows/s, "MB/s" is MB of that JSON per second.`,
    '',
    measureTable(rows, { reference: 'encodeParquet', unit: 'MB/s of JSON' }),
    '',
    '| writer | rows/s | file bytes (all datasets) | size vs encodeParquet |',
    '|---|---:|---:|---:|',
    ...['encodeParquet', 'duckdb-copy', 'duckdb-append+copy'].map(
      (v) =>
        `| ${v} | ${fmt(by[v].eventsPerSec, 0)} | ${fmt(size(v) ?? Number.NaN, 0)} | ${fmt((size(v) ?? Number.NaN) / (size('encodeParquet') ?? Number.NaN), 2)}× |`,
    ),
    '',
    '![Parquet rows/s](parquet.svg)',
    '',
  ];
  const chart = {
    file: 'parquet.svg',
    svg: barChart({
      title: 'Parquet encoding, one thread: rows/s',
      yLabel: 'rows/s',
      names: ['logpipe encodeParquet', 'DuckDB COPY', 'DuckDB appender + COPY'],
      groups: [
        {
          label: 'ZSTD, row groups of 100,000',
          values: ['encodeParquet', 'duckdb-copy', 'duckdb-append+copy'].map(
            (v) => by[v].eventsPerSec,
          ),
        },
      ],
    }),
  };
  const headline = [
    {
      what: 'Parquet: encodeParquet vs DuckDB COPY, 1 thread (rows/s)',
      ours: fmt(by.encodeParquet.eventsPerSec, 0),
      peer: fmt(by['duckdb-copy'].eventsPerSec, 0),
      ratio: `${fmt(by.encodeParquet.eventsPerSec / by['duckdb-copy'].eventsPerSec, 2)}×`,
    },
    {
      what: 'Parquet: encodeParquet vs DuckDB appender + COPY, 1 thread (rows/s)',
      ours: fmt(by.encodeParquet.eventsPerSec, 0),
      peer: fmt(by['duckdb-append+copy'].eventsPerSec, 0),
      ratio: `${fmt(by.encodeParquet.eventsPerSec / by['duckdb-append+copy'].eventsPerSec, 2)}×`,
    },
    {
      what: 'Parquet: file size, encodeParquet vs DuckDB (bytes, ZSTD)',
      ours: fmt(size('encodeParquet') ?? Number.NaN, 0),
      peer: fmt(size('duckdb-copy') ?? Number.NaN, 0),
      ratio: `${fmtSig((size('encodeParquet') ?? Number.NaN) / (size('duckdb-copy') ?? Number.NaN))}×`,
    },
  ];
  return { sections: lines, charts: [chart], summary: by, headline };
}

// Compares Parquet encoders on logpipe's datasets — hyparquet-writer (our
// encodeParquet), parquet-wasm and DuckDB's own writer — checks which readers
// (DuckDB, hyparquet, parquet-wasm) read each one's files back exactly, and
// measures JSON text against MAP<STRING,STRING> for a nested value.
//
//   pnpm turbo run build --filter=@logpipe/s3-parquet
//   node --expose-gc packages/s3-parquet/bench/encoders.mjs [--events 100000] [--runs 3]
//     [--rounds 3] [--encoders hyparquet-writer:ZSTD,duckdb:ZSTD,…] [--only encoders|nested]
//     [--write]
//
// Runs against the built package (dist/); warns when src/ is newer. Each
// encoder runs in its own child process, so its peak RSS is its own; the
// children run round-robin --rounds times (so that load from other processes
// spreads over all encoders) and each encodes every dataset --runs times.
// Figures are medians of all rounds × runs. Every file it writes goes to one
// temp dir, removed on exit (also on Ctrl-C). --write puts the tables into
// ../ENCODERS.md between its `<!-- bench:… -->` markers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadBatch } from './duckdb-load.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const dist = join(pkg, 'dist', 'index.js');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const EVENTS = Number(arg('events', '100000'));
const RUNS = Number(arg('runs', '3'));
const ROUNDS = Number(arg('rounds', '3'));
const ONLY = arg('only', '');
// encoder:codec. baseline = setup only (the RSS floor); hyparquet-writer:ZSTD is encodeParquet's default.
const ENCODERS = (
  arg('encoders', '') ||
  'baseline:-,hyparquet-writer:ZSTD,hyparquet-writer:SNAPPY,hyparquet-writer:UNCOMPRESSED,parquet-wasm:ZSTD,parquet-wasm:SNAPPY,duckdb:ZSTD,duckdb:SNAPPY'
).split(',');
const REFERENCE = 'hyparquet-writer:ZSTD';
const ROW_GROUP = 100_000;
/** Low-cardinality string columns that should be dictionary-encoded, per dataset. */
const LOW_CARDINALITY = {
  vpc_flow: ['log_group', 'owner', 'action', 'log_status'],
  alb: ['log_group', 'owner', 'type', 'request_verb'],
  cloudtrail: ['log_group', 'owner', 'event_source', 'event_name', 'aws_region'],
  lambda: ['log_group', 'owner', 'type', 'function_name'],
  app: ['log_group', 'owner', 'format', 'level'],
  metrics: ['measure_name'],
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const gc = () => globalThis.gc?.();
/** Peak RSS since the last reset (Linux VmHWM), else the process's maxRSS; bytes. */
function peakRss() {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024;
}
/** Resets the peak RSS (Linux: clear_refs 5); false where that is not possible. */
function resetPeakRss() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes) => fmt(bytes / 2 ** 20, 2);

async function lib() {
  return import(pathToFileURL(dist).href);
}

async function workload(events, formats) {
  const core = await import('@logpipe/core');
  const classifier = core.createClassifier();
  const byDataset = new Map();
  const metrics = [];
  for (const p of core.generateWorkload({ events, seed: 1, formats })) {
    const out = core.processEnvelope(p.envelope, classifier);
    for (const r of out.records) {
      const list = byDataset.get(r.dataset);
      if (list === undefined) byDataset.set(r.dataset, [r]);
      else list.push(r);
    }
    for (const m of out.metrics) metrics.push(m);
  }
  return { core, byDataset, metrics };
}

async function batches() {
  const { logColumns, metricColumns } = await lib();
  const { core, byDataset, metrics } = await workload(EVENTS);
  const out = [];
  for (const def of core.listDatasets()) {
    out.push(
      def.name === 'metrics'
        ? metricColumns(def, metrics)
        : logColumns(def, byDataset.get(def.name) ?? []),
    );
  }
  return out.filter((b) => b.rows > 0);
}

// ---- encoders (each returns the bytes of one file) ----

function hyparquetEncoder(mod, codec) {
  return { codec, encode: (batch) => mod.encodeParquet(batch, { compression: codec }) };
}

/** The Arrow type of each dataset column type, as parquet-wasm gets it. */
function arrowTypes(a) {
  const mapType = new a.Map_(
    new a.Field(
      'entries',
      new a.Struct([new a.Field('key', new a.Utf8(), false), new a.Field('value', new a.Utf8())]),
      false,
    ),
  );
  return {
    timestamp: () => new a.TimestampMillisecond('UTC'),
    int: () => new a.Int32(),
    bigint: () => new a.Int64(),
    double: () => new a.Float64(),
    boolean: () => new a.Bool(),
    string: () => new a.Utf8(),
    json: () => new a.Utf8(),
    map: () => mapType,
  };
}

async function parquetWasmEncoder(codec) {
  // parquet-wasm (arrow-rs in wasm) writes an Arrow Table, so the timed part
  // is the whole path from our JS columns: apache-arrow builds the table,
  // serialises it to Arrow IPC, parquet-wasm takes it into wasm and writes.
  const pw = await import('parquet-wasm');
  const a = await import('apache-arrow');
  const types = arrowTypes(a);
  // writeParquet moves WriterProperties into wasm (a second use silently
  // falls back to defaults: uncompressed), so build one per call.
  const props = () =>
    new pw.WriterPropertiesBuilder()
      .setCompression(pw.Compression[codec])
      .setMaxRowGroupSize(ROW_GROUP)
      .build();
  return {
    codec,
    encode(batch) {
      const vectors = {};
      batch.columns.forEach((c, i) => {
        let v = batch.values[i];
        if (c.type === 'bigint') v = v.map((x) => (x === null ? null : BigInt(x)));
        else if (c.type === 'map')
          v = v.map((x) => (x === null ? null : new Map(Object.entries(x))));
        vectors[c.name] = a.vectorFromArray(v, types[c.type]());
      });
      const ipc = a.tableToIPC(new a.Table(vectors), 'stream');
      return pw.writeParquet(pw.Table.fromIPCStream(ipc), props());
    },
  };
}

async function duckdbEncoder(work, codec) {
  // Rows go in through DuckDB's appender (what a Node writer would have to do),
  // then COPY … TO parquet; both timed. One thread, like the JS encoders.
  const d = await import('@duckdb/node-api');
  const instance = await d.DuckDBInstance.create(':memory:', { threads: '1' });
  const db = await d.DuckDBConnection.create(instance);
  let n = 0;
  return {
    codec,
    async encode(batch) {
      const table = `t${n++}`;
      await loadBatch(d, db, table, batch);
      const file = join(work, `${table}.parquet`);
      await db.run(
        `COPY ${table} TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${ROW_GROUP})`,
      );
      await db.run(`DROP TABLE ${table}`);
      const bytes = readFileSync(file);
      rmSync(file);
      return bytes;
    },
  };
}

// ---- child: one encoder ----

async function child(spec, work) {
  const [name, codec] = spec.split(':');
  const mod = await lib();
  const list = await batches();
  const enc =
    name === 'baseline'
      ? { codec: '-', encode: () => new Uint8Array(0) }
      : name === 'hyparquet-writer'
        ? hyparquetEncoder(mod, codec)
        : name === 'parquet-wasm'
          ? await parquetWasmEncoder(codec)
          : await duckdbEncoder(work, codec);
  gc();
  // Peak RSS of the encoding alone: the setup above (workload, batches) has a
  // higher peak than most encoders, so reset the high-water mark here.
  const reset = resetPeakRss();
  const rssStart = process.memoryUsage().rss;
  const result = { encoder: name, codec: enc.codec, datasets: {}, reset };
  for (const b of list) {
    const times = [];
    let bytes;
    for (let r = 0; r < RUNS; r++) {
      gc();
      const t0 = process.hrtime.bigint();
      bytes = await enc.encode(b);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const file = join(work, `${name}-${codec}-${b.dataset.name}.parquet`);
    if (name !== 'baseline') writeFileSync(file, bytes);
    result.datasets[b.dataset.name] = { rows: b.rows, times, bytes: bytes.length, file };
  }
  result.startRssMB = rssStart / 2 ** 20;
  result.peakRssMB = peakRss() / 2 ** 20;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---- readers: does each read a file back to exactly the batch's values? ----

function normalize(type, v) {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'timestamp':
      return v instanceof Date ? v.getTime() : Number(v);
    case 'int':
    case 'bigint':
      return Number(v);
    case 'map':
      if (typeof v === 'string') return JSON.parse(v);
      if (v instanceof Map) return Object.fromEntries(v);
      if (Array.isArray(v)) return Object.fromEntries(v.map((e) => [e.key, e.value]));
      return v;
    default:
      return v;
  }
}

function compareRows(rows, batch) {
  if (rows.length !== batch.rows) return `row count ${rows.length} ≠ ${batch.rows}`;
  for (let i = 0; i < batch.rows; i++) {
    for (let c = 0; c < batch.columns.length; c++) {
      const col = batch.columns[c];
      const want = JSON.stringify(normalize(col.type, batch.values[c][i]));
      const got = JSON.stringify(normalize(col.type, rows[i][col.name]));
      if (want !== got) return `row ${i} ${col.name}: ${got?.slice(0, 50)} ≠ ${want.slice(0, 50)}`;
    }
  }
  return 'ok';
}

async function readDuck(db, file, batch) {
  const sel = batch.columns.map((c) => {
    const id = `"${c.name}"`;
    if (c.type === 'timestamp') return `epoch_ms(${id}) AS ${id}`;
    if (c.type === 'bigint') return `${id}::DOUBLE AS ${id}`;
    if (c.type === 'map') return `to_json(${id})::VARCHAR AS ${id}`;
    return id;
  });
  const reader = await db.runAndReadAll(
    `SELECT ${sel.join(', ')} FROM read_parquet('${file}') ORDER BY file_row_number`,
  );
  return compareRows(reader.getRowObjectsJS(), batch);
}

async function readHyparquet(file, batch) {
  const { parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const buf = readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return compareRows(await parquetReadObjects({ file: ab, compressors }), batch);
}

async function readParquetWasm(file, batch) {
  // parquet-wasm reads into Arrow (wasm); apache-arrow turns that into JS rows.
  const pw = await import('parquet-wasm');
  const a = await import('apache-arrow');
  const ipc = pw.readParquet(new Uint8Array(readFileSync(file))).intoIPCStream();
  const rows = a
    .tableFromIPC(ipc)
    .toArray()
    .map((r) => {
      const o = {};
      for (const c of batch.columns) {
        const v = r[c.name];
        o[c.name] = v !== null && typeof v === 'object' && 'toJSON' in v ? v.toJSON() : v;
      }
      return o;
    });
  return compareRows(rows, batch);
}

async function tryRead(fn) {
  try {
    return await fn();
  } catch (e) {
    return `error: ${String(e?.message ?? e).slice(0, 80)}`;
  }
}

// ---- layout: what DuckDB's parquet_schema() / parquet_metadata() say ----

async function layout(db, files) {
  const rows = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJS();
  const time = new Set();
  const codecs = new Set();
  let dict = 0;
  let dictOf = 0;
  let stats = 0;
  let statsOf = 0;
  for (const [dataset, file] of files) {
    for (const r of await rows(
      `SELECT type, logical_type FROM parquet_schema('${file}') WHERE name = 'time'`,
    )) {
      // e.g. TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=MilliSeconds(), MICROS=<null>, NANOS=<null>))
      const unit = /(MILLIS|MICROS|NANOS)=(?!<null>)/.exec(String(r.logical_type))?.[1] ?? '?';
      const utc = /isAdjustedToUTC=(\d)/.exec(String(r.logical_type))?.[1] === '1';
      time.add(`${r.type} TIMESTAMP(${unit}${utc ? ', UTC' : ''})`);
    }
    const meta = await rows(
      `SELECT path_in_schema, compression, encodings, num_values, stats_null_count,
              stats_min_value, stats_max_value
       FROM parquet_metadata('${file}')`,
    );
    for (const m of meta) {
      codecs.add(m.compression);
      if ((LOW_CARDINALITY[dataset] ?? []).includes(m.path_in_schema)) {
        dictOf++;
        if (String(m.encodings).includes('DICTIONARY')) dict++;
      }
      // min/max are expected on every chunk that holds a non-null value.
      if (Number(m.stats_null_count ?? 0) < Number(m.num_values)) {
        statsOf++;
        if (m.stats_min_value !== null && m.stats_max_value !== null) stats++;
      }
    }
  }
  return {
    time: [...time].join(' / '),
    dictionary: `${dict}/${dictOf}`,
    stats: `${stats}/${statsOf}`,
    codecs: [...codecs].join(', '),
  };
}

// ---- nested values: JSON text vs MAP<STRING,STRING> ----

/** MAP<STRING,STRING> form of a JSON object: scalars as text, nested values as JSON text. */
function toStringMap(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = x === null ? null : typeof x === 'object' ? JSON.stringify(x) : String(x);
  }
  return out;
}

async function nested(db, work) {
  const mod = await lib();
  // CloudTrail only, so that ≥ 100k rows come from the same generator as the lake.
  const { byDataset } = await workload(Math.max(EVENTS, 100_000), ['cloudtrail']);
  const records = byDataset.get('cloudtrail') ?? [];
  const params = records.map((r) => r.fields.request_parameters ?? null);
  const time = records.map((r) => r.timestamp);
  const dataset = { name: 'nested', description: '', columns: [] };
  const column = (type) => ({ name: 'request_parameters', type, description: '' });
  const timeCol = { name: 'time', type: 'timestamp', description: '' };
  const variants = [
    {
      storage: 'JSON text (STRING)',
      type: 'json',
      values: params.map((p) => (p === null ? null : JSON.stringify(p))),
      top: `json_extract_string(request_parameters, '$.bucketName')`,
      deep: `json_extract_string(request_parameters, '$.instancesSet.items[0].instanceId')`,
      athena: `json_extract_scalar(request_parameters, '$.bucketName')`,
    },
    {
      storage: 'MAP<STRING,STRING>',
      type: 'map',
      values: params.map(toStringMap),
      top: `request_parameters['bucketName']`,
      deep: `json_extract_string(request_parameters['instancesSet'], '$.items[0].instanceId')`,
      athena: `element_at(request_parameters, 'bucketName')`,
    },
  ];
  for (const v of variants) {
    const columns = [timeCol, column(v.type)];
    const batch = { dataset, columns, values: [time, v.values], rows: records.length };
    v.file = join(work, `nested-${v.type}.parquet`);
    writeFileSync(v.file, mod.encodeParquet(batch));
    const chunk = (
      await db.runAndReadAll(
        `SELECT sum(total_compressed_size)::BIGINT AS c, sum(total_uncompressed_size)::BIGINT AS u
         FROM parquet_metadata('${v.file}') WHERE path_in_schema LIKE 'request_parameters%'`,
      )
    ).getRowObjectsJS()[0];
    v.rows = records.length;
    v.fileBytes = statSync(v.file).size;
    v.columnBytes = Number(chunk.c);
    v.columnRawBytes = Number(chunk.u);
  }
  // The queries alternate between the two files, so that load from other
  // processes falls on both alike; run 0 warms up.
  const queries = variants.flatMap((v) =>
    ['top', 'deep'].map((q) => ({
      v,
      q,
      sql: `SELECT count(x)::INTEGER AS n, count(DISTINCT x)::INTEGER AS d
            FROM (SELECT ${v[q]} AS x FROM read_parquet('${v.file}'))`,
      times: [],
      found: 0,
    })),
  );
  const reps = Math.max(RUNS, 1) * 3;
  for (let r = 0; r <= reps; r++) {
    for (const x of queries) {
      const t0 = process.hrtime.bigint();
      x.found = (await db.runAndReadAll(x.sql)).getRowObjectsJS()[0].n;
      if (r > 0) x.times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  for (const x of queries) x.v[`${x.q}Q`] = { ms: median(x.times), found: x.found, runs: reps };
  for (const v of variants) rmSync(v.file);
  return variants;
}

// ---- parent ----

function distFresh() {
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .reduce((m, e) => Math.max(m, statSync(join(e.parentPath, e.name)).mtimeMs), 0);
  try {
    return statSync(dist).mtimeMs >= newest(join(pkg, 'src'));
  } catch {
    return false;
  }
}

function machine() {
  const cpus = os.cpus();
  return `Node ${process.version}, ${cpus[0]?.model ?? 'cpu'} × ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}`;
}

function encodeAll(work) {
  const results = new Map();
  const load = [os.loadavg()[0]];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const spec of ENCODERS) {
      process.stderr.write(`round ${round}/${ROUNDS}: ${spec}…\n`);
      const r = runChild(spec, work);
      load.push(os.loadavg()[0]);
      const prev = results.get(spec);
      if (prev === undefined) {
        results.set(spec, r);
        continue;
      }
      // Keep every timing; memory is the worst round's; files are the last round's.
      for (const [ds, x] of Object.entries(r.datasets)) {
        x.times = [...prev.datasets[ds].times, ...x.times];
        prev.datasets[ds] = x;
      }
      prev.peakRssMB = Math.max(prev.peakRssMB, r.peakRssMB);
      prev.startRssMB = Math.max(prev.startRssMB, r.startRssMB);
    }
  }
  return { results: [...results.values()], load };
}

function runChild(spec, work) {
  const out = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      fileURLToPath(import.meta.url),
      '--child',
      spec,
      '--work',
      work,
      '--events',
      String(EVENTS),
      '--runs',
      String(RUNS),
    ],
    { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(out.toString().trim().split('\n').at(-1));
}

async function encodersSection(work, db) {
  const { results, load } = encodeAll(work);
  process.stderr.write('reading back…\n');
  const list = await batches();
  const baseline = results.find((r) => r.encoder === 'baseline');
  const encoded = results.filter((r) => r.encoder !== 'baseline');
  const summary = [];
  const perDataset = [];
  const problems = [];
  for (const r of encoded) {
    let rows = 0;
    let ms = 0;
    let bytes = 0;
    const readers = { duckdb: 0, hyparquet: 0, 'parquet-wasm': 0 };
    const files = [];
    for (const b of list) {
      const x = r.datasets[b.dataset.name];
      if (x === undefined) continue;
      x.ms = median(x.times);
      rows += x.rows;
      ms += x.ms;
      bytes += x.bytes;
      files.push([b.dataset.name, x.file]);
      perDataset.push(
        `| ${r.encoder} | ${r.codec} | ${b.dataset.name} | ${fmt(x.rows)} | ${fmt(x.ms, 1)} | ${fmt((x.rows / x.ms) * 1000)} | ${fmt(x.bytes)} |`,
      );
      const checks = {
        duckdb: await tryRead(() => readDuck(db, x.file, b)),
        hyparquet: await tryRead(() => readHyparquet(x.file, b)),
        'parquet-wasm': await tryRead(() => readParquetWasm(x.file, b)),
      };
      for (const [reader, res] of Object.entries(checks)) {
        if (res === 'ok') readers[reader]++;
        else
          problems.push(`- ${r.encoder} ${r.codec}, ${b.dataset.name}, read by ${reader}: ${res}`);
      }
    }
    const n = files.length;
    summary.push({ r, rows, ms, bytes, readers, n, layout: await layout(db, files) });
  }
  const ref = summary.find((s) => `${s.r.encoder}:${s.r.codec}` === REFERENCE);
  const lines = [
    `${machine()}; 1-minute load average ${fmt(Math.min(...load), 1)}–${fmt(Math.max(...load), 1)} during the run (other processes share the cores). \`generateWorkload({ events: ${fmt(EVENTS)}, seed: 1 })\` → ${fmt(list.reduce((a, b) => a + b.rows, 0))} rows in ${list.length} datasets, one file per dataset, ${fmt(ROW_GROUP)}-row row groups. Time: median of ${ROUNDS} rounds × ${RUNS} runs per dataset, summed over datasets. Peak RSS: ${results.every((r) => r.reset) ? 'high-water mark while encoding (reset after setup)' : 'process maxRSS, setup included'}, and in brackets what it adds to the baseline child, which holds the same batches and encodes nothing (${fmt(baseline?.startRssMB ?? 0)} MB; its own peak over the same span: ${fmt(baseline?.peakRssMB ?? 0)} MB). parquet-wasm's figure includes the wasm memory it grows, which wasm never gives back.`,
    '',
    `| encoder | codec | rows/s | vs ${REFERENCE} | total MiB | size vs ${REFERENCE} | peak RSS MB (over baseline) | DuckDB reads | hyparquet reads | parquet-wasm reads |`,
    '|---|---|---:|---:|---:|---:|---:|---|---|---|',
  ];
  for (const s of summary) {
    const speed = (s.rows / s.ms) * 1000;
    const refSpeed = ref ? (ref.rows / ref.ms) * 1000 : Number.NaN;
    const rd = (k) => `${s.readers[k] === s.n ? '✓' : '✗'} ${s.readers[k]}/${s.n}`;
    lines.push(
      `| ${s.r.encoder} | ${s.r.codec} | ${fmt(speed)} | ${fmt(speed / refSpeed, 2)}× | ${mb(s.bytes)} | ${fmt(s.bytes / (ref?.bytes ?? Number.NaN), 2)}× | ${fmt(s.r.peakRssMB)} (+${fmt(s.r.peakRssMB - (baseline?.startRssMB ?? 0))}) | ${rd('duckdb')} | ${rd('hyparquet')} | ${rd('parquet-wasm')} |`,
    );
  }
  lines.push(
    '',
    'File layout, from DuckDB `parquet_schema()` / `parquet_metadata()` over all datasets (dictionary: low-cardinality string column chunks with a DICTIONARY encoding; min/max: column chunks holding a non-null value that carry both statistics):',
    '',
    '| encoder | codec | `time` column | dictionary | min/max | codecs in the files |',
    '|---|---|---|---:|---:|---|',
  );
  for (const s of summary) {
    const l = s.layout;
    lines.push(
      `| ${s.r.encoder} | ${s.r.codec} | ${l.time} | ${l.dictionary} | ${l.stats} | ${l.codecs} |`,
    );
  }
  lines.push(
    '',
    problems.length === 0
      ? 'Every reader read every file back to exactly the values written.'
      : `Read-back differences:\n\n${problems.join('\n')}`,
    '',
    '<details><summary>Per dataset</summary>',
    '',
    '| encoder | codec | dataset | rows | ms | rows/s | bytes |',
    '|---|---|---|---:|---:|---:|---:|',
    ...perDataset,
    '',
    '</details>',
  );
  return lines.join('\n');
}

async function nestedSection(work, db) {
  process.stderr.write('nested values…\n');
  const load = [os.loadavg()[0]];
  const rows = await nested(db, work);
  load.push(os.loadavg()[0]);
  const lines = [
    `${machine()}; DuckDB ${(await db.runAndReadAll('SELECT version() AS v')).getRowObjectsJS()[0].v}, default threads (${(await db.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjectsJS()[0].t}); 1-minute load average ${fmt(Math.min(...load), 1)}–${fmt(Math.max(...load), 1)}. ${fmt(rows[0]?.rows ?? 0)} CloudTrail rows (\`generateWorkload({ formats: ['cloudtrail'] })\`), \`request_parameters\` written by encodeParquet (ZSTD) with \`time\`; query time is the median of ${rows[0]?.topQ.runs ?? 0} runs after a warm-up, alternating between the two files, of \`SELECT count(x), count(DISTINCT x) FROM (SELECT <expr> AS x FROM read_parquet(…))\`.`,
    '',
    '| storage | file bytes | column bytes (uncompressed) | DuckDB: top-level field | ms | found | DuckDB: nested field | ms | found | Athena |',
    '|---|---:|---:|---|---:|---:|---|---:|---:|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.storage} | ${fmt(r.fileBytes)} | ${fmt(r.columnBytes)} (${fmt(r.columnRawBytes)}) | \`${r.top}\` | ${fmt(r.topQ.ms, 1)} | ${fmt(r.topQ.found)} | \`${r.deep}\` | ${fmt(r.deepQ.ms, 1)} | ${fmt(r.deepQ.found)} | \`${r.athena}\` |`,
    );
  }
  return lines.join('\n');
}

function writeSection(name, body) {
  const file = join(pkg, 'ENCODERS.md');
  const text = readFileSync(file, 'utf8');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`ENCODERS.md has no ${start} … ${end}`);
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`);
  // Biome formats Markdown too (it aligns the tables): keep `pnpm lint` clean.
  try {
    const biome = join(pkg, '..', '..', 'node_modules', '.bin', 'biome');
    execFileSync(biome, ['format', '--write', file], { stdio: 'ignore' });
  } catch {
    process.stderr.write('warning: could not run biome format on ENCODERS.md\n');
  }
}

async function parent() {
  if (!distFresh()) {
    process.stderr.write(
      `warning: ${dist} is missing or older than src/; run pnpm turbo run build --filter=@logpipe/s3-parquet\n`,
    );
  }
  const work = mkdtempSync(join(os.tmpdir(), 'logpipe-bench-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  const onSignal = (sig) => {
    cleanup();
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const d = await import('@duckdb/node-api');
  const inst = await d.DuckDBInstance.create(':memory:');
  const db = await d.DuckDBConnection.create(inst);
  try {
    const sections = [];
    if (ONLY === '' || ONLY === 'encoders') {
      sections.push(['encoders', await encodersSection(work, db)]);
    }
    if (ONLY === '' || ONLY === 'nested') sections.push(['nested', await nestedSection(work, db)]);
    for (const [name, body] of sections) {
      process.stdout.write(`${body}\n\n`);
      if (args.includes('--write')) writeSection(name, body);
    }
  } finally {
    db.closeSync();
    inst.closeSync();
    cleanup();
  }
}

if (args.includes('--child')) await child(arg('child'), arg('work'));
else await parent();

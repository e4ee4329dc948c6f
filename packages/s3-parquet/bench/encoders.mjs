// Compares Parquet encoders on logpipe's datasets: hyparquet-writer (through
// src/encode.ts), parquet-wasm and DuckDB's own writer.
//
//   cd /work/main && pnpm turbo run build --filter=@logpipe/core
//   node --expose-gc packages/s3-parquet/bench/encoders.mjs [--events 100000] [--runs 5]
//
// src/encode.ts and src/columns.ts are bundled with esbuild (tsup's) into a
// temp dir, so this runs without building this package. Each encoder runs in
// its own child process so its peak RSS is its own. Figures are medians.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const EVENTS = Number(arg('events', '100000'));
const RUNS = Number(arg('runs', '5'));
// encoder:codec. hyparquet-writer's default is ZSTD where Node has zlib zstd, else SNAPPY.
const ENCODERS = (
  arg('encoders', '') ||
  'baseline:-,hyparquet-writer:default,hyparquet-writer:UNCOMPRESSED,parquet-wasm:SNAPPY,parquet-wasm:ZSTD,duckdb:SNAPPY,duckdb:ZSTD'
).split(',');

async function loadSrc(work) {
  const requireHere = createRequire(join(pkg, 'package.json'));
  const esbuild = createRequire(requireHere.resolve('tsup'))('esbuild');
  const outfile = join(work, 'src.mjs');
  const entry = join(work, 'entry.ts');
  writeFileSync(
    entry,
    `export { encodeParquet, zstdAvailable } from ${JSON.stringify(join(pkg, 'src/encode.ts'))};\n` +
      `export { logColumns, metricColumns } from ${JSON.stringify(join(pkg, 'src/columns.ts'))};\n`,
  );
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    packages: 'external',
    absWorkingDir: pkg,
    logLevel: 'error',
  });
  // Bare imports resolve from the output's folder: put it inside the package.
  const local = join(pkg, 'bench', `.src-${process.pid}.mjs`);
  writeFileSync(local, readFileSync(outfile));
  return local;
}

async function batches(src) {
  const core = await import('@logpipe/core');
  const { logColumns, metricColumns } = await import(pathToFileURL(src).href);
  const classifier = core.createClassifier();
  const byDataset = new Map();
  const metrics = [];
  for (const p of core.generateWorkload({ events: EVENTS, seed: 1 })) {
    const out = core.processEnvelope(p.envelope, classifier);
    for (const r of out.records) {
      const list = byDataset.get(r.dataset);
      if (list === undefined) byDataset.set(r.dataset, [r]);
      else list.push(r);
    }
    for (const m of out.metrics) metrics.push(m);
  }
  const out = [];
  for (const ds of core.listDatasets()) {
    const name = typeof ds === 'string' ? ds : ds.name;
    const def = core.getDataset(name);
    out.push(
      name === 'metrics' ? metricColumns(def, metrics) : logColumns(def, byDataset.get(name) ?? []),
    );
  }
  return out.filter((b) => b.rows > 0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const gc = () => globalThis.gc?.();

// ---- encoders (each returns bytes of one file) ----

function hyparquetEncoder(mod, codec) {
  const compression = codec === 'default' ? undefined : codec;
  return {
    encode: (batch) => mod.encodeParquet(batch, { compression }),
    codec: compression ?? (mod.zstdAvailable() ? 'ZSTD' : 'SNAPPY'),
  };
}

async function parquetWasmEncoder(mod, codec) {
  // parquet-wasm writes an Arrow Table; building one from JS rows needs
  // apache-arrow (not installed). So the Table comes from reading the
  // hyparquet-writer file (outside the timed section) and only
  // Arrow IPC → Table → Parquet is timed. That flatters parquet-wasm.
  const pw = await import('parquet-wasm');
  // WriterProperties is moved into wasm by writeParquet (a second use silently
  // falls back to defaults: uncompressed), so build one per call.
  const props = () =>
    new pw.WriterPropertiesBuilder()
      .setCompression(pw.Compression[codec])
      .setMaxRowGroupSize(100_000)
      .build();
  const tables = new Map();
  return {
    codec,
    prepare(batch) {
      tables.set(
        batch,
        pw.readParquet(mod.encodeParquet(batch, { compression: 'UNCOMPRESSED' })).intoIPCStream(),
      );
    },
    encode(batch) {
      // writeParquet consumes the Table: rebuild it from Arrow IPC (timed; cheap).
      return pw.writeParquet(pw.Table.fromIPCStream(tables.get(batch)), props());
    },
  };
}

async function duckdbEncoder(work, codec) {
  const d = await import('@duckdb/node-api');
  const instance = await d.DuckDBInstance.create(':memory:', { threads: '1' });
  const db = await d.DuckDBConnection.create(instance);
  const sqlType = {
    timestamp: 'TIMESTAMPTZ',
    int: 'INTEGER',
    bigint: 'BIGINT',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    string: 'VARCHAR',
    json: 'VARCHAR',
    map: 'MAP(VARCHAR, VARCHAR)',
  };
  const mapType = d.MAP(d.VARCHAR, d.VARCHAR);
  let n = 0;
  return {
    codec,
    async encode(batch) {
      const table = `t${n++}`;
      const cols = batch.columns.map((c) => `"${c.name}" ${sqlType[c.type]}`).join(', ');
      await db.run(`CREATE TABLE ${table} (${cols})`);
      const app = await db.createAppender(table);
      const { columns, values } = batch;
      for (let i = 0; i < batch.rows; i++) {
        for (let c = 0; c < columns.length; c++) {
          const v = values[c][i];
          if (v === null || v === undefined) {
            app.appendNull();
            continue;
          }
          switch (columns[c].type) {
            case 'timestamp':
              app.appendTimestampTZ(d.timestampTZValue(BigInt(v) * 1000n));
              break;
            case 'int':
              app.appendInteger(v);
              break;
            case 'bigint':
              app.appendBigInt(BigInt(v));
              break;
            case 'double':
              app.appendDouble(v);
              break;
            case 'boolean':
              app.appendBoolean(v);
              break;
            case 'map':
              app.appendMap(
                d.mapValue(Object.entries(v).map(([key, value]) => ({ key, value }))),
                mapType,
              );
              break;
            default:
              app.appendVarchar(v);
          }
        }
        app.endRow();
      }
      app.closeSync();
      const file = join(work, `${table}.parquet`);
      await db.run(
        `COPY ${table} TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 100000)`,
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
  const src = process.env.BENCH_SRC;
  const mod = await import(pathToFileURL(src).href);
  const list = await batches(src);
  const enc =
    name === 'baseline'
      ? { codec: '-', encode: () => new Uint8Array(0) } // setup only: the RSS floor
      : name === 'hyparquet-writer'
        ? hyparquetEncoder(mod, codec)
        : name === 'parquet-wasm'
          ? await parquetWasmEncoder(mod, codec)
          : await duckdbEncoder(work, codec);
  for (const b of list) enc.prepare?.(b);
  gc();
  // maxRSS is a high-water mark that setup already raised, so sample the
  // current RSS right after each encode (before GC) instead.
  const rssBase = process.memoryUsage().rss;
  const heapBase = process.memoryUsage().heapUsed;
  let heapPeak = 0;
  let rssPeak = 0;
  const result = { encoder: name, codec: enc.codec, datasets: {} };
  for (const b of list) {
    const times = [];
    let bytes;
    for (let r = 0; r < RUNS; r++) {
      gc();
      const h0 = process.memoryUsage().heapUsed;
      const t0 = process.hrtime.bigint();
      bytes = await enc.encode(b);
      const t1 = process.hrtime.bigint();
      const mem = process.memoryUsage();
      heapPeak = Math.max(heapPeak, mem.heapUsed - h0);
      rssPeak = Math.max(rssPeak, mem.rss - rssBase);
      times.push(Number(t1 - t0) / 1e6);
    }
    const file = join(work, `${name}-${codec}-${b.dataset.name}.parquet`);
    writeFileSync(file, bytes);
    result.datasets[b.dataset.name] = {
      rows: b.rows,
      ms: median(times),
      bytes: bytes.length,
      file,
    };
  }
  result.rssDeltaMB = rssPeak / 2 ** 20;
  result.maxRssMB = process.resourceUsage().maxRSS / 1024;
  result.heapDeltaMB = heapPeak / 2 ** 20;
  result.heapBaseMB = heapBase / 2 ** 20;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---- parent: run children, check files with DuckDB, print Markdown ----

function normalize(type, v) {
  if (v === null || v === undefined) return null;
  if (type === 'timestamp') return v instanceof Date ? v.getTime() : Number(v);
  if (type === 'int' || type === 'bigint') return Number(v);
  if (type === 'map') return typeof v === 'string' ? JSON.parse(v) : v;
  return v;
}

async function sameRows(db, file, batch) {
  const sel = batch.columns.map((c) => {
    const id = `"${c.name}"`;
    if (c.type === 'timestamp') return `epoch_ms(${id}) AS ${id}`;
    if (c.type === 'bigint') return `${id}::DOUBLE AS ${id}`;
    if (c.type === 'map') return `to_json(${id})::VARCHAR AS ${id}`;
    return id;
  });
  const rows = (
    await db.runAndReadAll(
      `SELECT ${sel.join(', ')} FROM read_parquet('${file}') ORDER BY file_row_number`,
    )
  ).getRowObjectsJS();
  if (rows.length !== batch.rows) return `row count ${rows.length} ≠ ${batch.rows}`;
  for (let i = 0; i < batch.rows; i++) {
    for (let c = 0; c < batch.columns.length; c++) {
      const col = batch.columns[c];
      const want = JSON.stringify(normalize(col.type, batch.values[c][i]));
      const got = JSON.stringify(normalize(col.type, rows[i][col.name]));
      if (want !== got) return `row ${i} ${col.name}: ${got.slice(0, 60)} ≠ ${want.slice(0, 60)}`;
    }
  }
  return 'identical';
}

async function parent() {
  const work = mkdtempSync(join(tmpdir(), 'logpipe-bench-'));
  const src = await loadSrc(work);
  try {
    const results = [];
    for (const name of ENCODERS) {
      const out = execFileSync(
        process.execPath,
        [
          '--expose-gc',
          fileURLToPath(import.meta.url),
          '--child',
          name,
          '--work',
          work,
          '--events',
          String(EVENTS),
          '--runs',
          String(RUNS),
        ],
        {
          env: { ...process.env, BENCH_SRC: src },
          maxBuffer: 1 << 26,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      results.push(JSON.parse(out.toString().trim().split('\n').at(-1)));
    }
    const d = await import('@duckdb/node-api');
    const inst = await d.DuckDBInstance.create(':memory:');
    const db = await d.DuckDBConnection.create(inst);
    const list = await batches(src);
    const lines = [];
    const os = await import('node:os');
    lines.push(
      `Node ${process.version}, ${os.cpus()[0]?.model} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ` +
        `generateWorkload({ events: ${EVENTS}, seed: 1 }); median of ${RUNS} runs per dataset.`,
    );
    lines.push('');
    lines.push('| encoder | codec | dataset | rows | ms | rows/s | bytes | DuckDB reads back |');
    lines.push('|---|---|---|---:|---:|---:|---:|---|');
    for (const r of results) {
      if (r.encoder === 'baseline') {
        lines.push(
          `| baseline (setup only, no encoding) | - | - | - | - | - | - | process max RSS ${r.maxRssMB.toFixed(0)} MB |`,
        );
        continue;
      }
      let rows = 0;
      let ms = 0;
      let bytes = 0;
      for (const b of list) {
        const x = r.datasets[b.dataset.name];
        if (x === undefined) continue;
        const check = await sameRows(db, x.file, b);
        rows += x.rows;
        ms += x.ms;
        bytes += x.bytes;
        lines.push(
          `| ${r.encoder} | ${r.codec} | ${b.dataset.name} | ${x.rows} | ${x.ms.toFixed(1)} | ${Math.round((x.rows / x.ms) * 1000)} | ${x.bytes} | ${check} |`,
        );
      }
      lines.push(
        `| **${r.encoder}** | ${r.codec} | **all** | ${rows} | ${ms.toFixed(1)} | ${Math.round((rows / ms) * 1000)} | ${bytes} | RSS +${r.rssDeltaMB.toFixed(0)} MB, heap +${r.heapDeltaMB.toFixed(0)} MB, process max RSS ${r.maxRssMB.toFixed(0)} MB |`,
      );
    }
    db.closeSync();
    inst.closeSync();
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(src, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

if (args.includes('--child')) await child(arg('child'), arg('work'));
else await parent();

// Runs the benchmark scenarios against the built packages and writes the report:
// <out>/latest.md (tables), <out>/*.svg (charts) and <out>/latest.json (figures and targets).
//
//   node benchmarks/run.mjs [--quick] [--out <dir>] [--passes <n>] [scenario…]
//
// --quick    tiny inputs, few rounds: a smoke run for CI (well under a minute); its figures
//            mean nothing
// --out      where the report goes (default benchmarks/results)
// --passes   every job of a scenario runs in this many passes (default 2, quick 1), each pass
//            over all its variants in turn, so that load from other processes spreads over
//            all variants instead of hitting one; a job may ask for fewer (`passes: 1`)
// scenario   decode, firehose, pool, parquet, timestream, query (default: all)
//
// A scenario module either has the shape of those here (prepare/tasks, jobs, setup, variants,
// report: see scenarios/decode.mjs; a prepare task marked `long: true` starts first, a job
// with `passes: 1` runs once) or the older `{ name, run }` one, run whole in one child:
// `run({ quick })` returns `{ title, rows, targets?, charts? }`; rows with a numeric `threads`
// and `eventsPerSec` (or `mbPerSec`) are drawn as throughput vs threads, one line per `series`
// (else `batch`, else `variant`); `targets` ([{ id, met, value, note }]) feed the summary.
// scenarios/pool.mjs (the worker pool's, written with it) is picked up when it exists.
//
// Every measured variant runs in a child process of its own (child.mjs, --expose-gc), which
// reports its round times and its peak RSS. Inputs are generated once into .cache/ first,
// every scenario's before any is measured, as many at once as there are cores.
// Run under `logpipe bench`, progress goes to the parent over IPC ({ type: 'plan' | 'start' |
// 'progress', … }); else one line per finished job to stderr.
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipLibdeflateVersion } from '@logpipe/core';
import { lineChart } from './charts.mjs';
import { BENCH_DIR, fmt } from './lib.mjs';
import { evaluateTargets, headlineTable, targetTable } from './targets.mjs';

const ALL = ['decode', 'firehose', 'pool', 'parquet', 'timestream', 'query'];

function parseArgs(argv) {
  const opts = { quick: false, out: join(BENCH_DIR, 'results'), passes: undefined, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--out') opts.out = resolve(argv[++i] ?? '');
    else if (a === '--passes') opts.passes = Number(argv[++i]);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (!ALL.includes(a)) throw new Error(`unknown scenario ${a}; known: ${ALL.join(', ')}`);
    else opts.only.push(a);
  }
  opts.passes ??= opts.quick ? 1 : 2;
  if (!Number.isInteger(opts.passes) || opts.passes < 1) throw new Error('--passes must be ≥ 1');
  return opts;
}

/** Runs one job in a fresh child process; resolves with what the child sent. */
function runChild(job) {
  return new Promise((done) => {
    const child = fork(join(BENCH_DIR, 'child.mjs'), [], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    let reply;
    child.stdout.on('data', (c) => {
      stderr += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('message', (m) => {
      reply = m;
    });
    child.on('exit', (code, signal) => {
      if (reply?.ok) done(reply);
      else
        done({
          ok: false,
          error: reply?.error ?? `child exited with ${signal ?? code}: ${stderr.slice(-2000)}`,
        });
    });
    child.send(job);
  });
}

/** Tells a parent (`logpipe bench`) which step runs now. */
function starting(state, label) {
  if (process.send) process.send({ type: 'start', done: state.done, total: state.total, label });
}

function progress(state, label) {
  state.done++;
  if (process.send) process.send({ type: 'progress', done: state.done, total: state.total, label });
  else
    process.stderr.write(
      `[${state.done}/${state.total} ${Math.round((Date.now() - state.started) / 1000)} s] ${label}\n`,
    );
}

/**
 * Passes of a job: --passes, or fewer where the job says so (`passes: 1`: a job whose
 * figures no target is judged on, where a second process would cost a second start-up and
 * warm-up for nothing the report uses).
 */
function passesOf(job, opts) {
  return Math.min(opts.passes, job.passes ?? opts.passes);
}

async function loadScenarios(only) {
  const list = [];
  for (const name of only.length > 0 ? only : ALL) {
    const file = join(BENCH_DIR, 'scenarios', `${name}.mjs`);
    if (!existsSync(file)) {
      list.push({ name, file, missing: true });
      continue;
    }
    const mod = await import(pathToFileURL(file).href);
    list.push({ name, file, mod, legacy: typeof mod.jobs !== 'function' });
  }
  return list;
}

function merge(into, r) {
  if (into === undefined) return r;
  if (!r.ok) return r;
  const times = { ...into.times };
  for (const [k, v] of Object.entries(r.times ?? {})) times[k] = [...(times[k] ?? []), ...v];
  const cpuTimes = { ...into.cpuTimes };
  for (const [k, v] of Object.entries(r.cpuTimes ?? {}))
    cpuTimes[k] = [...(cpuTimes[k] ?? []), ...v];
  return {
    ...r,
    times,
    cpuTimes,
    peakRssMB: Math.max(into.peakRssMB, r.peakRssMB),
    setupRssMB: Math.max(into.setupRssMB, r.setupRssMB),
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const loadStart = os.loadavg();
  const scenarios = await loadScenarios(opts.only);
  const ctx = { quick: opts.quick };

  // The plan, so that progress has a total.
  const plan = [];
  for (const s of scenarios) {
    if (s.missing || s.skipped) continue;
    if (s.legacy) {
      plan.push({ s, kind: 'legacy', jobs: [{ id: 'run', label: s.name, params: ctx }] });
      continue;
    }
    plan.push({ s, kind: 'prepare', tasks: s.mod.prepare?.(ctx) ?? [] });
    plan.push({ s, kind: 'measure', jobs: s.mod.jobs(ctx) });
  }
  const state = { done: 0, total: 0, started };
  for (const p of plan)
    state.total +=
      p.kind === 'prepare'
        ? p.tasks.length
        : p.kind === 'legacy'
          ? 1
          : p.jobs.reduce((n, j) => n + passesOf(j, opts), 0);
  if (process.send) process.send({ type: 'plan', total: state.total });

  const failures = [];
  const reports = {};
  const resultsByScenario = {};
  const tasksByScenario = {};
  // Every scenario's inputs first, before anything is timed, on as many children at once as
  // there are cores: nothing is measured while inputs are built, and most builders are
  // single-threaded JavaScript (from an empty .cache/ on Node 20, 112 s one after the other).
  // Tasks marked `long` (the query lakes) start first, so that the short ones fill the other
  // cores meanwhile instead of leaving one long task alone at the end.
  const inputs = plan
    .flatMap((p) => (p.kind === 'prepare' ? p.tasks.map((t) => ({ s: p.s, t })) : []))
    .sort((a, b) => Number(b.t.long === true) - Number(a.t.long === true));
  let nextInput = 0;
  const inputLane = async () => {
    while (nextInput < inputs.length) {
      const { s, t } = inputs[nextInput++];
      starting(state, `${s.name}: input ${t.label}`);
      const r = await runChild({ kind: 'task', module: s.file, task: t.task, params: t.params });
      if (!r.ok) failures.push(`${s.name} prepare ${t.label}: ${r.error}`);
      else {
        tasksByScenario[s.name] ??= {};
        tasksByScenario[s.name][t.task] = r.value;
      }
      progress(state, `${s.name}: input ${t.label}`);
    }
  };
  await Promise.all(
    Array.from(
      { length: Math.max(1, Math.min(inputs.length, os.availableParallelism())) },
      inputLane,
    ),
  );
  for (const p of plan) {
    const name = p.s.name;
    resultsByScenario[name] ??= {};
    const results = resultsByScenario[name];
    if (p.kind === 'prepare') continue;
    if (p.kind === 'legacy') {
      starting(state, name);
      const r = await runChild({
        kind: 'legacy',
        module: p.s.file,
        params: { ...ctx, ...(ctx.quick ? { rounds: 1 } : {}) },
      });
      if (!r.ok) failures.push(`${name}: ${r.error}`);
      results.run = r;
      progress(state, name);
      continue;
    }
    for (let pass = 0; pass < opts.passes; pass++) {
      for (const job of p.jobs) {
        const passes = passesOf(job, opts);
        if (pass >= passes) continue;
        const rounds = Math.ceil(job.rounds / passes);
        starting(state, `${name}: ${job.label}${passes > 1 ? ` (pass ${pass + 1})` : ''}`);
        const r = await runChild({
          kind: 'measure',
          module: p.s.file,
          variant: job.variant,
          params: job.params,
          rounds,
          warmup: rounds === 0 ? 0 : (job.warmup ?? 1),
        });
        if (!r.ok) failures.push(`${name} ${job.label}: ${r.error}`);
        results[job.id] = r.ok ? merge(results[job.id], r) : { error: r.error };
        progress(state, `${name}: ${job.label}${passes > 1 ? ` (pass ${pass + 1})` : ''}`);
      }
    }
  }

  // Reports.
  mkdirSync(opts.out, { recursive: true });
  const sections = [];
  const charts = [];
  for (const s of scenarios) {
    if (s.skipped) {
      sections.push(`## ${s.name}`, '', `_${s.skipped}._`, '');
      reports[s.name] = { skipped: s.skipped };
      continue;
    }
    if (s.missing) {
      sections.push(
        `## ${s.name}`,
        '',
        `_Not run: benchmarks/scenarios/${s.name}.mjs does not exist yet._`,
        '',
      );
      reports[s.name] = { missing: true };
      continue;
    }
    const results = resultsByScenario[s.name] ?? {};
    let rep;
    try {
      rep = s.legacy
        ? legacyReport(s, results.run)
        : s.mod.report(results, ctx, tasksByScenario[s.name] ?? {});
    } catch (error) {
      failures.push(`${s.name} report: ${error.stack}`);
      rep = { sections: [`_Report failed: ${error.message}_`], charts: [], summary: {} };
    }
    reports[s.name] = rep;
    sections.push(`## ${s.mod.title ?? s.name}`, '', ...rep.sections);
    for (const c of rep.charts ?? []) {
      writeFileSync(join(opts.out, c.file), c.svg);
      charts.push(c.file);
    }
  }
  const targets = evaluateTargets(reports, ctx);
  const loadEnd = os.loadavg();
  const seconds = (Date.now() - started) / 1000;
  const cpu = os.cpus();
  const load = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  // The children inherit this environment and installation, so they gunzip the same way.
  const libdeflate = gunzipLibdeflateVersion();
  const gunzip =
    libdeflate === undefined ? 'node:zlib' : `libdeflate ${libdeflate} (@logpipe/libdeflate)`;
  const header = [
    '# Benchmark results',
    '',
    `Generated by \`node benchmarks/run.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` (\`pnpm bench\`, \`logpipe bench\`) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC in ${fmt(seconds, 0)} s: Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; logpipe's gunzip: ${gunzip}.`,
    `Load average (1 / 5 / 15 min) at start ${load(loadStart)}, at end ${load(loadEnd)}: other processes share these cores, so compare ratios within one run, not figures across runs.`,
    `Every variant runs in a child process of its own (peak RSS is that process's maxRSS, input included; the \`baseline\` rows hold the input only); figures are medians over ${opts.passes} pass(es) of each scenario's variants in turn (one for the jobs that ask for it: decode's per-format and payload-size rows, the query latencies), with min–max and the interquartile range (IQR, % of the median) of the rounds. MB = 10⁶ bytes.`,
    opts.quick ? '\n**Quick (smoke) run: tiny inputs; the figures mean nothing.**' : '',
    '',
    '## Summary',
    '',
    targetTable(targets),
    '',
    headlineTable(reports),
    '',
  ];
  if (failures.length > 0)
    header.push('## Failures', '', ...failures.map((f) => `- ${f.split('\n')[0]}`), '');
  writeFileSync(join(opts.out, 'latest.md'), `${header.join('\n')}\n${sections.join('\n')}\n`);
  writeFileSync(
    join(opts.out, 'latest.json'),
    `${JSON.stringify(
      {
        quick: opts.quick,
        date: new Date().toISOString(),
        seconds,
        node: process.version,
        gunzip,
        load: { start: loadStart, end: loadEnd },
        targets,
        charts,
        failures,
      },
      null,
      2,
    )}\n`,
  );
  const summaryText = `${targetTable(targets)}\n\nreport: ${join(opts.out, 'latest.md')} (${fmt(seconds, 0)} s)\n`;
  process.stdout.write(summaryText);
  if (failures.length > 0) {
    for (const f of failures) process.stderr.write(`failed: ${f}\n`);
    process.exitCode = 1;
  }
}

/** Cells of a Markdown table row, or undefined for a line that is not one. */
function cells(line) {
  if (!line.startsWith('|')) return undefined;
  return line
    .slice(1, line.endsWith('|') ? -1 : undefined)
    .split('|')
    .map((c) => c.trim());
}

/**
 * Scaling rows found in a legacy scenario's Markdown sections: tables with `batch`, `variant`
 * and `events/s` columns whose variant reads "inline…" or "… N thread(s)".
 */
export function scalingRows(sections) {
  const rows = [];
  for (const section of sections) {
    let head;
    for (const line of String(section).split('\n')) {
      const c = cells(line);
      if (c === undefined) {
        head = undefined;
        continue;
      }
      if (head === undefined) {
        head = c.map((x) => x.toLowerCase());
        continue;
      }
      if (c.every((x) => /^:?-+:?$/.test(x))) continue;
      const bi = head.indexOf('batch');
      const vi = head.indexOf('variant');
      const ei = head.indexOf('events/s');
      const ci = head.indexOf('cpu ms');
      const si = head.findIndex((h) => h.startsWith('cpu ms by thread'));
      const ti = head.indexOf('vs inline, in turns');
      if (bi < 0 || vi < 0 || ei < 0) continue;
      const variant = c[vi] ?? '';
      const m = /(\d+) threads?(.*)$/.exec(variant);
      const inline = /^inline/.test(variant);
      if (m === null && !inline) continue;
      rows.push({
        batch: (c[bi] ?? '').split(',')[0].trim(),
        mb: Number.parseFloat(c[bi] ?? ''),
        inline,
        threads: inline ? 1 : Number(m?.[1]),
        // What follows "N threads" ("", ", one task per thread", …): a variant of its own.
        flavour: inline ? '' : (m?.[2] ?? '').replace(/^[,;]\s*/, '').trim(),
        eventsPerSec: Number((c[ei] ?? '').replaceAll(',', '')),
        cpuMs: ci < 0 ? Number.NaN : Number((c[ci] ?? '').replaceAll(',', '')),
        // "calling · workers · other" CPU ms, where the scenario could split it by thread.
        split: si < 0 ? undefined : (c[si] ?? '').split('·').map((x) => Number(x.trim())),
        // Throughput vs inline, the median of the rounds' ratios (NaN where not reported).
        inTurns: ti < 0 ? Number.NaN : Number.parseFloat(c[ti] ?? ''),
      });
    }
  }
  return rows;
}

/** "2 workers ≥ 1.7× one thread for batches of 1 MB and more", from scaling rows. */
function poolTarget(rows, pairCeiling) {
  const batches = [...new Set(rows.filter((r) => r.mb >= 1).map((r) => r.batch))];
  const ratios = [];
  for (const b of batches) {
    const inline = rows.find((r) => r.batch === b && r.inline);
    const pool = (n) =>
      rows.find((r) => r.batch === b && !r.inline && r.threads === n && r.flavour === '');
    const one = pool(1);
    const two = pool(2);
    if (inline && two)
      ratios.push({
        b,
        ofMedians: two.eventsPerSec / inline.eventsPerSec,
        // Judged in turns where the scenario reports it, as the Firehose targets are.
        vsInline: Number.isFinite(two.inTurns)
          ? two.inTurns
          : two.eventsPerSec / inline.eventsPerSec,
        inTurns: Number.isFinite(two.inTurns),
        vsOne: one ? two.eventsPerSec / one.eventsPerSec : undefined,
        // CPU time of the same batch on the pool of 2 over inline: what the pool adds.
        cpu: two.cpuMs / inline.cpuMs,
        split: [inline.split, two.split].every((x) => x?.length === 3 && x.every(Number.isFinite))
          ? { inline: inline.split, two: two.split }
          : undefined,
      });
  }
  if (ratios.length === 0) return undefined;
  return {
    id: 'pool-2-workers',
    value: ratios.every((r) => r.inTurns)
      ? `in turns (median of the rounds' ratios): ${ratios.map((r) => `${r.b}: ${fmt(r.vsInline, 2)}×`).join(', ')}; of the medians: ${ratios.map((r) => `${r.b}: ${fmt(r.ofMedians, 2)}×`).join(', ')}`
      : ratios.map((r) => `${r.b}: ${fmt(r.ofMedians, 2)}×`).join(', '),
    met: ratios.every((r) => r.vsInline >= 1.7),
    note:
      `pool of 2 threads vs the same work inline on one thread (vs a pool of 1 thread: ${ratios.map((r) => `${r.b} ${fmt(r.vsOne, 2)}×`).join(', ')})` +
      (ratios.every((r) => Number.isFinite(r.cpu))
        ? `; the pool of 2 spends ${ratios.map((r) => `${fmt(r.cpu, 2)}×`).join(' / ')} the inline CPU time on the same batch, which caps 2 cores at ${ratios.map((r) => `${fmt(2 / r.cpu, 2)}×`).join(' / ')}`
        : '') +
      (ratios.every((r) => r.split !== undefined)
        ? ` (CPU ms by thread, calling · workers · other: ${ratios.map((r) => `${r.b} inline ${r.split.inline.map((x) => fmt(x, 1)).join(' · ')}, pool of 2 ${r.split.two.map((x) => fmt(x, 1)).join(' · ')}`).join('; ')})`
        : '') +
      (Array.isArray(pairCeiling) && pairCeiling.length > 0
        ? `; two processes doing the same 1 MB work inline at once reached ${pairCeiling.map((x) => `${fmt(x, 2)}×`).join(' / ')} one process alone (before / after the scenario: what this machine gives two threads on this work, no pool involved)`
        : ''),
  };
}

/** A scenario with the old `{ name, run }` shape: its own sections or its rows as a table. */
function legacyReport(s, r) {
  if (!r?.ok)
    return { sections: [`_Failed: ${r?.error?.split('\n')[0] ?? 'not run'}_`, ''], summary: {} };
  const result = r.legacy ?? {};
  const rows = result.rows ?? [];
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (v) =>
    typeof v === 'number' ? fmt(v, Math.abs(v) >= 100 ? 0 : 2) : String(v ?? '');
  const lines = [];
  if (result.title) lines.push(`${result.title}`, '');
  for (const sec of result.sections ?? []) lines.push(sec, '');
  if (rows.length > 0)
    lines.push(
      `| ${keys.join(' | ')} |`,
      `|${keys.map(() => '---').join('|')}|`,
      ...rows.map((row) => `| ${keys.map((k) => cell(row[k])).join(' | ')} |`),
      '',
    );
  lines.push(`Peak RSS of the scenario's process: ${fmt(r.peakRssMB, 0)} MB.`, '');
  const charts = [...(result.charts ?? [])];
  // Throughput vs threads: from rows with `threads`, else from the sections' scaling tables.
  let points = [];
  if (keys.includes('threads') && (keys.includes('eventsPerSec') || keys.includes('mbPerSec'))) {
    points = rows.map((row) => ({
      series: String(row.series ?? row.batch ?? row.variant ?? 'throughput'),
      threads: Number(row.threads),
      y: Number(row.eventsPerSec ?? row.mbPerSec),
    }));
  } else {
    const scaling = scalingRows(result.sections ?? []);
    points = scaling.map((x) => ({
      series: `${x.batch}, ${x.inline ? 'inline' : `pool${x.flavour ? `, ${x.flavour}` : ''}`}`,
      threads: x.threads,
      y: x.eventsPerSec,
    }));
  }
  const targets = [...(result.targets ?? [])];
  const t = poolTarget(scalingRows(result.sections ?? []), result.pairCeiling);
  if (t && !targets.some((x) => x.id === t.id)) targets.push(t);
  if (points.length > 0) {
    const series = new Map();
    for (const p of points) {
      if (!series.has(p.series)) series.set(p.series, []);
      series.get(p.series).push([p.threads, p.y]);
    }
    charts.push({
      file: `${s.name}-threads.svg`,
      svg: lineChart({
        title: `${s.name}: throughput vs threads`,
        xLabel: 'threads',
        yLabel: 'events/s',
        series: [...series].map(([name, pts]) => ({ name, points: pts })),
      }),
    });
    lines.push(`![throughput vs threads](${s.name}-threads.svg)`, '');
  }
  const headline = t
    ? [
        {
          what: 'Worker pool, batches ≥ 1 MB: 2 threads vs the same work inline (events/s)',
          ours: 'pool, 2 threads',
          peer: 'inline, 1 thread',
          ratio: t.value,
        },
      ]
    : [];
  return { sections: lines, charts, summary: { ...result, targets }, headline, legacy: true };
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 2;
});

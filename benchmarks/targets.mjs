// The issue's targets, evaluated on the figures of one run, and the summary tables.
import { fmt } from './lib.mjs';

/**
 * [{ id, target, value, met, note }]; met is true/false, or undefined when the scenario that
 * measures it did not run.
 */
export function evaluateTargets(reports, { quick }) {
  const out = [];
  const suffix = quick ? ' (quick run: not meaningful)' : '';

  // Ratios are judged on the variants run in turns in one process (`paired` in decode.mjs,
  // `in turns` in firehose.mjs) where that job ran; the ratio of the separate processes is
  // shown next to it.
  const mixed = reports.decode?.summary?.mixed;
  {
    const apart = mixed ? mixed.full.mbPerSec / mixed.floor.mbPerSec : undefined;
    const cpu = mixed ? mixed.floor.cpuSeconds / mixed.full.cpuSeconds : undefined;
    const turns = mixed?.paired;
    const ratio = turns?.ratio ?? apart;
    // One decimal: a ratio of 0.598 must not read as the 60 % it misses.
    const pct = (x) => `${fmt(x * 100, 1)} %`;
    out.push({
      id: 'decode-vs-floor',
      target: 'decode + classify + parse ≥ 60 % of the decode floor on mixed traffic',
      value:
        ratio === undefined
          ? 'not measured'
          : (turns
              ? `in turns in one process: ${pct(turns.ratio)} (on CPU time: ${pct(turns.cpuRatio)}); in separate processes: `
              : '') +
            `${pct(apart)} (on CPU time: ${pct(cpu)})` +
            (mixed.bound?.mbPerSec
              ? `; the floor plus nothing but JSON.parse of the JSON messages: ${mixed.boundInTurns ? `${pct(mixed.boundInTurns.ratio)} in turns, ` : ''}${pct(mixed.bound.mbPerSec / mixed.floor.mbPerSec)}${mixed.boundInTurns ? ' apart' : ''}`
              : ''),
      met: ratio === undefined ? undefined : ratio >= 0.6,
      note: ratio === undefined ? '' : suffix,
    });
  }

  const fh = reports.firehose?.summary;
  const sizes = fh ? Object.keys(fh) : [];
  /** [size, wall-clock ratio a/b of events/s, the same on CPU time] per batch size. */
  const compare = (a, b) =>
    sizes.map((s) => [
      s,
      fh[s][a].eventsPerSec / fh[s][b].eventsPerSec,
      fh[s][b].cpuSeconds / fh[s][a].cpuSeconds,
    ]);
  /** [size, ratio, CPU-time ratio] of one mode from the runs in turns, or undefined when any size lacks them. */
  const inTurns = (mode) => {
    const r = sizes.map((s) => fh[s].inTurns?.[mode]);
    return sizes.length > 0 && r.every((x) => x !== undefined)
      ? sizes.map((s, i) => [s, r[i].ratio, r[i].cpuRatio])
      : undefined;
  };
  const list = (ratios, what = '') =>
    ratios.map(([s, r, c]) => `${s}: ${fmt(r, 2)}×${what} (CPU time: ${fmt(c, 2)}×)`).join(', ');
  {
    const apart = compare('messages', 'blueprint');
    const turns = inTurns('messages');
    const ratios = turns ?? apart;
    out.push({
      id: 'messages-vs-blueprint',
      target: 'messages-only Firehose mode ≥ 1.4× the blueprint-equivalent, one thread',
      value:
        ratios.length === 0
          ? 'not measured'
          : `${turns ? `in turns in one process: ${list(turns)}; in separate processes: ` : ''}${list(apart)}; the floor alone (base64, zlib.gunzipSync, JSON.parse; no output): ${compare(
              'floor',
              'blueprint',
            )
              .map(([s, r]) => `${s}: ${fmt(r, 2)}×`)
              .join(', ')}`,
      met: ratios.length === 0 ? undefined : ratios.every(([, r]) => r >= 1.4),
      note: ratios.length === 0 ? '' : suffix,
    });
  }

  {
    const pool = reports.pool;
    const t =
      pool?.summary?.targets?.find?.((x) => x.id === 'pool-2-workers') ??
      pool?.summary?.targets?.[0];
    out.push({
      id: 'pool-2-workers',
      target: '2 workers ≥ 1.7× one thread for batches of 1 MB and more',
      value: t ? String(t.value) : 'not measured',
      met: t ? Boolean(t.met) : undefined,
      note: t
        ? `${t.note ?? ''}${suffix}`
        : pool?.missing
          ? 'benchmarks/scenarios/pool.mjs does not exist yet (the worker pool is being written)'
          : pool?.skipped
            ? `pool scenario ${pool.skipped}`
            : pool
              ? 'the pool scenario reported no target figure'
              : 'pool scenario not run',
    });
  }

  {
    const apart = compare('records', 'powertools');
    const turns = inTurns('records');
    const ratios = turns ?? apart;
    out.push({
      id: 'normalized-vs-powertools',
      target:
        "normalized Firehose mode faster per event than the Powertools parser's envelope decoding",
      value:
        ratios.length === 0
          ? 'not measured'
          : (turns
              ? `in turns in one process: ${list(turns, " Powertools' events/s")}; in separate processes: `
              : '') +
            list(apart, " Powertools' events/s") +
            (sizes.every((s) => fh[s]['decode + JSON + line JSON']?.eventsPerSec)
              ? `; logpipe's decode, JSON.parse of the JSON messages and the line writer's two JSON.stringify calls alone (no classification, no parsers, no output base64, no response): ${sizes
                  .map((s) => {
                    const us = (r) => 1e6 / r.eventsPerSec;
                    return `${s}: ${fmt(us(fh[s]['decode + JSON + line JSON']), 1)} µs vs Powertools ${fmt(us(fh[s].powertools), 1)} µs per event`;
                  })
                  .join(', ')}`
              : ''),
      met: ratios.length === 0 ? undefined : ratios.every(([, r]) => r > 1),
      note: ratios.length === 0 ? '' : suffix,
    });
  }
  return out;
}

export function targetTable(targets) {
  const mark = (m) => (m === undefined ? '– not measured' : m ? '✅ met' : '❌ missed');
  return [
    '| target | measured | result |',
    '|---|---|---|',
    ...targets.map(
      (t) => `| ${t.target} | ${t.value} | ${mark(t.met)}${t.note ? ` ${t.note.trim()}` : ''} |`,
    ),
  ].join('\n');
}

/** The peers side by side: each scenario's headline rows. */
export function headlineTable(reports) {
  const rows = [];
  for (const r of Object.values(reports)) for (const h of r?.headline ?? []) rows.push(h);
  if (rows.length === 0) return '';
  return [
    '| comparison | logpipe | peer / reference | ratio |',
    '|---|---:|---:|---:|',
    ...rows.map((h) => `| ${h.what} | ${h.ours} | ${h.peer} | ${h.ratio} |`),
  ].join('\n');
}

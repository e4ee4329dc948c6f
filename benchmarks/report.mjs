// Markdown helpers shared by the scenarios' report() functions.
import { fmt, fmtSig, summarize } from './lib.mjs';

/**
 * One table row from a measured job: median seconds of its rounds, spread, events/s and MB/s
 * (from meta.events and meta.unitBytes per round), peak RSS. `label` picks one of several
 * labelled runs of the job.
 */
export function rowOf(result, variant, label = '') {
  const times = result?.times?.[label] ?? [];
  const s = summarize(times);
  const cpu = summarize(result?.cpuTimes?.[label] ?? []);
  const events = result?.meta?.events ?? Number.NaN;
  const bytes = result?.meta?.unitBytes ?? Number.NaN;
  return {
    variant,
    rounds: s.n,
    seconds: s.median,
    min: s.min,
    max: s.max,
    q1: s.q1,
    q3: s.q3,
    cpuSeconds: cpu.median,
    eventsPerSec: events / s.median,
    eventsPerCpuSec: events / cpu.median,
    mbPerSec: bytes / 1e6 / s.median,
    peakRssMB: result?.peakRssMB ?? Number.NaN,
    setupRssMB: result?.setupRssMB ?? Number.NaN,
    info: result?.info,
    missing: result === undefined || result.error !== undefined,
  };
}

/** "0.512 (0.50–0.53)": median and min–max of a row, in seconds. */
export function spread(r, digits = 3) {
  if (r.rounds === 0) return '–';
  return `${fmt(r.min, digits)}–${fmt(r.max, digits)}`;
}

/**
 * The standard table: variant, median seconds, min–max, IQR as % of the median, events/s,
 * MB/s, ratio of throughput vs the reference variant, then the same ratio on CPU time (less
 * sensitive to other load on the machine), peak RSS.
 */
export function measureTable(rows, { reference, unit = 'MB/s', notes = {} }) {
  const ref = rows.find((r) => r.variant === reference);
  const out = [
    `| variant | seconds (median) | min–max | IQR | events/s | ${unit} | vs ${reference} | CPU s (median) | vs ${reference}, CPU | peak RSS MB |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const note = notes[r.variant] ? ` ${notes[r.variant]}` : '';
    if (r.missing) {
      out.push(`| ${r.variant}${note} | failed | | | | | | | | |`);
      continue;
    }
    if (r.rounds === 0) {
      out.push(`| ${r.variant}${note} | – | – | – | – | – | – | – | – | ${fmt(r.peakRssMB, 0)} |`);
      continue;
    }
    const iqr = ((r.q3 - r.q1) / r.seconds) * 100;
    const has = ref && ref.rounds > 0;
    const ratio = has ? `${fmt(ref.seconds / r.seconds, 2)}×` : '–';
    const cpuRatio = has ? `${fmt(ref.cpuSeconds / r.cpuSeconds, 2)}×` : '–';
    out.push(
      `| ${r.variant}${note} | ${fmt(r.seconds, 3)} | ${spread(r)} | ${fmt(iqr, 0)} % | ${fmt(r.eventsPerSec, 0)} | ${fmtSig(r.mbPerSec)} | ${ratio} | ${fmt(r.cpuSeconds, 3)} | ${cpuRatio} | ${fmt(r.peakRssMB, 0)} |`,
    );
  }
  return out.join('\n');
}

/** A Markdown table from a header row and body rows. */
export function table(header, rows, align) {
  const a = align ?? header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [
    `| ${header.join(' | ')} |`,
    `|${a.join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

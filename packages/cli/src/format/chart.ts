/**
 * The terminal chart of a `stats … by bin(…)` result: one line per series over the bins,
 * drawn with asciichart.
 */
import type { CellValue } from '@logpipe/athena-query';
import { blue, cyan, green, magenta, plot, reset, yellow } from 'asciichart';
import { cellNumber, cellText } from './cell.js';

/** Options of {@link binChart}. */
export interface ChartOptions {
  /** Width of the whole chart in columns (labels included). Default 80. */
  width?: number | undefined;
  /** Rows of the plot area. Default 10. */
  height?: number | undefined;
  /** Colour the series (a terminal). Default false. */
  color?: boolean | undefined;
}

/** Most series drawn in one chart (the ones with the largest totals). */
export const MAX_CHART_SERIES = 4;
/** Most bins a gap is filled up to. */
const MAX_FILLED_BINS = 10_000;
const LABEL_WIDTH = 10;
const COLORS = [cyan, yellow, magenta, green, blue];

function binTime(value: CellValue): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** 1234 → "1.23k": axis labels stay narrow. */
export function compactNumber(n: number): string {
  const abs = Math.abs(n);
  for (const [size, suffix] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (abs >= size) return `${Number((n / size).toPrecision(3))}${suffix}`;
  }
  return String(Number(n.toPrecision(3)));
}

function timeLabel(t: number, minutePrecision: boolean): string {
  const iso = new Date(t).toISOString();
  return minutePrecision ? iso.slice(0, 16).replace('T', ' ') : iso.replace('T', ' ');
}

/** The shortest leading run of `columns` whose values, with the bin's, are unique per row. */
function groupColumns(
  columns: readonly string[],
  rows: readonly Record<string, CellValue>[],
  binColumn: string,
): string[] {
  for (let n = 0; n < columns.length; n++) {
    const keys = columns.slice(0, n);
    const seen = new Set<string>();
    let unique = true;
    for (const row of rows) {
      const key = [binColumn, ...keys].map((c) => cellText(row[c] ?? null)).join('\u0000');
      if (seen.has(key)) {
        unique = false;
        break;
      }
      seen.add(key);
    }
    if (unique) return keys;
  }
  return [];
}

/**
 * The chart of a binned result, or `undefined` when there is nothing to draw (fewer than two
 * bins, or no numeric column). The `by` fields besides the bin are the leading columns that
 * (with the bin) tell the rows apart; each distinct value of them is a series of the first
 * numeric column after them: the
 * {@link MAX_CHART_SERIES} largest are drawn in colour, or only the largest without colour. Bins missing between the first and last (no rows) are
 * drawn as 0, as are NULL values. More bins than columns are averaged in groups.
 *
 * @example
 * ```ts
 * const chart = binChart(['bin(1m)', 'n'], rows, 'bin(1m)', { width: 100 });
 * if (chart !== undefined) console.log(chart);
 * ```
 */
export function binChart(
  columns: readonly string[],
  rows: readonly Record<string, CellValue>[],
  binColumn: string,
  options: ChartOptions = {},
): string | undefined {
  const width = Math.max(40, options.width ?? 80);
  const height = Math.max(3, options.height ?? 10);
  const others = columns.filter((c) => c !== binColumn);
  // The `by` fields come first: the shortest run of columns that, with the bin, tells the rows
  // apart. The columns after it are the aggregates; the first numeric one is drawn.
  const groups = groupColumns(others, rows, binColumn);
  const metric = others
    .slice(groups.length)
    .find(
      (c) =>
        rows.some((r) => cellNumber(r[c] ?? null) !== undefined) &&
        rows.every((r) => (r[c] ?? null) === null || cellNumber(r[c] ?? null) !== undefined),
    );
  if (metric === undefined) return undefined;

  // series name → bin time → value
  const series = new Map<string, Map<number, number>>();
  const times = new Set<number>();
  for (const row of rows) {
    const t = binTime(row[binColumn] ?? null);
    if (t === undefined) continue;
    times.add(t);
    const name =
      groups.length === 0 ? metric : groups.map((g) => cellText(row[g] ?? null)).join(' / ');
    let points = series.get(name);
    if (points === undefined) {
      points = new Map();
      series.set(name, points);
    }
    points.set(t, (points.get(t) ?? 0) + (cellNumber(row[metric] ?? null) ?? 0));
  }
  let bins = [...times].sort((a, b) => a - b);
  if (bins.length < 2) return undefined;

  // Fill missing bins when every gap is a whole number of the smallest step (not for months).
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < bins.length; i++)
    step = Math.min(step, (bins[i] as number) - (bins[i - 1] as number));
  const first = bins[0] as number;
  const last = bins[bins.length - 1] as number;
  const regular = bins.every((t) => (t - first) % step === 0);
  if (regular && (last - first) / step + 1 <= MAX_FILLED_BINS) {
    bins = [];
    for (let t = first; t <= last; t += step) bins.push(t);
  }

  const ranked = [...series.entries()]
    .map(([name, points]) => ({
      name,
      points,
      total: [...points.values()].reduce((a, b) => a + b, 0),
    }))
    .sort((a, b) => b.total - a.total);
  // Without colours the lines cannot be told apart: then only the largest series is drawn.
  const shown = ranked.slice(0, options.color === true ? MAX_CHART_SERIES : 1);

  // Average groups of bins when there are more bins than columns.
  const plotWidth = width - LABEL_WIDTH - 3;
  const per = Math.max(1, Math.ceil(bins.length / plotWidth));
  // Few bins: each is drawn several columns wide (a step line), so the chart is readable.
  const repeat = per > 1 ? 1 : Math.max(1, Math.min(8, Math.floor(plotWidth / bins.length)));
  const lines = shown.map(({ points }) => {
    const values: number[] = [];
    for (let i = 0; i < bins.length; i += per) {
      const group = bins.slice(i, i + per);
      const v = group.reduce((sum, t) => sum + (points.get(t) ?? 0), 0) / group.length;
      for (let k = 0; k < repeat; k++) values.push(v);
    }
    return values;
  });

  const chart = plot(lines, {
    height,
    colors: options.color === true ? COLORS.slice(0, lines.length) : undefined,
    format: (x: number) => compactNumber(x).padStart(LABEL_WIDTH),
  });
  const minutes = bins.every((t) => t % 60_000 === 0);
  const left = timeLabel(first, minutes);
  const right = timeLabel(last, minutes);
  const axisStart = LABEL_WIDTH + 2;
  const points = lines[0]?.length ?? 0;
  const gap = Math.max(1, points - left.length - right.length);
  const axis = `${' '.repeat(axisStart)}${left}${' '.repeat(gap)}${right}`;

  const title = `${metric} by ${binColumn}${per > 1 ? ` (each column: mean of ${per} bins)` : ''}`;
  const legend =
    groups.length === 0
      ? []
      : shown.map((s, i) =>
          options.color === true ? `  ${COLORS[i]}━━${reset} ${s.name}` : `  ${s.name}`,
        );
  if (ranked.length > shown.length) {
    legend.push(`  (${ranked.length - shown.length} smaller series not drawn)`);
  }
  return [title, chart, axis, ...legend].join('\n');
}

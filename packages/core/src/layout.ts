/**
 * The lake layout, declared once:
 * `<root>/<dataset>/year=YYYY/month=MM/day=DD/hour=HH/<file>.parquet`
 * (zero-padded, UTC, from event time). Writers, DDL and query pruning all use it.
 */

/** Partition keys in path order. */
export const PARTITION_KEYS = ['year', 'month', 'day', 'hour'] as const;

/** Zero-padded partition values of one hour. */
export interface Partition {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * The partition an event time falls into.
 *
 * @example
 * ```ts
 * partitionOf(Date.UTC(2026, 0, 2, 3)); // { year: '2026', month: '01', day: '02', hour: '03' }
 * ```
 */
export function partitionOf(timeMs: number): Partition {
  const d = new Date(timeMs);
  return {
    year: String(d.getUTCFullYear()).padStart(4, '0'),
    month: pad2(d.getUTCMonth() + 1),
    day: pad2(d.getUTCDate()),
    hour: pad2(d.getUTCHours()),
  };
}

/**
 * The relative directory of a dataset's partition, `/`-separated.
 *
 * @example
 * ```ts
 * partitionPath('alb', Date.UTC(2026, 10, 26, 9)); // 'alb/year=2026/month=11/day=26/hour=09'
 * ```
 */
export function partitionPath(dataset: string, timeMs: number): string {
  const p = partitionOf(timeMs);
  return `${dataset}/year=${p.year}/month=${p.month}/day=${p.day}/hour=${p.hour}`;
}

/**
 * The start of the hour (epoch ms) an event time falls into; records with the
 * same value share a partition.
 */
export function hourStart(timeMs: number): number {
  return timeMs - (((timeMs % 3_600_000) + 3_600_000) % 3_600_000);
}

const PARTITION_RE =
  /(?:^|\/)([a-z0-9_]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})(?:\/|$)/;

/**
 * Reads dataset and partition back from a lake path (or object key).
 * Returns `undefined` when the path is not in the lake layout.
 *
 * @example
 * ```ts
 * parsePartitionPath('lake/alb/year=2026/month=11/day=26/hour=09/part-0.parquet');
 * // { dataset: 'alb', year: '2026', month: '11', day: '26', hour: '09' }
 * ```
 */
export function parsePartitionPath(path: string): (Partition & { dataset: string }) | undefined {
  const m = PARTITION_RE.exec(path.replaceAll('\\', '/'));
  if (m === null) return undefined;
  const [, dataset, year, month, day, hour] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { dataset, year, month, day, hour };
}

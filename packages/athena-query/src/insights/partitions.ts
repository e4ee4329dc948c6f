/**
 * The partition predicate of a time range: which `year`/`month`/`day`/`hour` partitions
 * can hold events in `[from, to)`. It is written only as equality and `IN` on the
 * individual partition columns, OR-ed: the forms Athena partition projection (and
 * DuckDB's hive-partition filter) can evaluate without reading data. Whole years,
 * months and days collapse to one term each, so a year-long range stays short.
 */
import { hourStart, partitionOf } from '@logpipe/core';
import { DAY_MS, HOUR_MS, nextMonthStart, nextYearStart } from '../calendar.js';
import { join, raw, type Sql, sql, stringLiteral } from './sql.js';

type Level = 'year' | 'month' | 'day' | 'hour';

interface Block {
  readonly level: Level;
  readonly start: number;
}

/** The largest calendar blocks covering the hours from `from` up to `endHour` (exclusive). */
function blocks(firstHour: number, endHour: number): Block[] {
  const out: Block[] = [];
  let t = firstHour;
  while (t < endHour) {
    const d = new Date(t);
    const atDay = t % DAY_MS === 0;
    const atMonth = atDay && d.getUTCDate() === 1;
    const atYear = atMonth && d.getUTCMonth() === 0;
    if (atYear && nextYearStart(t) <= endHour) {
      out.push({ level: 'year', start: t });
      t = nextYearStart(t);
    } else if (atMonth && nextMonthStart(t) <= endHour) {
      out.push({ level: 'month', start: t });
      t = nextMonthStart(t);
    } else if (atDay && t + DAY_MS <= endHour) {
      out.push({ level: 'day', start: t });
      t += DAY_MS;
    } else {
      out.push({ level: 'hour', start: t });
      t += HOUR_MS;
    }
  }
  return out;
}

const PARENT_KEYS: Record<Level, readonly ('year' | 'month' | 'day')[]> = {
  year: [],
  month: ['year'],
  day: ['year', 'month'],
  hour: ['year', 'month', 'day'],
};

/**
 * The partition predicate for events with `from <= time < to` (epoch ms), over the
 * columns `year`, `month`, `day`, `hour` (zero-padded strings) of `table` (a quoted
 * alias, or empty for unqualified names).
 *
 * @example
 * ```ts
 * partitionPredicate(Date.UTC(2026, 0, 2, 22), Date.UTC(2026, 0, 3, 1)).text;
 * // ("year" = '2026' AND "month" = '01' AND "day" = '02' AND "hour" IN ('22', '23'))
 * //  OR ("year" = '2026' AND "month" = '01' AND "day" = '03' AND "hour" = '00')
 * ```
 */
export function partitionPredicate(from: number, to: number): Sql {
  const firstHour = hourStart(from);
  const endHour = hourStart(to - 1) + HOUR_MS;
  // Group consecutive blocks of one level under the same parent into one IN term.
  const terms: { level: Level; parent: Record<string, string>; values: string[] }[] = [];
  for (const b of blocks(firstHour, endHour)) {
    const p = partitionOf(b.start);
    const parent: Record<string, string> = {};
    for (const k of PARENT_KEYS[b.level]) parent[k] = p[k];
    const last = terms[terms.length - 1];
    if (
      last !== undefined &&
      last.level === b.level &&
      PARENT_KEYS[b.level].every((k) => last.parent[k] === parent[k])
    ) {
      last.values.push(p[b.level]);
    } else {
      terms.push({ level: b.level, parent, values: [p[b.level]] });
    }
  }
  const parts = terms.map((term) => {
    const conj: Sql[] = PARENT_KEYS[term.level].map(
      (k) => sql`${raw(`"${k}"`)} = ${stringLiteral(term.parent[k] as string)}`,
    );
    const col = raw(`"${term.level}"`);
    conj.push(
      term.values.length === 1
        ? sql`${col} = ${stringLiteral(term.values[0] as string)}`
        : sql`${col} IN (${join(term.values.map(stringLiteral), ', ')})`,
    );
    return conj.length === 1 ? (conj[0] as Sql) : sql`(${join(conj, ' AND ')})`;
  });
  if (parts.length === 1) return parts[0] as Sql;
  return sql`(${join(parts, '\n    OR ')})`;
}

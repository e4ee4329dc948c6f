/**
 * A small reference evaluator of Logs Insights QL over in-memory rows, written straight
 * from the semantics the compiler documents (README-insights.md), with no SQL in it. The
 * differential tests run a query through both this and DuckDB (compiled SQL over the same
 * rows written to a lake) and expect the same result.
 *
 * Rows are in storage form: one property per dataset column (`time` as epoch ms, `json`
 * columns as JSON text).
 */
import type { ColumnDef, DatasetDef } from '@logpipe/core';
import { datasetColumns } from '@logpipe/core';
import type {
  CallExpr,
  DurationLiteral,
  Expr,
  FieldRef,
  InsightsQuery,
  StatsCommand,
} from '../../src/insights/ast.js';

type Type = 'number' | 'string' | 'dynamic' | 'boolean' | 'timestamp';
type Scalar = number | string | boolean | null;
interface V {
  readonly t: Type;
  readonly v: Scalar;
}

export type Row = Readonly<Record<string, unknown>>;

export interface EvalOptions {
  readonly dataset: DatasetDef;
  readonly from: number;
  readonly to: number;
  readonly now: number;
  readonly defaultLimit?: number;
}

export interface EvalResult {
  readonly columns: string[];
  readonly rows: Scalar[][];
}

const NUM_RE = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;
const WS = ' \t\n\r\u000b\f';
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60000,
  h: 3600000,
  d: 86400000,
  w: 604800000,
};
const UNIT_MONTHS: Record<string, number> = { mo: 1, q: 3, y: 12 };
const CATCH_ALL: Record<string, string> = {
  app: 'fields',
  lambda: 'fields',
  cloudtrail: 'additional_fields',
};

/** One evaluated record: base row + fields the query defined. */
interface Ctx {
  readonly row: Row;
  readonly defs: Map<string, V>;
}

const norm = (s: string) => s.toLowerCase().replaceAll('_', '').replaceAll('-', '');

/** Code point comparison (SQL engines compare UTF-8 bytes, i.e. code points). */
function cmpCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = (x.value as string).codePointAt(0) as number;
    const cy = (y.value as string).codePointAt(0) as number;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/**
 * Text compared character by character, except that a run of digits compares by its
 * length first, then its digits: the run is written as a length code (digit characters,
 * prefix-free) followed by the digits.
 */
function naturalKey(s: string): string {
  return s.replace(
    /[0-9]+/g,
    (run) => '9'.repeat(Math.floor((run.length - 1) / 9)) + String((run.length - 1) % 9) + run,
  );
}

/** Logs Insights natural order of two non-null values of one type (asc). */
function naturalCompare(a: Scalar, b: Scalar, t: Type): number {
  if (t === 'string' || t === 'dynamic') {
    const sa = a as string;
    const sb = b as string;
    const na = NUM_RE.test(sa);
    const nb = NUM_RE.test(sb);
    if (na !== nb) return na ? 1 : -1;
    if (na && nb) {
      const d = Number(sa) - Number(sb);
      if (d !== 0) return d < 0 ? -1 : 1;
      return cmpCodePoints(sa, sb);
    }
    return cmpCodePoints(naturalKey(sa), naturalKey(sb));
  }
  if (t === 'boolean') return a === b ? 0 : a === false ? -1 : 1;
  const d = (a as number) - (b as number);
  return d === 0 ? 0 : d < 0 ? -1 : 1;
}

/** Compare with nulls last in both directions. */
function orderCompare(a: V, b: V, dir: 'asc' | 'desc'): number {
  if (a.v === null || b.v === null) return a.v === null ? (b.v === null ? 0 : 1) : -1;
  const c = naturalCompare(a.v, b.v, a.t);
  return dir === 'asc' ? c : -c;
}

function jsonScalar(text: unknown, path: readonly string[]): Scalar {
  if (typeof text !== 'string') return null;
  let cur: unknown;
  try {
    cur = JSON.parse(text);
  } catch {
    return null;
  }
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = Array.isArray(cur)
      ? /^[0-9]+$/.test(seg)
        ? cur[Number(seg)]
        : undefined
      : (cur as Record<string, unknown>)[seg];
    if (cur === undefined) return null;
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number') return String(cur);
  if (typeof cur === 'boolean') return cur ? 'true' : 'false';
  return null;
}

function regexFor(pattern: string): RegExp {
  let p = pattern;
  let flags = '';
  if (p.startsWith('(?i)')) {
    p = p.slice(4);
    flags = 'i';
  }
  return new RegExp(p, flags);
}

function globRegex(glob: string): RegExp {
  const parts = glob.split('*');
  let out = '';
  parts.forEach((lit, i) => {
    out += lit.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
    if (i < parts.length - 1)
      out +=
        i === parts.length - 2 && parts[parts.length - 1] === '' ? '([\\s\\S]*)' : '([\\s\\S]*?)';
  });
  return new RegExp(out);
}

function floorMs(ms: number, d: DurationLiteral): number {
  const w = UNIT_MS[d.unit];
  if (w !== undefined) {
    const width = w * d.amount;
    return ms - (((ms % width) + width) % width);
  }
  const months = (UNIT_MONTHS[d.unit] as number) * d.amount;
  const dt = new Date(ms);
  const idx = (dt.getUTCFullYear() - 1970) * 12 + dt.getUTCMonth();
  const f = idx - (((idx % months) + months) % months);
  return Date.UTC(1970 + Math.floor(f / 12), f % 12, 1);
}

function ceilMs(ms: number, d: DurationLiteral): number {
  const w = UNIT_MS[d.unit];
  if (w !== undefined) {
    const width = w * d.amount;
    return ms + ((width - (((ms % width) + width) % width)) % width);
  }
  const f = floorMs(ms, d);
  if (f === ms) return ms;
  const months = (UNIT_MONTHS[d.unit] as number) * d.amount;
  const dt = new Date(f);
  const idx = (dt.getUTCFullYear() - 1970) * 12 + dt.getUTCMonth() + months;
  return Date.UTC(1970 + Math.floor(idx / 12), idx % 12, 1);
}

function roundHalfAway(x: number, d = 0): number {
  const f = 10 ** d;
  const r = Math.round(Math.abs(x) * f) / f;
  return x < 0 ? -r : r;
}

function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  const set = new Set([...chars]);
  const cps = [...s];
  let i = 0;
  let j = cps.length;
  if (left) while (i < j && set.has(cps[i] as string)) i++;
  if (right) while (j > i && set.has(cps[j - 1] as string)) j--;
  return cps.slice(i, j).join('');
}

export class ReferenceEvaluator {
  private readonly columns: Map<string, ColumnDef>;
  private readonly byNorm = new Map<string, ColumnDef[]>();
  private readonly catchAll: string | undefined;

  constructor(private readonly o: EvalOptions) {
    const cols = datasetColumns(o.dataset);
    this.columns = new Map(cols.map((c) => [c.name, c]));
    for (const c of cols)
      this.byNorm.set(norm(c.name), [...(this.byNorm.get(norm(c.name)) ?? []), c]);
    this.catchAll = CATCH_ALL[o.dataset.name];
  }

  run(q: InsightsQuery, rows: readonly Row[]): EvalResult {
    let ctxs: Ctx[] = rows
      .filter((r) => (r.time as number) >= this.o.from && (r.time as number) < this.o.to)
      .map((row) => ({ row, defs: new Map() }));
    let base = true;
    const tiebreakBase = (a: Ctx, b: Ctx) =>
      orderCompare(
        { t: 'number', v: a.row.time as number },
        { t: 'number', v: b.row.time as number },
        'desc',
      ) || -cmpCodePoints(String(a.row.id), String(b.row.id));
    let tiebreak: (a: Ctx, b: Ctx) => number = tiebreakBase;
    let order: (a: Ctx, b: Ctx) => number = tiebreak;
    let hasLimit = false;
    let fieldsOut: { name: string; ref?: FieldRef }[] = [];
    let displayOut: { name: string; ref?: FieldRef }[] | undefined;
    let statsOut: { name: string }[] | undefined;

    for (const c of q.commands) {
      switch (c.type) {
        case 'fields':
        case 'display': {
          const outs: { name: string; ref?: FieldRef }[] = [];
          const results = ctxs.map(() => new Map<string, V>());
          for (const item of c.items) {
            if (item.expr.kind === 'field' && item.alias === undefined) {
              outs.push({ name: item.expr.name, ref: item.expr });
              continue;
            }
            ctxs.forEach((ctx, i) => {
              const local = results[i] as Map<string, V>;
              const v = this.eval(item.expr, ctx, base, local);
              local.set(item.name, v);
            });
            outs.push({ name: item.name });
          }
          ctxs.forEach((ctx, i) => {
            for (const [k, v] of results[i] as Map<string, V>) ctx.defs.set(k, v);
          });
          if (c.type === 'fields') fieldsOut.push(...outs);
          else displayOut = outs;
          break;
        }
        case 'filter':
          ctxs = ctxs.filter((ctx) => this.bool(this.eval(c.condition, ctx, base)) === true);
          break;
        case 'parse': {
          if (c.pattern.kind !== 'glob' && c.pattern.kind !== 'regex')
            throw new Error('unsupported parse mode');
          const re =
            c.pattern.kind === 'glob' ? globRegex(c.pattern.glob) : regexFor(c.pattern.regex);
          for (const ctx of ctxs) {
            const src = this.str(this.field(c.source, ctx, base));
            const m = src === null ? null : re.exec(src);
            c.names.forEach((name, i) => {
              const cap = m?.[c.groups[i] as number];
              ctx.defs.set(name, { t: 'string', v: cap === undefined || cap === '' ? null : cap });
            });
          }
          break;
        }
        case 'sort': {
          const keys = c.keys;
          const tb = tiebreak;
          const keyVals = new Map<Ctx, V[]>();
          for (const ctx of ctxs)
            keyVals.set(
              ctx,
              keys.map((k) => this.eval(k.expr, ctx, base)),
            );
          order = (a, b) => {
            const ka = keyVals.get(a) ?? keys.map((k) => this.eval(k.expr, a, base));
            const kb = keyVals.get(b) ?? keys.map((k) => this.eval(k.expr, b, base));
            for (let i = 0; i < keys.length; i++) {
              const r = orderCompare(
                ka[i] as V,
                kb[i] as V,
                (keys[i] as { direction: 'asc' | 'desc' }).direction,
              );
              if (r !== 0) return r;
            }
            return tb(a, b);
          };
          break;
        }
        case 'limit':
          ctxs = [...ctxs].sort(order).slice(0, c.count);
          hasLimit = true;
          break;
        case 'dedup': {
          const sorted = [...ctxs].sort(order);
          const seen = new Set<string>();
          ctxs = sorted.filter((ctx) => {
            const vals = c.fields.map((f) => this.field(f, ctx, base));
            if (vals.some((v) => v.v === null)) return true;
            const key = JSON.stringify(vals.map((v) => v.v));
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
          });
          break;
        }
        case 'stats': {
          const r = this.stats(c, ctxs, base);
          ctxs = r.ctxs;
          base = false;
          statsOut = r.outputs;
          fieldsOut = [];
          displayOut = undefined;
          const keyNames = c.by.map((k) => k.name);
          tiebreak = (a, b) => {
            for (const k of keyNames) {
              const x = orderCompare(a.defs.get(k) as V, b.defs.get(k) as V, 'asc');
              if (x !== 0) return x;
            }
            return 0;
          };
          order = tiebreak;
          break;
        }
        default:
          throw new Error(`reference evaluator: ${c.type} is not supported`);
      }
    }
    let outs: { name: string; ref?: FieldRef }[] =
      displayOut ??
      (statsOut !== undefined
        ? [...statsOut, ...fieldsOut]
        : fieldsOut.length > 0
          ? fieldsOut
          : [
              {
                name: '@timestamp',
                ref: {
                  kind: 'field',
                  name: '@timestamp',
                  path: ['@timestamp'],
                  pos: { line: 1, column: 1, offset: 0 },
                  text: '@timestamp',
                },
              },
              {
                name: '@message',
                ref: {
                  kind: 'field',
                  name: '@message',
                  path: ['@message'],
                  pos: { line: 1, column: 1, offset: 0 },
                  text: '@message',
                },
              },
            ]);
    const seen = new Set<string>();
    outs = outs.filter((o) => {
      if (seen.has(o.name)) return false;
      seen.add(o.name);
      return true;
    });
    let sorted = [...ctxs].sort(order);
    if (!hasLimit) sorted = sorted.slice(0, this.o.defaultLimit ?? 10000);
    return {
      columns: outs.map((o) => o.name),
      rows: sorted.map((ctx) =>
        outs.map((o) => {
          const v =
            o.ref !== undefined ? this.field(o.ref, ctx, base) : (ctx.defs.get(o.name) as V);
          return v.v;
        }),
      ),
    };
  }

  private stats(
    c: StatsCommand,
    ctxs: Ctx[],
    base: boolean,
  ): { ctxs: Ctx[]; outputs: { name: string }[] } {
    const groups = new Map<string, { keys: V[]; members: Ctx[] }>();
    for (const ctx of ctxs) {
      const keys = c.by.map((k) => this.eval(k.expr, ctx, base));
      const id = JSON.stringify(keys.map((k) => k.v));
      const g = groups.get(id);
      if (g === undefined) groups.set(id, { keys, members: [ctx] });
      else g.members.push(ctx);
    }
    if (c.by.length === 0 && groups.size === 0) groups.set('[]', { keys: [], members: [] });
    const out: Ctx[] = [];
    for (const g of groups.values()) {
      const defs = new Map<string, V>();
      c.by.forEach((k, i) => {
        defs.set(k.name, g.keys[i] as V);
      });
      const local = new Map(defs);
      for (const item of c.items) {
        const v = this.evalPost(item.expr, g.members, local, base);
        local.set(item.name, v);
        defs.set(item.name, v);
      }
      out.push({ row: {}, defs });
    }
    return {
      ctxs: out,
      outputs: [...c.by.map((k) => ({ name: k.name })), ...c.items.map((i) => ({ name: i.name }))],
    };
  }

  /** A stats item over a group: aggregates over members, other names from `local`. */
  private evalPost(e: Expr, members: Ctx[], local: Map<string, V>, base: boolean): V {
    if (e.kind === 'call' && AGGREGATES.has(e.name)) return this.aggregate(e, members, base);
    const fake: Ctx = { row: {}, defs: local };
    return this.eval(e, fake, false, local, (inner) => this.evalPost(inner, members, local, base));
  }

  private aggregate(e: CallExpr, members: Ctx[], base: boolean): V {
    if (e.name === 'count' && (e.star || e.args.length === 0))
      return { t: 'number', v: members.length };
    const arg = e.args[0] as Expr;
    const vals = members.map((m) => this.eval(arg, m, base));
    const t = vals[0]?.t ?? this.staticType(arg, base);
    const nonNull = vals.filter((v) => v.v !== null);
    const nums = () => vals.map((v) => this.num(v)).filter((x): x is number => x !== null);
    switch (e.name) {
      case 'count':
        return { t: 'number', v: nonNull.length };
      case 'count_distinct':
        return { t: 'number', v: new Set(nonNull.map((v) => v.v)).size };
      case 'sum': {
        const xs = nums();
        return { t: 'number', v: xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) };
      }
      case 'avg': {
        const xs = nums();
        return {
          t: 'number',
          v: xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length,
        };
      }
      case 'stddev': {
        const xs = nums();
        if (xs.length < 2) return { t: 'number', v: null };
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        return {
          t: 'number',
          v: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)),
        };
      }
      case 'min':
      case 'max': {
        if (t === 'dynamic' || t === 'number' || t === 'timestamp') {
          const xs = nums();
          const r = xs.length === 0 ? null : e.name === 'min' ? Math.min(...xs) : Math.max(...xs);
          return { t: t === 'timestamp' ? 'timestamp' : 'number', v: r };
        }
        if (nonNull.length === 0) return { t, v: null };
        const sorted = [...nonNull].sort((a, b) =>
          t === 'string'
            ? cmpCodePoints(a.v as string, b.v as string)
            : naturalCompare(a.v, b.v, t),
        );
        return (e.name === 'min' ? sorted[0] : sorted[sorted.length - 1]) as V;
      }
      case 'pct': {
        const xs = nums().sort((a, b) => a - b);
        const p = (e.args[1] as Expr & { kind: 'number' }).value;
        const idx = Math.max(1, Math.ceil((p * xs.length) / 100));
        return { t: 'number', v: xs[idx - 1] ?? null };
      }
      case 'earliest':
      case 'latest': {
        let best: { time: number; v: V } | undefined;
        members.forEach((m, i) => {
          const v = vals[i] as V;
          if (v.v === null) return;
          const time = m.row.time as number;
          if (best === undefined || (e.name === 'earliest' ? time < best.time : time > best.time))
            best = { time, v };
        });
        return best?.v ?? { t, v: null };
      }
      default: {
        // sortsFirst / sortsLast
        if (nonNull.length === 0) return { t, v: null };
        const sorted = [...nonNull].sort((a, b) => naturalCompare(a.v, b.v, t));
        return (e.name === 'sortsFirst' ? sorted[0] : sorted[sorted.length - 1]) as V;
      }
    }
  }

  private staticType(e: Expr, base: boolean): Type {
    // Only needed for empty groups; evaluate against an empty row.
    try {
      return this.eval(e, { row: {}, defs: new Map() }, base).t;
    } catch {
      return 'number';
    }
  }

  // ---- expressions -------------------------------------------------------------

  private field(ref: FieldRef, ctx: Ctx, base: boolean, local?: Map<string, V>): V {
    const l = local?.get(ref.name) ?? ctx.defs.get(ref.name);
    if (l !== undefined) return l;
    if (base) {
      const v = this.baseField(ref, ctx.row);
      if (v !== undefined) return v;
    }
    if (ref.name.startsWith('@')) {
      const bare = local?.get(ref.name.slice(1)) ?? ctx.defs.get(ref.name.slice(1));
      if (bare !== undefined) return bare;
    }
    throw new Error(`reference evaluator: unknown field ${ref.name}`);
  }

  private baseField(ref: FieldRef, row: Row): V | undefined {
    const at: Record<string, string> = {
      '@timestamp': 'time',
      '@message': 'message',
      '@logStream': 'log_stream',
      '@logGroup': 'log_group',
    };
    const colOf = (c: ColumnDef): V => {
      const raw = row[c.name];
      const v = raw === undefined ? null : (raw as Scalar);
      switch (c.type) {
        case 'int':
        case 'bigint':
        case 'double':
          return { t: 'number', v };
        case 'timestamp':
          return { t: 'timestamp', v };
        case 'boolean':
          return { t: 'boolean', v };
        default:
          return { t: 'string', v };
      }
    };
    if (at[ref.name] !== undefined)
      return colOf(this.columns.get(at[ref.name] as string) as ColumnDef);
    if (ref.name === '@log') {
      const o = row.owner;
      const g = row.log_group;
      return { t: 'string', v: o == null || g == null ? null : `${o}:${g}` };
    }
    const exact = this.columns.get(ref.name);
    if (exact !== undefined) return colOf(exact);
    if (ref.path.length === 1) {
      const m = this.byNorm.get(norm(ref.name));
      if (m !== undefined && m.length === 1) return colOf(m[0] as ColumnDef);
    }
    if (ref.path.length > 1) {
      const head = this.columns.get(ref.path[0] as string);
      if (head?.type === 'json')
        return { t: 'dynamic', v: jsonScalar(row[head.name], ref.path.slice(1)) };
    }
    if (this.catchAll !== undefined)
      return { t: 'dynamic', v: jsonScalar(row[this.catchAll], ref.path) };
    return undefined;
  }

  private num(v: V): number | null {
    if (v.v === null) return null;
    if (v.t === 'number' || v.t === 'timestamp') return v.v as number;
    if (v.t === 'boolean') return v.v ? 1 : 0;
    const s = v.v as string;
    return NUM_RE.test(s) ? Number(s) : null;
  }

  private str(v: V): string | null {
    if (v.v === null) return null;
    if (v.t === 'string' || v.t === 'dynamic') return v.v as string;
    if (v.t === 'boolean') return v.v ? 'true' : 'false';
    if (v.t === 'timestamp')
      return new Date(v.v as number).toISOString().replace('T', ' ').replace('Z', '');
    return String(v.v);
  }

  private bool(v: V): boolean | null {
    if (v.v === null) return null;
    if (v.t === 'boolean') return v.v as boolean;
    if (v.t === 'number') return (v.v as number) !== 0;
    throw new Error('not a condition');
  }

  private compare(op: string, l: V, r: V): boolean | null {
    let a: Scalar;
    let b: Scalar;
    let strings = false;
    if (l.t === 'timestamp' || r.t === 'timestamp' || l.t === 'number' || r.t === 'number') {
      a = this.num(l);
      b = this.num(r);
    } else if (l.t === 'boolean' && r.t === 'boolean') {
      a = l.v === null ? null : l.v ? 1 : 0;
      b = r.v === null ? null : r.v ? 1 : 0;
    } else {
      a = this.str(l);
      b = this.str(r);
      strings = true;
    }
    if (a === null || b === null) return null;
    const c = strings
      ? cmpCodePoints(a as string, b as string)
      : (a as number) < (b as number)
        ? -1
        : (a as number) > (b as number)
          ? 1
          : 0;
    switch (op) {
      case '=':
        return c === 0;
      case '!=':
        return c !== 0;
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      default:
        return c >= 0;
    }
  }

  eval(e: Expr, ctx: Ctx, base: boolean, local?: Map<string, V>, sub?: (e: Expr) => V): V {
    const ev = sub ?? ((x: Expr) => this.eval(x, ctx, base, local));
    const N = (v: number | null): V => ({
      t: 'number',
      v: v === null || Number.isNaN(v) ? null : v,
    });
    const S = (v: string | null): V => ({ t: 'string', v });
    const B = (v: boolean | null): V => ({ t: 'boolean', v });
    switch (e.kind) {
      case 'number':
        return N(e.value);
      case 'string':
        return S(e.value);
      case 'boolean':
        return B(e.value);
      case 'field':
        return this.field(e, ctx, base, local);
      case 'unary': {
        const v = ev(e.operand);
        if (e.op === 'not') {
          const b = this.bool(v);
          return B(b === null ? null : !b);
        }
        const n = this.num(v);
        return N(n === null ? null : -n);
      }
      case 'binary': {
        const l = ev(e.left);
        const r = ev(e.right);
        if (e.op === 'and' || e.op === 'or') {
          const a = this.bool(l);
          const b = this.bool(r);
          if (e.op === 'and')
            return B(a === false || b === false ? false : a === null || b === null ? null : true);
          return B(a === true || b === true ? true : a === null || b === null ? null : false);
        }
        if (['=', '!=', '<', '<=', '>', '>='].includes(e.op)) return B(this.compare(e.op, l, r));
        const a = this.num(l);
        const b = this.num(r);
        if (a === null || b === null) return N(null);
        switch (e.op) {
          case '+':
            return N(a + b);
          case '-':
            return N(a - b);
          case '*':
            return N(a * b);
          case '/':
            return N(b === 0 ? null : a / b);
          case '%':
            return N(b === 0 ? null : a % b);
          default:
            return N(a < 0 && b !== Math.floor(b) ? null : a ** b);
        }
      }
      case 'match': {
        const s = this.str(ev(e.subject));
        if (s === null) return B(null);
        const hit =
          e.pattern.kind === 'string'
            ? s.includes(e.pattern.value)
            : regexFor(e.pattern.pattern).test(s);
        return B(e.negated ? !hit : hit);
      }
      case 'in': {
        const subject = ev(e.subject);
        if (subject.v === null) return B(null);
        const hit = e.values.some((x) => this.compare('=', subject, ev(x)) === true);
        return B(e.negated ? !hit : hit);
      }
      case 'call':
        return this.call(e, ev);
      default:
        throw new Error(`reference evaluator: ${e.kind}`);
    }
  }

  private call(e: CallExpr, ev: (x: Expr) => V): V {
    const N = (v: number | null): V => ({
      t: 'number',
      v: v === null || !Number.isFinite(v) ? null : v,
    });
    const S = (v: string | null): V => ({ t: 'string', v });
    const B = (v: boolean | null): V => ({ t: 'boolean', v });
    const arg = (i: number) => ev(e.args[i] as Expr);
    const num = (i: number) => this.num(arg(i));
    const str = (i: number) => this.str(arg(i));
    const flag = (subject: string | null, cond: () => boolean): V =>
      N(subject === null ? null : cond() ? 1 : 0);
    const n1 = (f: (x: number) => number) => {
      const x = num(0);
      return N(x === null ? null : f(x));
    };
    switch (e.name) {
      case 'abs':
        return n1(Math.abs);
      case 'ceil':
        return n1(Math.ceil);
      case 'floor':
        return n1(Math.floor);
      case 'log':
        return n1((x) => (x > 0 ? Math.log(x) : Number.NaN));
      case 'sqrt':
        return n1((x) => (x >= 0 ? Math.sqrt(x) : Number.NaN));
      case 'round': {
        const d = e.args.length === 2 ? (e.args[1] as Expr & { kind: 'number' }).value : 0;
        return n1((x) => roundHalfAway(x, d));
      }
      case 'greatest':
      case 'least': {
        const xs = e.args.map((_, i) => num(i));
        if (xs.some((x) => x === null)) return N(null);
        return N(
          e.name === 'greatest' ? Math.max(...(xs as number[])) : Math.min(...(xs as number[])),
        );
      }
      case 'bin': {
        const t = ev({
          kind: 'field',
          name: '@timestamp',
          path: ['@timestamp'],
          pos: e.pos,
          text: '@timestamp',
        });
        return {
          t: 'timestamp',
          v: t.v === null ? null : floorMs(t.v as number, e.args[0] as DurationLiteral),
        };
      }
      case 'datefloor':
      case 'dateceil': {
        const t = this.num(arg(0));
        const d = e.args[1] as DurationLiteral;
        return {
          t: 'timestamp',
          v:
            t === null
              ? null
              : e.name === 'datefloor'
                ? floorMs(Math.floor(t), d)
                : ceilMs(Math.floor(t), d),
        };
      }
      case 'toMillis':
        return N(num(0));
      case 'fromMillis': {
        const x = num(0);
        return { t: 'timestamp', v: x === null ? null : Math.floor(x) };
      }
      case 'now':
        return N(Math.floor(this.o.now / 1000));
      case 'ispresent':
        return B(arg(0).v !== null);
      case 'coalesce': {
        const vs = e.args.map((_, i) => arg(i));
        const types = new Set(vs.map((v) => v.t));
        const first = vs.find((v) => v.v !== null);
        if (types.size === 1) return first ?? { t: vs[0]?.t ?? 'string', v: null };
        if ([...types].every((t) => t === 'string' || t === 'dynamic'))
          return { t: 'string', v: first?.v ?? null };
        return S(first === undefined ? null : this.str(first));
      }
      case 'isempty': {
        const v = arg(0);
        return B(v.v === null || this.str(v) === '');
      }
      case 'isblank': {
        const v = arg(0);
        return B(v.v === null || trimChars(this.str(v) as string, WS, true, true) === '');
      }
      case 'concat':
        return S(e.args.map((_, i) => str(i) ?? '').join(''));
      case 'ltrim':
      case 'rtrim':
      case 'trim': {
        const s = str(0);
        const chars = e.args.length === 2 ? str(1) : WS;
        if (s === null || chars === null) return S(null);
        return S(trimChars(s, chars, e.name !== 'rtrim', e.name !== 'ltrim'));
      }
      case 'strlen': {
        const s = str(0);
        return N(s === null ? null : [...s].length);
      }
      case 'toupper': {
        const s = str(0);
        return S(s === null ? null : s.toUpperCase());
      }
      case 'tolower': {
        const s = str(0);
        return S(s === null ? null : s.toLowerCase());
      }
      case 'substr': {
        const s = str(0);
        const start = num(1);
        const len = e.args.length === 3 ? num(2) : Infinity;
        if (s === null || start === null || len === null) return S(null);
        const cps = [...s];
        const st = Math.max(Math.floor(start), 0);
        return S(cps.slice(st, st + Math.max(Math.floor(len), 0)).join(''));
      }
      case 'replace': {
        const s = str(0);
        const a = str(1);
        const b = str(2);
        if (s === null || a === null) return S(null);
        if (a === '') return S(s);
        if (b === null) return S(null);
        return S(s.split(a).join(b));
      }
      case 'strcontains': {
        let s = str(0);
        let sub = str(1);
        if (e.args.length === 3 && (e.args[2] as Expr & { kind: 'boolean' }).value) {
          s = s?.toLowerCase() ?? null;
          sub = sub?.toLowerCase() ?? null;
        }
        if (sub === null) return N(null);
        return flag(s, () => (s as string).includes(sub as string));
      }
      case 'startsWith': {
        const s = str(0);
        const p = str(1);
        if (p === null) return N(null);
        return flag(s, () => (s as string).startsWith(p));
      }
      case 'endsWith': {
        const s = str(0);
        const p = str(1);
        if (p === null) return N(null);
        return flag(s, () => (s as string).endsWith(p));
      }
      case 'isValidIpV4': {
        const s = str(0);
        return B(s !== null && IPV4.test(s));
      }
      case 'isIpv4InSubnet':
      case 'isIpInSubnet': {
        const s = str(0);
        const cidr = (e.args[1] as Expr & { kind: 'string' }).value;
        const [net, bitsText] = cidr.split('/');
        const toNum = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
        const size = 2 ** (32 - Number(bitsText));
        const lo = Math.floor(toNum(net as string) / size) * size;
        if (s === null || !IPV4.test(s)) return B(false);
        const x = toNum(s);
        return B(x >= lo && x <= lo + size - 1);
      }
      default:
        throw new Error(`reference evaluator: function ${e.name}`);
    }
  }
}

const AGGREGATES = new Set([
  'avg',
  'count',
  'count_distinct',
  'max',
  'min',
  'pct',
  'stddev',
  'sum',
  'earliest',
  'latest',
  'sortsFirst',
  'sortsLast',
]);

// ---- generated queries ----------------------------------------------------------
//
// Queries over the app records of the differential test: JSON fields a (int), n
// (quarter steps), b (text), c (numbers and text), ip, svc; columns level, @logStream,
// @message, @timestamp. Every generated query is valid and its result deterministic
// (the compiler breaks sort ties by time and id, then by stats keys; so does this).

import fc from 'fast-check';

const numLeaf = fc.constantFrom('a', 'n', 'strlen(b)', 'toMillis(@timestamp) % 1000', 'c');
const numLit = fc.constantFrom('0', '1', '2', '3', '5', '7.5', '10', '-2');

const numExpr: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: numLeaf },
  { weight: 1, arbitrary: numLit },
  {
    weight: 2,
    arbitrary: fc
      .tuple(numLeaf, fc.constantFrom('+', '-', '*', '/', '%'), fc.oneof(numLeaf, numLit))
      .map(([x, op, y]) => `${x} ${op} ${y}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('abs', 'floor', 'ceil', 'round', 'sqrt', 'log'), numLeaf)
      .map(([f, x]) => `${f}(${x})`),
  },
  { weight: 1, arbitrary: fc.tuple(numLeaf, numLit).map(([x, y]) => `greatest(${x}, ${y})`) },
);

const strLeaf = fc.constantFrom('b', 'level', '@logStream', 'svc', 'c');
const strLit = fc.constantFrom(
  '"alpha"',
  '"item10"',
  '"x"',
  '""',
  '"10"',
  `"it's"`,
  `'say "hi"'`,
  '"a1b22"',
  '"info"',
);
const strExpr: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: strLeaf },
  {
    weight: 3,
    arbitrary: fc.oneof(
      strLeaf.map((x) => `toupper(${x})`),
      strLeaf.map((x) => `tolower(${x})`),
      fc.tuple(strLeaf, strLeaf).map(([x, y]) => `concat(${x}, "-", ${y})`),
      strLeaf.map((x) => `substr(${x}, 1, 3)`),
      strLeaf.map((x) => `substr(${x}, 2)`),
      strLeaf.map((x) => `replace(${x}, "a", "AA")`),
      strLeaf.map((x) => `trim(${x})`),
      strLeaf.map((x) => `ltrim(${x}, "ai")`),
      strLeaf.map((x) => `rtrim(${x}, "0a")`),
      fc.tuple(strLeaf, strLeaf).map(([x, y]) => `coalesce(${x}, ${y})`),
    ),
  },
);

const regexLit = fc.constantFrom(
  '/^it[a-z]*[0-9]+$/',
  '/(?i)ALPHA/',
  '/[0-9]{2}/',
  '/^$/',
  '/a.b/',
  '/^(x|y)$/',
);
const cmp = fc.constantFrom('=', '!=', '<', '<=', '>', '>=');

const atom: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(numExpr, cmp, numLit).map(([x, o, y]) => `${x} ${o} ${y}`),
  fc.tuple(strExpr, cmp, strLit).map(([x, o, y]) => `${x} ${o} ${y}`),
  fc.tuple(strLeaf, fc.constantFrom('=', '!=', '<'), strLeaf).map(([x, o, y]) => `${x} ${o} ${y}`),
  fc
    .tuple(strLeaf, fc.boolean(), fc.constantFrom('"a"', '"10"', '"item"', '""'))
    .map(([x, neg, y]) => `${x} ${neg ? 'not like' : 'like'} ${y}`),
  fc
    .tuple(strLeaf, fc.constantFrom('like', 'not like', '=~'), regexLit)
    .map(([x, op, y]) => `${x} ${op} ${y}`),
  fc
    .tuple(fc.constantFrom('a', 'b', 'c', 'level'), fc.boolean())
    .map(([x, neg]) => `${x} ${neg ? 'not in' : 'in'} [1, "alpha", 7.5, "10", "info"]`),
  fc.constantFrom('a', 'b', 'c', 'level', 'n').map((x) => `ispresent(${x})`),
  fc.constantFrom('b', 'level', 'c').map((x) => `isempty(${x})`),
  fc.constantFrom('b', 'level').map((x) => `isblank(${x})`),
  fc
    .constantFrom('"10.0.0.0/8"', '"10.128.0.0/9"', '"192.168.0.0/16"')
    .map((s) => `isIpv4InSubnet(ip, ${s})`),
  fc.constant('isValidIpV4(ip)'),
  fc.tuple(strLeaf, fc.constantFrom('"a"', '"A"')).map(([x, y]) => `strcontains(${x}, ${y}) = 1`),
  fc.constant('@message like /Exception/'),
);

const cond: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: atom },
  { weight: 1, arbitrary: atom.map((x) => `not (${x})`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(atom, fc.constantFrom('and', 'or'), atom)
      .map(([x, o, y]) => `(${x}) ${o} (${y})`),
  },
);

interface Stage {
  readonly text: string;
  /** Names usable after this stage (when it ends in stats). */
  readonly names?: readonly string[];
}

const fieldsCmd = fc
  .array(
    fc.oneof(numExpr, strExpr, fc.constantFrom('a', 'b', 'c', 'level', '@timestamp', '@logStream')),
    { minLength: 1, maxLength: 3 },
  )
  .map(
    (items) =>
      `fields ${items.map((x, i) => (/^[a-z@]+$/i.test(x) ? x : `${x} as f${i}`)).join(', ')}`,
  );

const parseCmd = fc.constantFrom(
  'parse @message "user=*, method:*, latency := *" as user, method, latency',
  'parse @message /(?<lvl>[a-z]+) \\[(?<tag>[A-Z]+)\\]/',
  'parse @message "[*]" as tag',
  'parse "Exception in thread *" as thread',
);

const sortKey = fc
  .tuple(
    fc.oneof(strLeaf, numLeaf, fc.constant('@timestamp')),
    fc.constantFrom('', ' asc', ' desc'),
  )
  .map(([k, d]) => `${k}${d}`);
const sortCmd = fc
  .array(sortKey, { minLength: 1, maxLength: 2 })
  .map((ks) => `sort ${ks.join(', ')}`);
const limitCmd = fc.integer({ min: 1, max: 60 }).map((n) => `limit ${n}`);

const agg = fc.oneof(
  fc.constantFrom(
    'count(*)',
    'count(b)',
    'count_distinct(b)',
    'sum(a)',
    'avg(n)',
    'min(a)',
    'max(n)',
    'min(b)',
    'max(c)',
  ),
  fc.constantFrom(
    'pct(a, 50)',
    'pct(n, 90)',
    'pct(c, 10)',
    'stddev(n)',
    'earliest(b)',
    'latest(a)',
    'sortsFirst(b)',
    'sortsLast(c)',
    'sum(a) / count(*)',
  ),
);
const byKey = fc.constantFrom(
  'level',
  'b',
  'svc',
  'bin(30m)',
  'bin(1h) as t',
  '@logStream',
  'a % 3 as am',
  'c',
);

const statsCmd: fc.Arbitrary<Stage> = fc
  .tuple(
    fc.uniqueArray(agg, { minLength: 1, maxLength: 3 }),
    fc.uniqueArray(byKey, { minLength: 0, maxLength: 2 }),
  )
  .map(([aggs, keys]) => {
    const names = [
      ...keys.map((k) => {
        const name = k.split(' as ').pop() as string;
        return /^[@A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name}\``;
      }),
      ...aggs.map((_, i) => `m${i}`),
    ];
    return {
      text: `stats ${aggs.map((x, i) => `${x} as m${i}`).join(', ')}${keys.length > 0 ? ` by ${keys.join(', ')}` : ''}`,
      names,
    };
  });

/** A generated Logs Insights query over the differential test's app records. */
export function insightsQuery(): fc.Arbitrary<string> {
  const pre = fc.array(
    fc.oneof(
      { weight: 3, arbitrary: cond.map((c) => `filter ${c}`) },
      { weight: 2, arbitrary: fieldsCmd },
      { weight: 1, arbitrary: parseCmd },
    ),
    {
      maxLength: 3,
    },
  );
  const tail = fc.oneof(
    // Row queries: sort / limit / dedup.
    fc
      .tuple(
        fc.option(sortCmd),
        fc.option(limitCmd),
        fc.option(fc.constantFrom('dedup b', 'dedup level, svc', 'dedup c')),
      )
      .map(([s, l, d]) =>
        [s, d === null ? l : null, d, d !== null ? l : null].filter((x): x is string => x !== null),
      ),
    // Aggregations, optionally a second stats over the first's output.
    statsCmd.chain((st) => {
      const names = st.names ?? [];
      const numName = names.find((n) => /^m/.test(n)) as string;
      const after = fc.option(
        fc.constantFrom(
          `sort ${numName} desc`,
          `sort ${names[0]}`,
          `filter ${numName} > 2`,
          `stats max(${numName}) as top, count(*) as groups`,
          `fields ${numName} * 2 as twice`,
        ),
      );
      return fc
        .tuple(after, fc.option(limitCmd))
        .map(([a, l]) => [st.text, a, l].filter((x): x is string => x !== null));
    }),
  );
  return fc
    .tuple(pre, tail, fc.boolean())
    .map(([p, t, newlines]) => [...p, ...t].join(newlines ? '\n| ' : ' | '))
    .filter((q) => q.length > 0);
}

/**
 * The compiler from Logs Insights QL to SQL (Athena/Trino and DuckDB). A query becomes a
 * chain of CTEs, one or two per command, in pipeline order: every command sees exactly
 * what the commands before it produced, as in Logs Insights. Query values travel as
 * `?` parameters; names are validated and double-quoted.
 */
import { type DatasetDef, getDataset, LogpipeError } from '@logpipe/core';
import type { CompiledQuery, CompileOptions, SqlParam } from '../types.js';
import type {
  CallExpr,
  Command,
  DedupCommand,
  DisplayCommand,
  DurationLiteral,
  Expr,
  FieldRef,
  FieldsCommand,
  InsightsQuery,
  LimitCommand,
  ParseCommand,
  SortCommand,
  SourcePosition,
  StatsCommand,
} from './ast.js';
import {
  type DialectOps,
  dialectOps,
  IPV4_RE,
  IPV6_RE,
  NUMBER_TEXT_RE,
  orderBy,
  WHITESPACE,
} from './dialect.js';
import { InsightsCompileError, type InsightsCompileErrorCode } from './errors.js';
import {
  atFieldNames,
  type DatasetModel,
  datasetModel,
  isUnresolved,
  resolveDatasetField,
  type Value,
  type ValueType,
} from './fields.js';
import { lookupFunction } from './functions.js';
import { parseInsights } from './parse.js';
import { partitionPredicate } from './partitions.js';
import { analyzeRegex, type RegexFeature } from './regex.js';
import {
  identProblem,
  indent,
  intLiteral,
  join,
  param,
  quoteIdent,
  raw,
  type Sql,
  sql,
  stringLiteral,
} from './sql.js';

/** Options of {@link compileInsights}: the shared {@link CompileOptions} plus the clock of `now()`. */
export interface InsightsCompileOptions extends CompileOptions {
  /** Epoch ms that `now()` reads (default: `Date.now()` at compile time). */
  now?: number | undefined;
}

/** Logs Insights' default row cap when a query has no `limit`. */
export const DEFAULT_INSIGHTS_LIMIT = 10_000;

/** Latest epoch ms the compiler accepts (9999-12-31T23:59:59.999Z). */
const MAX_TIME_MS = 253_402_300_799_999;

/** Prefix of the compiler's own column names; output names may not start with it. */
const INTERNAL = '__lp_';

/**
 * Compiles a Logs Insights query to SQL for Athena or DuckDB.
 *
 * @example
 * ```ts
 * const q = compileInsights('filter @message like /Exception/ | stats count(*) as n by bin(1h)', {
 *   dialect: 'duckdb',
 *   dataset: 'app',
 *   from: Date.UTC(2026, 0, 1),
 *   to: Date.UTC(2026, 0, 2),
 * });
 * // q.sql: WITH … SELECT "bin(1h)", "n" FROM … ; q.params: ['Exception', …]
 * ```
 * @throws InsightsSyntaxError when the text does not parse.
 * @throws InsightsCompileError when the query cannot be compiled faithfully (`QUERY_UNSUPPORTED`),
 *   refers to what the dataset does not have (`QUERY_INVALID`), or the options are wrong (`INVALID_OPTIONS`).
 */
export function compileInsights(
  query: string | InsightsQuery,
  options: InsightsCompileOptions,
): CompiledQuery {
  const parsed = typeof query === 'string' ? parseInsights(query) : query;
  const checked = checkOptions(options);
  return new Compiler(parsed, checked).compile();
}

interface CheckedOptions {
  readonly ops: DialectOps;
  readonly model: DatasetModel;
  readonly table: Sql;
  readonly from: number;
  readonly to: number;
  readonly defaultLimit: number;
  readonly now: number;
}

function optionsError(reason: string): InsightsCompileError {
  return new InsightsCompileError('INVALID_OPTIONS', reason);
}

function checkOptions(o: InsightsCompileOptions): CheckedOptions {
  if (o === null || typeof o !== 'object')
    throw optionsError('options are required: { dialect, from, to }');
  if (o.dialect !== 'athena' && o.dialect !== 'duckdb') {
    throw optionsError(`dialect must be 'athena' or 'duckdb', got ${JSON.stringify(o.dialect)}`);
  }
  for (const key of ['from', 'to'] as const) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > MAX_TIME_MS) {
      throw optionsError(
        `${key} must be epoch milliseconds (a whole number from 0 to ${MAX_TIME_MS}), got ${String(v)}`,
      );
    }
  }
  if (o.from >= o.to) {
    throw optionsError(`the time range is empty: from (${o.from}) must be before to (${o.to})`);
  }
  let def: DatasetDef;
  try {
    def = getDataset(o.dataset ?? 'app');
  } catch (err) {
    throw new InsightsCompileError(
      'INVALID_OPTIONS',
      LogpipeError.isInstance(err) ? err.message : String(err),
      undefined,
      { cause: err },
    );
  }
  const database = o.database ?? (o.dialect === 'athena' ? 'logpipe' : 'main');
  if (typeof database !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]{0,254}$/.test(database)) {
    throw optionsError(
      `database must be a name of letters, digits, _ and - (starting with a letter or _), got ${JSON.stringify(database)}`,
    );
  }
  const defaultLimit = o.defaultLimit ?? DEFAULT_INSIGHTS_LIMIT;
  if (!Number.isSafeInteger(defaultLimit) || defaultLimit < 1) {
    throw optionsError(
      `defaultLimit must be a positive whole number, got ${String(o.defaultLimit)}`,
    );
  }
  const now = o.now ?? Date.now();
  if (!Number.isFinite(now))
    throw optionsError(`now must be epoch milliseconds, got ${String(o.now)}`);
  return {
    ops: dialectOps(o.dialect),
    model: datasetModel(def),
    table: sql`${quoteIdent(database)}.${quoteIdent(def.name)}`,
    from: o.from,
    to: o.to,
    defaultLimit,
    now,
  };
}

/** A field the query defined: its value in the current relation. */
interface Sym {
  readonly sql: Sql;
  readonly type: ValueType;
}

interface OrderKey {
  readonly sql: Sql;
  readonly direction: 'asc' | 'desc';
}

/** One output column: a field resolved at the end (`ref`), or a name the query defined. */
interface Output {
  readonly name: string;
  readonly ref: FieldRef | undefined;
  readonly pos: SourcePosition;
}

/** Expression context. */
interface Env {
  /** Names defined earlier in the same command (inline SQL). */
  readonly local?: ReadonlyMap<string, Value> | undefined;
  /** In the stats post-projection: aggregate calls already computed. */
  readonly aggs?: ReadonlyMap<CallExpr, Value> | undefined;
  /** In the stats post-projection only `local` names exist. */
  readonly postStats?: boolean | undefined;
}

const FIXED_UNIT_MS: Partial<Record<DurationLiteral['unit'], number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const MONTHS_PER_UNIT: Partial<Record<DurationLiteral['unit'], number>> = { mo: 1, q: 3, y: 12 };

const UNSUPPORTED_COMMANDS: Readonly<Record<string, string>> = {
  anomaly: 'it needs CloudWatch Logs machine-learning models',
  pattern: "it needs CloudWatch Logs' pattern clustering",
  diff: "it compares with the previous period using CloudWatch Logs' pattern clustering",
  unmask: 'the lake stores no masked data to unmask',
  filterIndex: 'the lake has no CloudWatch Logs field indexes',
  SOURCE: 'the dataset option chooses what a query reads',
  json: 'JSON fields are reached by name (requestContext.identity.sourceIp); the json command is not supported',
  lookup: 'the lake has no CloudWatch Logs lookup tables',
  unnest: 'list values are not supported yet',
  join: 'joins are not supported yet',
  addtotals: 'it is not supported yet',
};

class Compiler {
  private readonly ops: DialectOps;
  private readonly model: DatasetModel;
  private readonly stages: { name: string; body: Sql }[] = [];
  private current = '';
  private counter = 0;
  private syms = new Map<string, Sym>();
  /** Before the first stats, dataset columns can be reached; after it only stats outputs. */
  private base = true;
  private order: OrderKey[];
  private tiebreak: OrderKey[];
  private hasLimit = false;
  private fieldsOutputs: Output[] = [];
  private displayOutputs: Output[] | undefined;
  private statsOutputs: Output[] | undefined;
  private binColumn: string | undefined;

  constructor(
    private readonly q: InsightsQuery,
    private readonly o: CheckedOptions,
  ) {
    this.ops = o.ops;
    this.model = o.model;
    this.tiebreak = this.baseTiebreak();
    this.order = this.tiebreak;
  }

  compile(): CompiledQuery {
    for (const c of this.q.commands) {
      if (c.type === 'unsupported') {
        throw this.error(
          'QUERY_UNSUPPORTED',
          `the ${c.name} command is not supported: ${UNSUPPORTED_COMMANDS[c.name] ?? 'it is not supported yet'}`,
          c.pos,
        );
      }
    }
    const time = raw('"time"');
    this.emit(
      sql`SELECT *\n  FROM ${this.o.table}\n  WHERE ${partitionPredicate(this.o.from, this.o.to)}\n    AND ${this.ops.timeRange(time, this.o.from, this.o.to)}`,
    );
    for (const c of this.q.commands) this.command(c);
    return this.finish();
  }

  // ---- commands --------------------------------------------------------------

  private command(c: Command): void {
    switch (c.type) {
      case 'fields':
      case 'display':
        this.projection(c);
        return;
      case 'filter': {
        const cond = this.asBoolean(this.expr(c.condition, {}), c.condition);
        this.emit(sql`SELECT *\n  FROM ${this.rel()}\n  WHERE ${cond}`);
        return;
      }
      case 'stats':
        this.stats(c);
        return;
      case 'sort':
        this.sort(c);
        return;
      case 'limit':
        this.limit(c);
        return;
      case 'parse':
        this.parse(c);
        return;
      case 'dedup':
        this.dedup(c);
        return;
      default:
        return;
    }
  }

  private projection(c: FieldsCommand | DisplayCommand): void {
    const local = new Map<string, Value>();
    const cols: Sql[] = [];
    const defined: [string, string, ValueType][] = [];
    const outputs: Output[] = [];
    for (const item of c.items) {
      if (item.expr.kind === 'field' && item.alias === undefined) {
        this.lookup(item.expr, { local });
        outputs.push({ name: item.expr.name, ref: item.expr, pos: item.pos });
        continue;
      }
      if (item.expr.kind === 'call' && lookupFunction(item.expr.name)?.kind === 'aggregate') {
        throw this.error(
          'QUERY_INVALID',
          `${item.expr.name}() is an aggregate function: use it in stats`,
          item.pos,
        );
      }
      const v = this.expr(item.expr, { local });
      const col = this.newCol('f');
      cols.push(sql`${v.sql} AS ${quoteIdent(col)}`);
      local.set(item.name, v);
      defined.push([item.name, col, v.type]);
      outputs.push({ name: item.name, ref: undefined, pos: item.pos });
    }
    if (cols.length > 0) {
      this.emit(sql`SELECT *,\n    ${join(cols, ',\n    ')}\n  FROM ${this.rel()}`);
      for (const [name, col, type] of defined) this.syms.set(name, { sql: quoteIdent(col), type });
    }
    if (c.type === 'fields') this.fieldsOutputs.push(...outputs);
    else this.displayOutputs = outputs;
  }

  private stats(c: StatsCommand): void {
    const pre: Sql[] = [];
    const keyCols: {
      name: string;
      col: string;
      type: ValueType;
      pos: SourcePosition;
      isBin: boolean;
    }[] = [];
    for (const k of c.by) {
      const v = this.expr(k.expr, {});
      if (v.type === 'map')
        throw this.error(
          'QUERY_UNSUPPORTED',
          `cannot group by the map ${k.name}: group by one of its keys`,
          k.pos,
        );
      const col = this.newCol('g');
      pre.push(sql`${v.sql} AS ${quoteIdent(col)}`);
      keyCols.push({
        name: k.name,
        col,
        type: v.type,
        pos: k.pos,
        isBin: k.expr.kind === 'call' && k.expr.name === 'bin',
      });
    }
    // Aggregates: their arguments go into the pre-projection, the aggregate over those columns.
    const aggs = new Map<CallExpr, Value>();
    const aggCols: Sql[] = [];
    const visit = (e: Expr): void => {
      if (e.kind === 'call' && lookupFunction(e.name)?.kind === 'aggregate') {
        const v = this.aggregate(e, pre);
        const col = this.newCol('m');
        aggCols.push(sql`${v.sql} AS ${quoteIdent(col)}`);
        aggs.set(e, { sql: quoteIdent(col), type: v.type });
        return;
      }
      forEachChild(e, visit);
    };
    for (const item of c.items) visit(item.expr);
    const preName = this.emit(
      sql`SELECT ${pre.length === 0 ? raw('1 AS "__lp_one"') : join(pre, ',\n    ')}\n  FROM ${this.rel()}`,
    );
    const keyRefs = keyCols.map((k) => quoteIdent(k.col));
    this.emit(
      sql`SELECT ${join([...keyRefs, ...aggCols], ',\n    ')}\n  FROM ${raw(preName)}${
        keyRefs.length === 0 ? raw('') : sql`\n  GROUP BY ${join(keyRefs, ', ')}`
      }`,
    );
    // Post-projection: the stats items over aggregates, by keys and earlier aliases.
    const local = new Map<string, Value>();
    for (const k of keyCols) local.set(k.name, { sql: quoteIdent(k.col), type: k.type });
    const items: Sql[] = [];
    const newSyms = new Map<string, Sym>();
    for (const k of keyCols) newSyms.set(k.name, { sql: quoteIdent(k.col), type: k.type });
    for (const item of c.items) {
      const v = this.expr(item.expr, { local, aggs, postStats: true });
      const col = this.newCol('s');
      items.push(sql`${v.sql} AS ${quoteIdent(col)}`);
      local.set(item.name, v);
      newSyms.set(item.name, { sql: quoteIdent(col), type: v.type });
    }
    this.emit(sql`SELECT ${join([...keyRefs, ...items], ',\n    ')}\n  FROM ${this.rel()}`);
    this.syms = newSyms;
    this.base = false;
    this.statsOutputs = [
      ...keyCols.map((k) => ({ name: k.name, ref: undefined, pos: k.pos })),
      ...c.items.map((i) => ({ name: i.name, ref: undefined, pos: i.pos })),
    ];
    this.fieldsOutputs = [];
    this.displayOutputs = undefined;
    this.binColumn = keyCols.find((k) => k.isBin)?.name;
    this.tiebreak = keyCols.flatMap((k) =>
      this.sortKeys({ sql: quoteIdent(k.col), type: k.type }, 'asc'),
    );
    this.order = this.tiebreak;
  }

  private aggregate(e: CallExpr, pre: Sql[]): Value {
    const preCol = (v: Sql): Sql => {
      const col = this.newCol('a');
      pre.push(sql`${v} AS ${quoteIdent(col)}`);
      return quoteIdent(col);
    };
    if (e.name === 'count' && (e.star || e.args.length === 0))
      return { sql: raw('count(*)'), type: 'number' };
    const argExpr = e.args[0] as Expr;
    const arg = this.expr(argExpr, {});
    if (arg.type === 'map') {
      throw this.error(
        'QUERY_UNSUPPORTED',
        `${e.name}() of the map ${argExpr.text} is not supported: use one of its keys`,
        e.pos,
      );
    }
    switch (e.name) {
      case 'count':
        return { sql: sql`count(${preCol(arg.sql)})`, type: 'number' };
      case 'count_distinct':
        return { sql: sql`count(DISTINCT ${preCol(arg.sql)})`, type: 'number' };
      case 'sum':
      case 'avg':
      case 'stddev': {
        const fn = e.name === 'stddev' ? 'stddev_samp' : e.name;
        return { sql: sql`${raw(fn)}(${preCol(this.asNumber(arg))})`, type: 'number' };
      }
      case 'min':
      case 'max': {
        const v =
          arg.type === 'dynamic' ? { sql: this.asNumber(arg), type: 'number' as const } : arg;
        return { sql: sql`${raw(e.name)}(${preCol(v.sql)})`, type: v.type };
      }
      case 'pct': {
        const p = (e.args[1] as Expr & { kind: 'number' }).value;
        return { sql: this.ops.percentile(preCol(this.asNumber(arg)), p), type: 'number' };
      }
      case 'earliest':
      case 'latest': {
        const t = this.timestampField(e);
        const x = preCol(arg.sql);
        const by = preCol(t.sql);
        return {
          sql: e.name === 'earliest' ? this.ops.valueAtMin(x, by) : this.ops.valueAtMax(x, by),
          type: arg.type,
        };
      }
      default: {
        // sortsFirst / sortsLast: in Logs Insights' sort order.
        const x = preCol(arg.sql);
        const dir = e.name === 'sortsFirst' ? 'asc' : 'desc';
        if (arg.type === 'string' || arg.type === 'dynamic') {
          return {
            sql: this.ops.firstInOrder(x, orderBy(this.sortKeys({ sql: x, type: arg.type }, dir))),
            type: arg.type,
          };
        }
        return { sql: sql`${raw(dir === 'asc' ? 'min' : 'max')}(${x})`, type: arg.type };
      }
    }
  }

  private sort(c: SortCommand): void {
    const keys: OrderKey[] = [];
    for (const k of c.keys) {
      const v = this.expr(k.expr, {});
      if (v.type === 'map')
        throw this.error('QUERY_UNSUPPORTED', `cannot sort by the map ${k.expr.text}`, k.expr.pos);
      keys.push(...this.sortKeys(v, k.direction));
    }
    this.order = [...keys, ...this.tiebreak];
  }

  private limit(c: LimitCommand): void {
    this.emit(
      sql`SELECT *\n  FROM ${this.rel()}${this.orderClause('\n  ')}\n  LIMIT ${intLiteral(c.count)}`,
    );
    this.hasLimit = true;
  }

  private parse(c: ParseCommand): void {
    if (c.pattern.kind === 'logfmt' || c.pattern.kind === 'csv') {
      throw this.error(
        'QUERY_UNSUPPORTED',
        c.pattern.kind === 'logfmt'
          ? 'parse … logfmt is not supported: it makes a map value, and map values are not supported yet'
          : "parse … csv is not supported yet (CSV quoting can't be split the same way in both SQL engines)",
        c.pattern.pos,
      );
    }
    if (c.multi) {
      throw this.error(
        'QUERY_UNSUPPORTED',
        'parse … multi is not supported yet (it makes one row per match)',
        c.pos,
      );
    }
    const src = this.asString(this.noMap(this.lookup(c.source, {}), c.source));
    let pattern: string;
    const p = c.pattern;
    if (p.kind === 'glob') {
      pattern = globToRegex(p.glob);
    } else if (p.kind === 'regex') {
      const info = analyzeRegex(p.regex);
      this.checkRegexFeatures(info.features, p.pos);
      pattern = info.rewritten;
    } else {
      return;
    }
    const cols: Sql[] = [];
    const defined: [string, string][] = [];
    c.names.forEach((name, i) => {
      const col = this.newCol('p');
      cols.push(
        sql`${this.ops.regexCapture(src, param(pattern), c.groups[i] as number)} AS ${quoteIdent(col)}`,
      );
      defined.push([name, col]);
    });
    this.emit(sql`SELECT *,\n    ${join(cols, ',\n    ')}\n  FROM ${this.rel()}`);
    for (const [name, col] of defined)
      this.syms.set(name, { sql: quoteIdent(col), type: 'string' });
  }

  private dedup(c: DedupCommand): void {
    const keys = c.fields.map((f) => {
      const v = this.lookup(f, {});
      if (v.type === 'map')
        throw this.error('QUERY_UNSUPPORTED', `cannot dedup by the map ${f.name}`, f.pos);
      return v.sql;
    });
    const rn = this.newCol('rn');
    const numbered = this.emit(
      sql`SELECT *,\n    ROW_NUMBER() OVER (PARTITION BY ${join(keys, ', ')}${this.orderClause(' ')}) AS ${quoteIdent(rn)}\n  FROM ${this.rel()}`,
    );
    // Rows with a null in any dedup field are kept (they are not duplicates).
    const keep = join([sql`${quoteIdent(rn)} = 1`, ...keys.map((k) => sql`${k} IS NULL`)], ' OR ');
    this.emit(sql`SELECT *\n  FROM ${raw(numbered)}\n  WHERE ${keep}`);
  }

  private finish(): CompiledQuery {
    const outputs = dedupeOutputs(
      this.displayOutputs ??
        (this.statsOutputs !== undefined
          ? [...this.statsOutputs, ...this.fieldsOutputs]
          : this.fieldsOutputs.length > 0
            ? this.fieldsOutputs
            : this.defaultOutputs()),
    );
    const seen = new Map<string, string>();
    const select: Sql[] = [];
    for (const out of outputs) {
      const problem = identProblem(out.name);
      if (problem !== undefined) {
        throw this.error(
          'QUERY_UNSUPPORTED',
          `the output name ${JSON.stringify(out.name)} cannot be a column name: ${problem}`,
          out.pos,
        );
      }
      if (out.name.startsWith(INTERNAL)) {
        throw this.error(
          'QUERY_INVALID',
          `output names starting with ${INTERNAL} are reserved`,
          out.pos,
        );
      }
      const clash = seen.get(out.name.toLowerCase());
      if (clash !== undefined) {
        throw this.error(
          'QUERY_UNSUPPORTED',
          `the outputs "${clash}" and "${out.name}" differ only in letter case, which SQL column names cannot tell apart: rename one with as`,
          out.pos,
        );
      }
      seen.set(out.name.toLowerCase(), out.name);
      const v = out.ref !== undefined ? this.lookup(out.ref, {}) : this.symOrThrow(out);
      const value = v.type === 'timestamp' ? this.ops.msToTimestamp(v.sql) : v.sql;
      select.push(sql`${value} AS ${quoteIdent(out.name)}`);
    }
    const orderCols = this.order.map((k, i) => ({ name: `${INTERNAL}o${i}`, key: k }));
    const finalName = this.emit(
      sql`SELECT ${join([...select, ...orderCols.map((o) => sql`${o.key.sql} AS ${quoteIdent(o.name)}`)], ',\n    ')}\n  FROM ${this.rel()}`,
    );
    const names = outputs.map((o) => quoteIdent(o.name));
    const ordered = orderBy(
      orderCols.map((o) => ({ sql: quoteIdent(o.name), direction: o.key.direction })),
    );
    const limit = this.hasLimit ? raw('') : sql`\nLIMIT ${intLiteral(this.o.defaultLimit)}`;
    const ctes = join(
      this.stages.map((s) => sql`${raw(s.name)} AS (\n  ${indent(s.body)}\n)`),
      ',\n',
    );
    const text = sql`WITH ${ctes}\nSELECT ${join(names, ', ')}\nFROM ${raw(finalName)}${orderCols.length === 0 ? raw('') : sql`\nORDER BY ${ordered}`}${limit}`;
    const columns = outputs.map((o) => o.name);
    return {
      dialect: this.ops.dialect,
      sql: text.text,
      params: [...text.params] as SqlParam[],
      datasets: [this.model.def.name],
      columns,
      binColumn:
        this.binColumn !== undefined && columns.includes(this.binColumn)
          ? this.binColumn
          : undefined,
      timeRange: { from: this.o.from, to: this.o.to },
    };
  }

  private defaultOutputs(): Output[] {
    const pos = { line: 1, column: 1, offset: 0 };
    const at = atFieldNames(this.model);
    return ['@timestamp', '@message']
      .filter((n) => at.includes(n))
      .map((n) => ({ name: n, ref: { kind: 'field', name: n, path: [n], pos, text: n }, pos }));
  }

  private symOrThrow(out: Output): Sym {
    const s = this.syms.get(out.name);
    if (s === undefined) {
      throw this.error(
        'QUERY_INVALID',
        `"${out.name}" is not available at the end of the query (a later stats command replaced it)`,
        out.pos,
      );
    }
    return s;
  }

  // ---- expressions -----------------------------------------------------------

  private lookup(ref: FieldRef, env: Env): Value {
    const local = env.local?.get(ref.name);
    if (local !== undefined) return local;
    if (!env.postStats) {
      const s = this.syms.get(ref.name);
      if (s !== undefined) return s;
    }
    let unresolved: string | undefined;
    if (this.base && !env.postStats) {
      const r = resolveDatasetField(this.model, ref, this.ops);
      if (!isUnresolved(r)) return r;
      if (r.kind === 'unsupported') throw this.error('QUERY_UNSUPPORTED', r.reason, ref.pos);
      unresolved = r.reason;
    }
    // The guide's own examples name a parse group `user2` and then use `@user2`.
    if (ref.name.startsWith('@') && ref.path.length === 1) {
      const bare = ref.name.slice(1);
      const v = env.local?.get(bare) ?? (env.postStats ? undefined : this.syms.get(bare));
      if (v !== undefined) return v;
    }
    if (env.postStats) {
      throw this.error(
        'QUERY_INVALID',
        `"${ref.name}" must be in the by clause, be an alias defined earlier in this stats, or be inside an aggregate function`,
        ref.pos,
      );
    }
    if (!this.base) {
      throw this.error(
        'QUERY_INVALID',
        `"${ref.name}" is not available after stats: only the fields the stats command produced are (${[...this.syms.keys()].join(', ')})`,
        ref.pos,
      );
    }
    throw this.error('QUERY_INVALID', unresolved ?? `unknown field "${ref.name}"`, ref.pos);
  }

  private expr(e: Expr, env: Env): Value {
    switch (e.kind) {
      case 'number':
        return { sql: param(e.value), type: 'number' };
      case 'string':
        return { sql: param(e.value), type: 'string' };
      case 'boolean':
        return { sql: raw(e.value ? 'TRUE' : 'FALSE'), type: 'boolean' };
      case 'duration':
        throw this.error(
          'QUERY_INVALID',
          `a time period like ${e.text} can only be an argument of bin(), datefloor() or dateceil()`,
          e.pos,
        );
      case 'field':
        return this.lookup(e, env);
      case 'unary':
        if (e.op === 'not')
          return {
            sql: sql`(NOT ${this.asBoolean(this.expr(e.operand, env), e.operand)})`,
            type: 'boolean',
          };
        return { sql: sql`(-${this.asNumber(this.expr(e.operand, env))})`, type: 'number' };
      case 'binary':
        return this.binary(e, env);
      case 'match':
        return this.match(e, env);
      case 'in':
        return this.inList(e, env);
      case 'call': {
        const spec = lookupFunction(e.name);
        if (spec?.kind === 'aggregate') {
          const v = env.aggs?.get(e);
          if (v !== undefined) return v;
          throw this.error(
            'QUERY_INVALID',
            `${e.name}() is an aggregate function: it can only be used in stats`,
            e.pos,
          );
        }
        return this.call(e, env);
      }
      default:
        return assertNever(e);
    }
  }

  private binary(e: Expr & { kind: 'binary' }, env: Env): Value {
    const l = this.expr(e.left, env);
    const r = this.expr(e.right, env);
    switch (e.op) {
      case 'and':
      case 'or':
        return {
          sql: sql`(${this.asBoolean(l, e.left)} ${raw(e.op.toUpperCase())} ${this.asBoolean(r, e.right)})`,
          type: 'boolean',
        };
      case '=':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return { sql: this.compare(e.op, l, r, e), type: 'boolean' };
      default: {
        this.noMap(l, e.left);
        this.noMap(r, e.right);
        const a = sql`CAST(${this.asNumber(l)} AS DOUBLE)`;
        const b = sql`CAST(${this.asNumber(r)} AS DOUBLE)`;
        switch (e.op) {
          case '/':
            return { sql: sql`(${a} / NULLIF(${b}, 0))`, type: 'number' };
          case '%':
            return { sql: this.ops.mod(a, b), type: 'number' };
          case '^':
            // Negative base with a fractional exponent: NULL in both engines (Trino would give NaN).
            return {
              sql: sql`(CASE WHEN ${a} < 0 AND ${b} <> floor(${b}) THEN NULL ELSE power(${a}, ${b}) END)`,
              type: 'number',
            };
          default:
            return { sql: sql`(${a} ${raw(e.op)} ${b})`, type: 'number' };
        }
      }
    }
  }

  /** A comparison with Logs Insights' loose typing: numbers against text compare as numbers. */
  private compare(op: string, l: Value, r: Value, at: Expr): Sql {
    this.noMap(l, at);
    this.noMap(r, at);
    const sqlOp = raw(op === '!=' ? '<>' : op);
    if (l.type === 'timestamp' || r.type === 'timestamp') {
      const other = l.type === 'timestamp' ? r : l;
      if (other.type !== 'timestamp' && other.type !== 'number') {
        throw this.error(
          'QUERY_UNSUPPORTED',
          'a timestamp can only be compared with a timestamp or epoch milliseconds (Logs Insights does not compare readable dates)',
          at.pos,
        );
      }
      return sql`(${l.sql} ${sqlOp} ${r.sql})`;
    }
    if (l.type === 'number' || r.type === 'number') {
      return sql`(${this.asNumber(l)} ${sqlOp} ${this.asNumber(r)})`;
    }
    if (l.type === 'boolean' && r.type === 'boolean') return sql`(${l.sql} ${sqlOp} ${r.sql})`;
    return sql`(${this.asString(l)} ${sqlOp} ${this.asString(r)})`;
  }

  private match(e: Expr & { kind: 'match' }, env: Env): Value {
    const subject = this.asString(this.noMap(this.expr(e.subject, env), e.subject));
    let test: Sql;
    if (e.pattern.kind === 'string') {
      test = sql`(strpos(${subject}, ${param(e.pattern.value)}) > 0)`;
    } else {
      const info = analyzeRegex(e.pattern.pattern);
      this.checkRegexFeatures(info.features, e.pattern.pos);
      test = this.ops.regexMatch(subject, param(info.rewritten));
    }
    return { sql: e.negated ? sql`(NOT ${test})` : test, type: 'boolean' };
  }

  private inList(e: Expr & { kind: 'in' }, env: Env): Value {
    const subject = this.noMap(this.expr(e.subject, env), e.subject);
    // Each element compares like `=`; a value that compares as unknown is not a match.
    const tests = e.values.map(
      (v) => sql`coalesce(${this.compare('=', subject, this.expr(v, env), v)}, FALSE)`,
    );
    const any = sql`(${join(tests, ' OR ')})`;
    const test = sql`(CASE WHEN ${subject.sql} IS NULL THEN NULL ELSE ${any} END)`;
    return { sql: e.negated ? sql`(NOT ${test})` : test, type: 'boolean' };
  }

  private call(e: CallExpr, env: Env): Value {
    const args = (): Value[] => e.args.map((a) => this.noMap(this.expr(a, env), a));
    const arg = (i: number): Value =>
      this.noMap(this.expr(e.args[i] as Expr, env), e.args[i] as Expr);
    const num = (i: number): Sql => sql`CAST(${this.asNumber(arg(i))} AS DOUBLE)`;
    const str = (i: number): Sql => this.asString(arg(i));
    const n = (s: Sql): Value => ({ sql: s, type: 'number' });
    const s = (x: Sql): Value => ({ sql: x, type: 'string' });
    const b = (x: Sql): Value => ({ sql: x, type: 'boolean' });
    const flag = (cond: Sql, subject: Sql): Value =>
      n(sql`(CASE WHEN ${subject} IS NULL THEN NULL WHEN ${cond} THEN 1 ELSE 0 END)`);
    switch (e.name) {
      // Numeric
      case 'abs':
      case 'ceil':
      case 'floor':
        return n(sql`${raw(e.name === 'ceil' ? 'ceiling' : e.name)}(${num(0)})`);
      case 'greatest':
      case 'least': {
        const xs = e.args.map((_, i) => num(i));
        return n(
          sql`(CASE WHEN ${join(
            xs.map((x) => sql`${x} IS NULL`),
            ' OR ',
          )} THEN NULL ELSE ${raw(e.name)}(${join(xs, ', ')}) END)`,
        );
      }
      case 'log': {
        const x = num(0);
        return n(sql`ln(CASE WHEN ${x} > 0 THEN ${x} END)`);
      }
      case 'sqrt': {
        const x = num(0);
        return n(sql`sqrt(CASE WHEN ${x} >= 0 THEN ${x} END)`);
      }
      case 'round': {
        if (e.args.length === 1) return n(sql`round(${num(0)})`);
        const d = e.args[1] as Expr;
        if (d.kind !== 'number' || !Number.isInteger(d.value) || d.value < 0 || d.value > 15) {
          throw this.error(
            'QUERY_UNSUPPORTED',
            'round() takes a whole number of decimal places from 0 to 15 as its second argument',
            d.pos,
          );
        }
        return n(sql`round(${num(0)}, ${intLiteral(d.value)})`);
      }
      case 'haversine': {
        const [lat1, lon1, lat2, lon2] = [num(0), num(1), num(2), num(3)];
        const dlat = sql`radians(${lat2} - ${lat1})`;
        const dlon = sql`radians(${lon2} - ${lon1})`;
        return n(
          sql`(2 * 6371 * asin(sqrt(power(sin(${dlat} / 2), 2) + cos(radians(${lat1})) * cos(radians(${lat2})) * power(sin(${dlon} / 2), 2))))`,
        );
      }
      case 'toNumber':
      case 'toDouble':
        return n(num(0));
      case 'toInt':
      case 'toLong':
        return n(this.ops.truncToBigint(num(0)));
      // Datetime
      case 'bin': {
        const t = this.timestampField(e);
        return { sql: this.floorPeriod(t.sql, e.args[0] as DurationLiteral), type: 'timestamp' };
      }
      case 'datefloor':
      case 'dateceil': {
        const t = this.asMs(arg(0), e.args[0] as Expr);
        const d = e.args[1] as DurationLiteral;
        return {
          sql: e.name === 'datefloor' ? this.floorPeriod(t, d) : this.ceilPeriod(t, d),
          type: 'timestamp',
        };
      }
      case 'fromMillis':
        return { sql: sql`CAST(floor(${num(0)}) AS BIGINT)`, type: 'timestamp' };
      case 'toMillis':
        return n(this.asMs(arg(0), e.args[0] as Expr));
      case 'now':
        return n(param(Math.floor(this.o.now / 1000)));
      case 'queryStartTime':
        return n(param(this.o.from));
      case 'queryEndTime':
        return n(param(this.o.to));
      case 'queryTimeRange':
        return n(param(this.o.to - this.o.from));
      // General
      case 'ispresent':
        return b(sql`(${arg(0).sql} IS NOT NULL)`);
      case 'coalesce': {
        const vs = args();
        const unified = this.unify(vs);
        return { sql: sql`coalesce(${join(unified.sqls, ', ')})`, type: unified.type };
      }
      case 'if':
      case 'case': {
        const pairs: [Sql, Value][] = [];
        let otherwise: Value | undefined;
        if (e.name === 'if') {
          pairs.push([this.asBoolean(arg(0), e.args[0] as Expr), arg(1)]);
          otherwise = arg(2);
        } else {
          for (let i = 0; i + 1 < e.args.length; i += 2)
            pairs.push([this.asBoolean(arg(i), e.args[i] as Expr), arg(i + 1)]);
          if (e.args.length % 2 === 1) otherwise = arg(e.args.length - 1);
        }
        const unified = this.unify([
          ...pairs.map((p) => p[1]),
          ...(otherwise === undefined ? [] : [otherwise]),
        ]);
        const whens = pairs.map((p, i) => sql`WHEN ${p[0]} THEN ${unified.sqls[i] as Sql}`);
        const elseSql =
          otherwise === undefined ? raw('') : sql` ELSE ${unified.sqls[pairs.length] as Sql}`;
        return { sql: sql`(CASE ${join(whens, ' ')}${elseSql} END)`, type: unified.type };
      }
      case 'isNumeric': {
        const v = arg(0);
        if (v.type === 'number') return b(sql`(${v.sql} IS NOT NULL)`);
        return b(
          sql`coalesce(${this.ops.regexMatch(this.asString(v), stringLiteral(NUMBER_TEXT_RE))}, FALSE)`,
        );
      }
      case 'messageSize':
        return n(this.ops.byteLength(str(0)));
      // Strings
      case 'isempty': {
        const v = arg(0);
        return b(sql`(${v.sql} IS NULL OR ${this.asString(v)} = '')`);
      }
      case 'isblank': {
        const v = arg(0);
        return b(
          sql`(${v.sql} IS NULL OR trim(${this.asString(v)}, ${stringLiteral(WHITESPACE)}) = '')`,
        );
      }
      case 'concat':
        return s(
          sql`(${join(
            e.args.map((_, i) => sql`coalesce(${str(i)}, '')`),
            ' || ',
          )})`,
        );
      case 'ltrim':
      case 'rtrim':
      case 'trim': {
        const chars = e.args.length === 2 ? str(1) : stringLiteral(WHITESPACE);
        return s(sql`${raw(e.name)}(${str(0)}, ${chars})`);
      }
      case 'strlen':
        return n(sql`length(${str(0)})`);
      case 'toupper':
        return s(sql`upper(${str(0)})`);
      case 'tolower':
        return s(sql`lower(${str(0)})`);
      case 'substr': {
        const start = sql`CAST(greatest(floor(${num(1)}), 0) AS BIGINT) + 1`;
        if (e.args.length === 2) return s(sql`substr(${str(0)}, ${start})`);
        return s(sql`substr(${str(0)}, ${start}, CAST(greatest(floor(${num(2)}), 0) AS BIGINT))`);
      }
      case 'replace': {
        const x = str(0);
        const search = str(1);
        return s(
          sql`(CASE WHEN ${search} = '' THEN ${x} ELSE replace(${x}, ${str(1)}, ${str(2)}) END)`,
        );
      }
      case 'regexReplace': {
        const p = e.args[1] as Expr;
        const r = e.args[2] as Expr;
        if (p.kind !== 'string')
          throw this.error(
            'QUERY_UNSUPPORTED',
            'regexReplace() takes its pattern as a string literal',
            p.pos,
          );
        if (r.kind !== 'string' || /[$\\]/.test(r.value)) {
          throw this.error(
            'QUERY_UNSUPPORTED',
            'regexReplace() takes a literal replacement string here: $ and \\ group references are written differently in Trino and DuckDB',
            r.pos,
          );
        }
        const info = analyzeRegex(p.value);
        if (info.error !== undefined)
          throw this.error('QUERY_INVALID', `invalid regular expression: ${info.error}`, p.pos);
        this.checkRegexFeatures(info.features, p.pos);
        return s(this.ops.regexReplace(str(0), param(info.rewritten), param(r.value)));
      }
      case 'strcontains':
      case 'startsWith':
      case 'endsWith': {
        let x = str(0);
        let sub = str(1);
        if (e.name === 'strcontains' && e.args.length === 3) {
          const ci = e.args[2] as Expr;
          if (ci.kind !== 'boolean')
            throw this.error(
              'QUERY_UNSUPPORTED',
              'strcontains() takes true or false as its third argument',
              ci.pos,
            );
          if (ci.value) {
            x = sql`lower(${x})`;
            sub = sql`lower(${sub})`;
          }
        }
        const cond =
          e.name === 'strcontains'
            ? sql`strpos(${x}, ${sub}) > 0`
            : e.name === 'startsWith'
              ? sql`substr(${x}, 1, length(${sub})) = ${sub}`
              : sql`(length(${sub}) = 0 OR substr(${x}, greatest(length(${x}) - length(${sub}) + 1, 1)) = ${sub})`;
        return flag(cond, x);
      }
      case 'base64encode':
        return s(this.ops.base64(str(0)));
      // IP addresses
      case 'isValidIp':
        return b(this.ipTest(str(0), `(${IPV4_RE})|(${IPV6_RE})`));
      case 'isValidIpV4':
        return b(this.ipTest(str(0), IPV4_RE));
      case 'isValidIpV6':
        return b(this.ipTest(str(0), IPV6_RE));
      case 'ipv4ToNumber': {
        const x = str(0);
        return n(
          sql`(CASE WHEN ${this.ops.regexMatch(x, stringLiteral(IPV4_RE))} THEN ${ipv4Number(x)} END)`,
        );
      }
      case 'isIpInSubnet':
      case 'isIpv4InSubnet':
      case 'isIpv6InSubnet':
        return b(this.subnet(e, str(0)));
      default:
        throw this.error('QUERY_UNSUPPORTED', unsupportedFunction(e.name), e.pos);
    }
  }

  private ipTest(x: Sql, re: string): Sql {
    return sql`coalesce(${this.ops.regexMatch(x, stringLiteral(`^(${re})$`))}, FALSE)`;
  }

  private subnet(e: CallExpr, x: Sql): Sql {
    const cidrArg = e.args[1] as Expr;
    if (cidrArg.kind !== 'string') {
      throw this.error(
        'QUERY_UNSUPPORTED',
        `${e.name}() takes the subnet as a string literal in CIDR notation, e.g. "192.0.2.0/24"`,
        cidrArg.pos,
      );
    }
    const v4 = parseIpv4Cidr(cidrArg.value);
    const v6 = v4 === undefined ? parseIpv6Cidr(cidrArg.value) : undefined;
    if (v4 === undefined && v6 === undefined) {
      throw this.error(
        'QUERY_INVALID',
        `${JSON.stringify(cidrArg.value)} is not a subnet in CIDR notation (e.g. 192.0.2.0/24 or 2001:db8::/32)`,
        cidrArg.pos,
      );
    }
    if (
      (e.name === 'isIpv4InSubnet' && v4 === undefined) ||
      (e.name === 'isIpv6InSubnet' && v6 === undefined)
    ) {
      throw this.error(
        'QUERY_INVALID',
        `${e.name}() needs an IPv${e.name === 'isIpv4InSubnet' ? 4 : 6} subnet, got ${JSON.stringify(cidrArg.value)}`,
        cidrArg.pos,
      );
    }
    if (v4 !== undefined) {
      return sql`(CASE WHEN ${this.ops.regexMatch(x, stringLiteral(IPV4_RE))} THEN ${ipv4Number(x)} BETWEEN ${intLiteral(v4.lo)} AND ${intLiteral(v4.hi)} ELSE FALSE END)`;
    }
    const test = this.ops.ipv6InSubnet(x, cidrArg.value);
    if (test === undefined) {
      throw this.error(
        'QUERY_UNSUPPORTED',
        `${e.name}() with an IPv6 subnet is not supported on DuckDB: its core has no IPv6 address type (the inet extension is not bundled)`,
        e.pos,
      );
    }
    return test;
  }

  // ---- time --------------------------------------------------------------------

  /** @timestamp (for bin, earliest, latest). */
  private timestampField(at: Expr): Value {
    const ref: FieldRef = {
      kind: 'field',
      name: '@timestamp',
      path: ['@timestamp'],
      pos: at.pos,
      text: '@timestamp',
    };
    let v: Value;
    try {
      v = this.lookup(ref, {});
    } catch (err) {
      if (err instanceof InsightsCompileError && !this.base) {
        throw this.error(
          'QUERY_INVALID',
          `${at.kind === 'call' ? at.name : 'this'}() uses @timestamp, which the first stats command did not keep: carry a time through it (e.g. max(@timestamp) as @t) and use dateceil(@t, …)`,
          at.pos,
        );
      }
      throw err;
    }
    if (v.type !== 'timestamp')
      throw this.error('QUERY_INVALID', '@timestamp is not a timestamp here', at.pos);
    return v;
  }

  private asMs(v: Value, at: Expr): Sql {
    if (v.type === 'timestamp') return v.sql;
    if (v.type === 'number') return sql`CAST(floor(${v.sql}) AS BIGINT)`;
    throw this.error(
      'QUERY_UNSUPPORTED',
      `${at.text} is not a timestamp (or epoch milliseconds)`,
      at.pos,
    );
  }

  private floorPeriod(ms: Sql, d: DurationLiteral): Sql {
    const fixed = FIXED_UNIT_MS[d.unit];
    if (fixed !== undefined) {
      const w = intLiteral(fixed * d.amount);
      return sql`(${ms} - ((${ms} % ${w}) + ${w}) % ${w})`;
    }
    const months = intLiteral((MONTHS_PER_UNIT[d.unit] as number) * d.amount);
    const idx = this.ops.monthIndex(ms);
    return this.ops.monthStartMs(sql`(${idx} - ((${idx} % ${months}) + ${months}) % ${months})`);
  }

  private ceilPeriod(ms: Sql, d: DurationLiteral): Sql {
    const fixed = FIXED_UNIT_MS[d.unit];
    if (fixed !== undefined) {
      const w = intLiteral(fixed * d.amount);
      return sql`(${ms} + (${w} - ((${ms} % ${w}) + ${w}) % ${w}) % ${w})`;
    }
    const months = intLiteral((MONTHS_PER_UNIT[d.unit] as number) * d.amount);
    const floor = this.floorPeriod(ms, d);
    const idx = this.ops.monthIndex(ms);
    const next = this.ops.monthStartMs(
      sql`(${idx} - ((${idx} % ${months}) + ${months}) % ${months} + ${months})`,
    );
    return sql`(CASE WHEN ${floor} = ${ms} THEN ${ms} ELSE ${next} END)`;
  }

  // ---- conversions ------------------------------------------------------------

  private noMap(v: Value, at: Expr): Value {
    if (v.type === 'map') {
      throw this.error(
        'QUERY_UNSUPPORTED',
        `${at.text} is a map: use one of its keys (${at.text}.<key>)`,
        at.pos,
      );
    }
    return v;
  }

  /** Number value; text that is a number converts, other text is NULL. */
  private asNumber(v: Value): Sql {
    switch (v.type) {
      case 'number':
      case 'timestamp':
        return v.sql;
      case 'boolean':
        return sql`(CASE WHEN ${v.sql} THEN 1 WHEN NOT ${v.sql} THEN 0 END)`;
      default:
        return sql`(CASE WHEN ${this.ops.regexMatch(v.sql, stringLiteral(NUMBER_TEXT_RE))} THEN CAST(${v.sql} AS DOUBLE) END)`;
    }
  }

  private asString(v: Value): Sql {
    switch (v.type) {
      case 'string':
      case 'dynamic':
        return v.sql;
      case 'timestamp':
        return this.ops.formatMs(v.sql);
      case 'boolean':
        return sql`CAST(${v.sql} AS VARCHAR)`;
      default:
        return this.ops.toVarchar(v.sql);
    }
  }

  private asBoolean(v: Value, at: Expr): Sql {
    if (v.type === 'boolean') return v.sql;
    if (v.type === 'number') return sql`(${v.sql} <> 0)`;
    throw this.error(
      'QUERY_INVALID',
      `${at.text} is not a condition: compare it (=, !=, <, >, like, in) or test it with ispresent()`,
      at.pos,
    );
  }

  /** One type for coalesce/case/if branches. */
  private unify(vs: readonly Value[]): { sqls: Sql[]; type: ValueType } {
    const types = new Set(vs.map((v) => v.type));
    if (types.size === 1) return { sqls: vs.map((v) => v.sql), type: vs[0]?.type ?? 'string' };
    if ([...types].every((t) => t === 'string' || t === 'dynamic'))
      return { sqls: vs.map((v) => v.sql), type: 'string' };
    if ([...types].every((t) => t === 'number' || t === 'timestamp'))
      return { sqls: vs.map((v) => v.sql), type: 'number' };
    return { sqls: vs.map((v) => this.asString(v)), type: 'string' };
  }

  /** Keys ordering values the way Logs Insights' sort does; NULLs always last. */
  private sortKeys(v: Value, direction: 'asc' | 'desc'): OrderKey[] {
    const isNull: OrderKey = {
      sql: sql`(CASE WHEN ${v.sql} IS NULL THEN 1 ELSE 0 END)`,
      direction: 'asc',
    };
    if (v.type !== 'string' && v.type !== 'dynamic') return [isNull, { sql: v.sql, direction }];
    // Natural sort: text values before number values; numbers numerically; text by
    // chunks (digit runs by length, then value; other runs by code point).
    const isNum = this.ops.regexMatch(v.sql, stringLiteral(NUMBER_TEXT_RE));
    return [
      isNull,
      { sql: sql`(CASE WHEN ${isNum} THEN 1 ELSE 0 END)`, direction },
      { sql: sql`(CASE WHEN ${isNum} THEN CAST(${v.sql} AS DOUBLE) END)`, direction },
      {
        sql: sql`(CASE WHEN ${isNum} THEN ${v.sql} ELSE ${this.ops.naturalKey(v.sql)} END)`,
        direction,
      },
    ];
  }

  /** ` ORDER BY …` of the current order, or nothing when there is no order. */
  private orderClause(before: string): Sql {
    return this.order.length === 0 ? raw('') : sql`${raw(before)}ORDER BY ${orderBy(this.order)}`;
  }

  private baseTiebreak(): OrderKey[] {
    const keys: OrderKey[] = [];
    if (this.model.columns.has('time'))
      keys.push({ sql: this.ops.timeMs(raw('"time"')), direction: 'desc' });
    if (this.model.hasId) keys.push({ sql: raw('"id"'), direction: 'desc' });
    return keys;
  }

  private checkRegexFeatures(features: ReadonlySet<RegexFeature>, pos: SourcePosition): void {
    if (this.ops.dialect !== 'duckdb' || features.size === 0) return;
    throw this.error(
      'QUERY_UNSUPPORTED',
      `DuckDB's regular expressions (RE2) have no ${[...features].join(', ')}: rewrite the pattern without ${features.size === 1 ? 'it' : 'them'}`,
      pos,
    );
  }

  // ---- plumbing -----------------------------------------------------------------

  private newCol(kind: string): string {
    this.counter++;
    return `${INTERNAL}${kind}${this.counter}`;
  }

  private rel(): Sql {
    return raw(this.current);
  }

  private emit(body: Sql): string {
    const name = `q${this.stages.length}`;
    this.stages.push({ name, body });
    this.current = name;
    return name;
  }

  private error(
    code: InsightsCompileErrorCode,
    reason: string,
    pos: SourcePosition,
  ): InsightsCompileError {
    return new InsightsCompileError(code, reason, { source: this.q.source, pos });
  }
}

function forEachChild(e: Expr, f: (child: Expr) => void): void {
  switch (e.kind) {
    case 'call':
      e.args.forEach(f);
      return;
    case 'unary':
      f(e.operand);
      return;
    case 'binary':
      f(e.left);
      f(e.right);
      return;
    case 'match':
      f(e.subject);
      return;
    case 'in':
      f(e.subject);
      e.values.forEach(f);
      return;
    default:
      return;
  }
}

function dedupeOutputs(outputs: readonly Output[]): Output[] {
  const byName = new Map<string, Output>();
  for (const o of outputs) if (!byName.has(o.name)) byName.set(o.name, o);
  return [...byName.values()];
}

function assertNever(x: never): never {
  throw new Error(`unexpected node ${JSON.stringify(x)}`);
}

/** A glob pattern as a regular expression: `*` captures lazily, a trailing `*` takes the rest. */
export function globToRegex(glob: string): string {
  const parts = glob.split('*');
  let out = '';
  parts.forEach((literal, i) => {
    out += literal.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
    if (i < parts.length - 1)
      out +=
        i === parts.length - 2 && parts[parts.length - 1] === '' ? '([\\s\\S]*)' : '([\\s\\S]*?)';
  });
  return out;
}

function ipv4Number(x: Sql): Sql {
  const octet = (i: number) => sql`CAST(split_part(${x}, '.', ${intLiteral(i)}) AS BIGINT)`;
  return sql`(${octet(1)} * 16777216 + ${octet(2)} * 65536 + ${octet(3)} * 256 + ${octet(4)})`;
}

/** An IPv4 CIDR block as a numeric range. */
export function parseIpv4Cidr(cidr: string): { lo: number; hi: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (m === null) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const addr =
    (((octets[0] as number) * 256 + (octets[1] as number)) * 256 + (octets[2] as number)) * 256 +
    (octets[3] as number);
  const size = 2 ** (32 - bits);
  const lo = Math.floor(addr / size) * size;
  return { lo, hi: lo + size - 1 };
}

function parseIpv6Cidr(cidr: string): { prefix: string; bits: number } | undefined {
  const m = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (m === null) return undefined;
  const bits = Number(m[2]);
  if (bits > 128 || !new RegExp(IPV6_RE).test(m[1] as string)) return undefined;
  return { prefix: m[1] as string, bits };
}

function unsupportedFunction(name: string): string {
  switch (name) {
    case 'jsonParse':
    case 'jsonStringify':
    case 'jsonArraySize':
    case 'jsonArrayContains':
    case 'split':
      return `${name}() is not supported: map and list values are not supported yet`;
    case 'parseDate':
    case 'formatDate':
    case 'strftime':
      return `${name}() is not supported: its date format patterns are not translated to Trino and DuckDB formats`;
    case 'urlencode':
    case 'urldecode':
      return `${name}() is not supported: Trino and DuckDB encode spaces differently (+ and %20)`;
    case 'base64decode':
    case 'hexToAscii':
    case 'hexToDec':
    case 'decToHex':
      return `${name}() is not supported: invalid input would fail the whole query in one engine and not the other`;
    case 'isPrivateIP':
    case 'isPublicIP':
    case 'isReservedIP':
      return `${name}() is not supported: the address ranges CloudWatch Logs uses are not documented`;
    case 'unmask':
      return 'unmask() is not supported: the lake stores no masked data';
    default:
      return `${name}() is not supported yet`;
  }
}

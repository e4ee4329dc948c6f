/**
 * The parser of CloudWatch Logs Insights QL (the language the CloudWatch Logs guide
 * documents): commands separated by `|`, `#` comments, expressions with the
 * documented operators and functions.
 */
import type {
  Command,
  DedupCommand,
  Expr,
  FieldRef,
  InsightsQuery,
  ParseCommand,
  Projection,
  RegexLiteral,
  SortKey,
  StringLiteral,
} from './ast.js';
import type { SourcePosition } from './errors.js';
import { closestName, FUNCTIONS, lookupFunction } from './functions.js';
import { Scanner, type Token } from './lexer.js';
import { analyzeRegex } from './regex.js';

/** Commands logpipe parses and compiles. */
const COMMANDS = [
  'fields',
  'display',
  'filter',
  'where',
  'stats',
  'sort',
  'limit',
  'parse',
  'dedup',
];

/** Documented commands logpipe recognises but does not compile. */
const OTHER_COMMANDS = [
  'anomaly',
  'pattern',
  'diff',
  'unmask',
  'filterIndex',
  'SOURCE',
  'lookup',
  'unnest',
  'join',
  'addtotals',
  'json',
];

/** Largest limit Logs Insights accepts. */
export const INSIGHTS_MAX_LIMIT = 10_000;

/** Maximum `stats` commands in one query (Logs Insights quota, not adjustable). */
export const INSIGHTS_MAX_STATS = 2;

/** Caps Logs Insights puts on a period's amount per unit (datetime functions docs). */
const PERIOD_CAPS: Partial<Record<string, number>> = { ms: 1000, s: 60, m: 60, h: 24 };

const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'like',
  'as',
  'by',
  'asc',
  'desc',
  'true',
  'false',
]);

/**
 * Parses a Logs Insights query.
 *
 * @example
 * ```ts
 * const q = parseInsights('filter @message like /Exception/ | stats count(*) as n by bin(1h)');
 * q.commands.map((c) => c.type); // ['filter', 'stats']
 * ```
 * @throws InsightsSyntaxError with the line and column of the problem.
 */
export function parseInsights(text: string): InsightsQuery {
  return new Parser(text).query();
}

class Parser {
  private readonly s: Scanner;
  constructor(private readonly source: string) {
    this.s = new Scanner(source);
  }

  query(): InsightsQuery {
    const commands: Command[] = [];
    if (this.s.peek().kind === 'eof') {
      throw this.s.error(
        'the query is empty: write at least one command, e.g. fields @timestamp, @message',
        this.s.peek().pos,
      );
    }
    // A leading | is tolerated (queries are often pasted with one).
    if (this.isOp('|')) this.s.take();
    for (;;) {
      commands.push(this.command());
      const t = this.s.peek();
      if (t.kind === 'eof') break;
      if (t.kind === 'op' && t.op === '|') {
        this.s.take();
        if (this.s.peek().kind === 'eof') {
          throw this.s.error('expected a command after |', this.s.peek().pos);
        }
        continue;
      }
      throw this.s.error(`expected | or the end of the query, found ${describe(t)}`, t.pos);
    }
    this.checkOrder(commands);
    return { commands, source: this.source };
  }

  /** Rules on command order the guide states. */
  private checkOrder(commands: readonly Command[]): void {
    const stats = commands.filter((c) => c.type === 'stats');
    if (stats.length > INSIGHTS_MAX_STATS) {
      throw this.s.error(
        `a query can have at most ${INSIGHTS_MAX_STATS} stats commands`,
        (stats[INSIGHTS_MAX_STATS] as Command).pos,
      );
    }
    if (stats.length === 2) {
      const second = commands.indexOf(stats[1] as Command);
      for (let i = 0; i < second; i++) {
        const c = commands[i] as Command;
        if (c.type === 'sort' || c.type === 'limit') {
          throw this.s.error(
            `${c.type} must come after the second stats command in a query with two stats commands`,
            c.pos,
          );
        }
      }
    }
    const dedup = commands.findIndex((c) => c.type === 'dedup');
    if (dedup >= 0) {
      for (let i = dedup + 1; i < commands.length; i++) {
        const c = commands[i] as Command;
        if (c.type !== 'limit') {
          throw this.s.error(`only limit can follow dedup (found ${commandName(c)})`, c.pos);
        }
      }
    }
  }

  private command(): Command {
    const t = this.s.peek();
    if (t.kind !== 'name' || !t.bare || t.segments.length !== 1) {
      throw this.s.error(
        `expected a command (${COMMANDS.join(', ')}), found ${describe(t)}`,
        t.pos,
      );
    }
    const word = (t.segments[0] as string).toLowerCase();
    const pos = t.pos;
    if (!COMMANDS.includes(word)) {
      const other = OTHER_COMMANDS.find((c) => c.toLowerCase() === word);
      if (other !== undefined) {
        this.s.take();
        const text = this.s.skipCommandBody();
        return { type: 'unsupported', name: other, text, pos };
      }
      const hint = closestName(word, [...COMMANDS, ...OTHER_COMMANDS]);
      throw this.s.error(
        `unknown command "${t.segments[0]}"${hint === undefined ? '' : ` (did you mean ${hint}?)`}; commands are ${COMMANDS.join(', ')}`,
        pos,
      );
    }
    this.s.take();
    switch (word) {
      case 'fields':
        return { type: 'fields', items: this.projections('fields'), pos };
      case 'display':
        return { type: 'display', items: this.projections('display'), pos };
      case 'filter':
      case 'where':
        return { type: 'filter', keyword: word, condition: this.expr(), pos };
      case 'stats':
        return this.stats(pos);
      case 'sort':
        return { type: 'sort', keys: this.sortKeys(), pos };
      case 'limit':
        return this.limit(pos);
      case 'parse':
        return this.parseCommand(pos);
      default:
        return this.dedup(pos);
    }
  }

  private projections(command: string, stopAtBy = false): Projection[] {
    const items: Projection[] = [];
    for (;;) {
      if (this.atEndOfCommand() || (stopAtBy && this.isKeyword('by'))) {
        throw this.s.error(
          `expected an expression in ${command}, found ${describe(this.s.peek())}`,
          this.s.peek().pos,
        );
      }
      const pos = this.s.peek().pos;
      const expr = this.expr();
      let alias: string | undefined;
      if (this.isKeyword('as')) {
        this.s.take();
        alias = this.fieldName('a name after as').name;
      }
      items.push({
        expr,
        alias,
        name: alias ?? (expr.kind === 'field' ? expr.name : expr.text),
        pos,
      });
      if (this.isOp(',')) {
        this.s.take();
        continue;
      }
      return items;
    }
  }

  private stats(pos: SourcePosition): Command {
    const items = this.projections('stats', true);
    if (!items.some((item) => containsAggregate(item.expr))) {
      throw this.s.error(
        'stats needs an aggregate function such as count(), sum() or avg()',
        (items[0] as Projection).pos,
      );
    }
    let by: Projection[] = [];
    if (this.isKeyword('by')) {
      this.s.take();
      by = this.projections('stats … by');
      for (const key of by) {
        if (containsAggregate(key.expr)) {
          throw this.s.error('an aggregate function cannot be a stats … by key', key.pos);
        }
      }
    }
    return { type: 'stats', items, by, pos };
  }

  private sortKeys(): SortKey[] {
    const keys: SortKey[] = [];
    for (;;) {
      if (this.atEndOfCommand()) {
        throw this.s.error(
          `expected a field to sort by, found ${describe(this.s.peek())}`,
          this.s.peek().pos,
        );
      }
      const expr = this.expr();
      let direction: 'asc' | 'desc' = 'asc';
      if (this.isKeyword('asc') || this.isKeyword('desc')) {
        const t = this.s.take();
        direction =
          t.kind === 'name' && (t.segments[0] as string).toLowerCase() === 'desc' ? 'desc' : 'asc';
      }
      keys.push({ expr, direction });
      if (this.isOp(',')) {
        this.s.take();
        continue;
      }
      return keys;
    }
  }

  private limit(pos: SourcePosition): Command {
    const t = this.s.take();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || t.value < 1) {
      throw this.s.error(
        `limit takes a whole number of rows from 1 to ${INSIGHTS_MAX_LIMIT}, found ${describe(t)}`,
        t.pos,
      );
    }
    if (t.value > INSIGHTS_MAX_LIMIT) {
      throw this.s.error(
        `limit can be at most ${INSIGHTS_MAX_LIMIT} (Logs Insights' maximum), found ${t.raw}`,
        t.pos,
      );
    }
    return { type: 'limit', count: t.value, pos };
  }

  private parseCommand(pos: SourcePosition): ParseCommand {
    // The field is optional: @message by default.
    const next = this.s.peek();
    const source: FieldRef =
      next.kind === 'string' || this.s.atSlash()
        ? { kind: 'field', name: '@message', path: ['@message'], pos: next.pos, text: '@message' }
        : this.fieldName('the field to parse (e.g. @message)');
    if (this.s.atSlash()) {
      const r = this.s.takeRegex();
      if (r.kind !== 'regex') throw this.s.error('expected a regular expression', r.pos);
      const info = analyzeRegex(r.pattern);
      if (info.error !== undefined)
        throw this.s.error(`invalid regular expression: ${info.error}`, r.pos);
      let names: string[];
      let groups: number[];
      if (this.isKeyword('as')) {
        this.s.take();
        const listed = this.nameList();
        if (listed.names.length !== info.groups.length) {
          throw this.s.error(
            `the regular expression has ${info.groups.length} capture group${info.groups.length === 1 ? '' : 's'} but ${listed.names.length} name${listed.names.length === 1 ? '' : 's'} follow as`,
            r.pos,
          );
        }
        names = listed.names;
        groups = info.groups.map((g) => g.index);
      } else {
        const named = info.groups.filter((g) => g.name !== undefined);
        if (named.length === 0) {
          throw this.s.error(
            'a parse regular expression needs named groups such as (?<name>.*), or as and a name for each group',
            r.pos,
          );
        }
        names = named.map((g) => g.name as string);
        groups = named.map((g) => g.index);
      }
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) throw this.s.error(`the field name "${dup}" is used twice`, r.pos);
      let multi = false;
      if (this.isKeyword('multi')) {
        this.s.take();
        multi = true;
      }
      return {
        type: 'parse',
        source,
        pattern: { kind: 'regex', regex: r.pattern, pos: r.pos },
        names,
        groups,
        multi,
        pos,
      };
    }
    if (this.isKeyword('logfmt') || this.isKeyword('csv')) {
      const t = this.s.take();
      const kind =
        t.kind === 'name' && (t.segments[0] as string).toLowerCase() === 'csv' ? 'csv' : 'logfmt';
      if (!this.isKeyword('as'))
        throw this.s.error(`expected as after parse … ${kind}`, this.s.peek().pos);
      this.s.take();
      const { names } = this.nameList();
      if (kind === 'logfmt' && names.length !== 1) {
        throw this.s.error('parse … logfmt as takes one name (the map of key-value pairs)', t.pos);
      }
      return {
        type: 'parse',
        source,
        pattern: { kind, pos: t.pos },
        names,
        groups: [],
        multi: false,
        pos,
      };
    }
    const g = this.s.take();
    if (g.kind !== 'string') {
      throw this.s.error(
        `expected a glob pattern in quotes ("… * …"), a /regular expression/, logfmt or csv after parse ${source.text}, found ${describe(g)}`,
        g.pos,
      );
    }
    const stars = g.value.split('*').length - 1;
    if (stars === 0) {
      throw this.s.error('a parse glob pattern needs at least one * to capture', g.pos);
    }
    if (!this.isKeyword('as')) {
      throw this.s.error(
        `expected as and ${stars} field name${stars === 1 ? '' : 's'} after the glob pattern`,
        this.s.peek().pos,
      );
    }
    this.s.take();
    const { names, positions } = this.nameList();
    if (names.length !== stars) {
      throw this.s.error(
        `the glob pattern has ${stars} * but ${names.length} field name${names.length === 1 ? '' : 's'} follow as`,
        names.length > stars ? (positions[stars] as SourcePosition) : g.pos,
      );
    }
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw this.s.error(`the field name "${dup}" is used twice`, g.pos);
    return {
      type: 'parse',
      source,
      pattern: { kind: 'glob', glob: g.value, pos: g.pos },
      names,
      groups: names.map((_, i) => i + 1),
      multi: false,
      pos,
    };
  }

  private nameList(): { names: string[]; positions: SourcePosition[] } {
    const names: string[] = [];
    const positions: SourcePosition[] = [];
    for (;;) {
      positions.push(this.s.peek().pos);
      names.push(this.fieldName('a field name').name);
      if (this.isOp(',')) {
        this.s.take();
        continue;
      }
      return { names, positions };
    }
  }

  private dedup(pos: SourcePosition): DedupCommand {
    const fields: FieldRef[] = [];
    for (;;) {
      fields.push(this.fieldName('a field name to dedup by'));
      if (this.isOp(',')) {
        this.s.take();
        continue;
      }
      return { type: 'dedup', fields, pos };
    }
  }

  // ---- expressions -------------------------------------------------------

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.isKeyword('or')) {
      this.s.take();
      const right = this.and();
      left = {
        kind: 'binary',
        op: 'or',
        left,
        right,
        pos: left.pos,
        text: this.textFrom(left.pos),
      };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isKeyword('and')) {
      this.s.take();
      const right = this.not();
      left = {
        kind: 'binary',
        op: 'and',
        left,
        right,
        pos: left.pos,
        text: this.textFrom(left.pos),
      };
    }
    return left;
  }

  private not(): Expr {
    if (this.isKeyword('not')) {
      const pos = this.s.take().pos;
      const operand = this.not();
      return { kind: 'unary', op: 'not', operand, pos, text: this.textFrom(pos) };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const t = this.s.peek();
    let negated = false;
    if (this.isKeyword('not')) {
      // `x not like …`, `x not in […]`
      this.s.take();
      negated = true;
      if (!this.isKeyword('like') && !this.isKeyword('in')) {
        throw this.s.error(
          `expected like or in after not, found ${describe(this.s.peek())}`,
          this.s.peek().pos,
        );
      }
    }
    if (this.isKeyword('like') || (this.isOp('=~') && !negated)) {
      const opTok = this.s.take();
      const op = opTok.kind === 'op' ? '=~' : 'like';
      const pattern = this.pattern(op);
      const e: Expr = {
        kind: 'match',
        negated,
        op,
        subject: left,
        pattern,
        pos: left.pos,
        text: this.textFrom(left.pos),
      };
      this.noChainedComparison();
      return e;
    }
    if (this.isKeyword('in')) {
      this.s.take();
      const open = this.s.take();
      if (open.kind !== 'op' || open.op !== '[') {
        throw this.s.error(
          `expected [ after in (e.g. in ["a", "b"]), found ${describe(open)}`,
          open.pos,
        );
      }
      const values: Expr[] = [];
      if (!this.isOp(']')) {
        for (;;) {
          values.push(this.additive());
          if (this.isOp(',')) {
            this.s.take();
            continue;
          }
          break;
        }
      }
      const close = this.s.take();
      if (close.kind !== 'op' || close.op !== ']') {
        throw this.s.error(`expected , or ] in the in list, found ${describe(close)}`, close.pos);
      }
      if (values.length === 0) throw this.s.error('the in list is empty', open.pos);
      const e: Expr = {
        kind: 'in',
        negated,
        subject: left,
        values,
        pos: left.pos,
        text: this.textFrom(left.pos),
      };
      this.noChainedComparison();
      return e;
    }
    if (t.kind === 'op' && ['=', '!=', '<', '<=', '>', '>='].includes(t.op)) {
      this.s.take();
      const right = this.additive();
      const e: Expr = {
        kind: 'binary',
        op: t.op as '=' | '!=' | '<' | '<=' | '>' | '>=',
        left,
        right,
        pos: left.pos,
        text: this.textFrom(left.pos),
      };
      this.noChainedComparison();
      return e;
    }
    return left;
  }

  private noChainedComparison(): void {
    const t = this.s.peek();
    if (
      (t.kind === 'op' && ['=', '!=', '<', '<=', '>', '>=', '=~'].includes(t.op)) ||
      this.isKeyword('like') ||
      this.isKeyword('in')
    ) {
      throw this.s.error('comparisons cannot be chained: combine them with and / or', t.pos);
    }
  }

  private pattern(op: string): StringLiteral | RegexLiteral {
    if (this.s.atSlash()) {
      const r = this.s.takeRegex();
      if (r.kind !== 'regex') throw this.s.error('expected a regular expression', r.pos);
      const info = analyzeRegex(r.pattern);
      if (info.error !== undefined)
        throw this.s.error(`invalid regular expression: ${info.error}`, r.pos);
      return { kind: 'regex', pattern: r.pattern, pos: r.pos, text: this.textFrom(r.pos) };
    }
    const t = this.s.take();
    if (t.kind !== 'string') {
      throw this.s.error(
        `expected a "substring" or a /regular expression/ after ${op}, found ${describe(t)}`,
        t.pos,
      );
    }
    return { kind: 'string', value: t.value, pos: t.pos, text: this.textFrom(t.pos) };
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const t = this.s.peek();
      if (t.kind === 'op' && (t.op === '+' || t.op === '-')) {
        this.s.take();
        const right = this.multiplicative();
        left = {
          kind: 'binary',
          op: t.op,
          left,
          right,
          pos: left.pos,
          text: this.textFrom(left.pos),
        };
        continue;
      }
      return left;
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.s.peek();
      if (t.kind === 'op' && (t.op === '*' || t.op === '/' || t.op === '%')) {
        this.s.take();
        const right = this.unary();
        left = {
          kind: 'binary',
          op: t.op,
          left,
          right,
          pos: left.pos,
          text: this.textFrom(left.pos),
        };
        continue;
      }
      return left;
    }
  }

  private unary(): Expr {
    const t = this.s.peek();
    if (t.kind === 'op' && t.op === '-') {
      this.s.take();
      const operand = this.unary();
      if (operand.kind === 'number') {
        return { kind: 'number', value: -operand.value, pos: t.pos, text: this.textFrom(t.pos) };
      }
      return { kind: 'unary', op: '-', operand, pos: t.pos, text: this.textFrom(t.pos) };
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.primary();
    if (this.isOp('^')) {
      this.s.take();
      const exponent = this.unary();
      return {
        kind: 'binary',
        op: '^',
        left: base,
        right: exponent,
        pos: base.pos,
        text: this.textFrom(base.pos),
      };
    }
    return base;
  }

  private primary(): Expr {
    const t = this.s.peek();
    switch (t.kind) {
      case 'number':
        this.s.take();
        return { kind: 'number', value: t.value, pos: t.pos, text: t.raw };
      case 'string':
        this.s.take();
        return { kind: 'string', value: t.value, pos: t.pos, text: this.textFrom(t.pos) };
      case 'duration':
        throw this.s.error(
          `a time period like ${t.raw} can only be an argument of bin(), datefloor() or dateceil()`,
          t.pos,
        );
      case 'op':
        if (t.op === '(') {
          this.s.take();
          const inner = this.expr();
          const close = this.s.take();
          if (close.kind !== 'op' || close.op !== ')') {
            throw this.s.error(
              `expected ) to close the ( at line ${t.pos.line}, column ${t.pos.column}, found ${describe(close)}`,
              close.pos,
            );
          }
          return { ...inner, pos: t.pos, text: this.textFrom(t.pos) } as Expr;
        }
        if (t.op === '/') {
          throw this.s.error(
            'a /regular expression/ can only follow like, =~ or parse <field>',
            t.pos,
          );
        }
        throw this.s.error(`expected a value, a field or a function, found ${describe(t)}`, t.pos);
      case 'name': {
        const word = t.bare && t.segments.length === 1 ? (t.segments[0] as string) : undefined;
        const lower = word?.toLowerCase();
        if (lower === 'true' || lower === 'false') {
          this.s.take();
          return { kind: 'boolean', value: lower === 'true', pos: t.pos, text: word as string };
        }
        if (lower !== undefined && KEYWORDS.has(lower)) {
          throw this.s.error(
            `expected a value, a field or a function, found the keyword ${word} (write \`${word}\` for a field of that name)`,
            t.pos,
          );
        }
        this.s.take();
        if (word !== undefined && this.isOp('(')) return this.call(word, t.pos);
        return this.fieldFromToken(t);
      }
      case 'regex':
        throw this.s.error('unexpected regular expression', t.pos);
      default:
        throw this.s.error('unexpected end of the query: an expression is missing', t.pos);
    }
  }

  private call(word: string, pos: SourcePosition): Expr {
    const spec = lookupFunction(word);
    if (spec === undefined) {
      const hint = closestName(
        word,
        FUNCTIONS.map((f) => f.name),
      );
      throw this.s.error(
        `unknown function "${word}"${hint === undefined ? '' : ` (did you mean ${hint}?)`}`,
        pos,
      );
    }
    this.s.take(); // (
    const args: Expr[] = [];
    let star = false;
    if (this.isOp('*') && spec.name === 'count') {
      this.s.take();
      star = true;
    } else if (!this.isOp(')')) {
      for (;;) {
        const index = args.length;
        const t = this.s.peek();
        if (spec.periodArgs?.includes(index)) {
          if (t.kind !== 'duration') {
            throw this.s.error(
              `${spec.name}() takes a time period such as 5m or 1h here, found ${describe(t)}`,
              t.pos,
            );
          }
          this.s.take();
          const cap = PERIOD_CAPS[t.unit];
          if (!(t.amount > 0) || !Number.isInteger(t.amount)) {
            throw this.s.error(
              `a time period needs a whole, positive amount, found ${t.raw}`,
              t.pos,
            );
          }
          if (cap !== undefined && t.amount > cap) {
            throw this.s.error(
              `${t.raw} is over the cap of ${cap} for the unit ${t.unit}: CloudWatch Logs would silently use ${cap}${t.unit}; write it with a larger unit instead`,
              t.pos,
            );
          }
          args.push({ kind: 'duration', amount: t.amount, unit: t.unit, pos: t.pos, text: t.raw });
        } else {
          args.push(this.expr());
        }
        if (this.isOp(',')) {
          this.s.take();
          continue;
        }
        break;
      }
    }
    const close = this.s.take();
    if (close.kind !== 'op' || close.op !== ')') {
      throw this.s.error(
        `expected , or ) in the arguments of ${spec.name}(), found ${describe(close)}`,
        close.pos,
      );
    }
    if (!star && (args.length < spec.minArgs || args.length > spec.maxArgs)) {
      const wanted =
        spec.minArgs === spec.maxArgs
          ? `${spec.minArgs}`
          : spec.maxArgs === Infinity
            ? `at least ${spec.minArgs}`
            : `${spec.minArgs} to ${spec.maxArgs}`;
      throw this.s.error(
        `${spec.name}() takes ${wanted} argument${wanted === '1' ? '' : 's'}, found ${args.length}`,
        pos,
      );
    }
    if (spec.kind === 'aggregate') {
      for (const a of args) {
        if (containsAggregate(a)) {
          throw this.s.error(
            `aggregate functions cannot be nested: ${spec.name}(${a.text})`,
            a.pos,
          );
        }
      }
      if (spec.name === 'pct') {
        const p = args[1] as Expr;
        if (p.kind !== 'number' || p.value < 0 || p.value > 100) {
          throw this.s.error(
            'pct() takes a percentile from 0 to 100 as its second argument, e.g. pct(@duration, 95)',
            p.pos,
          );
        }
      }
    }
    return { kind: 'call', name: spec.name, args, star, pos, text: this.textFrom(pos) };
  }

  // ---- helpers -------------------------------------------------------------

  private fieldFromToken(t: Token & { kind: 'name' }): FieldRef {
    const name = t.segments.join('.');
    return {
      kind: 'field',
      name,
      path: t.segments,
      pos: t.pos,
      text: this.source.slice(t.pos.offset, t.end),
    };
  }

  private fieldName(what: string): FieldRef {
    const t = this.s.peek();
    if (t.kind !== 'name') throw this.s.error(`expected ${what}, found ${describe(t)}`, t.pos);
    const lower =
      t.bare && t.segments.length === 1 ? (t.segments[0] as string).toLowerCase() : undefined;
    if (lower !== undefined && KEYWORDS.has(lower)) {
      throw this.s.error(
        `expected ${what}, found the keyword ${t.segments[0]} (write \`${t.segments[0]}\` for a field of that name)`,
        t.pos,
      );
    }
    this.s.take();
    return this.fieldFromToken(t);
  }

  private textFrom(pos: SourcePosition): string {
    return this.source.slice(pos.offset, this.s.consumedTo).trim();
  }

  private isOp(op: string): boolean {
    const t = this.s.peek();
    return t.kind === 'op' && t.op === op;
  }

  private isKeyword(word: string): boolean {
    const t = this.s.peek();
    return (
      t.kind === 'name' &&
      t.bare &&
      t.segments.length === 1 &&
      (t.segments[0] as string).toLowerCase() === word
    );
  }

  private atEndOfCommand(): boolean {
    const t = this.s.peek();
    return t.kind === 'eof' || (t.kind === 'op' && t.op === '|');
  }
}

/** Whether an expression contains an aggregate (stats) function call. */
export function containsAggregate(e: Expr): boolean {
  switch (e.kind) {
    case 'call':
      return lookupFunction(e.name)?.kind === 'aggregate' || e.args.some(containsAggregate);
    case 'unary':
      return containsAggregate(e.operand);
    case 'binary':
      return containsAggregate(e.left) || containsAggregate(e.right);
    case 'match':
      return containsAggregate(e.subject);
    case 'in':
      return containsAggregate(e.subject) || e.values.some(containsAggregate);
    default:
      return false;
  }
}

function commandName(c: Command): string {
  return c.type === 'unsupported' ? c.name : c.type === 'filter' ? c.keyword : c.type;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the query';
    case 'op':
      return `"${t.op}"`;
    case 'name':
      return t.bare ? `"${t.segments.join('.')}"` : `\`${t.segments.join('.')}\``;
    case 'string':
      return `the string ${JSON.stringify(t.value)}`;
    case 'number':
      return `the number ${t.raw}`;
    case 'duration':
      return `the time period ${t.raw}`;
    default:
      return 'a regular expression';
  }
}

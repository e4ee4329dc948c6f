/**
 * The syntax tree of a CloudWatch Logs Insights query, as {@link parseInsights} builds it.
 * Every node keeps where it starts in the query text (`pos`) and the text it was written
 * as (`text`), which names un-aliased output columns the way Logs Insights does
 * (`count(*)`, `bin(5m)`).
 */
import type { SourcePosition } from './errors.js';

export type { SourcePosition } from './errors.js';

/** Time units of a period such as `5m` (Logs Insights `bin()` units). */
export type TimeUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w' | 'mo' | 'q' | 'y';

interface NodeBase {
  /** Where the node starts in the query text. */
  readonly pos: SourcePosition;
  /** The node's text as written (trimmed). */
  readonly text: string;
}

/** A number literal, e.g. `17`, `0.5`. */
export interface NumberLiteral extends NodeBase {
  readonly kind: 'number';
  readonly value: number;
}

/** A string literal in single or double quotes, escapes resolved. */
export interface StringLiteral extends NodeBase {
  readonly kind: 'string';
  readonly value: string;
}

/** `true` or `false`. */
export interface BooleanLiteral extends NodeBase {
  readonly kind: 'boolean';
  readonly value: boolean;
}

/** A time period such as `5m` or `1h`: an argument of `bin`, `datefloor`, `dateceil`. */
export interface DurationLiteral extends NodeBase {
  readonly kind: 'duration';
  readonly amount: number;
  readonly unit: TimeUnit;
}

/** A regular expression literal `/…/` (the text between the slashes, `\/` unescaped). */
export interface RegexLiteral extends NodeBase {
  readonly kind: 'regex';
  readonly pattern: string;
}

/**
 * A field reference. `name` is the field's name as a whole (`requestParameters.userName`,
 * `foo-bar` for `` `foo-bar` ``); `path` its dot-separated segments, backticked segments
 * kept whole.
 */
export interface FieldRef extends NodeBase {
  readonly kind: 'field';
  readonly name: string;
  readonly path: readonly string[];
}

/** A function call; `name` is the canonical (documented) spelling, e.g. `count_distinct`, `isIpv4InSubnet`. */
export interface CallExpr extends NodeBase {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly Expr[];
  /** `count(*)`. */
  readonly star: boolean;
}

/** Unary minus or `not`. */
export interface UnaryExpr extends NodeBase {
  readonly kind: 'unary';
  readonly op: '-' | 'not';
  readonly operand: Expr;
}

/** Binary operators, arithmetic, comparison and boolean. */
export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'and'
  | 'or';

export interface BinaryExpr extends NodeBase {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

/** `x like "sub"`, `x like /re/`, `x =~ /re/`, `x not like …`. */
export interface MatchExpr extends NodeBase {
  readonly kind: 'match';
  readonly negated: boolean;
  readonly op: 'like' | '=~';
  readonly subject: Expr;
  readonly pattern: StringLiteral | RegexLiteral;
}

/** `x in [a, b]`, `x not in [a, b]`. */
export interface InExpr extends NodeBase {
  readonly kind: 'in';
  readonly negated: boolean;
  readonly subject: Expr;
  readonly values: readonly Expr[];
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | BooleanLiteral
  | DurationLiteral
  | FieldRef
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | MatchExpr
  | InExpr;

/** One item of `fields`, `display` or `stats`: an expression with an optional `as` alias. */
export interface Projection {
  readonly expr: Expr;
  readonly alias: string | undefined;
  /** The output name: the alias, else the field name, else the expression text. */
  readonly name: string;
  readonly pos: SourcePosition;
}

export interface SortKey {
  readonly expr: Expr;
  readonly direction: 'asc' | 'desc';
}

interface CommandBase {
  readonly pos: SourcePosition;
}

export interface FieldsCommand extends CommandBase {
  readonly type: 'fields';
  readonly items: readonly Projection[];
}

export interface DisplayCommand extends CommandBase {
  readonly type: 'display';
  readonly items: readonly Projection[];
}

export interface FilterCommand extends CommandBase {
  readonly type: 'filter';
  /** `where` is the documented alias of `filter`. */
  readonly keyword: 'filter' | 'where';
  readonly condition: Expr;
}

export interface StatsCommand extends CommandBase {
  readonly type: 'stats';
  readonly items: readonly Projection[];
  readonly by: readonly Projection[];
}

export interface SortCommand extends CommandBase {
  readonly type: 'sort';
  readonly keys: readonly SortKey[];
}

export interface LimitCommand extends CommandBase {
  readonly type: 'limit';
  readonly count: number;
}

/**
 * `parse [<field>] "glob * pattern" as a, b`, `parse [<field>] /(?<a>re)/ [as …] [multi]`,
 * `parse [<field>] logfmt as m`, `parse [<field>] csv as a, b`. The field defaults to
 * `@message`.
 */
export interface ParseCommand extends CommandBase {
  readonly type: 'parse';
  readonly source: FieldRef;
  readonly pattern:
    | { readonly kind: 'glob'; readonly glob: string; readonly pos: SourcePosition }
    | { readonly kind: 'regex'; readonly regex: string; readonly pos: SourcePosition }
    | { readonly kind: 'logfmt' | 'csv'; readonly pos: SourcePosition };
  /** The fields it creates, in capture order. */
  readonly names: readonly string[];
  /** For a regex: the capture group (1-based) each of `names` takes. */
  readonly groups: readonly number[];
  /** Regex multi-match mode (`… multi`): one row per match. */
  readonly multi: boolean;
}

export interface DedupCommand extends CommandBase {
  readonly type: 'dedup';
  readonly fields: readonly FieldRef[];
}

/**
 * A documented command logpipe parses no further (`pattern`, `diff`, `anomaly`, `unmask`,
 * `filterIndex`, `SOURCE`, `lookup`, `unnest`, `join`, …): the compiler refuses it.
 */
export interface UnsupportedCommand extends CommandBase {
  readonly type: 'unsupported';
  readonly name: string;
  readonly text: string;
}

export type Command =
  | FieldsCommand
  | DisplayCommand
  | FilterCommand
  | StatsCommand
  | SortCommand
  | LimitCommand
  | ParseCommand
  | DedupCommand
  | UnsupportedCommand;

/** A parsed query: its commands in pipeline order, and the text it came from. */
export interface InsightsQuery {
  readonly commands: readonly Command[];
  readonly source: string;
}

import { VPC_FLOW_FIELDS, type VpcFlowField } from '../datasets/vpc-flow.js';
import { ConfigError } from '../errors.js';
import { fail, ok, type ParseResult, type Parser } from './types.js';

/**
 * The default flow log format: the version 2 fields, in the order AWS writes them.
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
 *
 * @example
 * ```ts
 * createVpcFlowParser({ format: VPC_FLOW_DEFAULT_FORMAT }); // same as createVpcFlowParser()
 * ```
 */
export const VPC_FLOW_DEFAULT_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

/**
 * Options of {@link createVpcFlowParser}.
 *
 * @example
 * ```ts
 * const options: VpcFlowParserOptions = { format: '${version} ${vpc-id} ${srcaddr} ${dstaddr}' };
 * ```
 */
export interface VpcFlowParserOptions {
  /**
   * The flow log's format string exactly as configured in AWS (`LogFormat`),
   * e.g. `${version} ${vpc-id} ${srcaddr} …`. Default {@link VPC_FLOW_DEFAULT_FORMAT}.
   */
  format?: string | undefined;
}

/** Field table by AWS name, built on first use (no work at import time). */
let byName: Map<string, VpcFlowField> | undefined;

/**
 * Reads a flow log format string into its fields, in order. This is the
 * validation {@link createVpcFlowParser} runs once at construction.
 *
 * @example
 * ```ts
 * parseVpcFlowFormat('${version} ${pkt-srcaddr}').map((f) => f.column); // ['version', 'pkt_srcaddr']
 * ```
 * @throws ConfigError when the format is empty, has a token that is not a
 *   `${field}` reference, names an unknown field, or names a field twice.
 */
export function parseVpcFlowFormat(format: string): readonly VpcFlowField[] {
  if (typeof format !== 'string' || format.trim() === '') {
    throw new ConfigError(
      'VPC flow log format must be a non-empty string of ${field} references, e.g. "${version} ${srcaddr} ${dstaddr}"',
    );
  }
  byName ??= new Map(VPC_FLOW_FIELDS.map((x) => [x.awsName, x]));
  const tokens = format.trim().split(/\s+/);
  const fields: VpcFlowField[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (
      !token.startsWith('${') ||
      !token.endsWith('}') ||
      token.indexOf('}') !== token.length - 1
    ) {
      throw new ConfigError(
        `VPC flow log format: token ${i + 1} ${JSON.stringify(token)} is not a single \${field} reference (fields are separated by spaces)`,
      );
    }
    const name = token.slice(2, -1);
    const field = byName.get(name);
    if (field === undefined) {
      throw new ConfigError(
        `VPC flow log format: unknown field ${JSON.stringify(name)} (token ${i + 1}); known fields: ${VPC_FLOW_FIELDS.map((x) => x.awsName).join(', ')}`,
      );
    }
    if (fields.includes(field)) {
      throw new ConfigError(`VPC flow log format: field ${JSON.stringify(name)} appears twice`);
    }
    fields.push(field);
  }
  return fields;
}

/** How a field's text becomes its value. */
const KIND_STRING = 0;
const KIND_INT = 1;
const KIND_SECONDS = 2;

const SPACE = 32;
const DASH = 45;
const ZERO = 48;
const NINE = 57;

/**
 * `(values) => ({ [columns[0]]: values[0], … })` as one object literal. Column names come
 * from VPC_FLOW_FIELDS (parseVpcFlowFormat refuses any other) and are quoted. Where this
 * runtime refuses code from strings (`--disallow-code-generation-from-strings`), the same
 * object is made field by field.
 */
function compileBuild(columns: readonly string[]): (values: unknown[]) => Record<string, unknown> {
  const body = columns.map((c, i) => `${JSON.stringify(c)}: v[${i}]`).join(', ');
  try {
    return new Function('v', `return { ${body} };`) as (v: unknown[]) => Record<string, unknown>;
  } catch {
    return (values) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) out[columns[i] as string] = values[i];
      return out;
    };
  }
}

class VpcFlowParser implements Parser {
  readonly name = 'vpc_flow';
  readonly dataset = 'vpc_flow';
  private readonly n: number;
  private readonly columns: readonly string[];
  private readonly kinds: readonly number[];
  /** `field 6 (srcport)`, for rejection reasons. */
  private readonly labels: readonly string[];
  /** The values of the line being parsed, by field (reused: parsing is synchronous). */
  private readonly values: unknown[];
  /**
   * The fields object of a line from its values: an object literal with the format's columns
   * in order, compiled once per format (as record-line.ts compiles its serializers). Every
   * line's object then has one shape, made at once; storing each field by a computed key
   * instead made the parse 710–750 against 490–540 ns a default-format line (core README,
   * "Hot path: parsers").
   */
  private readonly build: (values: unknown[]) => Record<string, unknown>;

  constructor(options: VpcFlowParserOptions) {
    const fields = parseVpcFlowFormat(options.format ?? VPC_FLOW_DEFAULT_FORMAT);
    this.n = fields.length;
    this.columns = fields.map((x) => x.column);
    this.kinds = fields.map((x) =>
      x.type === 'timestamp'
        ? KIND_SECONDS
        : x.type === 'int' || x.type === 'bigint'
          ? KIND_INT
          : KIND_STRING,
    );
    this.labels = fields.map((x, i) => `field ${i + 1} (${x.awsName})`);
    this.values = new Array<unknown>(this.n).fill(null);
    this.build = compileBuild(this.columns);
  }

  parse(message: string): ParseResult {
    if (typeof message !== 'string') return fail('message is not a string');
    const n = this.n;
    // One trailing newline (or CRLF) is tolerated.
    let end = message.length;
    if (end > 0 && message.charCodeAt(end - 1) === 10) {
      end--;
      if (end > 0 && message.charCodeAt(end - 1) === 13) end--;
    }
    const values = this.values;
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (pos > end) return fail(`expected ${n} space-separated fields, got ${i}`);
      let next = message.indexOf(' ', pos);
      if (next === -1 || next > end) next = end;
      if (next - pos === 1 && message.charCodeAt(pos) === DASH) {
        values[i] = null;
      } else if (next === pos) {
        return fail(`${this.labels[i]}: empty value (fields are separated by single spaces)`);
      } else {
        const kind = this.kinds[i];
        if (kind === KIND_STRING) {
          values[i] = message.slice(pos, next);
        } else {
          // Digits only, read in place (no substring on the happy path).
          let v = 0;
          for (let j = pos; j < next; j++) {
            const c = message.charCodeAt(j);
            if (c < ZERO || c > NINE) {
              return fail(
                `${this.labels[i]}: expected an integer, got ${JSON.stringify(message.slice(pos, Math.min(next, pos + 40)))}`,
              );
            }
            v = v * 10 + (c - ZERO);
          }
          if (!Number.isSafeInteger(v)) {
            return fail(
              `${this.labels[i]}: integer out of range, got ${JSON.stringify(message.slice(pos, Math.min(next, pos + 40)))}`,
            );
          }
          values[i] = kind === KIND_SECONDS ? v * 1000 : v;
        }
      }
      pos = next + 1;
    }
    if (pos <= end) {
      let extra = 1;
      for (let j = pos; j < end; j++) if (message.charCodeAt(j) === SPACE) extra++;
      return fail(`expected ${n} space-separated fields, got ${n + extra}`);
    }
    return ok('vpc_flow', this.build(values));
  }
}

/**
 * Creates a VPC Flow Logs parser for the default format or a custom one. The
 * format is validated once here; each line is then split on single spaces and
 * converted through a per-field table. `-` is null in every field; NODATA and
 * SKIPDATA records parse (with nulls); `start`/`end` become epoch milliseconds.
 * A line with the wrong number of fields, or a non-integer in a numeric field,
 * is rejected with a reason naming the field.
 *
 * @example
 * ```ts
 * const p = createVpcFlowParser({ format: '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action}' });
 * const r = p.parse('3 vpc-0abc 10.0.0.1 10.0.0.2 ACCEPT', ctx);
 * if (r.ok) r.fields.vpc_id; // 'vpc-0abc'
 * ```
 * @throws ConfigError when the format is malformed or names an unknown field.
 */
export function createVpcFlowParser(options: VpcFlowParserOptions = {}): Parser {
  return new VpcFlowParser(options);
}

/** A default-format record; numbers and addresses are checked, ids loosely. */
const DEFAULT_FORMAT_LINE =
  /^2 (?:\d{12}|unknown|-) (?:[a-z]+-[0-9a-z]+|-) (?:[0-9a-fA-F.:]+|-) (?:[0-9a-fA-F.:]+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:\d+|-) (?:ACCEPT|REJECT|-) (?:OK|NODATA|SKIPDATA)\r?\n?$/;

/**
 * True for a line in the default flow log format, used to recognise flow logs
 * by content when the log group name says nothing. Cheap checks first, then
 * one anchored, backtracking-free pattern over the 14 fields.
 *
 * @example
 * ```ts
 * looksLikeVpcFlow('2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA'); // true
 * looksLikeVpcFlow('http 2018-11-30T22:23:00.186641Z app/my-lb/50dc6c495c0c9188 …'); // false
 * ```
 */
export function looksLikeVpcFlow(message: string): boolean {
  return (
    typeof message === 'string' &&
    message.length < 512 &&
    message.charCodeAt(0) === 50 /* 2 */ &&
    message.charCodeAt(1) === SPACE &&
    DEFAULT_FORMAT_LINE.test(message)
  );
}

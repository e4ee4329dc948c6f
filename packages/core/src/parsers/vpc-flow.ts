import { VPC_FLOW_FIELDS, type VpcFlowField } from '../datasets/vpc-flow.js';
import { ConfigError } from '../errors.js';
import { fail, ok, type ParseResult, type Parser } from './types.js';

/**
 * The default (version 2) flow log format.
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
 */
export const VPC_FLOW_DEFAULT_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

/** Options of {@link createVpcFlowParser}. */
export interface VpcFlowParserOptions {
  /** The flow log's format string as configured in AWS. Default {@link VPC_FLOW_DEFAULT_FORMAT}. */
  format?: string | undefined;
}

const BY_NAME = new Map(VPC_FLOW_FIELDS.map((x) => [x.awsName, x]));

const KIND_STRING = 0;
const KIND_INT = 1;
const KIND_SECONDS = 2;

/** Columns of a format string, validated. */
function compileFormat(format: string): VpcFlowField[] {
  if (typeof format !== 'string' || format.trim() === '') {
    throw new ConfigError(
      'VPC flow log format must be a non-empty string like "${version} ${srcaddr} …"',
    );
  }
  const tokens = format.trim().split(/\s+/);
  const fields: VpcFlowField[] = [];
  for (const token of tokens) {
    const m = /^\$\{([a-z0-9-]+)\}$/.exec(token);
    if (m === null) {
      throw new ConfigError(
        `VPC flow log format: ${JSON.stringify(token)} is not a \${field} reference`,
      );
    }
    const field = BY_NAME.get(m[1] as string);
    if (field === undefined) {
      throw new ConfigError(
        `VPC flow log format: unknown field ${JSON.stringify(m[1])}; known: ${VPC_FLOW_FIELDS.map((x) => x.awsName).join(', ')}`,
      );
    }
    if (fields.includes(field)) {
      throw new ConfigError(`VPC flow log format: field ${JSON.stringify(m[1])} appears twice`);
    }
    fields.push(field);
  }
  return fields;
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

class VpcFlowParser implements Parser {
  readonly name = 'vpc_flow';
  readonly dataset = 'vpc_flow';
  private readonly columns: string[];
  private readonly kinds: number[];
  private readonly labels: string[];

  constructor(options: VpcFlowParserOptions) {
    const fields = compileFormat(options.format ?? VPC_FLOW_DEFAULT_FORMAT);
    this.columns = fields.map((x) => x.column);
    this.kinds = fields.map((x) =>
      x.type === 'timestamp'
        ? KIND_SECONDS
        : x.type === 'int' || x.type === 'bigint'
          ? KIND_INT
          : KIND_STRING,
    );
    this.labels = fields.map((x, i) => `field ${i + 1} (${x.awsName})`);
  }

  parse(message: string): ParseResult {
    const n = this.columns.length;
    const fields: Record<string, unknown> = {};
    let pos = 0;
    const end =
      message.length > 0 && message.charCodeAt(message.length - 1) === 10
        ? message.length - 1
        : message.length;
    for (let i = 0; i < n; i++) {
      if (pos > end) return fail(`expected ${n} space-separated fields, got ${i}`);
      let next = message.indexOf(' ', pos);
      if (next === -1 || next > end) next = end;
      const raw = message.slice(pos, next);
      pos = next + 1;
      if (raw === '-') {
        fields[this.columns[i] as string] = null;
        continue;
      }
      const kind = this.kinds[i];
      if (kind === KIND_STRING) {
        if (raw.length === 0)
          return fail(`${this.labels[i]}: empty value (fields are separated by single spaces)`);
        fields[this.columns[i] as string] = raw;
      } else {
        if (!isDigits(raw)) {
          return fail(
            `${this.labels[i]}: expected an integer, got ${JSON.stringify(raw.slice(0, 40))}`,
          );
        }
        const v = Number(raw);
        fields[this.columns[i] as string] = kind === KIND_SECONDS ? v * 1000 : v;
      }
    }
    if (pos <= end) {
      return fail(
        `expected ${n} space-separated fields, got more: ${JSON.stringify(message.slice(pos, pos + 40))}`,
      );
    }
    return ok('vpc_flow', fields);
  }
}

/**
 * Creates a VPC Flow Logs parser for the default format or a custom one.
 * `-` is null in every field; NODATA and SKIPDATA records parse with nulls;
 * `start`/`end` become epoch milliseconds.
 *
 * @example
 * ```ts
 * const p = createVpcFlowParser({ format: '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action}' });
 * p.parse('5 vpc-0abc 10.0.0.1 10.0.0.2 ACCEPT', ctx);
 * ```
 * @throws ConfigError when the format names an unknown field or is malformed.
 */
export function createVpcFlowParser(options: VpcFlowParserOptions = {}): Parser {
  return new VpcFlowParser(options);
}

const FLOW_LINE =
  /^[2-9] (?:\d{12}|-|unknown) (?:eni-[0-9a-f]+|-) \S+ \S+ \S+ \S+ \S+ \S+ \S+ \d+ \d+ (?:ACCEPT|REJECT|-) (?:OK|NODATA|SKIPDATA)$/;

/**
 * True for a line in the default flow log format (recognised by content when
 * the log group name says nothing).
 *
 * @example
 * ```ts
 * looksLikeVpcFlow('2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA'); // true
 * ```
 */
export function looksLikeVpcFlow(message: string): boolean {
  const c = message.charCodeAt(0);
  return (
    c >= 50 &&
    c <= 57 &&
    message.charCodeAt(1) === 32 &&
    message.length < 512 &&
    FLOW_LINE.test(message)
  );
}

import { ConfigError } from './errors.js';
import { looksLikeAlb } from './parsers/alb.js';
import { looksLikeCloudTrail } from './parsers/cloudtrail.js';
import { looksLikeLambdaPlatform } from './parsers/lambda.js';
import { createParser, type ParserName } from './parsers/registry.js';
import type { Parser } from './parsers/types.js';
import { looksLikeVpcFlow } from './parsers/vpc-flow.js';

/** A user rule: events of matching log groups go to this parser. */
export interface ParserOverride {
  /** Exact log group name, a glob with `*` (any characters), or a RegExp. */
  logGroup: string | RegExp;
  /** A built-in parser name, or a parser of your own. */
  parser: ParserName | Parser;
  /** VPC flow log custom format string, with `parser: 'vpc_flow'`. */
  format?: string | undefined;
}

/** Options of {@link createClassifier}. */
export interface ClassifierOptions {
  /** User rules, tried in order before the built-in log group conventions. */
  overrides?: readonly ParserOverride[] | undefined;
  /**
   * Recognise VPC flow, ALB, CloudTrail and Lambda platform lines by content
   * when the log group name says nothing. Default true; when false such events
   * go to the generic `app` parser.
   */
  sniff?: boolean | undefined;
}

/**
 * Chooses the parser for each event: by user override, by log group naming
 * convention, else by content.
 *
 * @example
 * ```ts
 * const c = createClassifier({ overrides: [{ logGroup: 'edge-*', parser: 'alb' }] });
 * const parser = c.parserFor('/aws/lambda/orders') ?? c.sniff(message);
 * ```
 */
export interface Classifier {
  /** The parser for every event of this log group, or `null` to sniff each event. */
  parserFor(logGroup: string): Parser | null;
  /** The parser for one message, by content. */
  sniff(message: string): Parser;
}

/**
 * Built-in log group naming conventions, tried in order.
 * Services that write free-form text are pinned to `app` so their lines are
 * never mistaken for another format.
 */
export const LOG_GROUP_CONVENTIONS: ReadonlyArray<readonly [RegExp, ParserName]> = [
  [/^\/aws\/lambda\//, 'lambda'],
  [/^aws-cloudtrail-logs|cloudtrail/i, 'cloudtrail'],
  [/flow-?logs?(?:[^a-z]|$)|^\/aws\/vpc\/flow/i, 'vpc_flow'],
  [/(?:^|[^a-z])alb(?:[^a-z]|$)|elb-access|alb-access/i, 'alb'],
  [
    /^\/aws\/(?:rds|ecs|eks|apigateway|containerinsights|codebuild|batch|appsync|states|vendedlogs|elasticbeanstalk|opensearchservice|kinesisfirehose|route53)\b|^API-Gateway-Execution-Logs_|^\/ecs\//,
    'app',
  ],
];

const MAX_CACHED_GROUPS = 10_000;

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`);
}

class DefaultClassifier implements Classifier {
  private readonly rules: Array<readonly [RegExp, Parser]> = [];
  private readonly cache = new Map<string, Parser | null>();
  private readonly sniffing: boolean;
  private readonly lambda: Parser;
  private readonly cloudtrail: Parser;
  private readonly vpcFlow: Parser;
  private readonly alb: Parser;
  private readonly app: Parser;

  constructor(options: ClassifierOptions) {
    this.sniffing = options.sniff ?? true;
    this.lambda = createParser('lambda');
    this.cloudtrail = createParser('cloudtrail');
    this.vpcFlow = createParser('vpc_flow');
    this.alb = createParser('alb');
    this.app = createParser('app');
    const builtins: Record<string, Parser> = {
      lambda: this.lambda,
      cloudtrail: this.cloudtrail,
      vpc_flow: this.vpcFlow,
      alb: this.alb,
      app: this.app,
    };
    (options.overrides ?? []).forEach((o, i) => {
      if (typeof o.logGroup !== 'string' && !(o.logGroup instanceof RegExp)) {
        throw new ConfigError(`overrides[${i}].logGroup must be a string or a RegExp`);
      }
      const re = typeof o.logGroup === 'string' ? globToRegExp(o.logGroup) : o.logGroup;
      let parser: Parser;
      if (typeof o.parser === 'string') {
        try {
          parser = createParser(o.parser, o.format === undefined ? {} : { format: o.format });
        } catch (err) {
          throw new ConfigError(`overrides[${i}]: ${(err as Error).message}`, { cause: err });
        }
      } else if (typeof o.parser?.parse === 'function' && typeof o.parser.dataset === 'string') {
        parser = o.parser;
      } else {
        throw new ConfigError(`overrides[${i}].parser must be a parser name or a Parser object`);
      }
      this.rules.push([re, parser]);
    });
    for (const [re, name] of LOG_GROUP_CONVENTIONS) {
      this.rules.push([re, builtins[name] as Parser]);
    }
  }

  parserFor(logGroup: string): Parser | null {
    const hit = this.cache.get(logGroup);
    if (hit !== undefined) return hit;
    let found: Parser | null = null;
    for (const [re, parser] of this.rules) {
      if (re.test(logGroup)) {
        found = parser;
        break;
      }
    }
    if (!this.sniffing && found === null) found = this.app;
    if (this.cache.size >= MAX_CACHED_GROUPS) this.cache.clear();
    this.cache.set(logGroup, found);
    return found;
  }

  sniff(message: string): Parser {
    if (!this.sniffing) return this.app;
    if (looksLikeLambdaPlatform(message)) return this.lambda;
    if (looksLikeCloudTrail(message)) return this.cloudtrail;
    if (looksLikeVpcFlow(message)) return this.vpcFlow;
    if (looksLikeAlb(message)) return this.alb;
    return this.app;
  }
}

/**
 * Creates a classifier. Overrides are validated and their parsers built here, once.
 *
 * @example
 * ```ts
 * const classifier = createClassifier({
 *   overrides: [{ logGroup: /^vpc-custom-/, parser: 'vpc_flow', format: '${version} ${vpc-id} ${srcaddr}' }],
 * });
 * ```
 * @throws ConfigError for an invalid override.
 */
export function createClassifier(options: ClassifierOptions = {}): Classifier {
  return new DefaultClassifier(options);
}

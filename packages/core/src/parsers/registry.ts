import { ConfigError } from '../errors.js';
import { createAlbParser } from './alb.js';
import { createAppParser, createJsonParser, createLogfmtParser, createTextParser } from './app.js';
import { createCloudTrailParser } from './cloudtrail.js';
import { createLambdaParser } from './lambda.js';
import type { Parser } from './types.js';
import { createVpcFlowParser } from './vpc-flow.js';

/** Names of the built-in parsers, usable in classifier overrides. */
export const PARSER_NAMES = [
  'vpc_flow',
  'alb',
  'cloudtrail',
  'lambda',
  'app',
  'json',
  'logfmt',
  'text',
] as const;
export type ParserName = (typeof PARSER_NAMES)[number];

/** Options of {@link createParser}. */
export interface ParserOptions {
  /** VPC flow log custom format string (`${version} ${vpc-id} …`); only for `vpc_flow`. */
  format?: string | undefined;
}

/**
 * Creates a built-in parser by name.
 *
 * @example
 * ```ts
 * const p = createParser('vpc_flow', { format: '${version} ${vpc-id} ${srcaddr} ${dstaddr}' });
 * ```
 * @throws ConfigError for an unknown name, or options the parser refuses.
 */
export function createParser(name: string, options: ParserOptions = {}): Parser {
  if (options.format !== undefined && name !== 'vpc_flow') {
    throw new ConfigError(
      `the format option only applies to the vpc_flow parser, not ${JSON.stringify(name)}`,
    );
  }
  switch (name as ParserName) {
    case 'vpc_flow':
      return createVpcFlowParser(options.format === undefined ? {} : { format: options.format });
    case 'alb':
      return createAlbParser();
    case 'cloudtrail':
      return createCloudTrailParser();
    case 'lambda':
      return createLambdaParser();
    case 'app':
      return createAppParser();
    case 'json':
      return createJsonParser();
    case 'logfmt':
      return createLogfmtParser();
    case 'text':
      return createTextParser();
    default:
      throw new ConfigError(
        `unknown parser ${JSON.stringify(name)}; known: ${PARSER_NAMES.join(', ')}`,
      );
  }
}

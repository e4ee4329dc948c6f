/**
 * The functions of Logs Insights QL as the CloudWatch Logs guide documents them: arity
 * and kind. The parser checks names and argument counts against this table; the
 * compiler decides which of them each dialect can run.
 */

/** What a function is, for the parser's checks. */
export type FunctionKind =
  /** stats aggregation and non-aggregation functions (`count`, `pct`, `earliest`, …). */
  | 'aggregate'
  /** Everything usable per record. */
  | 'scalar';

export interface FunctionSpec {
  /** Canonical spelling as documented. */
  readonly name: string;
  readonly kind: FunctionKind;
  readonly minArgs: number;
  /** `Infinity` for variadic functions. */
  readonly maxArgs: number;
  /** Which argument positions take a time period (`5m`). */
  readonly periodArgs?: readonly number[];
  /** Guide section, used in messages. */
  readonly group: 'numeric' | 'string' | 'datetime' | 'general' | 'json' | 'ip' | 'stats';
}

const F = (
  name: string,
  group: FunctionSpec['group'],
  minArgs: number,
  maxArgs: number,
  extra: Partial<Pick<FunctionSpec, 'periodArgs' | 'kind'>> = {},
): FunctionSpec => ({ name, group, minArgs, maxArgs, kind: extra.kind ?? 'scalar', ...extra });

const AGG = { kind: 'aggregate' } as const;

/** Every documented function. */
export const FUNCTIONS: readonly FunctionSpec[] = [
  // Numeric
  F('abs', 'numeric', 1, 1),
  F('ceil', 'numeric', 1, 1),
  F('floor', 'numeric', 1, 1),
  F('greatest', 'numeric', 1, Infinity),
  F('least', 'numeric', 1, Infinity),
  F('log', 'numeric', 1, 1),
  F('round', 'numeric', 1, 2),
  F('sqrt', 'numeric', 1, 1),
  F('haversine', 'numeric', 4, 4),
  F('toNumber', 'numeric', 1, 1),
  F('toInt', 'numeric', 1, 1),
  F('toLong', 'numeric', 1, 1),
  F('toDouble', 'numeric', 1, 1),
  // Datetime
  F('bin', 'datetime', 1, 1, { periodArgs: [0] }),
  F('datefloor', 'datetime', 2, 2, { periodArgs: [1] }),
  F('dateceil', 'datetime', 2, 2, { periodArgs: [1] }),
  F('fromMillis', 'datetime', 1, 1),
  F('toMillis', 'datetime', 1, 1),
  F('now', 'datetime', 0, 0),
  F('parseDate', 'datetime', 2, 3),
  F('formatDate', 'datetime', 2, 3),
  F('strftime', 'datetime', 2, 3),
  // General
  F('ispresent', 'general', 1, 1),
  F('coalesce', 'general', 1, Infinity),
  F('case', 'general', 2, 21),
  F('if', 'general', 3, 3),
  F('isNumeric', 'general', 1, 1),
  F('messageSize', 'general', 1, 1),
  F('queryStartTime', 'general', 0, 0),
  F('queryEndTime', 'general', 0, 0),
  F('queryTimeRange', 'general', 0, 0),
  // JSON
  F('jsonParse', 'json', 1, 1),
  F('jsonStringify', 'json', 1, 1),
  F('jsonArraySize', 'json', 1, 1),
  F('jsonArrayContains', 'json', 2, 2),
  // IP address strings
  F('isValidIp', 'ip', 1, 1),
  F('isValidIpV4', 'ip', 1, 1),
  F('isValidIpV6', 'ip', 1, 1),
  F('isIpInSubnet', 'ip', 2, 2),
  F('isIpv4InSubnet', 'ip', 2, 2),
  F('isIpv6InSubnet', 'ip', 2, 2),
  F('ipv4ToNumber', 'ip', 1, 1),
  F('isPrivateIP', 'ip', 1, 1),
  F('isPublicIP', 'ip', 1, 1),
  F('isReservedIP', 'ip', 1, 1),
  // Strings
  F('isempty', 'string', 1, 1),
  F('isblank', 'string', 1, 1),
  F('concat', 'string', 1, Infinity),
  F('ltrim', 'string', 1, 2),
  F('rtrim', 'string', 1, 2),
  F('trim', 'string', 1, 2),
  F('strlen', 'string', 1, 1),
  F('toupper', 'string', 1, 1),
  F('tolower', 'string', 1, 1),
  F('substr', 'string', 2, 3),
  F('replace', 'string', 3, 3),
  F('regexReplace', 'string', 3, 3),
  F('strcontains', 'string', 2, 3),
  F('startsWith', 'string', 2, 2),
  F('endsWith', 'string', 2, 2),
  F('urlencode', 'string', 1, 1),
  F('urldecode', 'string', 1, 1),
  F('base64encode', 'string', 1, 1),
  F('base64decode', 'string', 1, 1),
  F('split', 'string', 2, 2),
  F('hexToAscii', 'string', 1, 1),
  F('hexToDec', 'string', 1, 1),
  F('decToHex', 'string', 1, 1),
  F('unmask', 'string', 1, 1),
  // stats aggregation and non-aggregation functions
  F('avg', 'stats', 1, 1, AGG),
  F('count', 'stats', 0, 1, AGG),
  F('count_distinct', 'stats', 1, 1, AGG),
  F('max', 'stats', 1, 1, AGG),
  F('min', 'stats', 1, 1, AGG),
  F('pct', 'stats', 2, 2, AGG),
  F('stddev', 'stats', 1, 1, AGG),
  F('sum', 'stats', 1, 1, AGG),
  F('earliest', 'stats', 1, 1, AGG),
  F('latest', 'stats', 1, 1, AGG),
  F('sortsFirst', 'stats', 1, 1, AGG),
  F('sortsLast', 'stats', 1, 1, AGG),
];

const BY_LOWER = new Map(FUNCTIONS.map((f) => [f.name.toLowerCase(), f]));

/** The function spelled `name` (case-insensitive), if it is documented. */
export function lookupFunction(name: string): FunctionSpec | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

/** The documented name closest to a misspelling, for "did you mean" hints. */
export function closestName(name: string, names: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(lower.length / 3)) + 1;
  for (const candidate of names) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(
        up + 1,
        (prev[j - 1] as number) + 1,
        diag + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diag = up;
    }
  }
  return prev[b.length] as number;
}

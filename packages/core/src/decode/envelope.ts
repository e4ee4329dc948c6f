/**
 * The CloudWatch Logs subscription envelope and its validation.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html
 */

/** One log event of a subscription payload. */
export interface CwlLogEvent {
  /** 56-digit decimal string (empty in CONTROL_MESSAGE). */
  id: string;
  /** Epoch ms. */
  timestamp: number;
  message: string;
  /** Present when the subscription filter pattern extracts fields. */
  extractedFields?: Record<string, string>;
}

/** A decoded CloudWatch Logs subscription payload. Unknown fields are kept as they came. */
export interface CwlEnvelope {
  messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: CwlLogEvent[];
  /** `ACCOUNT_LEVEL_POLICY` for account-level subscription filters; absent otherwise. */
  policyLevel?: string;
  [key: string]: unknown;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Checks that a parsed JSON value is a subscription envelope. Returns the reason
 * it is not, or `undefined` when it is valid. Unknown fields are accepted.
 *
 * @example
 * ```ts
 * const reason = envelopeProblem(JSON.parse(text));
 * if (reason !== undefined) console.error(reason);
 * ```
 */
export function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected a JSON object, got ${kind(value)}`;
  }
  const env = value as Record<string, unknown>;
  const mt = env.messageType;
  if (mt !== 'DATA_MESSAGE' && mt !== 'CONTROL_MESSAGE') {
    return mt === undefined
      ? 'missing messageType'
      : `messageType must be DATA_MESSAGE or CONTROL_MESSAGE, got ${JSON.stringify(mt)}`;
  }
  for (const key of ['owner', 'logGroup', 'logStream'] as const) {
    if (typeof env[key] !== 'string') return `${key} must be a string, got ${kind(env[key])}`;
  }
  const filters = env.subscriptionFilters;
  if (!Array.isArray(filters)) {
    return `subscriptionFilters must be an array, got ${kind(filters)}`;
  }
  for (let i = 0; i < filters.length; i++) {
    if (typeof filters[i] !== 'string') {
      return `subscriptionFilters[${i}] must be a string, got ${kind(filters[i])}`;
    }
  }
  if (env.policyLevel !== undefined && typeof env.policyLevel !== 'string') {
    return `policyLevel must be a string, got ${kind(env.policyLevel)}`;
  }
  const events = env.logEvents;
  if (!Array.isArray(events)) return `logEvents must be an array, got ${kind(events)}`;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) {
      return `logEvents[${i}] must be an object, got ${kind(e)}`;
    }
    if (typeof e.id !== 'string') {
      return `logEvents[${i}].id must be a string, got ${kind(e.id)}`;
    }
    const ts = e.timestamp;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) {
      return `logEvents[${i}].timestamp must be a finite number, got ${kind(ts)}`;
    }
    if (typeof e.message !== 'string') {
      return `logEvents[${i}].message must be a string, got ${kind(e.message)}`;
    }
  }
  return undefined;
}

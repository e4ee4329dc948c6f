/**
 * What logpipe's AWS SDK callers ask of a failed call: whether another attempt may succeed
 * (Firehose/Kinesis re-ingest, the S3 storage; the Timestream writer reads the network
 * codes), and one line that names the error.
 */

/**
 * Node socket, DNS, stream, HTTP/2 and undici error codes (`error.code`) worth another
 * attempt of a call.
 */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
]);

/** The members of an AWS SDK v3 service exception (or a Node error) read here. */
interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  /** S3's error code, as some S3-protocol servers send it. */
  Code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * Whether a failed AWS SDK call is worth another attempt: the SDK marked it retryable; its
 * name or `Code` is one of `names` (the service's throttling and transient errors); HTTP
 * 5xx or 429; a server fault; or a network error. Other 4xx (access denied, validation,
 * missing resources) are not.
 *
 * @example
 * ```ts
 * isRetryableSdkError({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, new Set(['SlowDown'])); // true
 * isRetryableSdkError({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, new Set()); // false
 * ```
 */
export function isRetryableSdkError(error: unknown, names: ReadonlySet<string>): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (e.$retryable) return true;
  if (typeof e.name === 'string' && names.has(e.name)) return true;
  if (typeof e.Code === 'string' && names.has(e.Code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500 || status === 429;
  if (e.$fault === 'server') return true;
  return typeof e.code === 'string' && RETRYABLE_NETWORK_CODES.has(e.code);
}

/**
 * One line naming a failed call's error: name, Node error code, HTTP status, message.
 *
 * @example
 * ```ts
 * describeSdkError({ name: 'SlowDown', message: 'Reduce your request rate.', $metadata: { httpStatusCode: 503 } });
 * // 'SlowDown (HTTP 503): Reduce your request rate.'
 * ```
 */
export function describeSdkError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as SdkErrorShape;
    const name = typeof e.name === 'string' ? e.name : 'Error';
    const code = typeof e.code === 'string' && e.code !== name ? ` ${e.code}` : '';
    const status = e.$metadata?.httpStatusCode;
    const http = typeof status === 'number' ? ` (HTTP ${status})` : '';
    return `${name}${code}${http}: ${typeof e.message === 'string' ? e.message : ''}`;
  }
  return `Error: ${String(error)}`;
}

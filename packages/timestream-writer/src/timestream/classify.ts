/**
 * The one place that reads what Timestream says went wrong.
 *
 * Per-record rejections (`RejectedRecordsException.RejectedRecords[].Reason`) come as free
 * text only; `ExistingVersion` is the one structured hint. The texts matched here are the
 * ones the service sends (as quoted in AWS samples and issue reports):
 * - "The record version 1 is lower than the existing version 2. A higher version is
 *   required to update the measure value."
 * - "A record already exists with the same time, dimensions, measure name, and record
 *   version. A higher record version must be specified in order to update the measure value."
 * - "The record timestamp is outside the time range [2023-11-28T06:12:10.452Z,
 *   2023-11-28T18:52:10.452Z) of the memory store."
 * - "The record timestamp is outside the time range [...) of the data ingestion window."
 *   (the table takes magnetic store writes and the record is outside both stores)
 * Anything else (limits, types, names) is "invalid". The reasons are documented on
 * https://docs.aws.amazon.com/timestream/latest/developerguide/API_RejectedRecord.html
 */
import { RETRYABLE_NETWORK_CODES } from '@logpipe/core';

/** What a rejected record's reason says, reduced to what the writer can act on. */
export type RejectionKind =
  | 'version-conflict'
  | 'outside-memory-store'
  | 'outside-ingestion-window'
  | 'invalid';

const VERSION_CONFLICT =
  /existing version|already exists with the same time|higher (?:record )?version (?:is|must be)/i;
const OUTSIDE_MEMORY = /outside the time range.*\bmemory store\b/i;
const OUTSIDE_WINDOW = /outside the time range|ingestion window|\bretention\b/i;

/**
 * Classifies a `RejectedRecord.Reason`. An `ExistingVersion` marks a version conflict even
 * when the text is not one of the known ones.
 *
 * @example
 * ```ts
 * classifyRejection('The record version 1 is lower than the existing version 2. ...'); // 'version-conflict'
 * classifyRejection('The record timestamp is outside the time range [...) of the memory store.'); // 'outside-memory-store'
 * ```
 */
export function classifyRejection(
  reason: string | undefined,
  existingVersion?: number | undefined,
): RejectionKind {
  const text = reason ?? '';
  if (VERSION_CONFLICT.test(text) || existingVersion !== undefined) return 'version-conflict';
  if (OUTSIDE_MEMORY.test(text)) return 'outside-memory-store';
  if (OUTSIDE_WINDOW.test(text)) return 'outside-ingestion-window';
  return 'invalid';
}

/** What a failed WriteRecords call means for its records. */
export type RequestErrorKind =
  /** Some records were rejected, the others were written: handle each by its reason. */
  | 'rejected-records'
  /** Throttling, a 5xx or a network error: retry the whole request after a backoff. */
  | 'retryable'
  /** The request as a whole was invalid: split it to find the record at fault. */
  | 'validation'
  /** Retrying cannot help (access, missing table, quota…): the records are dead-lettered. */
  | 'fatal';

/** A classified request error. */
export interface RequestErrorInfo {
  kind: RequestErrorKind;
  /** Error name, e.g. `ThrottlingException`, `ECONNRESET`, `InternalServerException`. */
  name: string;
  /** The error's message. */
  message: string;
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown } | undefined;
  reason?: unknown;
}

/**
 * Classifies an error thrown by `client.send(new WriteRecordsCommand(...))`.
 *
 * Endpoint discovery: when the SDK's DescribeEndpoints call fails it throws a plain
 * `Error` ("The operation to discover endpoint failed…") with the original error in
 * `reason`; that one is classified by its `reason`.
 *
 * @example
 * ```ts
 * classifyRequestError(err).kind; // 'retryable' for ThrottlingException
 * ```
 */
export function classifyRequestError(err: unknown): RequestErrorInfo {
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorLike;
  const name =
    typeof e.name === 'string' && e.name !== 'Error' ? e.name : String(e.code ?? 'Error');
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (name === 'RejectedRecordsException') return { kind: 'rejected-records', name, message };
  if (e.reason !== undefined && /discover endpoint/i.test(message)) {
    const inner = classifyRequestError(e.reason);
    return {
      kind: inner.kind === 'fatal' || inner.kind === 'validation' ? 'fatal' : 'retryable',
      name: `EndpointDiscovery/${inner.name}`,
      message: `${message} (${inner.message})`,
    };
  }
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : 0;
  if (THROTTLING_NAMES.has(name) || status === 429) return { kind: 'retryable', name, message };
  if (e.$fault === 'server' || status >= 500) return { kind: 'retryable', name, message };
  if (typeof e.code === 'string' && RETRYABLE_NETWORK_CODES.has(e.code)) {
    return { kind: 'retryable', name: e.code, message };
  }
  if (TIMEOUT_NAMES.has(name)) return { kind: 'retryable', name, message };
  if (name === 'ValidationException') return { kind: 'validation', name, message };
  // An error without HTTP metadata never reached the service: the transport failed.
  if (e.$metadata === undefined && e.$fault === undefined && typeof e.code === 'string') {
    return { kind: 'retryable', name, message };
  }
  return { kind: 'fatal', name, message };
}

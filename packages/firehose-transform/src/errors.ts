import { LogpipeError, type LogpipeErrorOptions } from '@logpipe/core';

/** Re-ingesting records into Firehose or Kinesis failed for good (attempts exhausted or a permanent error). */
export class ReingestError extends LogpipeError {
  constructor(message: string, options: LogpipeErrorOptions = {}) {
    super('REINGEST_FAILED', message, { retryable: true, ...options });
  }
}

/** A Firehose HTTP endpoint request was refused; `status` is the HTTP status sent back. */
export class HttpEndpointError extends LogpipeError {
  readonly status: number;
  constructor(code: string, status: number, message: string, options: LogpipeErrorOptions = {}) {
    super(code, message, { retryable: status >= 500 || status === 429, ...options });
    this.status = status;
  }
}

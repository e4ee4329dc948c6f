import { describe, expect, it } from 'vitest';
import { describeSdkError, isRetryableSdkError } from '../../src/sdk-errors.js';

const NAMES = new Set(['SlowDown', 'ThrottlingException']);

describe('isRetryableSdkError', () => {
  it('retries what the SDK marks retryable, the given names and S3 codes, 5xx, 429, server faults and network errors', () => {
    for (const error of [
      { name: 'Whatever', $retryable: { throttling: true } },
      { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } },
      { name: 'Error', Code: 'SlowDown' },
      { name: 'InternalError', $metadata: { httpStatusCode: 500 } },
      { name: 'Unknown', $metadata: { httpStatusCode: 429 } },
      { name: 'Unknown', $fault: 'server' },
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }),
    ]) {
      expect(isRetryableSdkError(error, NAMES), JSON.stringify(error)).toBe(true);
    }
  });

  it('does not retry other 4xx, client faults, other errors, or what is not an object', () => {
    for (const error of [
      { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
      { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } },
      // A name of the list with a 4xx status is retried (above); a status decides the rest.
      { name: 'SlowDownPlease', $metadata: { httpStatusCode: 400 } },
      Object.assign(new Error('bad'), { code: 'ERR_INVALID_ARG_TYPE' }),
      new Error('plain'),
      'ECONNRESET',
      null,
      undefined,
    ]) {
      expect(isRetryableSdkError(error, NAMES), String(error)).toBe(false);
    }
  });
});

describe('describeSdkError', () => {
  it('names the error, its code, HTTP status and message', () => {
    expect(
      describeSdkError({
        name: 'SlowDown',
        message: 'Reduce your request rate.',
        $metadata: { httpStatusCode: 503 },
      }),
    ).toBe('SlowDown (HTTP 503): Reduce your request rate.');
    expect(
      describeSdkError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
    ).toBe('Error ECONNRESET: socket hang up');
    expect(describeSdkError({})).toBe('Error: ');
    expect(describeSdkError('boom')).toBe('Error: boom');
  });
});

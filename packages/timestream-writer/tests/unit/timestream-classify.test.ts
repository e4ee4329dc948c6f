import { describe, expect, it } from 'vitest';
import { classifyRejection, classifyRequestError } from '../../src/timestream/classify.js';

describe('classifyRejection', () => {
  it('reads the service’s version texts as version conflicts', () => {
    expect(
      classifyRejection(
        'The record version 2 is lower than the existing version 200. A higher version is required to update the measure value.',
        200,
      ),
    ).toBe('version-conflict');
    expect(
      classifyRejection(
        'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
      ),
    ).toBe('version-conflict');
  });

  it('treats any rejection that carries an ExistingVersion as a version conflict', () => {
    expect(classifyRejection('something new', 3)).toBe('version-conflict');
  });

  it('tells the memory store from the data ingestion window', () => {
    expect(
      classifyRejection(
        'The record timestamp is outside the time range [2023-11-28T06:12:10.452Z, 2023-11-28T18:52:10.452Z) of the memory store.',
      ),
    ).toBe('outside-memory-store');
    expect(
      classifyRejection(
        'The record timestamp is outside the time range [2023-11-23T06:45:39.648Z, 2023-11-28T19:25:39.648Z) of the data ingestion window.',
      ),
    ).toBe('outside-ingestion-window');
  });

  it('calls everything else invalid', () => {
    expect(classifyRejection('Measure value type mismatch')).toBe('invalid');
    expect(classifyRejection(undefined)).toBe('invalid');
  });
});

describe('classifyRequestError', () => {
  const sdkError = (name: string, status: number, fault: 'client' | 'server') =>
    Object.assign(new Error(`${name} message`), {
      name,
      $fault: fault,
      $metadata: { httpStatusCode: status },
    });

  it('retries throttling, 5xx and network errors', () => {
    expect(classifyRequestError(sdkError('ThrottlingException', 429, 'client')).kind).toBe(
      'retryable',
    );
    expect(classifyRequestError(sdkError('InternalServerException', 500, 'server')).kind).toBe(
      'retryable',
    );
    expect(classifyRequestError(sdkError('ServiceUnavailable', 503, 'client')).kind).toBe(
      'retryable',
    );
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyRequestError(reset)).toMatchObject({ kind: 'retryable', name: 'ECONNRESET' });
  });

  it('hands rejected records back for per-record handling', () => {
    expect(classifyRequestError(sdkError('RejectedRecordsException', 419, 'client')).kind).toBe(
      'rejected-records',
    );
  });

  it('splits on ValidationException and gives up on errors retrying cannot fix', () => {
    expect(classifyRequestError(sdkError('ValidationException', 400, 'client')).kind).toBe(
      'validation',
    );
    expect(classifyRequestError(sdkError('AccessDeniedException', 403, 'client')).kind).toBe(
      'fatal',
    );
    expect(classifyRequestError(sdkError('ResourceNotFoundException', 404, 'client')).kind).toBe(
      'fatal',
    );
  });

  it('classifies a failed endpoint discovery by the error behind it', () => {
    const discovery = (reason: unknown) =>
      Object.assign(
        new Error(
          'The operation to discover endpoint failed. Please retry, or provide a custom endpoint and disable endpoint discovery to proceed.',
        ),
        { reason },
      );
    expect(
      classifyRequestError(discovery(sdkError('ThrottlingException', 429, 'client'))),
    ).toMatchObject({
      kind: 'retryable',
      name: 'EndpointDiscovery/ThrottlingException',
    });
    expect(
      classifyRequestError(discovery(sdkError('AccessDeniedException', 403, 'client'))).kind,
    ).toBe('fatal');
  });
});

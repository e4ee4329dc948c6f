import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOUDTRAIL_DATASET } from '../../../src/datasets/cloudtrail.js';
import { generateCloudTrailEvent } from '../../../src/generator/cloudtrail.js';
import { Rng } from '../../../src/generator/rng.js';
import type { LogOrigin } from '../../../src/model.js';
import {
  createCloudTrailParser,
  looksLikeCloudTrail,
  splitCloudTrailLogFile,
} from '../../../src/parsers/cloudtrail.js';
import type { ParseContext, ParseOk } from '../../../src/parsers/types.js';

// Vectors copied verbatim from /work/shared/vectors (CloudTrail and CloudWatch Logs user guides).
const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
const LOG_FILE = fixture('cloudtrail-log-file.json');
const DATA_MESSAGE = JSON.parse(fixture('cloudtrail-cwl-data-message.json')) as {
  logEvents: { message: string }[];
};

const ORIGIN: LogOrigin = {
  owner: '123456789012',
  logGroup: 'CloudTrail',
  logStream: '123456789012_CloudTrail_us-east-1',
};
const CTX: ParseContext = { origin: ORIGIN, time: 1432826855000 };
const COLUMNS = CLOUDTRAIL_DATASET.columns.map((c) => c.name);
const parser = createCloudTrailParser();

function row(over: Record<string, unknown>): Record<string, unknown> {
  const base: Record<string, unknown> = {};
  for (const c of COLUMNS) base[c] = null;
  return { ...base, ...over };
}

function parseOk(message: string): ParseOk {
  const r = parser.parse(message, CTX);
  if (!r.ok) throw new Error(`expected ok, got ${r.reason}`);
  expect(r.dataset).toBe('cloudtrail');
  expect(r.metrics).toBeUndefined();
  return r;
}

function reasonOf(message: string): string {
  const r = parser.parse(message, CTX);
  if (r.ok) throw new Error('expected a rejection');
  return r.reason;
}

const MINIMAL = {
  eventVersion: '1.08',
  eventTime: '2024-05-01T12:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'ListBuckets',
};

describe('splitCloudTrailLogFile', () => {
  it('splits the documented log file into one compact JSON message per record', () => {
    const messages = splitCloudTrailLogFile(LOG_FILE);
    if (typeof messages === 'string') throw new Error(messages);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0] as string)).toEqual(
      (JSON.parse(LOG_FILE) as { Records: unknown[] }).Records[0],
    );
  });

  it('returns a reason for text that is not a log file', () => {
    expect(splitCloudTrailLogFile('{"Records": [')).toMatch(/^invalid JSON/);
    expect(splitCloudTrailLogFile('[]')).toMatch(/not a JSON object/);
    expect(splitCloudTrailLogFile('{"records": []}')).toMatch(/no Records array/);
    expect(splitCloudTrailLogFile('{"Records": [1]}')).toMatch(/Records\[0\] is not an object/);
    expect(splitCloudTrailLogFile('{"Records": []}')).toEqual([]);
  });
});

describe('cloudtrail parser: documented vectors', () => {
  it('reads every column of the documented IAM CreateUser record', () => {
    const [message] = splitCloudTrailLogFile(LOG_FILE) as string[];
    const identity = {
      type: 'IAMUser',
      principalId: 'EX_PRINCIPAL_ID',
      arn: 'arn:aws:iam::123456789012:user/Alice',
      accountId: '123456789012',
      accessKeyId: 'EXAMPLE_KEY_ID',
      userName: 'Alice',
    };
    expect(parseOk(message as string).fields).toEqual(
      row({
        event_version: '1.0',
        event_time: Date.UTC(2014, 2, 24, 21, 11, 59),
        event_source: 'iam.amazonaws.com',
        event_name: 'CreateUser',
        aws_region: 'us-east-2',
        source_ip_address: '127.0.0.1',
        user_agent: 'aws-cli/1.3.2 Python/2.7.5 Windows/7',
        user_identity: identity,
        user_identity_type: 'IAMUser',
        user_identity_arn: 'arn:aws:iam::123456789012:user/Alice',
        user_identity_account_id: '123456789012',
        user_identity_principal_id: 'EX_PRINCIPAL_ID',
        user_identity_user_name: 'Alice',
        user_identity_access_key_id: 'EXAMPLE_KEY_ID',
        request_parameters: { userName: 'Bob' },
        response_elements: {
          user: {
            createDate: 'Mar 24, 2014 9:11:59 PM',
            userName: 'Bob',
            arn: 'arn:aws:iam::123456789012:user/Bob',
            path: '/',
            userId: 'EXAMPLEUSERID',
          },
        },
      }),
    );
  });

  it('rejects the truncated records of the documented subscription payload as invalid JSON, without throwing', () => {
    expect(DATA_MESSAGE.logEvents).toHaveLength(3);
    for (const e of DATA_MESSAGE.logEvents) {
      expect(looksLikeCloudTrail(e.message)).toBe(false); // no "eventSource" in the truncated text
      expect(reasonOf(e.message)).toMatch(/^invalid JSON/);
    }
  });

  it('reads the documented KMS service event (identity without type, invokedBy)', () => {
    const event = {
      eventVersion: '1.05',
      userIdentity: { accountId: '123456789012', invokedBy: 'AWS Internal' },
      eventTime: '2019-06-02T00:06:08Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'RotateKey',
      awsRegion: 'us-east-2',
      sourceIPAddress: 'AWS Internal',
      userAgent: 'AWS Internal',
      requestParameters: null,
      responseElements: null,
      eventID: '234f004b-EXAMPLE',
      readOnly: false,
      resources: [
        {
          ARN: 'arn:aws:kms:us-east-2:123456789012:key/7944f0ec-EXAMPLE',
          accountId: '123456789012',
          type: 'AWS::KMS::Key',
        },
      ],
      eventType: 'AwsServiceEvent',
      recipientAccountId: '123456789012',
      serviceEventDetails: { keyId: '7944f0ec-EXAMPLE' },
    };
    expect(parseOk(JSON.stringify(event)).fields).toEqual(
      row({
        event_version: '1.05',
        event_time: Date.UTC(2019, 5, 2, 0, 6, 8),
        event_source: 'kms.amazonaws.com',
        event_name: 'RotateKey',
        aws_region: 'us-east-2',
        source_ip_address: 'AWS Internal',
        user_agent: 'AWS Internal',
        event_id: '234f004b-EXAMPLE',
        read_only: false,
        event_type: 'AwsServiceEvent',
        recipient_account_id: '123456789012',
        user_identity: event.userIdentity,
        user_identity_account_id: '123456789012',
        user_identity_invoked_by: 'AWS Internal',
        resources: event.resources,
        service_event_details: { keyId: '7944f0ec-EXAMPLE' },
      }),
    );
  });
});

describe('cloudtrail parser: fields', () => {
  it('flattens an assumed-role identity, session issuer included', () => {
    const userIdentity = {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:alice',
      arn: 'arn:aws:sts::123456789012:assumed-role/Admin/alice',
      accountId: '123456789012',
      accessKeyId: 'ASIAEXAMPLE',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLE',
          arn: 'arn:aws:iam::123456789012:role/Admin',
          accountId: '123456789012',
          userName: 'Admin',
        },
        attributes: { creationDate: '2024-05-01T11:00:00Z', mfaAuthenticated: 'true' },
      },
    };
    const f = parseOk(JSON.stringify({ ...MINIMAL, userIdentity })).fields;
    expect(f.user_identity).toEqual(userIdentity);
    expect(f.user_identity_type).toBe('AssumedRole');
    expect(f.user_identity_arn).toBe('arn:aws:sts::123456789012:assumed-role/Admin/alice');
    expect(f.user_identity_principal_id).toBe('AROAEXAMPLE:alice');
    expect(f.user_identity_access_key_id).toBe('ASIAEXAMPLE');
    expect(f.user_identity_session_issuer_arn).toBe('arn:aws:iam::123456789012:role/Admin');
    expect(f.user_identity_user_name).toBeNull();
  });

  it('maps every listed top-level field to its column', () => {
    const event = {
      ...MINIMAL,
      errorCode: 'AccessDenied',
      errorMessage: 'denied',
      additionalEventData: { x: 1 },
      requestID: 'REQ',
      eventID: 'EVT',
      eventType: 'AwsApiCall',
      apiVersion: '2012-10-17',
      managementEvent: true,
      readOnly: true,
      recipientAccountId: '111122223333',
      sharedEventID: 'SHARED',
      vpcEndpointId: 'vpce-1',
      vpcEndpointAccountId: '444455556666',
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: 's3.amazonaws.com',
      },
      sessionCredentialFromConsole: 'true',
      edgeDeviceDetails: { type: 'SnowballEdge' },
      insightDetails: { state: 'Start' },
      addendum: { reason: 'DELIVERY_DELAY' },
      eventContext: { tagContext: {} },
    };
    expect(parseOk(JSON.stringify(event)).fields).toEqual(
      row({
        event_version: '1.08',
        event_time: Date.UTC(2024, 4, 1, 12),
        event_source: 's3.amazonaws.com',
        event_name: 'ListBuckets',
        error_code: 'AccessDenied',
        error_message: 'denied',
        additional_event_data: { x: 1 },
        request_id: 'REQ',
        event_id: 'EVT',
        event_type: 'AwsApiCall',
        api_version: '2012-10-17',
        management_event: true,
        read_only: true,
        recipient_account_id: '111122223333',
        shared_event_id: 'SHARED',
        vpc_endpoint_id: 'vpce-1',
        vpc_endpoint_account_id: '444455556666',
        event_category: 'Management',
        tls_details: event.tlsDetails,
        session_credential_from_console: true,
        edge_device_details: { type: 'SnowballEdge' },
        insight_details: { state: 'Start' },
        addendum: { reason: 'DELIVERY_DELAY' },
        event_context: { tagContext: {} },
      }),
    );
  });

  it('keeps unknown keys and listed keys of an unexpected type in additional_fields, and drops nothing', () => {
    const f = parseOk(
      JSON.stringify({
        ...MINIMAL,
        annotation: 'x',
        readOnly: 'maybe',
        errorCode: 42,
        awsRegion: null,
        newField: null,
      }),
    ).fields;
    expect(f.additional_fields).toEqual({
      annotation: 'x',
      readOnly: 'maybe',
      errorCode: 42,
      newField: null,
    });
    expect(f.read_only).toBeNull();
    expect(f.error_code).toBeNull();
    expect(f.aws_region).toBeNull();
  });

  it('keeps a __proto__ key as an own additional field', () => {
    const f = parseOk(`{"__proto__":{"x":1},${JSON.stringify(MINIMAL).slice(1)}`).fields;
    const extra = f.additional_fields as Record<string, unknown>;
    expect(Object.keys(extra)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(extra)).toBe(Object.prototype);
  });
});

describe('cloudtrail parser: rejections', () => {
  it('rejects text that is not a JSON object', () => {
    expect(reasonOf('')).toMatch(/empty/);
    expect(reasonOf('START RequestId: x')).toMatch(/not a JSON object/);
    expect(reasonOf('[1]')).toMatch(/not a JSON object/);
    expect(reasonOf('{"eventVersion": "1.0",}')).toMatch(/^invalid JSON/);
  });

  it('rejects JSON without any of the four required fields, naming it', () => {
    for (const key of ['eventVersion', 'eventSource', 'eventName', 'eventTime'] as const) {
      const doc: Record<string, unknown> = { ...MINIMAL };
      delete doc[key];
      expect(reasonOf(JSON.stringify(doc))).toContain(key);
      expect(reasonOf(JSON.stringify({ ...doc, [key]: 1 }))).toContain(key);
    }
    expect(reasonOf(JSON.stringify({ ...MINIMAL, eventTime: 'yesterday' }))).toMatch(/eventTime/);
  });

  it('reads eventTime exactly as Date.parse does, lenient cases included', () => {
    const timeOf = (eventTime: string): unknown =>
      parseOk(JSON.stringify({ ...MINIMAL, eventTime })).fields.event_time;
    expect(timeOf('2024-05-01T12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(timeOf('2024-05-01T12:00:00.123Z')).toBe(Date.UTC(2024, 4, 1, 12, 0, 0, 123));
    expect(timeOf('2024-05-01T12:00:00.5Z')).toBe(Date.UTC(2024, 4, 1, 12, 0, 0, 500));
    expect(timeOf('2024-05-01T13:00:00+01:00')).toBe(Date.UTC(2024, 4, 1, 12));
    // V8 rolls an impossible day or hour 24 over instead of refusing it.
    expect(timeOf('2024-02-30T00:00:00Z')).toBe(Date.UTC(2024, 2, 1));
    expect(timeOf('2024-05-01T24:00:00Z')).toBe(Date.UTC(2024, 4, 2));
    expect(timeOf('1969-12-31T23:59:59Z')).toBe(-1000);
    // Year 99, not 1999 (which Date.UTC would make of it).
    expect(timeOf('0099-01-01T00:00:00Z')).toBe(-59042995200000);
    expect(reasonOf(JSON.stringify({ ...MINIMAL, eventTime: '2024-05-01T12:00:60Z' }))).toBe(
      'not a CloudTrail record: eventTime is not an ISO 8601 time',
    );
  });
});

describe('looksLikeCloudTrail', () => {
  it('needs a leading brace and both eventVersion and eventSource keys', () => {
    expect(looksLikeCloudTrail(JSON.stringify(MINIMAL))).toBe(true);
    expect(looksLikeCloudTrail(`  \n${JSON.stringify(MINIMAL)}`)).toBe(true);
    expect(looksLikeCloudTrail('{"eventVersion":"1.0"}')).toBe(false);
    expect(looksLikeCloudTrail('x {"eventVersion":"1","eventSource":"s"}')).toBe(false);
    expect(looksLikeCloudTrail('')).toBe(false);
  });
});

describe('cloudtrail parser properties', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('', '{', JSON.stringify(MINIMAL).slice(0, -1)),
        fc.string({ unit: 'binary' }),
        (prefix, rest) => {
          const r = parser.parse(prefix + rest, CTX);
          expect(typeof r.ok).toBe('boolean');
          if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on serialized JSON values and accepts exactly the records with the required fields', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (v, withRequired) => {
        const doc =
          withRequired && typeof v === 'object' && v !== null && !Array.isArray(v)
            ? { ...v, ...MINIMAL }
            : v;
        const r = parser.parse(JSON.stringify(doc) ?? '', CTX);
        const hasRequired =
          typeof doc === 'object' &&
          doc !== null &&
          !Array.isArray(doc) &&
          typeof doc.eventVersion === 'string' &&
          typeof doc.eventSource === 'string' &&
          typeof doc.eventName === 'string' &&
          typeof doc.eventTime === 'string' &&
          !Number.isNaN(Date.parse(doc.eventTime));
        expect(r.ok).toBe(hasRequired);
      }),
      { numRuns: 2000 },
    );
  });

  it('loses no top-level key: every key is in its column or in additional_fields', () => {
    const columnOf: Record<string, string> = {
      eventVersion: 'event_version',
      eventSource: 'event_source',
      eventName: 'event_name',
      awsRegion: 'aws_region',
      sourceIPAddress: 'source_ip_address',
      userAgent: 'user_agent',
      errorCode: 'error_code',
      errorMessage: 'error_message',
      requestID: 'request_id',
      eventID: 'event_id',
      eventType: 'event_type',
      apiVersion: 'api_version',
      managementEvent: 'management_event',
      readOnly: 'read_only',
      recipientAccountId: 'recipient_account_id',
      sharedEventID: 'shared_event_id',
      vpcEndpointId: 'vpc_endpoint_id',
      vpcEndpointAccountId: 'vpc_endpoint_account_id',
      eventCategory: 'event_category',
      sessionCredentialFromConsole: 'session_credential_from_console',
      userIdentity: 'user_identity',
      requestParameters: 'request_parameters',
      responseElements: 'response_elements',
      additionalEventData: 'additional_event_data',
      resources: 'resources',
      serviceEventDetails: 'service_event_details',
      tlsDetails: 'tls_details',
      edgeDeviceDetails: 'edge_device_details',
      insightDetails: 'insight_details',
      addendum: 'addendum',
      eventContext: 'event_context',
    };
    const key = fc.oneof(fc.string(), fc.constantFrom(...Object.keys(columnOf), '__proto__'));
    const value = fc.oneof(fc.jsonValue(), fc.constantFrom('true', 'false', true, false, null));
    fc.assert(
      fc.property(fc.dictionary(key, value), (extra) => {
        const text = JSON.stringify({ ...extra, ...MINIMAL });
        const doc = JSON.parse(text) as Record<string, unknown>; // what the parser sees (-0 becomes 0)
        const r = parser.parse(text, CTX);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const kept = (r.fields.additional_fields ?? {}) as Record<string, unknown>;
        for (const k of Object.keys(doc)) {
          if (k === 'eventTime') continue;
          const column = Object.hasOwn(columnOf, k) ? columnOf[k] : undefined;
          if (Object.hasOwn(kept, k)) {
            expect(kept[k]).toEqual(doc[k]);
            if (column !== undefined) expect(r.fields[column]).toBeNull();
          } else {
            // Not kept aside: must be a listed key whose column holds the value (string "true"/"false" read as booleans).
            expect(column).toBeDefined();
            const v = doc[k];
            const got = r.fields[column as string];
            const booleanColumn =
              k === 'managementEvent' || k === 'readOnly' || k === 'sessionCredentialFromConsole';
            if (booleanColumn && (v === 'true' || v === 'false')) expect(got).toBe(v === 'true');
            else expect(got).toEqual(v);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('parses generated events back to their generated fields', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new Rng(seed);
        const line = generateCloudTrailEvent(rng, Date.UTC(2026, 0, 1) + rng.int(0, 1e10));
        expect(looksLikeCloudTrail(line.message)).toBe(true);
        expect(parseOk(line.message).fields).toEqual(line.fields);
        expect(Object.keys(line.fields)).toEqual(COLUMNS);
      }),
      { numRuns: 500 },
    );
  });
});

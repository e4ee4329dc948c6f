import type { ParseContext, ParseResult, Parser } from './types.js';
import { fail, ok } from './types.js';

const DATASET = 'cloudtrail';

/**
 * Fields of a `cloudtrail` record: every column of the dataset, in declaration
 * order, `null` when the event lacks the field.
 *
 * @example
 * ```ts
 * const r = createCloudTrailParser().parse(message, ctx);
 * if (r.ok && (r.fields as CloudTrailFields).error_code === 'AccessDenied') alert(r.fields);
 * ```
 */
export type CloudTrailFields = {
  event_version: string | null;
  event_time: number | null;
  event_source: string | null;
  event_name: string | null;
  aws_region: string | null;
  source_ip_address: string | null;
  user_agent: string | null;
  error_code: string | null;
  error_message: string | null;
  request_id: string | null;
  event_id: string | null;
  event_type: string | null;
  api_version: string | null;
  management_event: boolean | null;
  read_only: boolean | null;
  recipient_account_id: string | null;
  shared_event_id: string | null;
  vpc_endpoint_id: string | null;
  vpc_endpoint_account_id: string | null;
  event_category: string | null;
  session_credential_from_console: boolean | null;
  user_identity: unknown;
  user_identity_type: string | null;
  user_identity_arn: string | null;
  user_identity_account_id: string | null;
  user_identity_principal_id: string | null;
  user_identity_user_name: string | null;
  user_identity_access_key_id: string | null;
  user_identity_invoked_by: string | null;
  user_identity_session_issuer_arn: string | null;
  request_parameters: unknown;
  response_elements: unknown;
  additional_event_data: unknown;
  resources: unknown;
  service_event_details: unknown;
  tls_details: unknown;
  edge_device_details: unknown;
  insight_details: unknown;
  addendum: unknown;
  event_context: unknown;
  additional_fields: Record<string, unknown> | null;
};

/** A fresh all-null field object; one literal so every record has the same shape. */
function emptyFields(): CloudTrailFields {
  return {
    event_version: null,
    event_time: null,
    event_source: null,
    event_name: null,
    aws_region: null,
    source_ip_address: null,
    user_agent: null,
    error_code: null,
    error_message: null,
    request_id: null,
    event_id: null,
    event_type: null,
    api_version: null,
    management_event: null,
    read_only: null,
    recipient_account_id: null,
    shared_event_id: null,
    vpc_endpoint_id: null,
    vpc_endpoint_account_id: null,
    event_category: null,
    session_credential_from_console: null,
    user_identity: null,
    user_identity_type: null,
    user_identity_arn: null,
    user_identity_account_id: null,
    user_identity_principal_id: null,
    user_identity_user_name: null,
    user_identity_access_key_id: null,
    user_identity_invoked_by: null,
    user_identity_session_issuer_arn: null,
    request_parameters: null,
    response_elements: null,
    additional_event_data: null,
    resources: null,
    service_event_details: null,
    tls_details: null,
    edge_device_details: null,
    insight_details: null,
    addendum: null,
    event_context: null,
    additional_fields: null,
  };
}

/** Sets an own property even for the key `__proto__` (which plain assignment would not). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** CloudTrail writes most booleans as JSON booleans, a few (sessionCredentialFromConsole) as "true"/"false". */
function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

function flattenIdentity(f: CloudTrailFields, id: unknown): void {
  if (!isObject(id)) return;
  f.user_identity_type = str(id.type);
  f.user_identity_arn = str(id.arn);
  f.user_identity_account_id = str(id.accountId);
  f.user_identity_principal_id = str(id.principalId);
  f.user_identity_user_name = str(id.userName);
  f.user_identity_access_key_id = str(id.accessKeyId);
  f.user_identity_invoked_by = str(id.invokedBy);
  const session = id.sessionContext;
  if (isObject(session) && isObject(session.sessionIssuer)) {
    f.user_identity_session_issuer_arn = str(session.sessionIssuer.arn);
  }
}

/** Index of the first character that is not JSON whitespace, or `s.length`. */
function skipWhitespace(s: string): number {
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** `JSON.parse` without throwing: the value, or `undefined` when the text is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Maps one parsed CloudTrail record to fields. Known keys with the expected
 * type go to their column (`null` stays `null`); unknown keys, and known keys
 * whose value has an unexpected type (a string column given an object, say),
 * go to `additional_fields` as is, so nothing is lost.
 */
function mapRecord(doc: Record<string, unknown>): CloudTrailFields {
  const f = emptyFields();
  let extra: Record<string, unknown> | null = null;
  for (const key in doc) {
    const v = doc[key];
    switch (key) {
      case 'eventVersion':
        if (typeof v !== 'string') break;
        f.event_version = v;
        continue;
      case 'eventTime':
        // Validated by the caller; converted there.
        continue;
      case 'eventSource':
        if (typeof v !== 'string') break;
        f.event_source = v;
        continue;
      case 'eventName':
        if (typeof v !== 'string') break;
        f.event_name = v;
        continue;
      case 'awsRegion':
        if (typeof v !== 'string') break;
        f.aws_region = v;
        continue;
      case 'sourceIPAddress':
        if (typeof v !== 'string') break;
        f.source_ip_address = v;
        continue;
      case 'userAgent':
        if (typeof v !== 'string') break;
        f.user_agent = v;
        continue;
      case 'errorCode':
        if (typeof v !== 'string') break;
        f.error_code = v;
        continue;
      case 'errorMessage':
        if (typeof v !== 'string') break;
        f.error_message = v;
        continue;
      case 'requestID':
        if (typeof v !== 'string') break;
        f.request_id = v;
        continue;
      case 'eventID':
        if (typeof v !== 'string') break;
        f.event_id = v;
        continue;
      case 'eventType':
        if (typeof v !== 'string') break;
        f.event_type = v;
        continue;
      case 'apiVersion':
        if (typeof v !== 'string') break;
        f.api_version = v;
        continue;
      case 'managementEvent': {
        const b = bool(v);
        if (b === undefined) break;
        f.management_event = b;
        continue;
      }
      case 'readOnly': {
        const b = bool(v);
        if (b === undefined) break;
        f.read_only = b;
        continue;
      }
      case 'recipientAccountId':
        if (typeof v !== 'string') break;
        f.recipient_account_id = v;
        continue;
      case 'sharedEventID':
        if (typeof v !== 'string') break;
        f.shared_event_id = v;
        continue;
      case 'vpcEndpointId':
        if (typeof v !== 'string') break;
        f.vpc_endpoint_id = v;
        continue;
      case 'vpcEndpointAccountId':
        if (typeof v !== 'string') break;
        f.vpc_endpoint_account_id = v;
        continue;
      case 'eventCategory':
        if (typeof v !== 'string') break;
        f.event_category = v;
        continue;
      case 'sessionCredentialFromConsole': {
        const b = bool(v);
        if (b === undefined) break;
        f.session_credential_from_console = b;
        continue;
      }
      case 'userIdentity':
        f.user_identity = v;
        flattenIdentity(f, v);
        continue;
      case 'requestParameters':
        f.request_parameters = v;
        continue;
      case 'responseElements':
        f.response_elements = v;
        continue;
      case 'additionalEventData':
        f.additional_event_data = v;
        continue;
      case 'resources':
        f.resources = v;
        continue;
      case 'serviceEventDetails':
        f.service_event_details = v;
        continue;
      case 'tlsDetails':
        f.tls_details = v;
        continue;
      case 'edgeDeviceDetails':
        f.edge_device_details = v;
        continue;
      case 'insightDetails':
        f.insight_details = v;
        continue;
      case 'addendum':
        f.addendum = v;
        continue;
      case 'eventContext':
        f.event_context = v;
        continue;
      default:
        if (extra === null) extra = {};
        setOwn(extra, key, v);
        continue;
    }
    // A listed key whose value has an unexpected type: null means absent, anything else is kept.
    if (v !== null) {
      if (extra === null) extra = {};
      setOwn(extra, key, v);
    }
  }
  f.additional_fields = extra;
  return f;
}

/** Parses a CloudTrail record (JSON text) into fields, or a reason. */
function parseRecord(message: string): CloudTrailFields | string {
  const start = skipWhitespace(message);
  if (start === message.length) return 'empty message, not a CloudTrail record';
  if (message.charCodeAt(start) !== 0x7b /* { */)
    return 'not a CloudTrail record: not a JSON object';
  const doc = parseJson(message);
  if (doc === undefined) return 'invalid JSON: malformed or truncated CloudTrail record';
  if (!isObject(doc)) return 'not a CloudTrail record: not a JSON object';
  if (typeof doc.eventVersion !== 'string')
    return 'not a CloudTrail record: no eventVersion string';
  if (typeof doc.eventSource !== 'string') return 'not a CloudTrail record: no eventSource string';
  if (typeof doc.eventName !== 'string') return 'not a CloudTrail record: no eventName string';
  const eventTime = doc.eventTime;
  if (typeof eventTime !== 'string') return 'not a CloudTrail record: no eventTime string';
  const time = Date.parse(eventTime);
  if (Number.isNaN(time)) return 'not a CloudTrail record: eventTime is not an ISO 8601 time';
  const f = mapRecord(doc);
  f.event_time = time;
  return f;
}

class CloudTrailParser implements Parser {
  readonly name = 'cloudtrail';
  readonly dataset = DATASET;

  parse(message: string, _ctx: ParseContext): ParseResult {
    const f = parseRecord(message);
    return typeof f === 'string' ? fail(f) : ok(DATASET, f);
  }
}

/**
 * Creates the CloudTrail parser: one CloudTrail record (JSON object) per log
 * event, as CloudTrail delivers to CloudWatch Logs. It rejects text that is not
 * JSON (including truncated records), and JSON objects without string
 * `eventVersion`, `eventSource`, `eventName` and a parseable `eventTime`. It
 * parses the JSON once and never throws.
 *
 * @example
 * ```ts
 * const p = createCloudTrailParser();
 * const r = p.parse(message, { origin, time: Date.now() });
 * if (r.ok) console.log(r.fields.event_name, r.fields.user_identity_arn);
 * else console.warn(r.reason);
 * ```
 */
export function createCloudTrailParser(): Parser {
  return new CloudTrailParser();
}

/**
 * Cheap content sniffer: true when the message looks like a CloudTrail record
 * (its first non-blank character is `{` and it mentions `"eventVersion"` and
 * `"eventSource"`). Does not parse; the parser may still reject the message.
 *
 * @example
 * ```ts
 * looksLikeCloudTrail('{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}'); // true
 * looksLikeCloudTrail('START RequestId: abc'); // false
 * ```
 */
export function looksLikeCloudTrail(message: string): boolean {
  const start = skipWhitespace(message);
  return (
    message.charCodeAt(start) === 0x7b &&
    message.includes('"eventVersion"', start) &&
    message.includes('"eventSource"', start)
  );
}

/**
 * Splits a CloudTrail log file as CloudTrail writes it to S3
 * (`{"Records":[{…},{…}]}`) into one compact JSON message per record, the form
 * CloudTrail sends to CloudWatch Logs. Returns the reason as a string when the
 * text is not such a file (not JSON, no `Records` array, a record that is not an
 * object). Never throws.
 *
 * @example
 * ```ts
 * const messages = splitCloudTrailLogFile(readFileSync('log.json', 'utf8'));
 * if (typeof messages === 'string') throw new Error(messages);
 * for (const m of messages) parser.parse(m, ctx);
 * ```
 */
export function splitCloudTrailLogFile(text: string): string[] | string {
  const doc = parseJson(text);
  if (doc === undefined) return 'invalid JSON: not a CloudTrail log file';
  if (!isObject(doc)) return 'not a CloudTrail log file: not a JSON object';
  const records = doc.Records;
  if (!Array.isArray(records)) return 'not a CloudTrail log file: no Records array';
  const out: string[] = [];
  for (let i = 0; i < records.length; i++) {
    const rec: unknown = records[i];
    if (!isObject(rec)) return `not a CloudTrail log file: Records[${i}] is not an object`;
    out.push(JSON.stringify(rec));
  }
  return out;
}

/**
 * AWS quotas the Firehose transform and receiver rely on, each with the page that states it.
 */

/**
 * Lambda's synchronous invocation response limit (6 MB).
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const LAMBDA_MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/**
 * Default budget for the whole transformation response: Lambda's limit less
 * headroom for JSON framing and the runtime's own envelope.
 */
export const DEFAULT_RESPONSE_BUDGET_BYTES = 6_000_000;

/**
 * Largest record Firehose accepts (1,000 KiB before base64 encoding); applies to
 * PutRecordBatch entries and to transformed records.
 * https://docs.aws.amazon.com/firehose/latest/dev/limits.html
 */
export const FIREHOSE_MAX_RECORD_BYTES = 1_024_000;

/**
 * PutRecordBatch: at most 500 records and 4 MiB per call.
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
 */
export const FIREHOSE_PUT_BATCH_MAX_RECORDS = 500;
export const FIREHOSE_PUT_BATCH_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Kinesis PutRecords: at most 500 records and 5 MiB per call (data plus partition keys),
 * 1 MiB per record.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
export const KINESIS_PUT_RECORDS_MAX_RECORDS = 500;
export const KINESIS_PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;

/**
 * Firehose HTTP endpoint delivery: the endpoint must answer within 3 minutes;
 * Firehose buffers at most 64 MiB per request (before compression).
 * https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export const HTTP_ENDPOINT_RESPONSE_TIMEOUT_MS = 180_000;
export const DEFAULT_HTTP_MAX_BODY_BYTES = 64 * 1024 * 1024;

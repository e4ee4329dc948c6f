/**
 * Athena quotas and prices the Athena client relies on, each with the page that states it.
 */

/**
 * `ClientRequestToken` of StartQueryExecution: 32–128 characters.
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html
 */
export const ATHENA_REQUEST_TOKEN_MIN_CHARS = 32;
export const ATHENA_REQUEST_TOKEN_MAX_CHARS = 128;

/**
 * `QueryString` of StartQueryExecution: at most 262,144 bytes (not adjustable).
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html
 * https://repost.aws/knowledge-center/athena-query-string-length
 */
export const ATHENA_MAX_QUERY_BYTES = 262_144;

/**
 * One `ExecutionParameters` value: 1–1,024 characters (the SQL literal text, quotes included).
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html
 */
export const ATHENA_MAX_EXECUTION_PARAMETER_CHARS = 1024;

/**
 * `ResultReuseByAgeConfiguration.MaxAgeInMinutes`: 0–10,080 (7 days).
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_ResultReuseByAgeConfiguration.html
 */
export const ATHENA_MAX_RESULT_REUSE_MINUTES = 10_080;

/**
 * `MaxResults` of GetQueryResults: at most 1,000 rows per page.
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
 */
export const ATHENA_MAX_RESULTS_PER_PAGE = 1000;

/**
 * `WorkGroup` names: 1–128 characters of `[a-zA-Z0-9._-]`.
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html
 */
export const ATHENA_WORKGROUP_PATTERN = /^[a-zA-Z0-9._-]{1,128}$/;

/**
 * SQL queries cost $5.00 per TB scanned, "rounded up to the nearest megabyte, with a 10 MB
 * minimum per query"; no charge for DDL statements or failed queries; cancelled queries are
 * charged for the data scanned until they stopped.
 * https://aws.amazon.com/athena/pricing/
 *
 * The page does not say whether its TB and MB are decimal or binary; these constants use
 * binary units (TiB, MiB), the reading most estimators use. The difference is under 10 %.
 */
export const ATHENA_USD_PER_TB_SCANNED = 5;
export const ATHENA_BILLING_UNIT_BYTES = 1024 * 1024;
export const ATHENA_MIN_BILLED_BYTES = 10 * ATHENA_BILLING_UNIT_BYTES;
export const ATHENA_TB_BYTES = 1024 ** 4;

import type { DatasetDef } from './types.js';

/**
 * AWS Lambda function logs: platform lines (`START`, `END`, `REPORT`,
 * `INIT_START`, … in text, `platform.*` events in the JSON log format),
 * runtime-formatted application lines and any other stdout/stderr output.
 * Every column is present on every record; `null` when the line does not state it.
 *
 * @example
 * ```ts
 * LAMBDA_DATASET.columns.find((c) => c.name === 'billed_duration_ms')?.type; // 'int'
 * ```
 */
export const LAMBDA_DATASET: DatasetDef = {
  name: 'lambda',
  description:
    'AWS Lambda function logs: platform START/END/REPORT/INIT_START lines and platform.* events, runtime application lines, plain output',
  columns: [
    {
      name: 'type',
      type: 'string',
      description:
        'Line kind: start, end, report, init_start, init_report, restore_start, restore_report (text platform lines), the platform event type as is (platform.report, platform.start, …) for JSON platform events, or app',
    },
    { name: 'request_id', type: 'string', description: 'Invocation request id' },
    {
      name: 'level',
      type: 'string',
      description: 'Log level of an application line, lower case (info, warn, error, …)',
    },
    {
      name: 'log_time',
      type: 'timestamp',
      description:
        'Time written in the line itself (runtime timestamp or platform event time), UTC',
    },
    {
      name: 'function_name',
      type: 'string',
      description:
        'Function name, from a /aws/lambda/<name> log group or a platform.initStart event',
    },
    {
      name: 'function_version',
      type: 'string',
      description:
        'Function version, from the line (START Version) or else the log stream name YYYY/MM/DD/[<version>]<id>',
    },
    {
      name: 'duration_ms',
      type: 'double',
      description: 'Invocation duration (REPORT Duration; platform.runtimeDone durationMs)',
    },
    {
      name: 'billed_duration_ms',
      type: 'int',
      description: 'Billed duration (REPORT Billed Duration)',
    },
    { name: 'memory_size_mb', type: 'int', description: 'Configured memory (REPORT Memory Size)' },
    {
      name: 'max_memory_used_mb',
      type: 'int',
      description: 'Peak memory used (REPORT Max Memory Used)',
    },
    {
      name: 'init_duration_ms',
      type: 'double',
      description: 'Cold start init duration (REPORT Init Duration, INIT_REPORT)',
    },
    {
      name: 'restore_duration_ms',
      type: 'double',
      description: 'SnapStart restore duration (REPORT Restore Duration, RESTORE_REPORT)',
    },
    {
      name: 'billed_restore_duration_ms',
      type: 'int',
      description: 'SnapStart billed restore duration',
    },
    {
      name: 'status',
      type: 'string',
      description: 'Outcome where stated (success, error, failure, timeout)',
    },
    {
      name: 'error_type',
      type: 'string',
      description: 'Error type where stated (e.g. Runtime.ExitError)',
    },
    {
      name: 'xray_trace_id',
      type: 'string',
      description: 'X-Ray trace id (XRAY TraceId, or Root= of the tracing header)',
    },
    {
      name: 'xray_segment_id',
      type: 'string',
      description: 'X-Ray segment id (SegmentId, or Parent= of the tracing header)',
    },
    { name: 'xray_sampled', type: 'boolean', description: 'Whether the X-Ray trace was sampled' },
    {
      name: 'runtime_version',
      type: 'string',
      description: 'Runtime version (INIT_START Runtime Version), e.g. nodejs:20.v13',
    },
    {
      name: 'runtime_version_arn',
      type: 'string',
      description: 'Runtime version ARN (INIT_START Runtime Version ARN)',
    },
    {
      name: 'app_message',
      type: 'string',
      description:
        'Application text: the message without the runtime prefix (timestamp, request id, level) and without one trailing newline',
    },
    {
      name: 'emf_error',
      type: 'string',
      description:
        'Why an Embedded Metric Format document in the line yielded no metrics, if it did not',
    },
    {
      name: 'fields',
      type: 'json',
      description:
        'JSON log format: the keys of an application line not mapped to a column, or the record object of a platform event',
    },
  ],
};

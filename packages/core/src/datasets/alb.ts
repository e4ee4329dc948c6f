import type { DatasetDef } from './types.js';

/**
 * Application Load Balancer access log entries: every documented field.
 * Column names are the AWS names in snake_case, except AWS `time`, stored as
 * `request_time` because every log dataset already has a `time` column (the
 * CloudWatch event time). `client:port` and `target:port` are split into ip
 * and port; the request line is kept whole and split into verb, URL, protocol.
 * `-` is null everywhere.
 *
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 *
 * @example
 * ```ts
 * ALB_DATASET.columns.find((c) => c.name === 'target_processing_time')?.type; // 'double'
 * ```
 */
export const ALB_DATASET: DatasetDef = {
  name: 'alb',
  description: 'Application Load Balancer access log entries',
  columns: [
    {
      name: 'type',
      type: 'string',
      description: 'Request or connection type: http, https, h2, grpcs, ws, wss',
    },
    {
      name: 'request_time',
      type: 'timestamp',
      description:
        'AWS `time`: when the load balancer generated the response (for WebSockets, when the connection closed), UTC; µs truncated to ms',
    },
    { name: 'elb', type: 'string', description: 'Resource id of the load balancer (app/name/id)' },
    {
      name: 'client_ip',
      type: 'string',
      description:
        'IP address of the client (or of a proxy in front of the load balancer), IPv4 or IPv6',
    },
    { name: 'client_port', type: 'int', description: 'Port of the client' },
    {
      name: 'target_ip',
      type: 'string',
      description: 'IP address of the target; null when the request did not reach a target',
    },
    {
      name: 'target_port',
      type: 'int',
      description: 'Port of the target; null when the request did not reach a target',
    },
    {
      name: 'request_processing_time',
      type: 'double',
      description:
        'Seconds from receiving the request to sending it to a target; null where the log says -1 (could not dispatch to a target)',
    },
    {
      name: 'target_processing_time',
      type: 'double',
      description:
        'Seconds from sending the request to the target until it started to respond; null where the log says -1 (not dispatched, or the target closed the connection)',
    },
    {
      name: 'response_processing_time',
      type: 'double',
      description:
        'Seconds from receiving the target response header to starting to send the response to the client; null where the log says -1',
    },
    {
      name: 'elb_status_code',
      type: 'int',
      description: 'Status code of the response from the load balancer',
    },
    {
      name: 'target_status_code',
      type: 'int',
      description: 'Status code of the response from the target; null when there is none',
    },
    {
      name: 'received_bytes',
      type: 'bigint',
      description: 'Size of the request received from the client, bytes (headers and body)',
    },
    {
      name: 'sent_bytes',
      type: 'bigint',
      description: 'Size of the response sent to the client, bytes (headers and body)',
    },
    {
      name: 'request',
      type: 'string',
      description:
        'Request line as logged: method, protocol://host:port/uri, HTTP version; null when the log says "- - -"',
    },
    { name: 'request_verb', type: 'string', description: 'HTTP method of the request line' },
    { name: 'request_url', type: 'string', description: 'URL of the request line, as sent' },
    {
      name: 'request_proto',
      type: 'string',
      description: 'HTTP version of the request line, e.g. HTTP/1.1',
    },
    { name: 'user_agent', type: 'string', description: 'User-Agent header of the request' },
    { name: 'ssl_cipher', type: 'string', description: 'TLS cipher (HTTPS listeners)' },
    { name: 'ssl_protocol', type: 'string', description: 'TLS protocol (HTTPS listeners)' },
    { name: 'target_group_arn', type: 'string', description: 'ARN of the target group' },
    { name: 'trace_id', type: 'string', description: 'Contents of the X-Amzn-Trace-Id header' },
    {
      name: 'domain_name',
      type: 'string',
      description: 'SNI domain the client sent in the TLS handshake',
    },
    {
      name: 'chosen_cert_arn',
      type: 'string',
      description: 'ARN of the certificate presented to the client (or "session-reused")',
    },
    {
      name: 'matched_rule_priority',
      type: 'int',
      description: 'Priority of the rule that matched the request (0 for the default rule)',
    },
    {
      name: 'request_creation_time',
      type: 'timestamp',
      description:
        'When the load balancer received the request from the client, UTC; µs truncated to ms',
    },
    {
      name: 'actions_executed',
      type: 'string',
      description:
        'Comma-separated actions taken (waf, forward, redirect, fixed-response, authenticate, …)',
    },
    {
      name: 'redirect_url',
      type: 'string',
      description: 'Location header of a redirect response',
    },
    {
      name: 'error_reason',
      type: 'string',
      description: 'Error reason code, when the request failed',
    },
    {
      name: 'target_port_list',
      type: 'string',
      description:
        'AWS `target:port_list`: space-separated ip:port of the targets that processed the request',
    },
    {
      name: 'target_status_code_list',
      type: 'string',
      description: 'Space-separated status codes from the targets',
    },
    {
      name: 'classification',
      type: 'string',
      description: 'Desync mitigation classification (Acceptable, Ambiguous, Severe)',
    },
    {
      name: 'classification_reason',
      type: 'string',
      description: 'Desync mitigation classification reason code',
    },
    {
      name: 'conn_trace_id',
      type: 'string',
      description: 'Connection traceability id, shared with the connection log',
    },
    {
      name: 'transformed_host',
      type: 'string',
      description: 'Host header after a host-header rewrite transform',
    },
    {
      name: 'transformed_uri',
      type: 'string',
      description: 'URI after a URL rewrite transform',
    },
    {
      name: 'request_transform_status',
      type: 'string',
      description: 'Status of the rewrite transform',
    },
  ],
};

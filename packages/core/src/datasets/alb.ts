import type { DatasetDef } from './types.js';

/**
 * Application Load Balancer access log entries: every documented field.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
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
      description: 'Time the load balancer generated the response (µs truncated to ms)',
    },
    { name: 'elb', type: 'string', description: 'Resource id of the load balancer (app/name/id)' },
    { name: 'client_ip', type: 'string', description: 'Client IP address (IPv4 or IPv6)' },
    { name: 'client_port', type: 'int', description: 'Client port' },
    {
      name: 'target_ip',
      type: 'string',
      description: 'Target IP address; null when the request did not reach a target',
    },
    {
      name: 'target_port',
      type: 'int',
      description: 'Target port; null when the request did not reach a target',
    },
    {
      name: 'request_processing_time',
      type: 'double',
      description:
        'Seconds from receiving the request to sending it to a target; null where the log says -1 (no target / connection closed)',
    },
    {
      name: 'target_processing_time',
      type: 'double',
      description: 'Seconds the target took to start the response; null where the log says -1',
    },
    {
      name: 'response_processing_time',
      type: 'double',
      description: 'Seconds to send the response to the client; null where the log says -1',
    },
    {
      name: 'elb_status_code',
      type: 'int',
      description: 'Status code of the response from the load balancer',
    },
    {
      name: 'target_status_code',
      type: 'int',
      description: 'Status code of the response from the target',
    },
    {
      name: 'received_bytes',
      type: 'bigint',
      description: 'Size of the request received from the client, bytes',
    },
    {
      name: 'sent_bytes',
      type: 'bigint',
      description: 'Size of the response sent to the client, bytes',
    },
    { name: 'request', type: 'string', description: 'Request line: method, URL, protocol' },
    { name: 'request_verb', type: 'string', description: 'HTTP method of the request line' },
    { name: 'request_url', type: 'string', description: 'URL of the request line' },
    {
      name: 'request_proto',
      type: 'string',
      description: 'Protocol of the request line, e.g. HTTP/1.1',
    },
    { name: 'user_agent', type: 'string', description: 'User-Agent header' },
    { name: 'ssl_cipher', type: 'string', description: 'TLS cipher (HTTPS listeners)' },
    { name: 'ssl_protocol', type: 'string', description: 'TLS protocol (HTTPS listeners)' },
    { name: 'target_group_arn', type: 'string', description: 'ARN of the target group' },
    { name: 'trace_id', type: 'string', description: 'X-Amzn-Trace-Id header' },
    { name: 'domain_name', type: 'string', description: 'SNI domain from the TLS handshake' },
    {
      name: 'chosen_cert_arn',
      type: 'string',
      description: 'ARN of the certificate presented to the client',
    },
    {
      name: 'matched_rule_priority',
      type: 'int',
      description: 'Priority of the rule that matched (0 for the default rule)',
    },
    {
      name: 'request_creation_time',
      type: 'timestamp',
      description: 'Time the load balancer received the request',
    },
    {
      name: 'actions_executed',
      type: 'string',
      description: 'Comma-separated actions taken (forward, redirect, waf, …)',
    },
    { name: 'redirect_url', type: 'string', description: 'Location header of a redirect' },
    { name: 'error_reason', type: 'string', description: 'Error reason code' },
    {
      name: 'target_port_list',
      type: 'string',
      description: 'Space-separated target ip:port list',
    },
    {
      name: 'target_status_code_list',
      type: 'string',
      description: 'Space-separated target status codes',
    },
    { name: 'classification', type: 'string', description: 'Desync mitigation classification' },
    {
      name: 'classification_reason',
      type: 'string',
      description: 'Desync mitigation classification reason code',
    },
    { name: 'conn_trace_id', type: 'string', description: 'Connection traceability id' },
    { name: 'transformed_host', type: 'string', description: 'Host header after a transform' },
    { name: 'transformed_uri', type: 'string', description: 'URI after a transform' },
    {
      name: 'request_transform_status',
      type: 'string',
      description: 'Status of the rewrite transform',
    },
  ],
};

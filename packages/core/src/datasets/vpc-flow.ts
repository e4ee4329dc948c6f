import type { ColumnDef, ColumnType, DatasetDef } from './types.js';

/** One VPC flow log field: its AWS name, the version that introduced it, its column. */
export interface VpcFlowField {
  /** Name as written in a custom format string, e.g. `pkt-srcaddr`. */
  readonly awsName: string;
  /** Column name: the AWS name with `-` → `_`. */
  readonly column: string;
  /** Flow log record version that introduced the field. */
  readonly version: number;
  readonly type: ColumnType;
  readonly description: string;
}

function f(awsName: string, version: number, type: ColumnType, description: string): VpcFlowField {
  return { awsName, column: awsName.replaceAll('-', '_'), version, type, description };
}

/**
 * Every field of the VPC flow log record, versions 2 to 8.
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
 */
export const VPC_FLOW_FIELDS: readonly VpcFlowField[] = [
  f('version', 2, 'int', 'Flow log record version'),
  f('account-id', 2, 'string', 'Account id of the owner of the source network interface'),
  f('interface-id', 2, 'string', 'Network interface id'),
  f(
    'srcaddr',
    2,
    'string',
    'Source address of incoming traffic, or IPv4/IPv6 address of the interface for outgoing',
  ),
  f(
    'dstaddr',
    2,
    'string',
    'Destination address of outgoing traffic, or the interface address for incoming',
  ),
  f('srcport', 2, 'int', 'Source port'),
  f('dstport', 2, 'int', 'Destination port'),
  f('protocol', 2, 'int', 'IANA protocol number'),
  f('packets', 2, 'bigint', 'Packets transferred during the flow'),
  f('bytes', 2, 'bigint', 'Bytes transferred during the flow'),
  f(
    'start',
    2,
    'timestamp',
    'Time the first packet of the flow was received in the aggregation interval',
  ),
  f(
    'end',
    2,
    'timestamp',
    'Time the last packet of the flow was received in the aggregation interval',
  ),
  f('action', 2, 'string', 'ACCEPT or REJECT'),
  f('log-status', 2, 'string', 'OK, NODATA or SKIPDATA'),
  f('vpc-id', 3, 'string', 'VPC id'),
  f('subnet-id', 3, 'string', 'Subnet id'),
  f('instance-id', 3, 'string', 'Instance id of the interface, if owned by you'),
  f('tcp-flags', 3, 'int', 'Bitmask of TCP flags (FIN 1, SYN 2, RST 4, SYN-ACK 18)'),
  f('type', 3, 'string', 'Traffic type: IPv4, IPv6 or EFA'),
  f('pkt-srcaddr', 3, 'string', 'Packet-level (original) source address'),
  f('pkt-dstaddr', 3, 'string', 'Packet-level (original) destination address'),
  f('region', 4, 'string', 'Region of the network interface'),
  f('az-id', 4, 'string', 'Availability Zone id'),
  f('sublocation-type', 4, 'string', 'wavelength, outpost or localzone'),
  f('sublocation-id', 4, 'string', 'Id of the sublocation'),
  f('pkt-src-aws-service', 5, 'string', 'AWS service of pkt-srcaddr (e.g. S3), if any'),
  f('pkt-dst-aws-service', 5, 'string', 'AWS service of pkt-dstaddr, if any'),
  f('flow-direction', 5, 'string', 'ingress or egress, relative to the interface'),
  f('traffic-path', 5, 'int', 'Path egress traffic takes to the destination (1–8)'),
  f('ecs-cluster-arn', 7, 'string', 'ARN of the ECS cluster of the task'),
  f('ecs-cluster-name', 7, 'string', 'Name of the ECS cluster'),
  f('ecs-container-instance-arn', 7, 'string', 'ARN of the ECS container instance'),
  f('ecs-container-instance-id', 7, 'string', 'Id of the ECS container instance'),
  f('ecs-container-id', 7, 'string', 'Docker runtime id of the first container of the task'),
  f(
    'ecs-second-container-id',
    7,
    'string',
    'Docker runtime id of the second container of the task',
  ),
  f('ecs-service-name', 7, 'string', 'Name of the ECS service'),
  f('ecs-task-definition-arn', 7, 'string', 'ARN of the ECS task definition'),
  f('ecs-task-arn', 7, 'string', 'ARN of the ECS task'),
  f('ecs-task-id', 7, 'string', 'Id of the ECS task'),
  f('reject-reason', 8, 'string', 'Why traffic was rejected (e.g. BPA)'),
];

/** VPC Flow Logs: every field through version 8; `-` is null; `start`/`end` in epoch ms. */
export const VPC_FLOW_DATASET: DatasetDef = {
  name: 'vpc_flow',
  description: 'Amazon VPC Flow Logs records (default and custom formats, versions 2–8)',
  columns: VPC_FLOW_FIELDS.map(
    (x): ColumnDef => ({
      name: x.column,
      type: x.type,
      description: x.type === 'timestamp' ? `${x.description} (UTC)` : x.description,
    }),
  ),
};

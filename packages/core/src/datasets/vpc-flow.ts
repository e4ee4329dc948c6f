import type { ColumnDef, ColumnType, DatasetDef } from './types.js';

/**
 * One VPC flow log field: its AWS name, the record version that introduced it,
 * and the column it fills.
 *
 * @example
 * ```ts
 * const f = VPC_FLOW_FIELDS.find((x) => x.awsName === 'pkt-srcaddr');
 * f?.column; // 'pkt_srcaddr'
 * ```
 */
export interface VpcFlowField {
  /** Name as written in a custom format string, e.g. `pkt-srcaddr`. */
  readonly awsName: string;
  /** Column name: the AWS name with `-` → `_` (e.g. `pkt_srcaddr`). */
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
 * Every field of the VPC flow log record, in the order of the AWS field table
 * (the first 14 are the default format). `-` in a record is null for every
 * field. `start`/`end` are written as epoch seconds and stored as epoch ms.
 *
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
 *
 * @example
 * ```ts
 * VPC_FLOW_FIELDS.filter((x) => x.version <= 2).map((x) => x.awsName); // the default format
 * ```
 */
export const VPC_FLOW_FIELDS: readonly VpcFlowField[] = [
  f('version', 2, 'int', 'Flow log record version (2 for the default format)'),
  f(
    'account-id',
    2,
    'string',
    'AWS account id of the owner of the source network interface ("unknown" for some AWS-managed interfaces)',
  ),
  f('interface-id', 2, 'string', 'Id of the network interface the traffic is recorded for'),
  f(
    'srcaddr',
    2,
    'string',
    'Source address of incoming traffic, or the IPv4/IPv6 address of the interface for outgoing traffic',
  ),
  f(
    'dstaddr',
    2,
    'string',
    'Destination address of outgoing traffic, or the IPv4/IPv6 address of the interface for incoming traffic',
  ),
  f('srcport', 2, 'int', 'Source port'),
  f('dstport', 2, 'int', 'Destination port'),
  f('protocol', 2, 'int', 'IANA protocol number (6 TCP, 17 UDP, 1 ICMP, …)'),
  f('packets', 2, 'bigint', 'Packets transferred during the flow'),
  f('bytes', 2, 'bigint', 'Bytes transferred during the flow'),
  f(
    'start',
    2,
    'timestamp',
    'Time the first packet of the flow was received within the aggregation interval (second precision)',
  ),
  f(
    'end',
    2,
    'timestamp',
    'Time the last packet of the flow was received within the aggregation interval (second precision)',
  ),
  f('action', 2, 'string', 'ACCEPT or REJECT; null for NODATA/SKIPDATA records'),
  f(
    'log-status',
    2,
    'string',
    'OK, NODATA (no traffic in the interval) or SKIPDATA (records skipped)',
  ),
  f('vpc-id', 3, 'string', 'Id of the VPC of the network interface'),
  f('subnet-id', 3, 'string', 'Id of the subnet of the network interface'),
  f('instance-id', 3, 'string', 'Id of the instance of the interface, if you own the instance'),
  f(
    'tcp-flags',
    3,
    'int',
    'Bitwise OR of the TCP flags seen in the interval (FIN 1, SYN 2, RST 4, SYN-ACK 18)',
  ),
  f('type', 3, 'string', 'Traffic type: IPv4, IPv6 or EFA'),
  f('pkt-srcaddr', 3, 'string', 'Packet-level (original) source address'),
  f('pkt-dstaddr', 3, 'string', 'Packet-level (original) destination address'),
  f('region', 4, 'string', 'Region of the network interface (AWS field `region`)'),
  f('az-id', 4, 'string', 'Id of the Availability Zone of the network interface'),
  f('sublocation-type', 4, 'string', 'Sublocation type: wavelength, outpost or localzone'),
  f('sublocation-id', 4, 'string', 'Id of the sublocation (Wavelength Zone, Outpost, Local Zone)'),
  f('pkt-src-aws-service', 5, 'string', 'AWS service the pkt-srcaddr belongs to (e.g. S3), if any'),
  f('pkt-dst-aws-service', 5, 'string', 'AWS service the pkt-dstaddr belongs to, if any'),
  f('flow-direction', 5, 'string', 'ingress or egress, relative to the network interface'),
  f(
    'traffic-path',
    5,
    'int',
    'Path egress traffic takes to its destination (1 same VPC … 8 VPC peering); null for ingress',
  ),
  f('ecs-cluster-arn', 7, 'string', 'ARN of the ECS cluster of the task'),
  f('ecs-cluster-name', 7, 'string', 'Name of the ECS cluster of the task'),
  f(
    'ecs-container-instance-arn',
    7,
    'string',
    'ARN of the ECS container instance (EC2 launch type)',
  ),
  f('ecs-container-instance-id', 7, 'string', 'Id of the ECS container instance (EC2 launch type)'),
  f('ecs-container-id', 7, 'string', 'Docker runtime id of the first container of the task'),
  f(
    'ecs-second-container-id',
    7,
    'string',
    'Docker runtime id of the second container of the task',
  ),
  f('ecs-service-name', 7, 'string', 'Name of the ECS service of the task'),
  f('ecs-task-definition-arn', 7, 'string', 'ARN of the ECS task definition'),
  f('ecs-task-arn', 7, 'string', 'ARN of the ECS task'),
  f('ecs-task-id', 7, 'string', 'Id of the ECS task'),
  f(
    'reject-reason',
    8,
    'string',
    'Why the traffic was rejected (e.g. BPA: VPC Block Public Access)',
  ),
  // The two fields below are newer than the published field table we could
  // read; their version numbers come from configurations that use them.
  f('resource-id', 10, 'string', 'Id of the resource the traffic is recorded for'),
  f(
    'encryption-status',
    10,
    'int',
    'VPC Encryption Controls: 0 not encrypted, 1 Nitro-encrypted, 2 application-encrypted, 3 both; null when unknown or off',
  ),
];

/**
 * VPC Flow Logs: every field through the newest version; `-` is null;
 * `start`/`end` in epoch ms. (The region of the log group itself is the common
 * column `origin_region`; `region` here is the flow log field.)
 *
 * @example
 * ```ts
 * VPC_FLOW_DATASET.columns.find((c) => c.name === 'bytes')?.type; // 'bigint'
 * ```
 */
export const VPC_FLOW_DATASET: DatasetDef = {
  name: 'vpc_flow',
  description: 'Amazon VPC Flow Logs records (default and custom formats, all versions)',
  columns: VPC_FLOW_FIELDS.map(
    (x): ColumnDef => ({
      name: x.column,
      type: x.type,
      description: x.type === 'timestamp' ? `${x.description}, UTC` : x.description,
    }),
  ),
};

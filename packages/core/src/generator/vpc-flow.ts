import type { VpcFlowField } from '../datasets/vpc-flow.js';
import { parseVpcFlowFormat, VPC_FLOW_DEFAULT_FORMAT } from '../parsers/vpc-flow.js';
import type { GeneratedLine, Rng } from './rng.js';

const ACCOUNTS = ['123456789010', '210987654321', '555566667777'];
const ZONES: readonly (readonly [string, string])[] = [
  ['us-east-1', 'use1-az1'],
  ['us-east-1', 'use1-az4'],
  ['eu-west-1', 'euw1-az2'],
  ['ap-southeast-2', 'apse2-az3'],
];
const SERVER_PORTS = [22, 53, 80, 443, 443, 443, 3306, 5432, 6379, 8080];
const SERVICES = ['S3', 'DYNAMODB', 'EC2', 'AMAZON', 'ROUTE53', 'CLOUDFRONT'];
const ECS_SERVICES = ['checkout', 'orders', 'search'];

/** One coherent flow; `null` is written as `-`. Times in epoch seconds. */
interface Flow {
  accountId: string;
  interfaceId: string;
  srcaddr: string | null;
  dstaddr: string | null;
  srcport: number | null;
  dstport: number | null;
  protocol: number | null;
  packets: number | null;
  bytes: number | null;
  start: number;
  end: number;
  action: string | null;
  logStatus: string;
  vpcId: string;
  subnetId: string;
  instanceId: string | null;
  tcpFlags: number | null;
  type: string | null;
  pktSrcaddr: string | null;
  pktDstaddr: string | null;
  region: string;
  azId: string;
  sublocationType: string | null;
  sublocationId: string | null;
  pktSrcService: string | null;
  pktDstService: string | null;
  direction: string | null;
  trafficPath: number | null;
  ecs: EcsTask | null;
  rejectReason: string | null;
  resourceId: string | null;
  encryptionStatus: number | null;
}

interface EcsTask {
  clusterArn: string;
  clusterName: string;
  containerInstanceArn: string | null;
  containerInstanceId: string | null;
  containerId: string;
  secondContainerId: string | null;
  serviceName: string | null;
  taskDefinitionArn: string;
  taskArn: string;
  taskId: string;
}

function ecsTask(rng: Rng, region: string, accountId: string): EcsTask {
  const clusterName = rng.pick(['prod', 'staging']);
  const arn = `arn:aws:ecs:${region}:${accountId}`;
  const taskId = rng.hex(32);
  const fargate = rng.chance(0.6);
  const instanceId = fargate ? null : rng.hex(32);
  const service = rng.chance(0.8) ? rng.pick(ECS_SERVICES) : null;
  return {
    clusterArn: `${arn}:cluster/${clusterName}`,
    clusterName,
    containerInstanceArn:
      instanceId === null ? null : `${arn}:container-instance/${clusterName}/${instanceId}`,
    containerInstanceId: instanceId,
    containerId: `${taskId}-${rng.digits(10)}`,
    secondContainerId: rng.chance(0.4) ? `${taskId}-${rng.digits(10)}` : null,
    serviceName: service,
    taskDefinitionArn: `${arn}:task-definition/${service ?? 'batch'}:${rng.int(1, 40)}`,
    taskArn: `${arn}:task/${clusterName}/${taskId}`,
    taskId,
  };
}

function flow(rng: Rng, timeMs: number, empty: 'NODATA' | 'SKIPDATA' | null): Flow {
  const accountId = rng.pick(ACCOUNTS);
  const [region, azId] = rng.pick(ZONES);
  const end = Math.max(3600, Math.floor(timeMs / 1000) - rng.int(0, 30));
  const start = end - rng.int(1, 59);
  const base = {
    accountId,
    interfaceId: `eni-${rng.hex(17)}`,
    start,
    end,
    vpcId: `vpc-${rng.hex(17)}`,
    subnetId: `subnet-${rng.hex(17)}`,
    instanceId: rng.chance(0.8) ? `i-${rng.hex(17)}` : null,
    region,
    azId,
  };
  if (empty !== null) {
    return {
      ...base,
      srcaddr: null,
      dstaddr: null,
      srcport: null,
      dstport: null,
      protocol: null,
      packets: null,
      bytes: null,
      action: null,
      logStatus: empty,
      tcpFlags: null,
      type: null,
      pktSrcaddr: null,
      pktDstaddr: null,
      sublocationType: null,
      sublocationId: null,
      pktSrcService: null,
      pktDstService: null,
      direction: null,
      trafficPath: null,
      ecs: null,
      rejectReason: null,
      resourceId: null,
      encryptionStatus: null,
    };
  }
  const v6 = rng.chance(0.1);
  const local = v6 ? rng.ipv6() : rng.ipv4(10);
  const remote = v6 ? rng.ipv6() : rng.chance(0.5) ? rng.ipv4(10) : rng.ipv4();
  const egress = rng.chance(0.5);
  const protocol = rng.pick([6, 6, 6, 6, 17, 17, 1]);
  const icmp = protocol === 1;
  const serverPort = icmp ? 0 : rng.pick(SERVER_PORTS);
  const clientPort = icmp ? 0 : rng.int(1024, 65535);
  const action = rng.chance(0.85) ? 'ACCEPT' : 'REJECT';
  const packets = action === 'REJECT' ? rng.int(1, 3) : rng.int(1, 50_000);
  // Through a NAT or load balancer the packet-level address differs from the interface's.
  const natted = rng.chance(0.15);
  const srcaddr = egress ? local : remote;
  const dstaddr = egress ? remote : local;
  const service = rng.chance(0.2) ? rng.pick(SERVICES) : null;
  const sublocation = rng.chance(0.05);
  return {
    ...base,
    srcaddr,
    dstaddr,
    srcport: egress ? clientPort : serverPort,
    dstport: egress ? serverPort : clientPort,
    protocol,
    packets,
    bytes: packets * rng.int(40, 1500),
    action,
    logStatus: 'OK',
    tcpFlags: protocol === 6 ? rng.pick([1, 2, 3, 4, 18, 19, 27]) : 0,
    type: v6 ? 'IPv6' : 'IPv4',
    pktSrcaddr: natted && !egress ? (v6 ? rng.ipv6() : rng.ipv4()) : srcaddr,
    pktDstaddr: natted && egress ? (v6 ? rng.ipv6() : rng.ipv4()) : dstaddr,
    sublocationType: sublocation ? 'outpost' : null,
    sublocationId: sublocation ? `op-${rng.hex(17)}` : null,
    pktSrcService: egress ? null : service,
    pktDstService: egress ? service : null,
    direction: egress ? 'egress' : 'ingress',
    trafficPath: egress ? rng.int(1, 8) : null,
    ecs: rng.chance(0.25) ? ecsTask(rng, region, accountId) : null,
    rejectReason: action === 'REJECT' && rng.chance(0.3) ? 'BPA' : null,
    resourceId: rng.chance(0.1) ? `nat-${rng.hex(17)}` : null,
    encryptionStatus: rng.chance(0.3) ? null : rng.int(0, 3),
  };
}

/** The value of one field of a flow (before `-` / seconds → ms). */
function fieldValue(x: Flow, awsName: string, version: number): string | number | null {
  switch (awsName) {
    case 'version':
      return version;
    case 'account-id':
      return x.accountId;
    case 'interface-id':
      return x.interfaceId;
    case 'srcaddr':
      return x.srcaddr;
    case 'dstaddr':
      return x.dstaddr;
    case 'srcport':
      return x.srcport;
    case 'dstport':
      return x.dstport;
    case 'protocol':
      return x.protocol;
    case 'packets':
      return x.packets;
    case 'bytes':
      return x.bytes;
    case 'start':
      return x.start;
    case 'end':
      return x.end;
    case 'action':
      return x.action;
    case 'log-status':
      return x.logStatus;
    case 'vpc-id':
      return x.vpcId;
    case 'subnet-id':
      return x.subnetId;
    case 'instance-id':
      return x.instanceId;
    case 'tcp-flags':
      return x.tcpFlags;
    case 'type':
      return x.type;
    case 'pkt-srcaddr':
      return x.pktSrcaddr;
    case 'pkt-dstaddr':
      return x.pktDstaddr;
    case 'region':
      return x.region;
    case 'az-id':
      return x.azId;
    case 'sublocation-type':
      return x.sublocationType;
    case 'sublocation-id':
      return x.sublocationId;
    case 'pkt-src-aws-service':
      return x.pktSrcService;
    case 'pkt-dst-aws-service':
      return x.pktDstService;
    case 'flow-direction':
      return x.direction;
    case 'traffic-path':
      return x.trafficPath;
    case 'ecs-cluster-arn':
      return x.ecs?.clusterArn ?? null;
    case 'ecs-cluster-name':
      return x.ecs?.clusterName ?? null;
    case 'ecs-container-instance-arn':
      return x.ecs?.containerInstanceArn ?? null;
    case 'ecs-container-instance-id':
      return x.ecs?.containerInstanceId ?? null;
    case 'ecs-container-id':
      return x.ecs?.containerId ?? null;
    case 'ecs-second-container-id':
      return x.ecs?.secondContainerId ?? null;
    case 'ecs-service-name':
      return x.ecs?.serviceName ?? null;
    case 'ecs-task-definition-arn':
      return x.ecs?.taskDefinitionArn ?? null;
    case 'ecs-task-arn':
      return x.ecs?.taskArn ?? null;
    case 'ecs-task-id':
      return x.ecs?.taskId ?? null;
    case 'reject-reason':
      return x.rejectReason;
    case 'resource-id':
      return x.resourceId;
    case 'encryption-status':
      return x.encryptionStatus;
    default:
      return null;
  }
}

/** The last format read, so a workload of one format reads it once. */
let lastFormat: string | undefined;
let lastFields: readonly VpcFlowField[] = [];

function render(x: Flow, fields: readonly VpcFlowField[]): GeneratedLine {
  // AWS writes the highest version among the fields of the format.
  let version = 2;
  for (const f of fields) if (f.version > version) version = f.version;
  const parts: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const f of fields) {
    const v = fieldValue(x, f.awsName, version);
    parts.push(v === null ? '-' : String(v));
    parsed[f.column] = v === null ? null : f.type === 'timestamp' ? (v as number) * 1000 : v;
  }
  return { message: parts.join(' '), fields: parsed };
}

/**
 * A realistic flow log line in a custom format (mostly OK records, a few
 * NODATA/SKIPDATA), with the fields the parser built for that format must return.
 *
 * @example
 * ```ts
 * const { message, fields } = generateVpcFlowCustomLine(new Rng(1), Date.now(), '${version} ${vpc-id} ${srcaddr}');
 * ```
 * @throws ConfigError for an invalid format (the parser's own validation).
 */
export function generateVpcFlowCustomLine(rng: Rng, timeMs: number, format: string): GeneratedLine {
  if (format !== lastFormat) {
    lastFields = parseVpcFlowFormat(format);
    lastFormat = format;
  }
  const fields = lastFields;
  const empty = rng.chance(0.04) ? (rng.chance(0.5) ? 'NODATA' : 'SKIPDATA') : null;
  return render(flow(rng, timeMs, empty), fields);
}

/**
 * A realistic default-format (version 2) flow log line: mostly ACCEPT/REJECT
 * OK records over TCP/UDP/ICMP and IPv4/IPv6, some NODATA and SKIPDATA, with
 * the fields the parser must return.
 *
 * @example
 * ```ts
 * const { message, fields } = generateVpcFlowLine(new Rng(7), Date.UTC(2026, 0, 1));
 * createVpcFlowParser().parse(message, ctx); // { ok: true, fields } (same fields)
 * ```
 */
export function generateVpcFlowLine(rng: Rng, timeMs: number): GeneratedLine {
  return generateVpcFlowCustomLine(rng, timeMs, VPC_FLOW_DEFAULT_FORMAT);
}

import { VPC_FLOW_FIELDS } from '../datasets/vpc-flow.js';
import { VPC_FLOW_DEFAULT_FORMAT } from '../parsers/vpc-flow.js';
import type { GeneratedLine, Rng } from './rng.js';

const PROTOCOLS = [6, 6, 6, 17, 17, 1];
const PORTS = [22, 53, 80, 443, 443, 443, 3306, 5432, 6379, 8080];
const SERVICES = ['S3', 'DYNAMODB', 'EC2', 'AMAZON', 'ROUTE53'];

/** A value for one field, and its parsed form. */
function value(rng: Rng, awsName: string, timeMs: number, accountId: string): [string, unknown] {
  const startS = Math.floor(timeMs / 1000) - rng.int(60, 600);
  switch (awsName) {
    case 'version':
      return ['5', 5];
    case 'account-id':
      return [accountId, accountId];
    case 'interface-id': {
      const eni = `eni-${rng.hex(17)}`;
      return [eni, eni];
    }
    case 'srcaddr':
    case 'dstaddr':
    case 'pkt-srcaddr':
    case 'pkt-dstaddr': {
      const ip = rng.chance(0.1) ? rng.ipv6() : rng.chance(0.6) ? rng.ipv4(10) : rng.ipv4();
      return [ip, ip];
    }
    case 'srcport':
    case 'dstport': {
      const p = rng.chance(0.5) ? rng.pick(PORTS) : rng.int(1024, 65535);
      return [String(p), p];
    }
    case 'protocol': {
      const p = rng.pick(PROTOCOLS);
      return [String(p), p];
    }
    case 'packets': {
      const p = rng.int(1, 5000);
      return [String(p), p];
    }
    case 'bytes': {
      const b = rng.int(40, 40_000_000);
      return [String(b), b];
    }
    case 'start':
      return [String(startS), startS * 1000];
    case 'end':
      return [String(startS + 60), (startS + 60) * 1000];
    case 'action': {
      const a = rng.chance(0.85) ? 'ACCEPT' : 'REJECT';
      return [a, a];
    }
    case 'log-status':
      return ['OK', 'OK'];
    case 'tcp-flags': {
      const t = rng.pick([0, 1, 2, 3, 18, 19]);
      return [String(t), t];
    }
    case 'traffic-path': {
      const t = rng.int(1, 8);
      return [String(t), t];
    }
    case 'type':
      return ['IPv4', 'IPv4'];
    case 'region':
      return ['us-east-1', 'us-east-1'];
    case 'az-id':
      return ['use1-az4', 'use1-az4'];
    case 'flow-direction': {
      const d = rng.pick(['ingress', 'egress']);
      return [d, d];
    }
    case 'pkt-src-aws-service':
    case 'pkt-dst-aws-service': {
      if (rng.chance(0.7)) return ['-', null];
      const s = rng.pick(SERVICES);
      return [s, s];
    }
    default: {
      // ids and names (vpc-…, subnet-…, ecs-…, sublocation…): sometimes absent.
      if (rng.chance(0.3)) return ['-', null];
      const v = `${awsName.split('-')[0]}-${rng.hex(12)}`;
      return [v, v];
    }
  }
}

/**
 * A realistic flow log line in a given format, with the fields the parser must return.
 *
 * @example
 * ```ts
 * const { message, fields } = generateVpcFlowCustomLine(new Rng(1), Date.now(), '${version} ${vpc-id} ${srcaddr}');
 * ```
 */
export function generateVpcFlowCustomLine(rng: Rng, timeMs: number, format: string): GeneratedLine {
  const names = format
    .trim()
    .split(/\s+/)
    .map((t) => t.slice(2, -1));
  const accountId = rng.pick(['123456789010', '210987654321']);
  const parts: string[] = [];
  const fields: Record<string, unknown> = {};
  for (const name of names) {
    const [raw, parsed] = value(rng, name, timeMs, accountId);
    parts.push(raw);
    fields[name.replaceAll('-', '_')] = parsed;
  }
  return { message: parts.join(' '), fields };
}

/**
 * A realistic default-format (version 2) flow log line: mostly ACCEPT/REJECT OK,
 * some NODATA and SKIPDATA, with the fields the parser must return.
 *
 * @example
 * ```ts
 * const { message, fields } = generateVpcFlowLine(new Rng(7), Date.UTC(2026, 0, 1));
 * ```
 */
export function generateVpcFlowLine(rng: Rng, timeMs: number): GeneratedLine {
  if (rng.chance(0.05)) {
    const accountId = rng.pick(['123456789010', '210987654321']);
    const eni = `eni-${rng.hex(17)}`;
    const startS = Math.floor(timeMs / 1000) - 60;
    const status = rng.chance(0.5) ? 'NODATA' : 'SKIPDATA';
    const fields: Record<string, unknown> = {};
    for (const x of VPC_FLOW_FIELDS.slice(0, 14)) fields[x.column] = null;
    Object.assign(fields, {
      version: 2,
      account_id: accountId,
      interface_id: eni,
      start: startS * 1000,
      end: (startS + 60) * 1000,
      log_status: status,
    });
    return {
      message: `2 ${accountId} ${eni} - - - - - - - ${startS} ${startS + 60} - ${status}`,
      fields,
    };
  }
  const line = generateVpcFlowCustomLine(rng, timeMs, VPC_FLOW_DEFAULT_FORMAT);
  // The default format is version 2.
  return { message: `2${line.message.slice(1)}`, fields: { ...line.fields, version: 2 } };
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CwlEnvelope, gzipEnvelope } from '@logpipe/core';
import type { FirehoseTransformationEvent } from '../../src/event.js';

/** A fixture event (shaped as the AWS guides show them). */
export function fixtureEvent(name: string): FirehoseTransformationEvent {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8'),
  );
}

/** A Direct PUT transformation event over envelopes (record ids r0, r1, …). */
export function eventOf(
  envelopes: CwlEnvelope[],
  extra: Partial<FirehoseTransformationEvent> = {},
): FirehoseTransformationEvent {
  return {
    invocationId: 'inv-1',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/logs',
    region: 'us-east-1',
    records: envelopes.map((e, i) => ({
      recordId: `r${i}`,
      approximateArrivalTimestamp: 1_700_000_000_000,
      data: gzipEnvelope(e).toString('base64'),
    })),
    ...extra,
  };
}

/** An envelope with the given messages at the given times. */
export function envelope(
  logGroup: string,
  events: Array<[message: string, time: number]>,
  owner = '123456789012',
): CwlEnvelope {
  return {
    messageType: 'DATA_MESSAGE',
    owner,
    logGroup,
    logStream: 'stream-1',
    subscriptionFilters: ['f'],
    logEvents: events.map(([message, timestamp], i) => ({
      id: `${timestamp}`.padEnd(48, '0') + String(i).padStart(8, '0'),
      timestamp,
      message,
    })),
  };
}

/** Lines of an Ok record's data. */
export function lines(data: string): string[] {
  return Buffer.from(data, 'base64')
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
}

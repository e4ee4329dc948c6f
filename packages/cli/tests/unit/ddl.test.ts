import { athenaDdl } from '@logpipe/athena-query';
import { listDatasets } from '@logpipe/core';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers.js';

/** The statements of the command's output, without their `;`. */
function statements(stdout: string): string[] {
  expect(stdout.endsWith(';\n')).toBe(true);
  return stdout.slice(0, -2).split(';\n\n');
}

describe('logpipe ddl', () => {
  it('prints CREATE DATABASE and one table per built-in dataset, each ended by ;', async () => {
    const r = await run(['ddl', '--database', 'logpipe', '--location', 's3://my-lake/logs']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = statements(r.stdout);
    expect(out).toEqual(athenaDdl({ database: 'logpipe', location: 's3://my-lake/logs/' }));
    expect(out).toHaveLength(listDatasets().length + 1);
    expect(out[0]).toBe('CREATE DATABASE IF NOT EXISTS `logpipe`');
    expect(out[1]).toContain("LOCATION 's3://my-lake/logs/vpc_flow/'");
  });

  it('prints only the datasets asked for, with the projection start year and without comments', async () => {
    const r = await run([
      'ddl',
      '--database',
      'lake',
      '--location',
      's3://my-lake/',
      '--dataset',
      'alb',
      '--dataset',
      'metrics',
      '--projection-start-year',
      '2025',
      '--no-comments',
    ]);
    expect(r.code).toBe(0);
    const out = statements(r.stdout);
    expect(out).toHaveLength(3);
    expect(out[1]).toMatch(/^CREATE EXTERNAL TABLE IF NOT EXISTS `lake`\.`alb` \(/);
    expect(out[2]).toMatch(/^CREATE EXTERNAL TABLE IF NOT EXISTS `lake`\.`metrics` \(/);
    expect(out[2]).toContain("'projection.year.range' = '2025,NOW'");
    expect(r.stdout).not.toContain('COMMENT');
  });

  it('exits 2 with the reason for an invalid location or an unknown dataset', async () => {
    const bad = await run([
      'ddl',
      '--database',
      'logpipe',
      '--location',
      's3://my-lake/_dead_letter',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^logpipe: location: "_dead_letter" starts with _ or \./);
    const unknown = await run([
      'ddl',
      '--database',
      'logpipe',
      '--location',
      's3://my-lake/',
      '--dataset',
      'nope',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown dataset "nope"');
  });

  it('exits 2 when --database or --location is missing', async () => {
    const r = await run(['ddl', '--location', 's3://my-lake/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--database <name>' not specified");
  });
});

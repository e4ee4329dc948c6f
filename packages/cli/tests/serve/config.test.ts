import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/serve/config.js';
import { ServeConfigError } from '../../src/serve/errors.js';
import { BIN } from './support/serve-process.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpipe-serve-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function check(file: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, 'serve', '--config', file, '--check'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

function problems(doc: unknown, env = {}): string[] {
  try {
    validateConfig(doc, env);
  } catch (err) {
    if (err instanceof ServeConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('logpipe serve --check', () => {
  it('exits 0 for a valid YAML config and prints what it would run', async () => {
    const file = join(dir, 'ok.yaml');
    await writeFile(
      file,
      [
        'server: { port: 8080 }',
        'sources:',
        '  firehose: { path: /firehose }',
        '  fluentBit: { logGroup: /ecs/app }',
        'sinks:',
        '  - type: lake',
        '    location: s3://my-bucket/lake',
        '',
      ].join('\n'),
    );
    const r = check(file);
    expect(r.stderr).not.toContain('invalid config');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'is valid; sources: firehose /firehose, fluent-bit /fluent-bit; sinks: lake (lake)',
    );
  });

  it('exits 2 for a bad config with messages that name each key and its problem', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'server: { port: 70000 }',
        'sources:',
        '  fluentBit: { dateFormat: rfc3339 }',
        'queue: { maxRequests: 0 }',
        'sinks:',
        '  - type: lake',
        '    locaton: ./lake',
        '',
      ].join('\n'),
    );
    const r = check(file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`invalid config ${file}`);
    expect(r.stderr).toMatch(/server\.port: Too big: expected number to be <=\s?65535/);
    expect(r.stderr).toContain('sources.fluentBit.dateFormat: Invalid option');
    expect(r.stderr).toContain('queue.maxRequests: Too small');
    expect(r.stderr).toContain('sinks[0].location: is required');
    expect(r.stderr).toContain('sinks[0].locaton: unknown key');
  });

  it('exits 2 naming the line of a YAML syntax error', async () => {
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, 'sinks:\n  - type: lake\n   location: x\n');
    const r = check(file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not valid YAML: .*line 3/);
  });

  it('reads secrets from the environment before validating (LOGPIPE_INFLUX_TOKEN)', async () => {
    const file = join(dir, 'influx.json');
    await writeFile(
      file,
      JSON.stringify({
        sources: { stdin: {} },
        sinks: [
          { type: 'influxdb', url: 'http://127.0.0.1:8086', api: 'v2', org: 'o', bucket: 'b' },
        ],
      }),
    );
    expect(
      problems(
        JSON.parse(
          JSON.stringify({
            sources: { stdin: {} },
            sinks: [
              { type: 'influxdb', url: 'http://127.0.0.1:8086', api: 'v2', org: 'o', bucket: 'b' },
            ],
          }),
        ),
      ),
    ).toEqual(['sinks[0].token: is required with api: v2 (or set LOGPIPE_INFLUX_TOKEN)']);
    expect(
      problems(
        {
          sources: { stdin: {} },
          sinks: [
            { type: 'influxdb', url: 'http://127.0.0.1:8086', api: 'v2', org: 'o', bucket: 'b' },
          ],
        },
        { influxToken: 't0ken' },
      ),
    ).toEqual([]);
    const r = check(file, { LOGPIPE_INFLUX_TOKEN: 't0ken' });
    // Valid config; whether the writer is installed decides the exit status.
    expect(r.stderr).not.toContain('token');
    expect([0, 2]).toContain(r.status);
  });

  it('reports cross-key problems: no source, duplicate sink names, reserved paths', () => {
    expect(
      problems({
        sinks: [
          { type: 'lake', location: 'a' },
          { type: 'lake', location: 'b' },
        ],
      }),
    ).toEqual([
      'sources: configure at least one source: firehose, fluentBit or stdin',
      'sinks[1].name: a second lake sink needs a name (sinks[0] is already "lake")',
    ]);
    expect(
      problems({
        sources: { firehose: { path: '/metrics' } },
        sinks: [{ type: 'lake', location: 'a' }],
      }),
    ).toEqual(['sources.firehose.path: /metrics is reserved (/healthz, /readyz, /metrics)']);
    expect(problems({ sources: { stdin: {} }, sinks: [] })).toEqual([
      'sinks: configure at least one sink',
    ]);
  });

  it('names a bad parser rule by its key', async () => {
    const file = join(dir, 'parser.json');
    await writeFile(
      file,
      JSON.stringify({
        sources: { stdin: {} },
        processing: { parsers: [{ logGroup: 'vpc-*', parser: 'vpc_flow', format: '${nope}' }] },
        sinks: [{ type: 'lake', location: './lake' }],
      }),
    );
    const r = check(file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/processing\.parsers\[0\]/);
  });
});

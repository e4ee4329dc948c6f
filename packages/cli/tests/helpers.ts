import { PassThrough, Readable } from 'node:stream';
import type { Io } from '../src/io.js';
import { main } from '../src/main.js';

/** Runs the CLI in-process with captured streams. */
export async function run(
  argv: string[],
  stdin: string | Buffer = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const io: Io = { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]) };
  const code = await main(argv, io);
  return { code, stdout: out, stderr: err };
}

/** NDJSON lines of an output. */
export function ndjson(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Path of a shared vector (copied into core's fixtures). */
export function vector(name: string): string {
  return new URL(`../../core/tests/fixtures/${name}`, import.meta.url).pathname;
}

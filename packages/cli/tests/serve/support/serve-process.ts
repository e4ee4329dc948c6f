/**
 * Starts the real built `logpipe serve` (dist/bin.js) as a child process on 127.0.0.1 with
 * `server.port: 0`, and reads the bound port from its JSON start log line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../dist/bin.js', import.meta.url));

/** A running `logpipe serve`. */
export interface ServeProcess {
  readonly port: number;
  readonly proc: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** Standard error so far. */
  stderr(): string;
  url(path: string): string;
  /** Resolves when the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** Writes `config` as JSON into `dir` and returns the file. */
export async function writeConfig(
  dir: string,
  config: object,
  name = 'serve.json',
): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

/** Options of {@link startServe}. */
export interface StartServeOptions {
  env?: Record<string, string> | undefined;
  /** Data for the process's standard input (the stdin source); default: none (ignored). */
  stdin?: 'pipe' | undefined;
}

/**
 * Starts `logpipe serve --config <file>` and waits for it to listen.
 *
 * @example
 * ```ts
 * const serve = await startServe(await writeConfig(dir, config));
 * await fetch(serve.url('/healthz'));
 * ```
 */
export function startServe(
  configFile: string,
  options: StartServeOptions = {},
): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--config', configFile], {
    env: { ...process.env, ...options.env },
    stdio: [options.stdin === 'pipe' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let err = '';
  let partial = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  proc.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`logpipe serve did not start within 20 s; stderr: ${err}`));
    }, 20_000);
    proc.stdout?.on('data', (c: Buffer) => {
      partial += c.toString();
      let nl = partial.indexOf('\n');
      while (nl >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        nl = partial.indexOf('\n');
        let doc: Record<string, unknown>;
        try {
          doc = JSON.parse(line) as Record<string, unknown>;
        } catch {
          doc = { unparsed: line };
        }
        logs.push(doc);
        if (doc.msg === 'logpipe serve listening') {
          clearTimeout(timer);
          const port = doc.port as number;
          resolve({
            port,
            proc,
            logs,
            stderr: () => err,
            url: (path) => `http://127.0.0.1:${port}${path}`,
            exited,
            kill: (signal) => {
              proc.kill(signal);
            },
          });
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`logpipe serve exited (${code ?? signal}) before listening; stderr: ${err}`),
      );
    });
  });
}

/** A base config: loopback, port 0, a local lake, dead letters in `dir`. */
export function baseConfig(
  dir: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0 },
    sources: { firehose: { accessKeys: ['test-key'] }, fluentBit: {} },
    sinks: [{ type: 'lake', location: join(dir, 'lake'), flushIntervalMs: 200 }],
    deadLetter: { path: join(dir, 'dead-letters') },
    shutdown: { deadlineMs: 10_000 },
    ...overrides,
  };
}

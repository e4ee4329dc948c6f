import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Io } from '../io.js';

/** Options of `logpipe bench`. */
export interface BenchCommandOptions {
  /** Tiny inputs and few rounds: a smoke run (its figures mean nothing). */
  quick?: boolean | undefined;
  /** Directory for latest.md, latest.json and the SVG charts (default: benchmarks/results). */
  out?: string | undefined;
  /** Scenarios to run (default: all). */
  scenarios?: readonly string[] | undefined;
  /** The logpipe source checkout (default: found upward from the working directory). */
  repo?: string | undefined;
}

/** What `logpipe bench` did. */
export interface BenchResult {
  exitCode: number;
  /** The Markdown report written, when the run got that far. */
  report?: string | undefined;
}

/** Messages benchmarks/run.mjs sends over IPC. */
type RunnerMessage =
  | { type: 'plan'; total: number }
  | { type: 'start' | 'progress'; done: number; total: number; label: string };

/** The benchmarks runner of a logpipe source checkout at `dir`, if it is one. */
function runnerIn(dir: string): string | undefined {
  const runner = join(dir, 'benchmarks', 'run.mjs');
  const pkg = join(dir, 'benchmarks', 'package.json');
  if (!existsSync(runner) || !existsSync(pkg)) return undefined;
  try {
    const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
    return name === '@logpipe/benchmarks' ? runner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds `benchmarks/run.mjs`: in `repo` when given, else in the working directory or one of
 * its parents, else next to the running `logpipe` script (a checkout's packages/cli/dist).
 * The benchmarks are not part of the published package; they run from a source checkout.
 */
export function findBenchRunner(repo?: string | undefined): string | undefined {
  if (repo !== undefined) return runnerIn(resolve(repo));
  const starts = [process.cwd()];
  if (process.argv[1] !== undefined) starts.push(dirname(resolve(process.argv[1])));
  for (const start of starts) {
    let dir = start;
    for (;;) {
      const found = runnerIn(dir);
      if (found !== undefined) return found;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

/** Progress on a terminal: a cli-progress bar; elsewhere (CI logs, pipes): one line per step. */
async function progressView(io: Io): Promise<{
  plan(total: number): void;
  /** A step begins (the bar shows what runs now). */
  start(done: number, label: string): void;
  /** A step finished. */
  step(done: number, total: number, label: string): void;
  stop(): void;
}> {
  const stream = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  if (stream.isTTY !== true) {
    return {
      plan: (total) => {
        stream.write(`logpipe bench: ${total} steps\n`);
      },
      start: () => {},
      step: (done, total, label) => {
        stream.write(`[${done}/${total}] ${label}\n`);
      },
      stop: () => {},
    };
  }
  // Loaded here: no other command pays for it.
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar = new SingleBar(
    {
      stream,
      format: 'bench [{bar}] {value}/{total} | {duration_formatted} | {label}',
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    plan: (total) => {
      bar.start(total, 0, { label: 'starting' });
      started = true;
    },
    start: (done, label) => {
      if (started) bar.update(done, { label });
    },
    step: (done) => {
      if (started) bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/**
 * `logpipe bench [--quick] [--out DIR] [scenario…]`: runs the benchmarks of a logpipe source
 * checkout (`node benchmarks/run.mjs` in a child process, against the built packages) with a
 * progress bar, then prints the targets table and where the report went. Exit status: the
 * runner's (0 when every scenario ran, 1 when one failed), 2 when there is no runner.
 *
 * @example
 * ```ts
 * const { exitCode, report } = await runBench({ quick: true, out: '/tmp/bench' }, processIo());
 * ```
 */
export async function runBench(options: BenchCommandOptions, io: Io): Promise<BenchResult> {
  const runner = findBenchRunner(options.repo);
  if (runner === undefined) {
    io.stderr.write(
      `logpipe bench: no benchmarks/run.mjs found ${options.repo === undefined ? 'in the working directory or its parents' : `in ${options.repo}`}; the benchmarks run from a logpipe source checkout (build it first: pnpm turbo run build --filter=@logpipe/benchmarks^...)\n`,
    );
    return { exitCode: 2 };
  }
  const root = dirname(dirname(runner));
  const out =
    options.out === undefined ? join(root, 'benchmarks', 'results') : resolve(options.out);
  const args = [...(options.quick === true ? ['--quick'] : []), '--out', out];
  for (const s of options.scenarios ?? []) args.push(s);

  const view = await progressView(io);
  const child = fork(runner, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.on('message', (m: RunnerMessage) => {
    if (m.type === 'plan') view.plan(m.total);
    else if (m.type === 'start') view.start(m.done, m.label);
    else if (m.type === 'progress') view.step(m.done, m.total, m.label);
  });
  const code = await new Promise<number>((done) => {
    child.on('error', (error) => {
      stderr += `${error.message}\n`;
      done(2);
    });
    child.on('exit', (c, signal) => done(c ?? (signal === null ? 2 : 1)));
  });
  view.stop();
  if (stdout !== '') io.stdout.write(stdout);
  if (stderr !== '') io.stderr.write(stderr);
  const report = join(out, 'latest.md');
  return { exitCode: code, report: existsSync(report) ? report : undefined };
}

import type { Io } from '../io.js';
import { type LoadedConfig, loadConfig, sinkName } from '../serve/config.js';
import { readServeEnv } from '../serve/env.js';
import { ServeConfigError } from '../serve/errors.js';
import { buildSinks, classifierOptions, startSidecar } from '../serve/run.js';

/** Options of `logpipe serve`. */
export interface ServeCommandOptions {
  /** Config file (YAML or JSON); else `LOGPIPE_CONFIG` / `LOGPIPE_CONFIG_YAML`. */
  config?: string | undefined;
  /** Validate the config (and that every sink can be built), print a summary, exit. */
  check?: boolean | undefined;
}

/** Time the process is given to exit by itself after a clean stop (then it is made to). */
const EXIT_GRACE_MS = 2000;
/** …and after a failed one (the deadline already passed: no time to wait). */
const FAILED_EXIT_GRACE_MS = 100;

function describe(loaded: LoadedConfig): string {
  const { config } = loaded;
  const sources = [
    config.sources.firehose && `firehose ${config.sources.firehose.path}`,
    config.sources.fluentBit && `fluent-bit ${config.sources.fluentBit.path}`,
    config.sources.stdin?.enabled === true && 'stdin',
  ].filter((s): s is string => typeof s === 'string');
  const sinks = config.sinks.map((s) => `${sinkName(s)} (${s.type})`);
  return `sources: ${sources.join(', ')}; sinks: ${sinks.join(', ')}; port ${config.server.port}`;
}

/**
 * `logpipe serve --config FILE [--check]`: runs the ECS sidecar until SIGTERM/SIGINT (or the
 * end of stdin with the stdin source). Exit status 0 after a clean shutdown, 1 when the
 * shutdown deadline passed or the sidecar failed, 2 for an invalid config.
 */
export async function runServe(
  options: ServeCommandOptions,
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(options.config, readServeEnv(env));
    classifierOptions(loaded.config);
    if (options.check === true) {
      const sinks = await buildSinks(loaded.config);
      await Promise.allSettled(sinks.map((s) => s.close()));
    }
  } catch (err) {
    if (err instanceof ServeConfigError) {
      io.stderr.write(`logpipe serve: invalid config ${err.source}:\n`);
      for (const p of err.problems) io.stderr.write(`  ${p}\n`);
      return 2;
    }
    const e = err as { code?: string; message?: string };
    io.stderr.write(`logpipe serve: ${e.code ?? 'ERROR'}: ${e.message ?? String(err)}\n`);
    return 2;
  }
  if (options.check === true) {
    io.stdout.write(`logpipe serve: config ${loaded.source} is valid; ${describe(loaded)}\n`);
    return 0;
  }
  const sidecar = await startSidecar(loaded, io, { handleSignals: true });
  const code = await sidecar.exited;
  if (io.stdout === process.stdout) {
    // Sockets of SDK clients or a stuck write must not keep a stopped sidecar alive past
    // the task's stop timeout.
    setTimeout(() => process.exit(code), code === 0 ? EXIT_GRACE_MS : FAILED_EXIT_GRACE_MS).unref();
  }
  return code;
}

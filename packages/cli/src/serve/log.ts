/**
 * The sidecar's own logs: one JSON object per line on standard output, so the ECS log driver
 * (awslogs, FireLens) can ship them as structured events.
 */

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Fields of one log line besides `time`, `level` and `msg`. */
export type LogFields = Record<string, unknown>;

/**
 * A JSON-lines logger.
 *
 * @example
 * ```ts
 * const log = createLogger({ level: 'info', write: (line) => process.stdout.write(line) });
 * log.info('listening', { port: 8080 }); // {"time":"…","level":"info","msg":"listening","port":8080}
 * ```
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** True when lines of this level are written (to skip building costly fields). */
  enabled(level: LogLevel): boolean;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  /** Receives each line, newline included. */
  write: (line: string) => void;
  now?: (() => number) | undefined;
}

/** Turns an error into loggable fields (`code`, `message`, `cause`). */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; retryable?: unknown };
    const out: LogFields = { error: e.message };
    if (typeof e.code === 'string') out.code = e.code;
    if (typeof e.retryable === 'boolean') out.retryable = e.retryable;
    if (e.cause instanceof Error) out.cause = e.cause.message;
    return out;
  }
  return { error: String(err) };
}

/** Creates a logger; lines below `level` are not built. */
export function createLogger(options: LoggerOptions): Logger {
  const min = LOG_LEVELS.indexOf(options.level);
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, msg: string, fields: LogFields | undefined): void => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    let line: string;
    try {
      line = JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...fields });
    } catch {
      line = JSON.stringify({ time: new Date(now()).toISOString(), level, msg });
    }
    options.write(`${line}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    enabled: (level) => LOG_LEVELS.indexOf(level) >= min,
  };
}

import type { LogOrigin, MetricRecord } from '../model.js';

/** What a parser knows about the event besides its message. */
export interface ParseContext {
  readonly origin: LogOrigin;
  /** Event time, epoch ms UTC. */
  readonly time: number;
}

/** A parser accepted the message: fields keyed by its dataset's columns. */
export interface ParseOk {
  readonly ok: true;
  /** Dataset the record belongs to (usually the parser's own). */
  readonly dataset: string;
  readonly fields: Record<string, unknown>;
  /** Metric data points derived from the message (EMF, Lambda REPORT). */
  readonly metrics?: MetricRecord[] | undefined;
}

/** A parser rejected the message; `reason` says why in words a user understands. */
export interface ParseFail {
  readonly ok: false;
  readonly reason: string;
}

export type ParseResult = ParseOk | ParseFail;

/**
 * A parser turns one log message into typed fields. It never throws: any input,
 * however malformed, yields a {@link ParseResult}.
 */
export interface Parser {
  /** Stable parser name, used in overrides (e.g. `vpc_flow`, `alb`, `json`). */
  readonly name: string;
  /** Dataset of the records it produces. */
  readonly dataset: string;
  parse(message: string, ctx: ParseContext): ParseResult;
}

/** Shorthand constructors that keep result objects monomorphic. */
export function ok(
  dataset: string,
  fields: Record<string, unknown>,
  metrics?: MetricRecord[],
): ParseOk {
  return { ok: true, dataset, fields, metrics };
}

export function fail(reason: string): ParseFail {
  return { ok: false, reason };
}

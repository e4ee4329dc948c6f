import {
  ATHENA_BILLING_UNIT_BYTES,
  ATHENA_MIN_BILLED_BYTES,
  ATHENA_TB_BYTES,
  ATHENA_USD_PER_TB_SCANNED,
} from './limits.js';

/** What decides the cost of one execution. */
export interface AthenaCostInput {
  /** `Statistics.DataScannedInBytes`. */
  bytesScanned: number;
  /** Final state: SUCCEEDED and CANCELLED are billed, FAILED is not. */
  state: string | undefined;
  /** `StatementType`: DDL is free. */
  statementType?: string | undefined;
  /** A reused result scans nothing. */
  reused?: boolean | undefined;
}

/**
 * Estimated cost in USD of one Athena SQL execution: $5 per TB scanned, billed per MB rounded
 * up, with a 10 MB minimum per query; DDL, failed queries and reused results cost nothing; a
 * cancelled query costs what it scanned until it stopped
 * (https://aws.amazon.com/athena/pricing/; see `limits.ts` for the units).
 *
 * @example
 * ```ts
 * athenaCostUsd({ bytesScanned: 1, state: 'SUCCEEDED' });           // 10 MB minimum ≈ $0.0000477
 * athenaCostUsd({ bytesScanned: 1024 ** 4, state: 'SUCCEEDED' });   // 5
 * athenaCostUsd({ bytesScanned: 1024 ** 4, state: 'FAILED' });      // 0
 * ```
 */
export function athenaCostUsd(input: AthenaCostInput): number {
  if (input.state !== 'SUCCEEDED' && input.state !== 'CANCELLED') return 0;
  if (input.statementType === 'DDL' || input.reused === true) return 0;
  // A query cancelled before it read anything is taken to cost nothing; a finished one that
  // read nothing still counts the 10 MB minimum (an upper estimate).
  if (input.state === 'CANCELLED' && input.bytesScanned <= 0) return 0;
  const units = Math.ceil(Math.max(0, input.bytesScanned) / ATHENA_BILLING_UNIT_BYTES);
  const billed = Math.max(units * ATHENA_BILLING_UNIT_BYTES, ATHENA_MIN_BILLED_BYTES);
  return (billed / ATHENA_TB_BYTES) * ATHENA_USD_PER_TB_SCANNED;
}

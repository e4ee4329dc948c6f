/**
 * `@duckdb/node-api` is a native module of tens of MB: it is loaded on the first query, never
 * at import time, so importing this package (e.g. in a Lambda that only talks to Athena)
 * stays cheap.
 */
import type * as DuckDb from '@duckdb/node-api';
import { DuckDbQueryError } from './errors.js';

/** The `@duckdb/node-api` module. */
export type DuckDbModule = typeof DuckDb;

let loading: Promise<DuckDbModule> | undefined;

/** Loads `@duckdb/node-api` once; rejects with `ENGINE_UNAVAILABLE` when it cannot. */
export function loadDuckDb(): Promise<DuckDbModule> {
  loading ??= import('@duckdb/node-api').then(
    (mod) => {
      // A CommonJS package: its exports may sit on the namespace or on `default`.
      const m = mod as DuckDbModule & { default?: DuckDbModule };
      return typeof m.DuckDBInstance === 'function' ? m : (m.default as DuckDbModule);
    },
    (error: unknown) => {
      loading = undefined;
      throw new DuckDbQueryError(
        'ENGINE_UNAVAILABLE',
        `cannot load @duckdb/node-api: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    },
  );
  return loading;
}

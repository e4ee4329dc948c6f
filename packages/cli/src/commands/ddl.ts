import { athenaDdl } from '@logpipe/athena-query';
import { type Io, write } from '../io.js';

/** Options of `logpipe ddl`. */
export interface DdlCommandOptions {
  /** Glue database to create the tables in. */
  database: string;
  /** Lake root on S3, `s3://bucket/prefix/`. */
  location: string;
  /** Only these datasets (default: every built-in dataset). */
  datasets?: string[] | undefined;
  /** First year the `year` partition projection considers. */
  projectionStartYear?: number | undefined;
  /** Column descriptions as COMMENTs (default true). */
  comments?: boolean | undefined;
}

/** What one `ddl` run printed, and its exit status. */
export interface DdlSummary {
  exitCode: number;
  statements: number;
}

/**
 * `logpipe ddl --database D --location s3://bucket/prefix/ [--dataset D …]`: prints the Athena
 * statements that create the database and one partition-projected Parquet table per dataset
 * (see `athenaDdl` in `@logpipe/athena-query`), each ended by `;` and separated by a blank
 * line, ready for the Athena console or `aws athena start-query-execution` one at a time.
 * Invalid options throw a ConfigError (exit status 2 from `main`).
 */
export async function runDdl(options: DdlCommandOptions, io: Io): Promise<DdlSummary> {
  const statements = athenaDdl({
    database: options.database,
    location: options.location,
    datasets:
      options.datasets === undefined || options.datasets.length === 0
        ? undefined
        : options.datasets,
    projectionStartYear: options.projectionStartYear,
    comments: options.comments,
  });
  await write(io.stdout, `${statements.join(';\n\n')};\n`);
  return { exitCode: 0, statements: statements.length };
}

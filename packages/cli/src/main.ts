import { PARSER_NAMES, WORKLOAD_FORMATS, type WorkloadFormat } from '@logpipe/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runCompact } from './commands/compact.js';
import { type DecodeCommandOptions, runDecode } from './commands/decode.js';
import { runDemo } from './commands/demo.js';
import { runIngest } from './commands/ingest.js';
import { type Io, processIo } from './io.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function formatList(value: string): WorkloadFormat[] {
  const list = value.split(',').map((s) => s.trim());
  for (const f of list) {
    if (!(WORKLOAD_FORMATS as readonly string[]).includes(f)) {
      throw new InvalidArgumentError(`unknown format ${f}; known: ${WORKLOAD_FORMATS.join(', ')}`);
    }
  }
  return list as WorkloadFormat[];
}

/** Adds the options shared by `decode` and `ingest`. */
function withDecodeOptions(cmd: Command): Command {
  return cmd
    .option('--log-group <name>', 'log group of raw log lines (chooses the parser)')
    .option('--log-stream <name>', 'log stream of raw log lines')
    .option('--owner <account>', 'account id of raw log lines')
    .option('--region <region>', 'AWS region to record as origin')
    .addOption(
      new Option('--parser <name>', 'parse every event with this parser').choices(PARSER_NAMES),
    )
    .option('--flow-format <format>', 'VPC flow log custom format, e.g. "${version} ${vpc-id} ..."')
    .option('--max-bytes <n>', "cap on one payload's decompressed size", positiveInt)
    .option('--no-sniff', 'do not recognise formats by content');
}

function decodeOptions(opts: Record<string, unknown>): DecodeCommandOptions {
  return {
    logGroup: opts.logGroup as string | undefined,
    logStream: opts.logStream as string | undefined,
    owner: opts.owner as string | undefined,
    region: opts.region as string | undefined,
    parser: opts.parser as string | undefined,
    flowFormat: opts.flowFormat as string | undefined,
    maxBytes: opts.maxBytes as number | undefined,
    sniff: opts.sniff as boolean | undefined,
  };
}

/** The `logpipe` command line. Returns the exit status. */
export function createProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('logpipe')
    .description('Decode, parse and land CloudWatch Logs and AWS telemetry.')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError();

  program
    .command('demo')
    .description(
      'generate a seeded workload of CloudWatch Logs payloads, decode and parse it, print a summary',
    )
    .option('--events <n>', 'number of log events', positiveInt, 100_000)
    .option('--seed <n>', 'PRNG seed', positiveInt, 1)
    .option(
      '--formats <list>',
      `comma-separated formats (${WORKLOAD_FORMATS.join(', ')})`,
      formatList,
    )
    .option('--lake <dir>', 'local lake directory to write Parquet into', './lake')
    .option('--no-lake', 'do not write the lake')
    .action(
      async (opts: {
        events: number;
        seed: number;
        formats?: WorkloadFormat[];
        lake: string | false;
      }) => {
        const r = await runDemo(opts, io);
        setExit(r.records === r.events && r.misplaced === 0 ? 0 : 1);
      },
    );

  const decode = program
    .command('decode')
    .description(
      'decode a captured input (Firehose/Kinesis/CloudWatch Logs event, CWL payload gzipped or plain, NDJSON or text log lines) and print records as NDJSON',
    )
    .argument('[file]', 'input file, or - for standard input', '-');
  withDecodeOptions(decode).action(async (file: string, opts: Record<string, unknown>) => {
    const r = await runDecode(file, decodeOptions(opts), io);
    setExit(r.exitCode);
  });

  const ingest = program
    .command('ingest')
    .description(
      'decode inputs of any form `decode` accepts and write their records into a local Parquet lake',
    )
    .argument('[files...]', 'input files, or - for standard input (default)')
    .option('--lake <dir>', 'local lake directory', './lake');
  withDecodeOptions(ingest).action(async (files: string[], opts: Record<string, unknown>) => {
    const r = await runIngest(files, { ...decodeOptions(opts), lake: opts.lake as string }, io);
    setExit(r.exitCode);
  });

  program
    .command('compact')
    .description(
      'merge the small Parquet files of each lake partition into larger ones, behind compaction markers that marker-aware readers honour',
    )
    .option('--lake <location>', 'lake: a local directory or s3://bucket/prefix', './lake')
    .option('--dataset <name>', 'only partitions of this dataset')
    .option(
      '--min-files <n>',
      'fewest small files that make a partition worth compacting (≥ 2)',
      positiveInt,
    )
    .option('--small-file-bytes <n>', 'files larger than this are left alone', positiveInt)
    .option(
      '--max-output-bytes <n>',
      'cap on one merged file, estimated from its inputs',
      positiveInt,
    )
    .option(
      '--min-file-age <seconds>',
      'leave files modified less than this long ago (default 900)',
      positiveInt,
    )
    .option(
      '--marker-lease <seconds>',
      'take older markers for crashed compactions (default 900)',
      positiveInt,
    )
    .action(async (opts: Record<string, unknown>) => {
      const r = await runCompact(
        {
          lake: opts.lake as string,
          dataset: opts.dataset as string | undefined,
          minFiles: opts.minFiles as number | undefined,
          smallFileBytes: opts.smallFileBytes as number | undefined,
          maxOutputBytes: opts.maxOutputBytes as number | undefined,
          minFileAgeSeconds: opts.minFileAge as number | undefined,
          markerLeaseSeconds: opts.markerLease as number | undefined,
        },
        io,
      );
      setExit(r.exitCode);
    });

  program
    .command('serve')
    .description(
      'run the ECS sidecar: receive Firehose HTTP endpoint deliveries, Fluent Bit json_lines or stdin, write to the lake / Timestream / InfluxDB, acknowledge after durable writes',
    )
    .option(
      '--config <file>',
      'config file, YAML or JSON (else $LOGPIPE_CONFIG / $LOGPIPE_CONFIG_YAML)',
    )
    .option('--check', 'validate the config, print a summary and exit (2 when invalid)')
    .action(async (opts: { config?: string; check?: boolean }) => {
      // Loaded on demand: the other commands do not pay for the sidecar's dependencies.
      const { runServe } = await import('./commands/serve.js');
      setExit(await runServe(opts, io));
    });

  program
    .command('ddl')
    .description(
      'print the Athena DDL for a lake on S3: CREATE DATABASE and one CREATE EXTERNAL TABLE … STORED AS PARQUET per dataset, with partition projection over the lake layout',
    )
    .requiredOption('--database <name>', 'Glue database to create the tables in')
    .requiredOption('--location <url>', 'lake root, s3://bucket/prefix/')
    .option(
      '--dataset <name>',
      'only this dataset (repeat for more; default: every built-in dataset)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--projection-start-year <year>',
      'first year partition projection considers (default 2020)',
      positiveInt,
    )
    .option('--no-comments', 'leave the column descriptions out')
    .action(async (opts: Record<string, unknown>) => {
      const { runDdl } = await import('./commands/ddl.js');
      const r = await runDdl(
        {
          database: opts.database as string,
          location: opts.location as string,
          datasets: opts.dataset as string[],
          projectionStartYear: opts.projectionStartYear as number | undefined,
          comments: opts.comments as boolean,
        },
        io,
      );
      setExit(r.exitCode);
    });

  program
    .command('query')
    .description(
      'run a CloudWatch Logs Insights query over the local lake (embedded DuckDB) or on Amazon Athena, and print the result',
    )
    .argument('<query>', "Logs Insights query, e.g. 'stats count(*) by bin(5m)'")
    .option('--since <duration>', 'time range ending now: 30m, 1h, 2d, 1w (default 1h)')
    .option(
      '--from <time>',
      'start of the time range: ISO 8601 (UTC unless it has an offset) or epoch ms',
    )
    .option('--to <time>', 'end of the time range, exclusive (default now)')
    .option(
      '--dataset <name>',
      'dataset to query: vpc_flow, alb, cloudtrail, lambda, app, metrics (default app)',
    )
    .option('--lake <dir>', 'local lake directory, queried with DuckDB (default ./lake)')
    .option('--athena', 'run on Amazon Athena (region and credentials from the AWS environment)')
    .option('--workgroup <name>', 'Athena workgroup')
    .option('--database <name>', 'Athena (Glue) database of the tables (default logpipe)')
    .option(
      '--output-location <url>',
      'Athena result location s3://… (unless the workgroup sets one)',
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'csv'])
        .default('table'),
    )
    .option('--explain', 'print the SQL and its parameters instead of running the query')
    .action(async (query: string, opts: Record<string, unknown>) => {
      // Loaded on demand: the other commands do not pay for the query engines.
      const { runQuery } = await import('./commands/query.js');
      const r = await runQuery(
        query,
        {
          since: opts.since as string | undefined,
          from: opts.from as string | undefined,
          to: opts.to as string | undefined,
          dataset: opts.dataset as string | undefined,
          lake: opts.lake as string | undefined,
          athena: opts.athena as boolean | undefined,
          workgroup: opts.workgroup as string | undefined,
          database: opts.database as string | undefined,
          outputLocation: opts.outputLocation as string | undefined,
          format: opts.format as 'table' | 'json' | 'csv',
          explain: opts.explain as boolean | undefined,
        },
        io,
      );
      setExit(r.exitCode);
    });
  program
    .command('bench')
    .description(
      'run the benchmarks of a logpipe source checkout (benchmarks/run.mjs, against the built packages) with a progress bar; writes latest.md, latest.json and SVG charts',
    )
    .argument('[scenarios...]', 'decode, firehose, pool, parquet, timestream, query (default: all)')
    .option('--quick', 'tiny inputs, few rounds: a smoke run (its figures mean nothing)')
    .option('--out <dir>', 'where the report goes (default: benchmarks/results)')
    .option(
      '--repo <dir>',
      'the logpipe source checkout (default: found from the working directory)',
    )
    .action(async (scenarios: string[], opts: { quick?: boolean; out?: string; repo?: string }) => {
      // Loaded on demand: the other commands do not pay for the progress bar.
      const { runBench } = await import('./commands/bench.js');
      const r = await runBench({ ...opts, scenarios }, io);
      setExit(r.exitCode);
    });
  return program;
}

/**
 * Runs the command line with the given arguments (without `node` and the script).
 *
 * @example
 * ```ts
 * const code = await main(['demo', '--events', '1000']);
 * ```
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let code = 0;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version'
        ? 0
        : (e.exitCode ?? 2) === 0
          ? 0
          : 2;
    }
    io.stderr.write(`logpipe: ${e.message ?? String(err)}\n`);
    return 2;
  }
  return code;
}

import { PARSER_NAMES, WORKLOAD_FORMATS, type WorkloadFormat } from '@logpipe/core';
import { Command, InvalidArgumentError, Option } from 'commander';
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

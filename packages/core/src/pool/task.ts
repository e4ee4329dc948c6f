/**
 * The unit of work, run the same way by a worker thread and inline: decode,
 * classify and parse every input of a packed chunk, and answer per input with
 * its result or its error. Never throws for one input's sake.
 */
import type { Classifier } from '../classify.js';
import type { CwlDecoder, DecodedPayload, DecodeResult, LinesResult } from '../decode/decoder.js';
import { type MessageLines, scannedPartition } from '../decode/scan.js';
import { DecodeError, type DecodeErrorCode } from '../errors.js';
import { partitionOf } from '../layout.js';
import { LineBuffer } from '../line-buffer.js';
import type { LogRecord, MetricRecord } from '../model.js';
import { type ProcessedPayload, type ProcessOptions, processEnvelope } from '../process.js';
import { RecordLineSerializer } from '../record-line.js';
import { WorkerPoolError } from './errors.js';
import { type LineMode, leastLineBytes } from './lines.js';
import { estimateDecompressedBytes, type PackedInputs, unpackInputs } from './pack.js';

/** What a task returns per input: records (structured clone) or NDJSON lines (bytes). */
export const TASK_RECORDS = 0;
export const TASK_LINES = 1;

/** A chunk of a batch as posted to a worker (the buffer is transferred). */
export interface TaskMessage extends PackedInputs {
  sources: string[];
  kind: typeof TASK_RECORDS | typeof TASK_LINES;
  lines: LineMode;
  /** Lines only: group each payload's lines by dataset, account and hour. */
  partition: boolean;
  /** Lines only: false gives each part's `least` bytes and no lines. */
  render: boolean;
  region: string | undefined;
}

/** An input that failed, as it crosses threads. */
export interface WireError {
  ok: false;
  /** `decode`: a DecodeError; `record`: processing threw. */
  kind: 'decode' | 'record';
  code: string;
  source: string;
  message: string;
  retryable: boolean;
}

/** A payload decoded and parsed into records and metrics. */
export interface PooledPayload {
  /** True for a CONTROL_MESSAGE (no records). */
  control: boolean;
  records: LogRecord[];
  metrics: MetricRecord[];
  /** Events a dataset parser rejected and that went to `app` with the reason. */
  fallbacks: number;
  /** Size of the payload's JSON text, bytes. */
  decompressedBytes: number;
  /** Size of the payload as it arrived (gzip or JSON bytes), bytes. */
  payloadBytes: number;
}

/** The partition a group of lines belongs to (keys as in the lake layout). */
export interface LinePartition {
  dataset: string;
  /** AWS account id: the envelope's `owner`. */
  owner: string;
  year: string;
  month: string;
  day: string;
  hour: string;
}

/** A part as it crosses threads: a byte range of the task's output buffer. */
export interface WirePart {
  partition: LinePartition | undefined;
  events: number;
  /** A lower bound of the part's bytes (`leastLineBytes`), known without rendering. */
  least: number;
  start: number;
  end: number;
}

/** A rendered payload as it crosses threads. */
export interface WireLines {
  ok: true;
  control: boolean;
  events: number;
  fallbacks: number;
  metrics: number;
  decompressedBytes: number;
  payloadBytes: number;
  parts: WirePart[];
}

/** What one task returns. */
export type TaskOutput =
  | { kind: typeof TASK_RECORDS; items: Array<{ ok: true; value: PooledPayload } | WireError> }
  | { kind: typeof TASK_LINES; items: Array<WireLines | WireError>; out: ArrayBuffer };

/** The per-thread state a task runs with (built once per worker, or once per pool for inline). */
export interface TaskState {
  decoder: CwlDecoder;
  classifier: Classifier;
}

function wireError(err: unknown, source: string): WireError {
  if (err instanceof DecodeError) {
    return {
      ok: false,
      kind: 'decode',
      code: err.code,
      source: err.source,
      message: err.message,
      retryable: err.retryable,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    ok: false,
    kind: 'record',
    code: 'RECORD_FAILED',
    source,
    message: `${source}: processing failed: ${message}`,
    retryable: false,
  };
}

/**
 * Rebuilds the error of a {@link WireError}: a `DecodeError` with the same code,
 * source and message as the one raised in the worker, or a `WorkerPoolError`.
 */
export function errorFromWire(w: WireError): DecodeError | WorkerPoolError {
  if (w.kind === 'decode') {
    // DecodeError's message is `${source}: ${reason} (${code})`: take the reason back out.
    const prefix = `${w.source}: `;
    const suffix = ` (${w.code})`;
    const reason =
      w.message.startsWith(prefix) && w.message.endsWith(suffix)
        ? w.message.slice(prefix.length, w.message.length - suffix.length)
        : w.message;
    const err = new DecodeError(w.code as DecodeErrorCode, w.source, reason, {
      retryable: w.retryable,
    });
    if (err.message !== w.message) err.message = w.message;
    return err;
  }
  return new WorkerPoolError('RECORD_FAILED', w.message, { source: w.source });
}

function decodeOne(state: TaskState, input: string | Uint8Array, source: string): DecodeResult {
  return typeof input === 'string'
    ? state.decoder.base64(input, source)
    : state.decoder.bytes(input, source);
}

/** Runs one task posted to a worker: unpacks its inputs, then {@link runInputs}. */
export function runTask(msg: TaskMessage, state: TaskState): TaskOutput {
  return runInputs(unpackInputs(msg), msg.sources, msg, state, true);
}

/** What a task is asked to produce (a {@link TaskMessage} without its inputs). */
export type TaskSpec = Pick<TaskMessage, 'kind' | 'lines' | 'partition' | 'region' | 'render'>;

/** Message lines from the native scanner, for a task that renders `messages` lines. */
interface Scan<T> {
  out: LineBuffer;
  /** Called before each input: drops what an input that threw left in `out`. */
  reset: () => void;
  /** Whether the scanned lines serve as they are (see `CwlDecoder.lines`). */
  accept: (lines: MessageLines) => boolean;
  /** The item of a payload whose scanned lines were accepted. */
  make: (r: Extract<LinesResult, { lines: MessageLines }>) => T;
}

/**
 * Decodes and processes each input in order, turning each payload into an item with
 * `make` (or, with `scan`, one whose scanned lines serve with `scan.make`); an input that
 * fails (or whose processing throws) gets its WireError instead.
 */
function eachInput<T>(
  inputs: ReadonlyArray<string | Uint8Array>,
  sources: readonly string[],
  state: TaskState,
  options: ProcessOptions,
  make: (p: ProcessedPayload, d: DecodedPayload) => T,
  scan?: Scan<T>,
): Array<T | WireError> {
  const items: Array<T | WireError> = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const source = sources[i] as string;
    try {
      const input = inputs[i] as string | Uint8Array;
      let d: LinesResult;
      if (scan === undefined) d = decodeOne(state, input, source);
      else {
        scan.reset();
        d = state.decoder.lines(input, source, scan.out, scan.accept);
      }
      items[i] = !d.ok
        ? wireError(d.error, source)
        : d.lines !== undefined
          ? (scan as Scan<T>).make(d)
          : make(processEnvelope(d.value.envelope, state.classifier, options), d.value);
    } catch (err) {
      items[i] = wireError(err, source);
    }
  }
  return items;
}

/**
 * Processes inputs in order: the work of one task, in a worker or inline (`transfer`:
 * its output will be transferred to another thread).
 */
export function runInputs(
  inputs: ReadonlyArray<string | Uint8Array>,
  sources: readonly string[],
  spec: TaskSpec,
  state: TaskState,
  transfer = false,
): TaskOutput {
  if (spec.kind === TASK_RECORDS) {
    const items = eachInput(
      inputs,
      sources,
      state,
      { region: spec.region },
      (p, d): { ok: true; value: PooledPayload } => ({
        ok: true,
        value: {
          control: p.control,
          records: p.records,
          metrics: p.metrics,
          fallbacks: p.fallbacks,
          decompressedBytes: d.decompressedBytes,
          payloadBytes: d.payloadBytes,
        },
      }),
    );
    return { kind: TASK_RECORDS, items };
  }

  // Every part's lines go straight into one buffer sized up front from the inputs
  // (no per-part text to concatenate and encode, no copy): each part is a byte range of
  // it, and the buffer itself is what the task hands back.
  const lines = new LineBuffer(spec.render ? outputEstimate(inputs, spec.lines) : 0);
  let committed = 0;
  // Messages need only their partition: classify, do not parse. Rendered, they come from
  // the native scanner where it takes the payload and its events make one part.
  const options = { region: spec.region, parse: spec.lines !== 'messages' };
  let scannedPart: WirePart | undefined;
  const scan: Scan<WireLines> | undefined =
    spec.lines === 'messages' && spec.render
      ? {
          out: lines,
          reset: () => {
            lines.length = committed;
          },
          accept: (l) => {
            scannedPart = onePart(l, lines, committed, spec.partition, state.classifier);
            return scannedPart !== undefined;
          },
          make: (r) => {
            committed = lines.length;
            return {
              ok: true,
              control: false,
              events: r.lines.events,
              fallbacks: 0,
              metrics: 0,
              decompressedBytes: r.decompressedBytes,
              payloadBytes: r.payloadBytes,
              parts: [scannedPart as WirePart],
            };
          },
        }
      : undefined;
  const items = eachInput(
    inputs,
    sources,
    state,
    options,
    (p, d): WireLines => {
      // Bytes a previous input wrote before it threw are dropped here.
      lines.length = committed;
      const parts = p.control
        ? []
        : renderParts(p.records, spec.lines, spec.partition, spec.render ? lines : undefined);
      committed = lines.length;
      return {
        ok: true,
        control: p.control,
        events: p.records.length,
        fallbacks: p.fallbacks,
        metrics: p.metrics.length,
        decompressedBytes: d.decompressedBytes,
        payloadBytes: d.payloadBytes,
        parts,
      };
    },
    scan,
  );
  // Bytes an input wrote before it threw (after the last good one) are left out.
  lines.length = committed;
  // The ArrayBuffer goes to the caller. One that crosses to another thread is fitted to the
  // lines first: the first size is a generous estimate (records measured 1.6×, messages 1.4×
  // their lines), and the slack would count as external memory on the receiving thread,
  // where it made V8 run about twice as many full collections (the package README, "Worker
  // pool"). Inline, the copy would cost the calling thread and save it nothing.
  return { kind: TASK_LINES, items, out: lines.take({ fit: transfer }).buffer as ArrayBuffer };
}

/** First size of a task's output: lines take up to about twice their JSON as records. */
const RECORD_LINES_PER_JSON_BYTE = 2;
/** A forged gzip size trailer must not reserve more than this up front. */
const MAX_FIRST_OUTPUT_BYTES = 64 * 1024 * 1024;

function outputEstimate(inputs: ReadonlyArray<string | Uint8Array>, mode: LineMode): number {
  let json = 0;
  for (const input of inputs) json += estimateDecompressedBytes(input, MAX_FIRST_OUTPUT_BYTES);
  const bytes = mode === 'records' ? json * RECORD_LINES_PER_JSON_BYTE : json;
  return Math.min(MAX_FIRST_OUTPUT_BYTES, bytes + 1024);
}

/** Made on first use, one per thread (its caches only speed it up). */
let serializer: RecordLineSerializer | undefined;

/** Appends the lines of `records` (or of `records[idx[j]]`) to `out`. */
function render(
  records: readonly LogRecord[],
  idx: readonly number[] | null,
  mode: LineMode,
  out: LineBuffer,
): void {
  serializer ??= new RecordLineSerializer();
  const n = idx === null ? records.length : idx.length;
  if (mode === 'records') {
    for (let j = 0; j < n; j++) {
      out.write(serializer.line(records[idx === null ? j : (idx[j] as number)] as LogRecord));
      out.newline();
    }
  } else {
    for (let j = 0; j < n; j++)
      out.line((records[idx === null ? j : (idx[j] as number)] as LogRecord).message);
  }
}

/** One part: its lines appended to `out` (when given) and their byte range. */
function part(
  records: readonly LogRecord[],
  idx: readonly number[] | null,
  mode: LineMode,
  partition: LinePartition | undefined,
  out: LineBuffer | undefined,
): WirePart {
  const start = out?.length ?? 0;
  if (out !== undefined) render(records, idx, mode, out);
  return {
    partition,
    events: idx === null ? records.length : idx.length,
    least: leastLineBytes(idx === null ? records : idx.map((k) => records[k] as LogRecord), mode),
    start,
    end: out?.length ?? 0,
  };
}

/**
 * A payload's lines, in event order; with `partition`, grouped by partition
 * (dataset, account, UTC hour) in order of first appearance.
 */
function renderParts(
  records: readonly LogRecord[],
  mode: LineMode,
  partition: boolean,
  out: LineBuffer | undefined,
): WirePart[] {
  if (records.length === 0) return [];
  if (!partition) return [part(records, null, mode, undefined, out)];
  // Group key per record; consecutive records mostly share one, so cache the last hour.
  const groups = new Map<string, { partition: LinePartition; idx: number[] }>();
  let lastTime = Number.NaN;
  let lastHourKey = '';
  let lastHour: ReturnType<typeof partitionOf> | undefined;
  for (let k = 0; k < records.length; k++) {
    const r = records[k] as LogRecord;
    if (lastHour === undefined || hourOf(r.time) !== lastTime) {
      lastTime = hourOf(r.time);
      lastHour = partitionOf(r.time);
      lastHourKey = `${lastHour.year}\u0000${lastHour.month}\u0000${lastHour.day}\u0000${lastHour.hour}`;
    }
    const key = `${r.dataset}\u0000${lastHourKey}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = {
        partition: {
          dataset: r.dataset,
          owner: r.origin.owner,
          year: lastHour.year,
          month: lastHour.month,
          day: lastHour.day,
          hour: lastHour.hour,
        },
        idx: [],
      };
      groups.set(key, g);
    }
    g.idx.push(k);
  }
  const parts: WirePart[] = [];
  for (const g of groups.values())
    parts.push(part(records, groups.size === 1 ? null : g.idx, mode, g.partition, out));
  return parts;
}

/**
 * The one part of scanned message lines (written to `out` from `from` on), as
 * {@link renderParts} would make it; undefined when it would make none or several
 * (no events; with `partition`, events of more than one dataset or hour).
 */
function onePart(
  l: MessageLines,
  out: LineBuffer,
  from: number,
  partition: boolean,
  classifier: Classifier,
): WirePart | undefined {
  if (l.events === 0) return undefined;
  let p: LinePartition | undefined;
  if (partition) {
    const at = scannedPartition(l, out.bytes().subarray(from), classifier);
    if (at === null) return undefined;
    p = at;
  }
  // The bound leastLineBytes gives for the same lines.
  return { partition: p, events: l.events, least: l.units, start: from, end: out.length };
}

/** The UTC hour an event time falls into (ms); equal hours give equal partitions. */
function hourOf(time: number): number {
  return Math.floor(time / 3_600_000);
}

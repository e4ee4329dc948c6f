import { gzipSync } from 'node:zlib';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type Classifier,
  type ClassifierOptions,
  ConfigError,
  type CwlDecoder,
  type CwlEnvelope,
  createClassifier,
  createDecoder,
  type DecoderOptions,
  estimateDecompressedBytes,
  LineBuffer,
  type LinePartition,
  type LinesResult,
  type LogRecord,
  type MessageLines,
  type PoolInput,
  type PoolResult,
  partitionOf,
  processEnvelope,
  type RenderedPayload,
  scannedPartition,
  type WorkerPool,
} from '@logpipe/core';
import { minimalRecordBytes, okSize } from './budget.js';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from './event.js';
import { DEFAULT_RESPONSE_BUDGET_BYTES, FIREHOSE_MAX_RECORD_BYTES } from './limits.js';
import { leastLineBytes, type OutputMode, renderLinesInto } from './output.js';
import {
  type ReingestEntry,
  type ReingestOptions,
  type ReingestTarget,
  reingest,
} from './reingest.js';

/** Options of {@link createTransformHandler}. */
export interface TransformOptions {
  /**
   * What an `Ok` record carries, one line per log event: `records` (default) the
   * normalized records as JSON; `messages` the bare messages (like Firehose's own
   * message extraction); or a function of your own.
   */
  output?: OutputMode | undefined;
  /** Keep a record when it returns true; removed records are counted as `filtered`. */
  filter?: ((record: LogRecord) => boolean) | undefined;
  /**
   * Dynamic partitioning. By default every `Ok` record carries the partition keys
   * `dataset`, `account`, `year`, `month`, `day`, `hour` (UTC, zero-padded, from
   * the event time); a function adds keys of your own. `false` turns partition
   * keys off (and with them the splitting of payloads that span partitions).
   */
  partitionKeys?: false | ((record: LogRecord) => Record<string, string>) | undefined;
  classifier?: ClassifierOptions | undefined;
  decoder?: DecoderOptions | undefined;
  /** Client used to re-ingest into the delivery stream (Direct PUT sources). */
  firehoseClient?: FirehoseClient | undefined;
  /** Client used to re-ingest into the source Kinesis stream, when the event has one. */
  kinesisClient?: KinesisClient | undefined;
  reingest?: ReingestOptions | undefined;
  /** Budget for the whole response, bytes. Default 6,000,000 (Lambda's limit is 6 MiB). */
  responseBudgetBytes?: number | undefined;
  /** Largest `Ok` record, bytes before base64. Default 1,024,000 (Firehose's limit). */
  maxOutputRecordBytes?: number | undefined;
  /** Where the summary line goes. Default `console.log`. */
  logger?: ((line: string) => void) | undefined;
  /** When set, the summary is also printed as an EMF document in this namespace. */
  emfNamespace?: string | undefined;
  /**
   * A worker pool (`createWorkerPool` of `@logpipe/core`) that decodes, parses and
   * renders the lines of large batches on worker threads; small batches stay on
   * this thread. The response is the same with or without it. Classifier and
   * decoder options are the pool's (set them there, not here). Needs `output`
   * `records` or `messages`, no `filter` and no `partitionKeys` function (these
   * need record objects on this thread). The handler never closes the pool.
   */
  pool?: WorkerPool | undefined;
}

/** Counts of one invocation, as printed in the summary line. */
export interface TransformSummary {
  invocationId: string;
  recordsIn: number;
  ok: number;
  dropped: number;
  failed: number;
  /** Input records whose payload (or parts of it) went back to the stream. */
  reingestedRecords: number;
  /** Payloads put back to the stream. */
  reingestedPayloads: number;
  eventsIn: number;
  eventsOut: number;
  bytesIn: number;
  bytesOut: number;
  dropReasons: Record<string, number>;
  errors: Record<string, number>;
  durationMs: number;
}

/** The handler, with the summary of its last invocation for inspection. */
export type TransformHandler = ((
  event: FirehoseTransformationEvent,
) => Promise<FirehoseTransformationResult>) & {
  readonly lastSummary: TransformSummary | undefined;
};

interface Part {
  events: CwlEnvelope['logEvents'];
}

interface Pending {
  index: number;
  entries: ReingestEntry[];
  /** The result if every entry is re-ingested: Ok for the part kept, else Dropped. */
  onSuccess: FirehoseTransformationResultRecord;
  /** Log events in `onSuccess` (0 unless it is Ok). */
  okEvents: number;
}

/** Estimated decompressed bytes of the event's records from `from` on. */
function restBytes(event: FirehoseTransformationEvent, from: number): number {
  let n = 0;
  for (let i = from; i < event.records.length; i++) {
    const data = event.records[i]?.data;
    if (typeof data === 'string') n += estimateDecompressedBytes(data, Number.MAX_SAFE_INTEGER);
  }
  return n;
}

function increment(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** The built-in partition keys of a partition. */
function builtinKeys(at: LinePartition): Record<string, string> {
  return {
    dataset: at.dataset,
    account: at.owner,
    year: at.year,
    month: at.month,
    day: at.day,
    hour: at.hour,
  };
}

function deliveryStreamName(arn: string): string {
  const i = arn.lastIndexOf('/');
  return i >= 0 ? arn.slice(i + 1) : arn;
}

class Transform {
  private readonly decoder: CwlDecoder;
  private readonly classifier: Classifier;
  private readonly output: OutputMode;
  private readonly parse: boolean;
  private readonly budget: number;
  private readonly maxRecord: number;
  private readonly log: (line: string) => void;
  private readonly pool: WorkerPool | undefined;
  /** Scratch bytes of the record being rendered (reused across records and invocations). */
  private readonly lines = new LineBuffer();

  constructor(private readonly options: TransformOptions) {
    const mode = options.output ?? 'records';
    if (mode !== 'records' && mode !== 'messages' && typeof mode !== 'function') {
      throw new ConfigError(
        `output must be 'records', 'messages' or a function, got ${String(mode)}`,
      );
    }
    this.output = mode;
    // Bare messages need only their partition: classify, do not parse (unless a filter
    // or a partitionKeys function wants the parsed fields).
    this.parse = !(
      mode === 'messages' &&
      options.filter === undefined &&
      typeof options.partitionKeys !== 'function'
    );
    this.budget = options.responseBudgetBytes ?? DEFAULT_RESPONSE_BUDGET_BYTES;
    this.maxRecord = options.maxOutputRecordBytes ?? FIREHOSE_MAX_RECORD_BYTES;
    for (const [name, v] of [
      ['responseBudgetBytes', this.budget],
      ['maxOutputRecordBytes', this.maxRecord],
    ] as const) {
      if (!Number.isSafeInteger(v) || v <= 0)
        throw new ConfigError(`${name} must be a positive integer, got ${v}`);
    }
    if (
      options.partitionKeys !== undefined &&
      options.partitionKeys !== false &&
      typeof options.partitionKeys !== 'function'
    ) {
      throw new ConfigError('partitionKeys must be false or a function');
    }
    this.pool = options.pool;
    if (this.pool !== undefined) {
      if (options.classifier !== undefined || options.decoder !== undefined) {
        throw new ConfigError(
          'with a pool, set classifier and decoder options on the pool (createWorkerPool), not on the handler',
        );
      }
      if (
        typeof mode === 'function' ||
        options.filter !== undefined ||
        typeof options.partitionKeys === 'function'
      ) {
        throw new ConfigError(
          'a pool cannot be combined with an output function, a filter or a partitionKeys function (they need record objects on this thread)',
        );
      }
    }
    const processing = this.pool?.processing;
    this.decoder = createDecoder(processing?.decoder ?? options.decoder);
    this.classifier = createClassifier(processing?.classifier ?? options.classifier);
    this.log = options.logger ?? ((line) => console.log(line));
  }

  /**
   * Renders the next slice of the batch on the pool: records from `from` on, until
   * their estimated decompressed size reaches `targetBytes` (one record at least).
   * Fills `pooled` for them and returns where the slice ends and what it rendered, or
   * undefined (logged) when the pool did not take it.
   */
  private async pooledSlice(
    event: FirehoseTransformationEvent,
    pool: WorkerPool,
    from: number,
    targetBytes: number,
    pooled: Array<PoolResult<RenderedPayload> | undefined>,
    render: boolean,
  ): Promise<{ to: number; inBytes: number; outBytes: number } | undefined> {
    const inputs: PoolInput[] = [];
    const index: number[] = [];
    let estimate = 0;
    let to = from;
    const records = event.records;
    while (to < records.length && (inputs.length === 0 || estimate < targetBytes)) {
      const rec = records[to] as FirehoseTransformationEventRecord;
      // Anything but a record with string data takes the inline path (and its errors).
      if (typeof rec === 'object' && rec !== null && typeof rec.data === 'string') {
        inputs.push({ data: rec.data, source: `recordId ${String(rec.recordId)}` });
        index.push(to);
        estimate += estimateDecompressedBytes(rec.data, Number.MAX_SAFE_INTEGER);
      }
      to++;
    }
    if (inputs.length === 0) return { to, inBytes: 0, outBytes: 0 };
    let results: Array<PoolResult<RenderedPayload>>;
    try {
      results = await pool.renderBatch(inputs, {
        region: event.region,
        lines: this.output as 'records' | 'messages',
        partition: this.options.partitionKeys !== false,
        render,
      });
    } catch (err) {
      this.log(
        JSON.stringify({
          level: 'warn',
          msg: 'worker pool did not take the batch; processing it on this thread',
          code: (err as { code?: unknown }).code,
          error: (err as Error).message,
        }),
      );
      return undefined;
    }
    let inBytes = 0;
    let outBytes = 0;
    index.forEach((at, k) => {
      const r = results[k];
      pooled[at] = r;
      if (r?.ok !== true) return;
      inBytes += r.value.decompressedBytes;
      for (const part of r.value.parts) outBytes += part.data.length;
    });
    return { to, inBytes, outBytes };
  }

  /**
   * An Ok record carrying `data`, when it fits what is left of the response budget.
   * Otherwise the whole payload is queued for re-ingest (ProcessingFailed until it
   * is) and the result is undefined.
   */
  private placeOk(
    rec: FirehoseTransformationEventRecord,
    i: number,
    data: Buffer,
    keys: Record<string, string> | undefined,
    remaining: number,
    out: FirehoseTransformationResultRecord[],
    pending: Pending[],
    s: TransformSummary,
  ): { okRecord: FirehoseTransformationResultRecord; remaining: number } | undefined {
    const size = okSize(keys, data.length);
    if (size > remaining) {
      this.requeueWhole(rec, i, out, pending, s);
      return undefined;
    }
    const metadata = keys === undefined ? undefined : { partitionKeys: keys };
    const okRecord: FirehoseTransformationResultRecord = {
      recordId: rec.recordId,
      result: 'Ok',
      data: data.toString('base64'),
    };
    if (metadata !== undefined) okRecord.metadata = metadata;
    return { okRecord, remaining: remaining - size };
  }

  /** A record that failed to decode: counted, logged with its reason, ProcessingFailed. */
  private decodeFailed(
    rec: FirehoseTransformationEventRecord,
    error: { code: string; message: string },
    s: TransformSummary,
  ): FirehoseTransformationResultRecord {
    increment(s.errors, error.code);
    this.log(
      JSON.stringify({
        level: 'error',
        msg: 'record failed to decode',
        recordId: rec.recordId,
        code: error.code,
        error: error.message,
      }),
    );
    return { recordId: rec.recordId, result: 'ProcessingFailed', data: '' };
  }

  /** Does not fit in this response: the whole original payload goes back (ProcessingFailed until it is). */
  private requeueWhole(
    rec: FirehoseTransformationEventRecord,
    i: number,
    out: FirehoseTransformationResultRecord[],
    pending: Pending[],
    s: TransformSummary,
  ): void {
    pending.push({
      index: i,
      entries: [this.entry(rec, Buffer.from(rec.data, 'base64'))],
      onSuccess: { recordId: rec.recordId, result: 'Dropped', data: '' },
      okEvents: 0,
    });
    s.reingestedRecords++;
    out[i] = { recordId: rec.recordId, result: 'ProcessingFailed', data: '' };
  }

  private keysOf(r: LogRecord): Record<string, string> {
    const keys = builtinKeys({ dataset: r.dataset, owner: r.origin.owner, ...partitionOf(r.time) });
    const user = this.options.partitionKeys;
    if (typeof user === 'function') Object.assign(keys, user(r));
    return keys;
  }

  /**
   * The partition keys of scanned message lines (in `this.lines`) when they settle the
   * record as they are: some events, within the record limit, all of one partition (the
   * one group the grouping of the record path would find). Null when they do not, and
   * the record takes that path.
   */
  private scannedKeys(lines: MessageLines): Record<string, string> | undefined | null {
    const bytes = this.lines.bytes();
    if (lines.events === 0 || bytes.length > this.maxRecord) return null;
    if (this.options.partitionKeys === false) return undefined;
    const at = scannedPartition(lines, bytes, this.classifier);
    return at === null ? null : builtinKeys(at);
  }

  async run(
    event: FirehoseTransformationEvent,
  ): Promise<{ result: FirehoseTransformationResult; summary: TransformSummary }> {
    const started = performance.now();
    const s: TransformSummary = {
      invocationId: event.invocationId,
      recordsIn: event.records.length,
      ok: 0,
      dropped: 0,
      failed: 0,
      reingestedRecords: 0,
      reingestedPayloads: 0,
      eventsIn: 0,
      eventsOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      dropReasons: {},
      errors: {},
      durationMs: 0,
    };
    const out: FirehoseTransformationResultRecord[] = new Array(event.records.length);
    const pending: Pending[] = [];
    // Every record costs at least its framing; reserve that first, then spend the
    // rest on Ok data.
    let remaining = this.budget - 16;
    for (const rec of event.records) remaining -= minimalRecordBytes(String(rec.recordId));
    // With a pool, the batch goes to the workers in slices, each sized to fill what is left
    // of the response (from the output/input ratio of the slices before): rendering records
    // that will not fit is wasted work. Once what is left is worth less than the pool's
    // inline threshold, the rest of the batch goes once more, to be decoded, parsed and
    // measured but not rendered: what cannot fit goes back unrendered, as on the inline
    // path; the rest takes the inline path.
    const pool = this.pool;
    const pooled: Array<PoolResult<RenderedPayload> | undefined> = [];
    let measuredFrom = event.records.length;
    let pooledTo = 0;
    let usePool = pool !== undefined;
    let inSeen = 0;
    let outSeen = 0;

    for (let i = 0; i < event.records.length; i++) {
      const rec = event.records[i] as FirehoseTransformationEventRecord;
      s.bytesIn += typeof rec.data === 'string' ? (rec.data.length * 3) >> 2 : 0;
      // The pool's result, where it settles the record the way the code below would:
      // an error, a CONTROL_MESSAGE, or one partition that fits a record. The rest
      // (payloads to split and re-ingest, unexpected failures) takes the inline path.
      if (usePool && i >= pooledTo) {
        // Lines become base64 (4/3); until a slice has been seen, assume 3 bytes out per byte in.
        const expansion = outSeen > 0 && inSeen > 0 ? (outSeen / inSeen) * (4 / 3) : 3;
        const target = remaining / expansion;
        const render = target >= (pool as WorkerPool).inlineBelowBytes;
        // Measuring on this thread would decode the rest twice: only on the workers.
        const slice =
          !render && restBytes(event, i) < (pool as WorkerPool).inlineBelowBytes
            ? undefined
            : await this.pooledSlice(
                event,
                pool as WorkerPool,
                i,
                render ? target : Number.POSITIVE_INFINITY,
                pooled,
                render,
              );
        if (slice === undefined || !render) usePool = false;
        if (slice !== undefined) {
          if (!render) measuredFrom = i;
          pooledTo = slice.to;
          inSeen += slice.inBytes;
          outSeen += slice.outBytes;
        }
      }
      const p = pooled[i];
      if (p !== undefined && !p.ok && p.error.code !== 'RECORD_FAILED') {
        out[i] = this.decodeFailed(rec, p.error, s);
        continue;
      }
      if (p?.ok === true) {
        const v = p.value;
        const part = v.parts[0];
        if (v.control) {
          increment(s.dropReasons, 'control_message');
          out[i] = { recordId: rec.recordId, result: 'Dropped', data: '' };
          continue;
        }
        if (v.events === 0) {
          out[i] = { recordId: rec.recordId, result: 'Dropped', data: '' };
          continue;
        }
        const at = part?.partition;
        const keys = at === undefined ? undefined : builtinKeys(at);
        if (v.parts.length === 1 && part !== undefined && i < measuredFrom) {
          if (part.data.length <= this.maxRecord) {
            s.eventsIn += v.events;
            const placed = this.placeOk(rec, i, part.data, keys, remaining, out, pending, s);
            if (placed !== undefined) {
              remaining = placed.remaining;
              out[i] = placed.okRecord;
              s.eventsOut += part.events;
            }
            continue;
          }
        } else if (
          v.parts.length === 1 &&
          part !== undefined &&
          part.least <= this.maxRecord &&
          okSize(keys, part.least) > remaining
        ) {
          // Measured, not rendered: what the inline path decides from the same bound.
          s.eventsIn += v.events;
          this.requeueWhole(rec, i, out, pending, s);
          continue;
        }
      }
      // `messages` output without a filter or a partitionKeys function (no parsing) goes
      // to the native scanner first.
      const scan = !this.parse;
      let scanned: Record<string, string> | undefined;
      if (scan) this.lines.reset();
      const decoded: LinesResult = scan
        ? this.decoder.firehoseLines(rec, this.lines, (lines) => {
            const keys = this.scannedKeys(lines);
            scanned = keys ?? undefined;
            return keys !== null;
          })
        : this.decoder.firehoseRecord(rec);
      if (!decoded.ok) {
        out[i] = this.decodeFailed(rec, decoded.error, s);
        continue;
      }
      if (decoded.lines !== undefined) {
        // The scanner wrote the lines: one group, as the path below would render it.
        const events = decoded.lines.events;
        s.eventsIn += events;
        const placed = this.placeOk(
          rec,
          i,
          this.lines.bytes(),
          scanned,
          remaining,
          out,
          pending,
          s,
        );
        if (placed !== undefined) {
          remaining = placed.remaining;
          out[i] = placed.okRecord;
          s.eventsOut += events;
        }
        continue;
      }
      const envelope = decoded.value.envelope;
      const processed = processEnvelope(envelope, this.classifier, {
        region: event.region,
        parse: this.parse,
      });
      if (processed.control) {
        increment(s.dropReasons, 'control_message');
        out[i] = { recordId: rec.recordId, result: 'Dropped', data: '' };
        continue;
      }
      s.eventsIn += envelope.logEvents.length;
      // Event index → record; records and events are one to one.
      const filter = this.options.filter;
      const keptIdx: number[] = [];
      for (let k = 0; k < processed.records.length; k++) {
        if (filter === undefined || filter(processed.records[k] as LogRecord)) keptIdx.push(k);
      }
      if (keptIdx.length < processed.records.length)
        increment(s.dropReasons, 'filtered', processed.records.length - keptIdx.length);
      if (keptIdx.length === 0) {
        out[i] = { recordId: rec.recordId, result: 'Dropped', data: '' };
        continue;
      }

      // Group kept events by partition.
      const groups = new Map<string, { keys: Record<string, string> | undefined; idx: number[] }>();
      const pk = this.options.partitionKeys;
      // Consecutive events mostly share dataset and hour: the last built-in group is reused.
      let lastDataset: string | undefined;
      let lastHour = Number.NaN;
      let last: { keys: Record<string, string> | undefined; idx: number[] } | undefined;
      for (const k of keptIdx) {
        const r = processed.records[k] as LogRecord;
        // The built-in keys depend on dataset and UTC hour only (one owner per payload):
        // the keys object is made once per group unless a function adds keys per record.
        let gk: string;
        let keys: Record<string, string> | undefined;
        if (pk === false) gk = '';
        else if (pk === undefined) {
          const hour = Math.floor(r.time / 3_600_000);
          if (last !== undefined && hour === lastHour && r.dataset === lastDataset) {
            last.idx.push(k);
            continue;
          }
          gk = `${r.dataset}\u0000${hour}`;
          lastDataset = r.dataset;
          lastHour = hour;
        } else {
          keys = this.keysOf(r);
          gk = JSON.stringify(keys);
        }
        let g = groups.get(gk);
        if (g === undefined) {
          g = { keys: pk === undefined ? this.keysOf(r) : keys, idx: [] };
          groups.set(gk, g);
        }
        g.idx.push(k);
        last = g;
      }
      let primary: { keys: Record<string, string> | undefined; idx: number[] } | undefined;
      for (const g of groups.values())
        if (primary === undefined || g.idx.length > primary.idx.length) primary = g;
      const main = primary as { keys: Record<string, string> | undefined; idx: number[] };

      // Parts that cannot stay in this record go back to the stream as smaller payloads.
      const parts: Part[] = [];
      for (const g of groups.values()) {
        if (g !== main)
          parts.push({
            events: g.idx.map((k) => envelope.logEvents[k] as CwlEnvelope['logEvents'][number]),
          });
      }

      const mainRecords = main.idx.map((k) => processed.records[k] as LogRecord);
      // Rendering costs more than deciding: a group that cannot fit what is left of the
      // response even at its smallest possible size goes back whole, unrendered (what
      // placeOk below would do once rendered). A group that may exceed the record limit
      // is rendered and split as before.
      const least = leastLineBytes(mainRecords, this.output);
      if (least <= this.maxRecord && okSize(main.keys, least) > remaining) {
        this.requeueWhole(rec, i, out, pending, s);
        continue;
      }
      const lines = this.lines;
      lines.reset();
      renderLinesInto(lines, mainRecords, this.output);
      // A view of the scratch buffer: used (base64, length) before the next render.
      const data = lines.bytes();
      let okRecord: FirehoseTransformationResultRecord | undefined;
      if (data.length > this.maxRecord) {
        if (main.idx.length === 1 && parts.length > 0) {
          // The payload also holds events of other partitions: they must not go to the
          // error output with it. Everything goes back as smaller payloads, this event
          // alone in its own (a later round marks that one ProcessingFailed by itself).
          parts.push({
            events: [envelope.logEvents[main.idx[0] as number] as CwlEnvelope['logEvents'][number]],
          });
        } else if (main.idx.length === 1) {
          increment(s.errors, 'EVENT_TOO_LARGE');
          this.log(
            JSON.stringify({
              level: 'error',
              msg: 'a single event is larger than the output record limit',
              recordId: rec.recordId,
              code: 'EVENT_TOO_LARGE',
              bytes: data.length,
              limit: this.maxRecord,
            }),
          );
          out[i] = { recordId: rec.recordId, result: 'ProcessingFailed', data: '' };
          continue;
        } else {
          const events = main.idx.map(
            (k) => envelope.logEvents[k] as CwlEnvelope['logEvents'][number],
          );
          const half = events.length >> 1;
          parts.push({ events: events.slice(0, half) }, { events: events.slice(half) });
        }
      } else {
        const placed = this.placeOk(rec, i, data, main.keys, remaining, out, pending, s);
        if (placed === undefined) continue;
        remaining = placed.remaining;
        okRecord = placed.okRecord;
      }

      if (parts.length === 0) {
        out[i] = okRecord as FirehoseTransformationResultRecord;
        s.eventsOut += main.idx.length;
        continue;
      }
      const entries: ReingestEntry[] = [];
      for (const part of parts)
        entries.push(
          this.entry(rec, gzipSync(JSON.stringify({ ...envelope, logEvents: part.events }))),
        );
      s.reingestedRecords++;
      pending.push({
        index: i,
        entries,
        onSuccess: okRecord ?? { recordId: rec.recordId, result: 'Dropped', data: '' },
        okEvents: okRecord === undefined ? 0 : main.idx.length,
      });
      out[i] = { recordId: rec.recordId, result: 'ProcessingFailed', data: '' };
    }

    if (pending.length > 0) await this.reingestAll(event, pending, out, s);

    for (const r of out) {
      if (r.result === 'Ok') {
        s.ok++;
        s.bytesOut += (r.data.length * 3) >> 2;
      } else if (r.result === 'Dropped') s.dropped++;
      else s.failed++;
    }
    s.durationMs = Math.round((performance.now() - started) * 100) / 100;
    return { result: { records: out }, summary: s };
  }

  private entry(rec: FirehoseTransformationEventRecord, data: Uint8Array): ReingestEntry {
    return { recordId: rec.recordId, data, partitionKey: rec.kinesisRecordMetadata?.partitionKey };
  }

  private async reingestAll(
    event: FirehoseTransformationEvent,
    pending: Pending[],
    out: FirehoseTransformationResultRecord[],
    s: TransformSummary,
  ): Promise<void> {
    let target: ReingestTarget | undefined;
    if (event.sourceKinesisStreamArn !== undefined) {
      if (this.options.kinesisClient !== undefined) {
        target = {
          kind: 'kinesis',
          client: this.options.kinesisClient,
          streamArn: event.sourceKinesisStreamArn,
        };
      }
    } else if (this.options.firehoseClient !== undefined) {
      target = {
        kind: 'firehose',
        client: this.options.firehoseClient,
        deliveryStreamName: deliveryStreamName(event.deliveryStreamArn),
      };
    }
    if (target === undefined) {
      increment(s.errors, 'NO_REINGEST_CLIENT', pending.length);
      this.log(
        JSON.stringify({
          level: 'error',
          msg: 'records need re-ingesting but no client for the source is configured',
          code: 'NO_REINGEST_CLIENT',
          source: event.sourceKinesisStreamArn ?? event.deliveryStreamArn,
          records: pending.map((p) => p.onSuccess.recordId),
        }),
      );
      return; // they stay ProcessingFailed
    }
    const entries = pending.flatMap((p) => p.entries);
    const outcome = await reingest(entries, target, this.options.reingest);
    s.reingestedPayloads += entries.length;
    for (const p of pending) {
      const id = p.onSuccess.recordId;
      if (outcome.failedRecordIds.has(id)) {
        increment(s.errors, 'REINGEST_FAILED');
        this.log(
          JSON.stringify({
            level: 'error',
            msg: 're-ingest failed',
            recordId: id,
            code: 'REINGEST_FAILED',
            error: outcome.lastErrors.get(id),
          }),
        );
      } else {
        out[p.index] = p.onSuccess;
        s.eventsOut += p.okEvents;
      }
    }
  }

  summaryLines(s: TransformSummary): string[] {
    const lines = [JSON.stringify({ msg: 'logpipe firehose transform', ...s })];
    const ns = this.options.emfNamespace;
    if (ns !== undefined) {
      const names = [
        'recordsIn',
        'ok',
        'dropped',
        'failed',
        'reingestedRecords',
        'eventsIn',
        'eventsOut',
        'bytesIn',
        'bytesOut',
        'durationMs',
      ] as const;
      const doc: Record<string, unknown> = {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: ns,
              Dimensions: [[]],
              Metrics: names.map((n) => ({
                Name: n,
                Unit:
                  n === 'durationMs' ? 'Milliseconds' : n.startsWith('bytes') ? 'Bytes' : 'Count',
              })),
            },
          ],
        },
      };
      for (const n of names) doc[n] = s[n];
      lines.push(JSON.stringify(doc));
    }
    return lines;
  }
}

/**
 * Creates the Firehose data-transformation Lambda handler. Nothing runs at
 * import time; options are validated here, once.
 *
 * Every input record gets exactly one output record: `Ok` with one line per
 * log event (and partition keys), `Dropped` for CONTROL_MESSAGEs, filtered-out
 * payloads and payloads re-ingested in full, `ProcessingFailed` for input that
 * cannot be decoded, a single event too large on its own, or a re-ingest that
 * failed. Payloads that span partitions, or do not fit the record or response
 * budget, are split by log events and put back to the stream (smaller each
 * time, so they cannot loop).
 *
 * @example
 * ```ts
 * import { FirehoseClient } from '@aws-sdk/client-firehose';
 * import { createTransformHandler } from '@logpipe/firehose-transform';
 * export const handler = createTransformHandler({ firehoseClient: new FirehoseClient({}) });
 * ```
 * @throws ConfigError for invalid options.
 */
export function createTransformHandler(options: TransformOptions = {}): TransformHandler {
  const t = new Transform(options);
  let last: TransformSummary | undefined;
  const handler = async (
    event: FirehoseTransformationEvent,
  ): Promise<FirehoseTransformationResult> => {
    const { result, summary } = await t.run(event);
    last = summary;
    for (const line of t.summaryLines(summary))
      options.logger === undefined ? console.log(line) : options.logger(line);
    return result;
  };
  Object.defineProperty(handler, 'lastSummary', { get: () => last });
  return handler as TransformHandler;
}

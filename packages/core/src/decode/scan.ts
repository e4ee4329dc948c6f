/**
 * Payloads read by the native scanner of `@logpipe/libdeflate` (`src/addon.c`) instead of
 * `JSON.parse`. It takes only payloads whose JSON is valid and a DATA_MESSAGE envelope
 * with nothing unusual (see the addon's comment), and leaves every other payload to
 * `JSON.parse`, which also names what is wrong with it.
 * - {@link scanMessageLines}: the Firehose `messages` output straight from the JSON bytes.
 *   Every event's message, unescaped, and a newline go into the output buffer, with no
 *   JavaScript string or object per event: the bytes the JavaScript path gives
 *   (`JSON.parse`, then each message through `LineBuffer.line`).
 * - {@link scanEnvelope}: the envelope `JSON.parse` gives, with each event's id and
 *   message read from their bytes (an envelope with members of its own, or events with
 *   more than id, timestamp and message in that order, is left to `JSON.parse`).
 * Property tests hold both to the JavaScript path.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { Classifier } from '../classify.js';
import { hourStart, partitionOf } from '../layout.js';
import type { LineBuffer } from '../line-buffer.js';
import type { LinePartition } from '../pool/task.js';
import type { CwlEnvelope, CwlLogEvent } from './envelope.js';
import { addon } from './gunzip.js';
import { Reused, Scratch } from './scratch.js';

/** What the scanner found in a payload it took. */
export interface MessageLines {
  /** Log events (each wrote one line). */
  events: number;
  /** Least and greatest event timestamp, epoch ms. */
  leastTime: number;
  greatestTime: number;
  owner: string;
  logGroup: string;
  logStream: string;
  /**
   * UTF-16 code units of the lines written: the length their JavaScript strings would
   * have, which is the bound `leastLineBytes` gives for them.
   */
  units: number;
  /**
   * Message k spans bytes `[spans[2k], spans[2k+1])` of what the scan appended (offsets
   * from the line buffer's length before it); its newline, when it got one, follows.
   * Valid until the next scan on this thread.
   */
  spans: Int32Array;
}

/** Span arrays of payloads up to 4 MiB of JSON are kept (1 MiB an array at most). */
const KEEP_SLOTS = spanSlots(4 * 1024 * 1024);
/** Spans of this thread's scans (two int32 per event), and the events' id spans and timestamps. */
const spanArrays = new Reused((n) => new Int32Array(n), KEEP_SLOTS);
const idArrays = new Reused((n) => new Int32Array(n), KEEP_SLOTS);
const timeArrays = new Reused((n) => new Float64Array(n), KEEP_SLOTS >> 1);
const info = new Float64Array(21);
/** Output memory of {@link scanEnvelope} (the unescaped messages; read into strings before it returns). */
const SCAN_SCRATCH = new Scratch(4 * 1024 * 1024);

/** Two int32 per event: every event takes more than 32 bytes of JSON ({"id":"","timestamp":0,"message":""}). */
function spanSlots(jsonBytes: number): number {
  return 2 * ((jsonBytes >> 5) + 1);
}

/** The string of the payload's bytes at the offset `info[at]` and length `info[length]` the scan gave. */
function text(json: Buffer, at: number, length: number, ascii: boolean): string {
  const start = info[at] as number;
  const end = start + (info[length] as number);
  return json.toString(ascii ? 'latin1' : 'utf8', start, end);
}

/**
 * Appends the message lines of the payload whose JSON is `json` to `out`, when the native
 * scanner takes it; otherwise returns undefined and leaves `out` as it was (no addon, not
 * UTF-8, or a payload the scanner leaves to the JavaScript path).
 *
 * @example
 * ```ts
 * const out = new LineBuffer();
 * const lines = scanMessageLines(json, out);
 * if (lines !== undefined) console.log(lines.events, out.bytes().toString());
 * ```
 */
export function scanMessageLines(json: Buffer, out: LineBuffer): MessageLines | undefined {
  const scan = addon()?.messages;
  if (scan === undefined) return undefined;
  const ascii = isAscii(json);
  // The JavaScript path refuses bytes that are not UTF-8 (INVALID_UTF8); the scanner copies bytes.
  if (!ascii && !isUtf8(json)) return undefined;
  const spans = spanArrays.atLeast(spanSlots(json.length));
  const from = out.length;
  const buf = out.room(json.length);
  const written = scan(json, buf.subarray(from, from + json.length), spans, info);
  // -1: not taken; -2: spans too small (cannot happen at the size above).
  if (written < 0) return undefined;
  out.length = from + written;
  return {
    events: info[0] as number,
    leastTime: info[1] as number,
    greatestTime: info[2] as number,
    owner: text(json, 3, 4, ascii),
    logGroup: text(json, 5, 6, ascii),
    logStream: text(json, 7, 8, ascii),
    units: info[9] as number,
    spans,
  };
}

/**
 * The one partition (dataset, owner, UTC hour) of every event of scanned lines, as
 * classification without parsing finds it (the log group's parser, else each message
 * sniffed); null when the lines have no events, or events of more than one dataset or
 * hour. `bytes` holds what the scan appended (the spans are offsets in it).
 *
 * @example
 * ```ts
 * const from = out.length;
 * const lines = scanMessageLines(json, out);
 * const at = lines && scannedPartition(lines, out.bytes().subarray(from), classifier);
 * ```
 */
export function scannedPartition(
  lines: MessageLines,
  bytes: Buffer,
  classifier: Classifier,
): LinePartition | null {
  if (lines.events === 0) return null;
  if (hourStart(lines.leastTime) !== hourStart(lines.greatestTime)) return null;
  let dataset = classifier.parserFor(lines.logGroup)?.dataset ?? null;
  if (dataset === null) {
    const spans = lines.spans;
    for (let k = 0; k < lines.events; k++) {
      const d = classifier.sniff(bytes.toString('utf8', spans[2 * k], spans[2 * k + 1])).dataset;
      if (dataset === null) dataset = d;
      else if (d !== dataset) return null;
    }
  }
  const h = partitionOf(lines.leastTime);
  return { dataset: dataset as string, owner: lines.owner, ...h };
}

/** Node's Buffer methods behind `toString(encoding, start, end)`, without its argument checks (twice per event). */
interface Slices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** Envelope members in the order the scanner reports them (its bit values). */
const MEMBER: Record<number, string> = {
  1: 'messageType',
  2: 'owner',
  4: 'logGroup',
  8: 'logStream',
  16: 'subscriptionFilters',
  32: 'logEvents',
  64: 'policyLevel',
};

/**
 * The envelope `JSON.parse` gives for the payload whose JSON is `json`, when the native
 * scanner takes it; otherwise undefined. The caller has checked that the bytes are UTF-8
 * and says whether they are ASCII.
 *
 * @example
 * ```ts
 * const envelope = scanEnvelope(json, isAscii(json)) ?? JSON.parse(json.toString());
 * ```
 */
export function scanEnvelope(json: Buffer, ascii: boolean): CwlEnvelope | undefined {
  const scan = addon()?.envelope;
  if (scan === undefined) return undefined;
  const slots = spanSlots(json.length);
  const spans = spanArrays.atLeast(slots);
  const ids = idArrays.atLeast(slots);
  const times = timeArrays.atLeast(slots >> 1);
  const scratch = SCAN_SCRATCH.take(json.length) ?? Buffer.allocUnsafe(json.length);
  const written = scan(json, scratch, spans, info, ids, times);
  if (written < 0) return undefined;
  const n = info[0] as number;
  // Messages can hold \u escapes of non-ASCII characters even where the JSON is ASCII.
  const asciiOut = isAscii(scratch.subarray(0, written));
  const out = scratch as unknown as Slices;
  const input = json as unknown as Slices;
  const events: CwlLogEvent[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const s = spans[2 * k] as number;
    const e = spans[2 * k + 1] as number;
    const i = ids[2 * k] as number;
    const j = ids[2 * k + 1] as number;
    events[k] = {
      id: ascii ? input.latin1Slice(i, j) : input.utf8Slice(i, j),
      timestamp: times[k] as number,
      message: asciiOut ? out.latin1Slice(s, e) : out.utf8Slice(s, e),
    };
  }
  const env: Record<string, unknown> = {};
  for (let i = 14; i < 21; i++) {
    const member = MEMBER[info[i] as number];
    if (member === undefined) break;
    switch (member) {
      case 'messageType':
        env[member] = 'DATA_MESSAGE';
        break;
      case 'owner':
        env[member] = text(json, 3, 4, ascii);
        break;
      case 'logGroup':
        env[member] = text(json, 5, 6, ascii);
        break;
      case 'logStream':
        env[member] = text(json, 7, 8, ascii);
        break;
      case 'policyLevel':
        env[member] = text(json, 12, 13, ascii);
        break;
      case 'subscriptionFilters':
        env[member] = JSON.parse(json.toString('utf8', info[10] as number, info[11] as number));
        break;
      default:
        env[member] = events;
    }
  }
  return env as CwlEnvelope;
}

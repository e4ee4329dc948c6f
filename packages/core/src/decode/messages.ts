/**
 * The Firehose `messages` output of a payload, straight from its JSON bytes: the native
 * scanner of `@logpipe/libdeflate` (`messages` in its `src/addon.c`) writes every event's
 * message, unescaped, and a newline into the output buffer, with no JavaScript string or
 * object per event. It takes only payloads whose JSON is valid and a DATA_MESSAGE envelope
 * with nothing unusual (see the addon's comment); for those it gives the bytes the
 * JavaScript path gives (`JSON.parse`, then each message through `LineBuffer.line`), which
 * a property test holds it to. Every other payload is left to that path.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { Classifier } from '../classify.js';
import type { LineBuffer } from '../line-buffer.js';
import { addon } from './gunzip.js';

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

/** Spans of this thread's scans, grown as payloads need (two int32 per event). */
let spans = new Int32Array(2048);
const info = new Float64Array(10);

/** Strings of the scanned payload's bytes: the same owner, group and stream come again and again. */
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
  // Every event takes more than 32 bytes of JSON ({"id":"","timestamp":0,"message":""}).
  const least = 2 * ((json.length >> 5) + 1);
  if (spans.length < least) spans = new Int32Array(least);
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
 * The dataset of every event of scanned lines, as classification without parsing gives it
 * (the log group's parser, else each message sniffed), or null when the events are of
 * more than one. `bytes` holds what the scan appended (the spans are offsets in it).
 *
 * @example
 * ```ts
 * const from = out.length;
 * const lines = scanMessageLines(json, out);
 * const dataset = lines && scannedDataset(lines, out.bytes().subarray(from), classifier);
 * ```
 */
export function scannedDataset(
  lines: MessageLines,
  bytes: Buffer,
  classifier: Classifier,
): string | null {
  const byGroup = classifier.parserFor(lines.logGroup);
  if (byGroup !== null) return byGroup.dataset;
  const spans = lines.spans;
  let dataset: string | null = null;
  for (let k = 0; k < lines.events; k++) {
    const d = classifier.sniff(bytes.toString('utf8', spans[2 * k], spans[2 * k + 1])).dataset;
    if (dataset === null) dataset = d;
    else if (d !== dataset) return null;
  }
  return dataset;
}

import { isAscii, isUtf8 } from 'node:buffer';
import { DecodeError } from '../errors.js';
import { gunzipLibdeflate, gunzipReference, gunzipReused } from './gunzip.js';
import type { Scratch } from './scratch.js';

/** True when bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The first non-whitespace byte, or -1. */
export function firstNonSpace(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

function hexPrefix(bytes: Uint8Array, n = 4): string {
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Decodes standard base64 strictly: a string with characters outside the
 * alphabet, a bad length or misplaced padding is an error, not silently
 * skipped (Node's decoder skips invalid characters). With `scratch`, the
 * bytes land in its memory (a view, valid until its next use) when they fit.
 */
export function decodeBase64(
  text: string,
  source: string,
  scratch?: Scratch,
): Buffer | DecodeError {
  const len = text.length;
  if (len % 4 !== 0) {
    return new DecodeError('INVALID_BASE64', source, `base64 length ${len} is not a multiple of 4`);
  }
  let pad = 0;
  if (len > 0 && text.charCodeAt(len - 1) === 61) pad = text.charCodeAt(len - 2) === 61 ? 2 : 1;
  const expected = (len / 4) * 3 - pad;
  // Into scratch memory, with room to spare so that a result longer than expected would
  // show as one (it cannot be: skipped characters only shorten it); the same decoder as
  // Buffer.from.
  const into = scratch?.take(expected + 3);
  const buf =
    into === undefined ? Buffer.from(text, 'base64') : into.subarray(0, into.write(text, 'base64'));
  // Node skips characters outside the alphabet; a short result means there were some.
  if (buf.length !== expected) {
    return new DecodeError('INVALID_BASE64', source, 'data is not valid base64');
  }
  return buf;
}

/**
 * Gunzips with a cap on the output: inflating stops as soon as the cap is
 * passed, so a gzip bomb costs at most `maxBytes` of memory. Concatenated
 * members are inflated one after the other; CRC32 and ISIZE of each are
 * checked. A single member inflates with libdeflate where the optional addon
 * is built; the rest, and every error, with one reused native inflate handle
 * where this Node allows it, else `zlib.gunzipSync` (see `gunzip.ts`). With `scratch`, the
 * output may be a view of its memory, valid until its next use.
 */
export function gunzipCapped(
  bytes: Uint8Array,
  maxBytes: number,
  source: string,
  scratch?: Scratch,
): Buffer | DecodeError {
  const out =
    gunzipLibdeflate(bytes, maxBytes, scratch) ??
    gunzipReused(bytes, maxBytes, scratch) ??
    gunzipReference(bytes, maxBytes);
  if (Buffer.isBuffer(out)) return out;
  if (out.code === 'ERR_BUFFER_TOO_LARGE') {
    return new DecodeError(
      'PAYLOAD_TOO_LARGE',
      source,
      `decompressed payload exceeds the ${maxBytes}-byte limit (maxDecompressedBytes)`,
      { cause: out },
    );
  }
  if (out.code === 'Z_BUF_ERROR') {
    return new DecodeError(
      'TRUNCATED_GZIP',
      source,
      `gzip stream ends early after ${bytes.length} bytes`,
      { cause: out },
    );
  }
  return new DecodeError('CORRUPT_GZIP', source, `gzip data is corrupt: ${out.message}`, {
    cause: out,
  });
}

/**
 * UTF-8 bytes to text; invalid UTF-8 is an error (CloudWatch Logs only carries valid UTF-8).
 * ASCII bytes (about two payloads in three of the benchmark's Firehose traffic) are read as
 * Latin-1, which gives the same string for them: 21.6 MB of such payloads 9 → 5.5 ms.
 */
export function utf8Text(bytes: Buffer, source: string): string | DecodeError {
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) return notUtf8(source);
  return bytes.toString('utf8');
}

/** The error for a payload whose bytes are not UTF-8. */
export function notUtf8(source: string): DecodeError {
  return new DecodeError('INVALID_UTF8', source, 'payload is not valid UTF-8');
}

/** Describes bytes that are neither gzip nor JSON. */
export function notGzip(bytes: Uint8Array, source: string): DecodeError {
  return new DecodeError(
    'NOT_GZIP',
    source,
    bytes.length === 0
      ? 'payload is empty'
      : `payload is neither gzip (magic 1f 8b) nor JSON; first bytes: ${hexPrefix(bytes)}`,
  );
}

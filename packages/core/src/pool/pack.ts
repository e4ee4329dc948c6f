/**
 * A batch's inputs packed into one ArrayBuffer (transferred to a worker, not
 * copied): a header of `n + 1` offsets and `n` kinds, then the input bytes.
 */

/** One input of a batch: base64 text (a Firehose or Kinesis record's `data`) or raw bytes. */
export interface PoolInput {
  /** Base64 text of gzip or JSON bytes, or the bytes themselves (gzip or JSON). */
  data: string | Uint8Array;
  /** Names the input in errors, e.g. `recordId 4954…`. */
  source: string;
}

/** Input kinds in the header. */
export const KIND_BASE64 = 0;
export const KIND_BYTES = 1;

/** A packed batch as the worker receives it. */
export interface PackedInputs {
  buffer: ArrayBuffer;
  count: number;
}

function headerBytes(count: number): number {
  return (4 * (count + 1) + count + 7) & ~7;
}

/**
 * Packs inputs `[from, to)` into one ArrayBuffer. Base64 text is stored as its
 * UTF-8 bytes, which read back to the identical string (validation happens in
 * the worker, exactly as inline).
 */
export function packInputs(inputs: readonly PoolInput[], from: number, to: number): PackedInputs {
  const count = to - from;
  const head = headerBytes(count);
  let size = 0;
  for (let i = from; i < to; i++) {
    const d = (inputs[i] as PoolInput).data;
    size += typeof d === 'string' ? Buffer.byteLength(d, 'utf8') : d.byteLength;
  }
  const buffer = new ArrayBuffer(head + size);
  const offsets = new Uint32Array(buffer, 0, count + 1);
  const kinds = new Uint8Array(buffer, 4 * (count + 1), count);
  const data = Buffer.from(buffer, head, size);
  let at = 0;
  for (let i = from; i < to; i++) {
    const d = (inputs[i] as PoolInput).data;
    const k = i - from;
    offsets[k] = at;
    if (typeof d === 'string') {
      kinds[k] = KIND_BASE64;
      at += data.write(d, at, 'utf8');
    } else {
      kinds[k] = KIND_BYTES;
      data.set(d, at);
      at += d.byteLength;
    }
  }
  offsets[count] = at;
  return { buffer, count };
}

/** Reads a packed batch back: input `i` as a string (base64) or a Buffer view (bytes). */
export function unpackInputs(packed: PackedInputs): Array<string | Buffer> {
  const { buffer, count } = packed;
  const head = headerBytes(count);
  const offsets = new Uint32Array(buffer, 0, count + 1);
  const kinds = new Uint8Array(buffer, 4 * (count + 1), count);
  const out: Array<string | Buffer> = new Array(count);
  for (let k = 0; k < count; k++) {
    const start = head + (offsets[k] as number);
    const len = (offsets[k + 1] as number) - (offsets[k] as number);
    const view = Buffer.from(buffer, start, len);
    out[k] = kinds[k] === KIND_BASE64 ? view.toString('utf8') : view;
  }
  return out;
}

function readSize(b: Uint8Array, end: number): number {
  // Little-endian ISIZE: the last 4 bytes of a gzip member (size mod 2^32).
  return (
    ((b[end - 4] as number) |
      ((b[end - 3] as number) << 8) |
      ((b[end - 2] as number) << 16) |
      ((b[end - 1] as number) << 24)) >>>
    0
  );
}

/**
 * Estimated decompressed size of one input, for routing only (inline or pool,
 * chunk sizes): gzip's ISIZE trailer when the input is gzip, else its size. A
 * forged trailer only misroutes; the decoder's cap is what bounds memory.
 */
export function estimateDecompressedBytes(data: string | Uint8Array, cap: number): number {
  let size: number;
  if (typeof data === 'string') {
    const len = data.length;
    size = (len >> 2) * 3;
    if (len >= 12 && (len & 3) === 0 && data.startsWith('H4sI')) {
      // 'H4sI' is base64 of 1f 8b 08 (gzip, deflate). The last 8 characters hold the last 4+ bytes.
      const tail = Buffer.from(data.slice(len - 8), 'base64');
      if (tail.length >= 4) size = readSize(tail, tail.length);
    }
  } else {
    size = data.byteLength;
    if (size >= 18 && data[0] === 0x1f && data[1] === 0x8b) size = readSize(data, size);
  }
  return Math.min(size, cap);
}

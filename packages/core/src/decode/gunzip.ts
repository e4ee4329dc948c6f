/**
 * Gunzip with a cap on the output, tuned for many small payloads.
 *
 * The fast path, {@link gunzipLibdeflate}: libdeflate (the optional
 * `@logpipe/libdeflate` addon) inflates a payload that is exactly one gzip
 * member whose trailer's size (ISIZE) is within the cap, into memory of that
 * size. Anything else it leaves to the two node:zlib implementations below,
 * which also give every error: so all three give the same bytes and the same
 * errors by construction. Off with `LOGPIPE_GUNZIP=zlib`, and wherever the
 * addon is not built or fails its self-test.
 *
 * Two node:zlib implementations that must give the same bytes and the same
 * errors (a property test holds them to it):
 * - {@link gunzipReference}: `zlib.gunzipSync`, public API only, a fresh
 *   inflate stream per call.
 * - {@link gunzipReused}: one native inflate handle of `node:zlib`, created on
 *   first use and reset between payloads, driven directly through its
 *   synchronous `writeSync`, so a payload costs no stream construction and no
 *   inflate state allocation. It relies on node:zlib internals (`_handle`,
 *   `_writeState`, `handle.writeSync/reset/onerror`, unchanged since Node 12);
 *   it checks them and runs a self-test when first created, and when anything
 *   is off it is not used (`gunzipCapped` then uses the reference).
 *
 * Both size the output from the gzip trailer (ISIZE), so a payload inflates
 * into one buffer instead of 16 KiB chunks joined at the end. Measured in
 * `bench/gunzip.mjs`; figures in the package README ("Hot path: gunzip").
 */
import { createRequire } from 'node:module';
import { constants, Gunzip, gunzipSync, gzipSync } from 'node:zlib';
import { buildFormat } from '../build-format.js';
import { gunzipChoice } from '../env.js';
import type { Scratch } from './scratch.js';

/** zlib's `Z_MIN_CHUNK`: the smallest output chunk node:zlib accepts. */
const MIN_CHUNK = 64;
/** DEFLATE cannot expand data more than ~1032:1; an ISIZE above that is a lie. */
const MAX_DEFLATE_RATIO = 1032;
/** Largest output buffer allocated before any output exists; more grows by doubling. */
const MAX_FIRST_ALLOCATION = 16 * 1024 * 1024;

/** Why a gunzip failed, with the code node:zlib uses for it. */
export interface GunzipFailure extends Error {
  /** `ERR_BUFFER_TOO_LARGE` (cap passed), `Z_BUF_ERROR` (input ends early), or another `Z_*` code. */
  code: string;
}

function failure(message: string, code: string, errno?: number): GunzipFailure {
  return Object.assign(new Error(message), { code, errno });
}

function tooLarge(maxBytes: number): GunzipFailure {
  return failure(`Cannot create a Buffer larger than ${maxBytes} bytes`, 'ERR_BUFFER_TOO_LARGE');
}

/**
 * Size of the first output buffer: the ISIZE trailer of a gzip stream (the
 * size of its last member mod 2^32) plus one, so that a single-member payload
 * inflates in one call and its end is seen without a second one. ISIZE is
 * untrusted: it is clamped to what DEFLATE can produce from this input, to the
 * cap + 1 and to {@link MAX_FIRST_ALLOCATION}.
 *
 * @example
 * ```ts
 * outputSizeHint(gzipSync('hello'), 16 * 1024 * 1024); // 64 (the minimum chunk; ISIZE 5 + 1)
 * ```
 */
export function outputSizeHint(bytes: Uint8Array, maxBytes: number): number {
  const n = bytes.length;
  let size = MIN_CHUNK;
  if (n >= MIN_GZIP_BYTES) size = Math.min(isizeOf(bytes), n * MAX_DEFLATE_RATIO) + 1;
  return Math.max(MIN_CHUNK, Math.min(size, maxBytes + 1, MAX_FIRST_ALLOCATION));
}

/** The smallest gzip member: a 10-byte header, an empty DEFLATE block (2 bytes), an 8-byte trailer. */
const MIN_GZIP_BYTES = 18;

/** The ISIZE field of the gzip trailer: the last 4 bytes, little-endian (untrusted). */
function isizeOf(bytes: Uint8Array): number {
  const n = bytes.length;
  return (
    ((bytes[n - 4] as number) |
      ((bytes[n - 3] as number) << 8) |
      ((bytes[n - 2] as number) << 16) |
      ((bytes[n - 1] as number) << 24)) >>>
    0
  );
}

/**
 * The reference gunzip: `zlib.gunzipSync` with `maxOutputLength`. Inflating
 * stops as soon as the cap is passed. Never throws: returns the failure.
 *
 * @example
 * ```ts
 * const out = gunzipReference(bytes, 16 * 1024 * 1024);
 * if (!Buffer.isBuffer(out)) console.error(out.code); // e.g. Z_BUF_ERROR: truncated
 * ```
 */
export function gunzipReference(bytes: Uint8Array, maxBytes: number): Buffer | GunzipFailure {
  try {
    return gunzipSync(bytes, {
      maxOutputLength: maxBytes,
      chunkSize: outputSizeHint(bytes, maxBytes),
    });
  } catch (err) {
    const e = err as Partial<GunzipFailure>;
    return failure(e.message ?? String(err), typeof e.code === 'string' ? e.code : 'Z_DATA_ERROR');
  }
}

/** The parts of node:zlib's native handle this file drives (internal API). */
interface NativeZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
  reset(): void;
  onerror: (message: string, errno: number, code: string) => void;
}

/** One native gunzip handle, reset and reused for every payload. */
class ReusedGunzip {
  private readonly handle: NativeZlibHandle;
  /** `[availOutAfter, availInAfter]`, written by the handle after each `writeSync`. */
  private readonly state: Uint32Array;
  /** The error the handle reported during the current `writeSync`, if any. */
  private error: GunzipFailure | undefined = undefined;
  /** Keeps the stream that owns the handle alive as long as the handle. */
  readonly owner: object;

  private constructor(owner: object, handle: NativeZlibHandle, state: Uint32Array) {
    this.owner = owner;
    this.handle = handle;
    this.state = state;
    // Replaces node's handler, which destroys the stream (and closes the handle)
    // on the first error; a reset makes the handle usable again.
    handle.onerror = (message, errno, code) => {
      this.error = failure(message, code, errno);
    };
  }

  /** A reusable handle, or undefined when this Node's zlib internals are not as expected. */
  static create(): ReusedGunzip | undefined {
    try {
      const stream = new Gunzip() as unknown as { _handle?: unknown; _writeState?: unknown };
      const handle = stream._handle as Partial<NativeZlibHandle> | undefined;
      const state = stream._writeState;
      if (
        typeof handle?.writeSync !== 'function' ||
        typeof handle.reset !== 'function' ||
        typeof handle.onerror !== 'function' ||
        !(state instanceof Uint32Array) ||
        state.length < 2
      ) {
        return undefined;
      }
      const reused = new ReusedGunzip(stream, handle as NativeZlibHandle, state);
      return reused.selfTest() ? reused : undefined;
    } catch {
      return undefined;
    }
  }

  /** Inflates known data, then a truncated copy, then the data again: output, error, recovery. */
  private selfTest(): boolean {
    const text = 'logpipe gunzip self-test '.repeat(40);
    const gz = gzipSync(text);
    const first = this.inflate(gz, 1 << 20);
    const cut = this.inflate(gz.subarray(0, gz.length - 12), 1 << 20);
    const again = this.inflate(gz, 1 << 20);
    return (
      Buffer.isBuffer(first) &&
      first.toString('latin1') === text &&
      !Buffer.isBuffer(cut) &&
      cut.code === 'Z_BUF_ERROR' &&
      Buffer.isBuffer(again) &&
      again.equals(first)
    );
  }

  inflate(bytes: Uint8Array, maxBytes: number, scratch?: Scratch): Buffer | GunzipFailure {
    const handle = this.handle;
    const state = this.state;
    const hint = outputSizeHint(bytes, maxBytes);
    let out = scratch?.take(hint) ?? Buffer.allocUnsafe(hint);
    let outOffset = 0;
    let inOffset = 0;
    let inLength = bytes.length;
    let total = 0;
    let full: Buffer[] | undefined;
    this.error = undefined;
    try {
      for (;;) {
        const outLength = out.length - outOffset;
        handle.writeSync(constants.Z_FINISH, bytes, inOffset, inLength, out, outOffset, outLength);
        if (this.error !== undefined) return this.error;
        const outLeft = state[0] as number;
        const inLeft = state[1] as number;
        inOffset += inLength - inLeft;
        inLength = inLeft;
        const produced = outLength - outLeft;
        outOffset += produced;
        total += produced;
        if (total > maxBytes) return tooLarge(maxBytes);
        // Output space left over: the stream ended (or only padding is left).
        if (outLeft !== 0) break;
        // Out of space with more to come: keep this buffer, continue in one twice as large.
        if (full === undefined) full = [];
        full.push(out);
        out = Buffer.allocUnsafe(
          Math.max(MIN_CHUNK, Math.min(out.length * 2, maxBytes + 1 - total)),
        );
        outOffset = 0;
      }
    } finally {
      handle.reset();
    }
    if (full === undefined) return out.subarray(0, outOffset);
    full.push(out.subarray(0, outOffset));
    return Buffer.concat(full, total);
  }
}

/** undefined: not created yet; null: unavailable on this Node. */
let shared: ReusedGunzip | null | undefined;

/**
 * Gunzips through one reused native handle (see the file comment). Returns
 * `undefined` when that handle cannot be used on this Node; the caller then
 * uses {@link gunzipReference}. Never throws. With `scratch`, a payload that
 * inflates in one call lands in the scratch memory (a view of it is returned,
 * valid until the scratch's next use); one that grows lands in fresh memory.
 *
 * @example
 * ```ts
 * const out = gunzipReused(bytes, maxBytes) ?? gunzipReference(bytes, maxBytes);
 * ```
 */
export function gunzipReused(
  bytes: Uint8Array,
  maxBytes: number,
  scratch?: Scratch,
): Buffer | GunzipFailure | undefined {
  if (shared === undefined) shared = ReusedGunzip.create() ?? null;
  if (shared === null) return undefined;
  try {
    return shared.inflate(bytes, maxBytes, scratch);
  } catch {
    // Internals changed under us in a way the self-test did not catch: stop using them.
    shared = null;
    return undefined;
  }
}

/** What core uses of `@logpipe/libdeflate` (see its index.d.ts). */
export interface LibdeflateAddon {
  gunzip(input: Uint8Array, output: Uint8Array): number;
  /** Absent from builds older than the message scanner (see `scan.ts`). */
  messages?: (
    json: Uint8Array,
    output: Uint8Array,
    spans: Int32Array,
    info: Float64Array,
  ) => number;
  envelope?: (
    json: Uint8Array,
    output: Uint8Array,
    spans: Int32Array,
    info: Float64Array,
    ids: Int32Array,
    times: Float64Array,
  ) => number;
  libdeflateVersion: string;
}

/** undefined: not loaded yet; null: off or unavailable. */
let libdeflate: LibdeflateAddon | null | undefined;

/**
 * The addon, when `LOGPIPE_GUNZIP` does not turn it off, it is installed and built, and
 * it passes a self-test: a payload inflates exactly, and a truncated one, one with a byte
 * after it and one larger than the output are each refused.
 */
function loadLibdeflate(): LibdeflateAddon | null {
  try {
    // A bad LOGPIPE_GUNZIP is a ConfigError from createDecoder (and readEnv); here it means the default.
    if (gunzipChoice() === 'zlib') return null;
  } catch {}
  try {
    const require = createRequire(buildFormat() === 'cjs' ? __filename : import.meta.url);
    const addon = require('@logpipe/libdeflate') as Partial<LibdeflateAddon>;
    if (typeof addon.gunzip !== 'function') return null;
    const text = Buffer.from('logpipe libdeflate self-test '.repeat(40), 'latin1');
    const gz = gzipSync(text);
    const out = Buffer.alloc(text.length);
    const ok =
      addon.gunzip(gz, out) === text.length &&
      out.equals(text) &&
      // Cut short: -1, or -2 where libdeflate reads the missing bytes as zeros.
      addon.gunzip(gz.subarray(0, gz.length - 1), out) < 0 &&
      addon.gunzip(Buffer.concat([gz, Buffer.alloc(1)]), out) === -3 &&
      addon.gunzip(gz, out.subarray(1)) === -2;
    return ok ? (addon as LibdeflateAddon) : null;
  } catch {
    return null;
  }
}

/**
 * The libdeflate version this thread inflates with, or `undefined` when it uses node:zlib
 * (addon not built, self-test failed, or `LOGPIPE_GUNZIP=zlib`).
 *
 * @example
 * ```ts
 * gunzipLibdeflateVersion(); // '1.23'
 * ```
 */
export function gunzipLibdeflateVersion(): string | undefined {
  return addon()?.libdeflateVersion;
}

/** The addon of this thread, loaded on first use (see {@link loadLibdeflate}); null when off. */
export function addon(): LibdeflateAddon | null {
  if (libdeflate === undefined) libdeflate = loadLibdeflate();
  return libdeflate;
}

/**
 * Inflates a payload that is exactly one gzip member with libdeflate, into memory of
 * its trailer's size (ISIZE): the scratch memory when given and large enough, else
 * memory of its own. Returns `undefined`, having changed nothing a caller sees, for
 * everything else, for the node:zlib implementations to inflate or to name the error:
 * no addon; an ISIZE above the cap, above what DEFLATE makes of this input, or above
 * {@link MAX_FIRST_ALLOCATION}; invalid data (bad header, corrupt, truncated, CRC32 or
 * ISIZE mismatch); data larger than its ISIZE; bytes after the member (concatenated
 * members, padding, junk). Never throws.
 *
 * @example
 * ```ts
 * const out = gunzipLibdeflate(bytes, maxBytes) ?? gunzipReused(bytes, maxBytes) ?? gunzipReference(bytes, maxBytes);
 * ```
 */
export function gunzipLibdeflate(
  bytes: Uint8Array,
  maxBytes: number,
  scratch?: Scratch,
): Buffer | undefined {
  const lib = addon();
  if (lib === null) return undefined;
  const n = bytes.length;
  if (n < MIN_GZIP_BYTES) return undefined;
  const isize = isizeOf(bytes);
  if (isize > maxBytes || isize > MAX_FIRST_ALLOCATION || isize > n * MAX_DEFLATE_RATIO) {
    return undefined;
  }
  const out = scratch?.take(isize) ?? Buffer.allocUnsafe(isize);
  try {
    // Success means the output's length equals ISIZE (libdeflate checks it).
    return lib.gunzip(bytes, out) === isize ? out : undefined;
  } catch {
    return undefined;
  }
}

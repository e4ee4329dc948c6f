/**
 * Memory reused from one payload to the next, for bytes that never outlive the synchronous
 * call that wrote them: the decoder's base64-decoded record data and its inflated JSON, each
 * read into a string before the next payload is decoded. A fresh `ArrayBuffer` per payload
 * (two per Firehose record) is external memory V8 counts towards its next full collection;
 * reusing one measured 135 → 128 ms of CPU for the 28 MB of a Firehose benchmark round
 * (base64, gunzip, `JSON.parse`; 1,178 payloads; 12 alternating rounds, two runs).
 *
 * Each thread has its own module instance, hence its own scratch memory. What a scratch
 * holds stays allocated (pages never written are not resident) up to `keepAtMost` bytes;
 * larger requests get no scratch memory and the caller allocates as before.
 */
export class Scratch {
  private buf: Buffer | undefined;

  constructor(private readonly keepAtMost: number) {}

  /**
   * A view of exactly `n` bytes of this scratch memory (contents undefined), or `undefined`
   * when `n` is more than it keeps. Valid until the next `take`.
   *
   * @example
   * ```ts
   * const scratch = new Scratch(1 << 20);
   * const view = scratch.take(1000) ?? Buffer.allocUnsafe(1000);
   * ```
   */
  take(n: number): Buffer | undefined {
    if (n > this.keepAtMost) return undefined;
    let buf = this.buf;
    if (buf === undefined || buf.length < n) {
      let size = 64 * 1024;
      while (size < n) size *= 2;
      // allocUnsafeSlow: memory of its own, never a slice of Node's shared pool.
      buf = Buffer.allocUnsafeSlow(Math.min(size, this.keepAtMost));
      this.buf = buf;
    }
    return buf.subarray(0, n);
  }
}

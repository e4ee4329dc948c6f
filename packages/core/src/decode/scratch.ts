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

/**
 * A typed array reused the same way (the payload scanner's spans, ids and times), grown as
 * payloads need up to `keepAtMost` elements; a longer one is made for the payload that needs
 * it and dropped after it (a payload near the decoder's 16 MiB cap would otherwise leave
 * ~4 MB an array held for good).
 *
 * @example
 * ```ts
 * const spans = new Reused((n) => new Int32Array(n), 1 << 18);
 * spans.atLeast(1000); // the kept array (2,048 elements)
 * ```
 */
export class Reused<T extends Int32Array | Float64Array> {
  private kept: T;

  constructor(
    private readonly make: (n: number) => T,
    private readonly keepAtMost: number,
  ) {
    this.kept = make(Math.min(2048, keepAtMost));
  }

  /** An array of at least `n` elements (contents undefined), valid until the next call. */
  atLeast(n: number): T {
    if (this.kept.length >= n) return this.kept;
    const made = this.make(n);
    if (n <= this.keepAtMost) this.kept = made;
    return made;
  }
}

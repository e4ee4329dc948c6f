/**
 * Inflates `input`, which must be exactly one gzip member, into `output`.
 *
 * @returns the number of bytes written (≥ 0) on success, with CRC32 and ISIZE
 *   checked; otherwise a negative status:
 *   - `-1`: not valid gzip (bad header, corrupt DEFLATE data, truncated, CRC32 or ISIZE mismatch);
 *   - `-2`: inflating would write past the end of `output`: the data is larger than it, or
 *     the input is cut short where libdeflate reads the missing bytes as zeros (a member
 *     missing its last byte, say); what was written is not usable;
 *   - `-3`: valid, but `input` holds more bytes after the member (another member, padding or junk).
 * @throws TypeError when either argument is not a Uint8Array.
 */
export function gunzip(input: Uint8Array, output: Uint8Array): number;

/** The version of libdeflate compiled in, e.g. `"1.23"`. */
export const libdeflateVersion: string;

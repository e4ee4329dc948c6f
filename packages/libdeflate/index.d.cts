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

/**
 * Writes the Firehose `messages` output of one CloudWatch Logs subscription payload from its
 * JSON bytes (UTF-8, which the caller checks): each log event's message unescaped, then a
 * newline unless it ends with one. Takes only valid JSON that is a DATA_MESSAGE envelope
 * without escapes in owner, logGroup and logStream, without a known key twice, with integer
 * timestamps of at most 15 digits and nesting at most 64 deep (see `src/addon.c`);
 * everything else is left to `JSON.parse`.
 *
 * @param output at least as long as `json`.
 * @param spans receives `[start, end)` of each message in `output`, two per event.
 * @param info receives the event count, least and greatest timestamp, the offset and length
 *   in `json` of owner, logGroup and logStream, and the UTF-16 code units of the output
 *   (what its lines count as JavaScript strings): 10 numbers.
 * @returns the bytes written, or `-1` (left to `JSON.parse`), `-2` (output or spans too small).
 * @throws TypeError for arguments of other types; RangeError when `info` holds fewer than 10.
 */
export function messages(
  json: Uint8Array,
  output: Uint8Array,
  spans: Int32Array,
  info: Float64Array,
): number;

/**
 * {@link messages} for reading the envelope itself: the same scan and output, and also each
 * event's id span in `json` and its timestamp. Takes only envelopes with no member but
 * messageType, owner, logGroup, logStream, subscriptionFilters, logEvents and policyLevel,
 * whose events are exactly `{id, timestamp, message}` in that order with an unescaped id,
 * and with no lone surrogate escape in a message (UTF-8 cannot hold one); -1 otherwise.
 *
 * @param ids receives `[start, end)` of each event's id in `json`, two per event.
 * @param times receives each event's timestamp.
 * @param info as for `messages`, and also: [10, 11] the subscriptionFilters array's
 *   `[start, end)` in `json`; [12, 13] policyLevel's offset and length (-1 when absent);
 *   [14..20] the members in the order they came, as bits (messageType 1, owner 2, logGroup 4,
 *   logStream 8, subscriptionFilters 16, logEvents 32, policyLevel 64), then 0: 21 numbers.
 * @returns as for `messages`; -2 also when `ids` or `times` are too small.
 */
export function envelope(
  json: Uint8Array,
  output: Uint8Array,
  spans: Int32Array,
  info: Float64Array,
  ids: Int32Array,
  times: Float64Array,
): number;

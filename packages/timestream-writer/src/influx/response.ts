/**
 * What an InfluxDB write response means for the lines that were sent.
 *
 * Shapes handled (the tests hold real or documented examples of each):
 * - InfluxDB 1.x `/write`: 204; 4xx/5xx with `{"error":"…"}` (also in `X-Influxdb-Error`).
 *   A partial write is 400 `{"error":"partial write: … dropped=N"}`: the points not named
 *   WERE written (checked against InfluxDB 1.6.7). Parse errors list every failing line as
 *   `unable to parse '<line>': <reason>`, one per message line; a field type conflict names
 *   only a field and a measurement, and `dropped` does not always count every dropped point.
 * - InfluxDB 2.x `/api/v2/write`: 204; 4xx/5xx with `{"code":"…","message":"…"}`; a malformed
 *   line gives 400 with `line` (1-based, the first failing line) in the body; a field type
 *   conflict gives 422 `{"code":"unprocessable entity","message":"failure writing points to
 *   database: partial write: … dropped=N"}` (InfluxDB 2.7).
 */

/** The outcome of one write request. */
export type WriteOutcome =
  /** 2xx: every line was written. */
  | { kind: 'ok' }
  /** 429, 5xx (not a partial write), or no response: send the same request again later. */
  | { kind: 'retry'; message: string; retryAfterMs: number | undefined }
  /** Some lines were refused (a partial write or a parse error); which ones is in `lineNumber` / `unparsable`. */
  | {
      kind: 'lines';
      message: string;
      /** 1-based line the server named as the first failing one (v2 `line`), when given. */
      lineNumber: number | undefined;
      /** `unable to parse '<line>': <reason>` entries: the line text and its whole entry. */
      unparsable: Array<{ line: string; entry: string }>;
    }
  /** 413: the body is too large for the server. */
  | { kind: 'tooLarge'; message: string }
  /** Any other 4xx: the request itself is refused (auth, database/bucket, parameters). */
  | { kind: 'request'; message: string };

const MAX_MESSAGE_CHARS = 2000;
const UNABLE_TO_PARSE = "unable to parse '";
const PARTIAL_WRITE = /partial write/i;

/** The error message of a response body: `error` (v1), `message` (v2), or the text itself. */
export function errorMessage(body: string, header: string | null): string {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as { error?: unknown; message?: unknown };
      if (typeof json.error === 'string') return json.error;
      if (typeof json.message === 'string') return json.message;
    } catch {
      // not JSON after all: use the text
    }
  }
  if (text === '' && header !== null && header !== '') return header;
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

/** v2's `line` (1-based) when the body has one. */
function lineNumberOf(body: string): number | undefined {
  const text = body.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const line = (JSON.parse(text) as { line?: unknown }).line;
    return typeof line === 'number' && Number.isSafeInteger(line) && line >= 1 ? line : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `unable to parse '<line>': <reason>` entries of a message. InfluxDB joins them with
 * newlines; a line never holds a newline (the encoder refuses them), so each message line
 * is one entry. The line text runs to one of the `': ` that follow; `known` says which.
 */
export function unparsableLines(
  message: string,
  known: (line: string) => boolean,
): Array<{ line: string; entry: string }> {
  const out: Array<{ line: string; entry: string }> = [];
  if (!message.includes(UNABLE_TO_PARSE)) return out;
  for (const raw of message.split('\n')) {
    const at = raw.indexOf(UNABLE_TO_PARSE);
    if (at < 0) continue;
    const start = at + UNABLE_TO_PARSE.length;
    let end = raw.indexOf("': ", start);
    while (end >= 0) {
      const candidate = raw.slice(start, end);
      if (known(candidate)) {
        out.push({ line: candidate, entry: raw.slice(at).replace(/ dropped=\d+$/, '') });
        break;
      }
      end = raw.indexOf("': ", end + 1);
    }
  }
  return out;
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date; undefined when absent or unreadable.
 *
 * @example
 * ```ts
 * retryAfterMs('2', Date.now()); // 2000
 * ```
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Classifies one response. `known` tells whether a text is one of the lines sent (to pick
 * the failing lines out of parse-error messages).
 */
export function classifyResponse(
  status: number,
  body: string,
  headers: { get(name: string): string | null },
  known: (line: string) => boolean,
  now: number,
): WriteOutcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const message = `HTTP ${status}: ${errorMessage(body, headers.get('x-influxdb-error')) || '(no message)'}`;
  const lineNumber = lineNumberOf(body);
  const unparsable = unparsableLines(message, known);
  if (
    status >= 400 &&
    status !== 413 &&
    status !== 429 &&
    (lineNumber !== undefined || message.includes(UNABLE_TO_PARSE) || PARTIAL_WRITE.test(message))
  ) {
    return { kind: 'lines', message, lineNumber, unparsable };
  }
  if (status === 429 || status >= 500) {
    return { kind: 'retry', message, retryAfterMs: retryAfterMs(headers.get('retry-after'), now) };
  }
  if (status === 413) return { kind: 'tooLarge', message };
  return { kind: 'request', message };
}

import { describe, expect, it } from 'vitest';
import {
  classifyResponse,
  errorMessage,
  retryAfterMs,
  unparsableLines,
} from '../../src/influx/response.js';

const NOW = Date.UTC(2026, 0, 1);

function headers(h: Record<string, string> = {}) {
  const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name: string) => lower[name.toLowerCase()] ?? null };
}

const sent = new Set(['m2,t=c\\\\ f=2 2000', 'y f=zz 1000', 's f="a\': b" 1000']);
const known = (l: string) => sent.has(l);

describe('classifyResponse', () => {
  it('treats every 2xx as written', () => {
    expect(classifyResponse(204, '', headers(), known, NOW)).toEqual({ kind: 'ok' });
    expect(classifyResponse(200, '', headers(), known, NOW)).toEqual({ kind: 'ok' });
  });

  it("picks the failing lines out of InfluxDB 1.6's partial-write parse errors", () => {
    // Body captured from InfluxDB 1.6.7 for a request with two unparsable lines.
    const body =
      '{"error":"partial write: unable to parse \'m2,t=c\\\\\\\\ f=2 2000\': invalid tag format\\nunable to parse \'y f=zz 1000\': invalid boolean dropped=0"}';
    const out = classifyResponse(400, body, headers(), known, NOW);
    expect(out).toEqual({
      kind: 'lines',
      message:
        "HTTP 400: partial write: unable to parse 'm2,t=c\\\\ f=2 2000': invalid tag format\nunable to parse 'y f=zz 1000': invalid boolean dropped=0",
      lineNumber: undefined,
      unparsable: [
        {
          line: 'm2,t=c\\\\ f=2 2000',
          entry: "unable to parse 'm2,t=c\\\\ f=2 2000': invalid tag format",
        },
        { line: 'y f=zz 1000', entry: "unable to parse 'y f=zz 1000': invalid boolean" },
      ],
    });
  });

  it("treats InfluxDB 1.6's all-lines-unparsable 400 (no 'partial write') as line errors", () => {
    const out = classifyResponse(
      400,
      '{"error":"unable to parse \'y f=zz 1000\': invalid boolean"}',
      headers(),
      known,
      NOW,
    );
    expect(out.kind).toBe('lines');
  });

  it("finds a line that itself contains ': ' by trying each delimiter against the lines sent", () => {
    expect(unparsableLines("unable to parse 's f=\"a': b\" 1000': bad timestamp", known)).toEqual([
      { line: 's f="a\': b" 1000', entry: "unable to parse 's f=\"a': b\" 1000': bad timestamp" },
    ]);
  });

  it('treats a field type conflict as a line error that names no line', () => {
    const body =
      '{"error":"partial write: field type conflict: input field \\"x\\" on measurement \\"m\\" is type float, already exists as type integer dropped=1"}';
    const out = classifyResponse(400, body, headers(), known, NOW);
    expect(out).toMatchObject({ kind: 'lines', lineNumber: undefined, unparsable: [] });
  });

  it("reads v2's 400 line number and 2.7's 422 partial write", () => {
    expect(
      classifyResponse(
        400,
        '{"code":"invalid","message":"unable to parse \'q\': missing fields","line":3}',
        headers(),
        known,
        NOW,
      ),
    ).toMatchObject({ kind: 'lines', lineNumber: 3 });
    expect(
      classifyResponse(
        422,
        '{"code":"unprocessable entity","message":"failure writing points to database: partial write: field type conflict: input field \\"value\\" on measurement \\"m\\" is type string, already exists as type float dropped=11"}',
        headers(),
        known,
        NOW,
      ),
    ).toMatchObject({ kind: 'lines', lineNumber: undefined });
  });

  it('retries 429 and 5xx with the Retry-After of the response', () => {
    expect(
      classifyResponse(
        429,
        '{"code":"too many requests","message":"over quota"}',
        headers({ 'Retry-After': '7' }),
        known,
        NOW,
      ),
    ).toEqual({ kind: 'retry', message: 'HTTP 429: over quota', retryAfterMs: 7000 });
    expect(classifyResponse(503, '', headers(), known, NOW)).toEqual({
      kind: 'retry',
      message: 'HTTP 503: (no message)',
      retryAfterMs: undefined,
    });
  });

  it('sorts 413 and the other 4xx apart', () => {
    expect(
      classifyResponse(413, '{"error":"Request Entity Too Large"}', headers(), known, NOW),
    ).toEqual({
      kind: 'tooLarge',
      message: 'HTTP 413: Request Entity Too Large',
    });
    expect(
      classifyResponse(404, '{"error":"database not found: \\"nope\\""}', headers(), known, NOW),
    ).toEqual({ kind: 'request', message: 'HTTP 404: database not found: "nope"' });
    expect(
      classifyResponse(
        401,
        '{"code":"unauthorized","message":"unauthorized access"}',
        headers(),
        known,
        NOW,
      ),
    ).toEqual({ kind: 'request', message: 'HTTP 401: unauthorized access' });
  });
});

describe('errorMessage and retryAfterMs', () => {
  it('falls back to the X-Influxdb-Error header and to plain text', () => {
    expect(errorMessage('', 'timeout')).toBe('timeout');
    expect(errorMessage('upstream connect error', null)).toBe('upstream connect error');
    expect(errorMessage('{broken', null)).toBe('{broken');
  });

  it('reads delta-seconds and HTTP dates, and ignores the unreadable', () => {
    expect(retryAfterMs('0', NOW)).toBe(0);
    expect(retryAfterMs(new Date(NOW + 3000).toUTCString(), NOW)).toBe(3000);
    expect(retryAfterMs('soon', NOW)).toBeUndefined();
    expect(retryAfterMs(null, NOW)).toBeUndefined();
  });
});

import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envelopeProblem } from '../../../src/decode/envelope.js';
import { scanEnvelope, scanMessageLines } from '../../../src/decode/scan.js';
import { Reused } from '../../../src/decode/scratch.js';
import { generateWorkload } from '../../../src/generator/workload.js';
import { LineBuffer } from '../../../src/line-buffer.js';
import type { LogRecord } from '../../../src/model.js';
import { leastLineBytes } from '../../../src/pool/lines.js';

/** What the JavaScript path makes of the bytes: the lines and facts, or undefined when it refuses them. */
function reference(json: Buffer) {
  let v: unknown;
  try {
    v = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  if (envelopeProblem(v) !== undefined) return undefined;
  const env = v as {
    messageType: string;
    owner: string;
    logGroup: string;
    logStream: string;
    logEvents: Array<{ timestamp: number; message: string }>;
  };
  if (env.messageType !== 'DATA_MESSAGE') return undefined;
  const out = new LineBuffer(16);
  const messages: string[] = [];
  for (const e of env.logEvents) {
    out.line(e.message);
    // As UTF-8 bytes read back: a lone surrogate is U+FFFD there.
    messages.push(Buffer.from(e.message).toString());
  }
  const times = env.logEvents.map((e) => e.timestamp);
  return {
    bytes: Buffer.from(out.bytes()),
    events: env.logEvents.length,
    leastTime: times.length === 0 ? 0 : Math.min(...times),
    greatestTime: times.length === 0 ? 0 : Math.max(...times),
    owner: env.owner,
    logGroup: env.logGroup,
    logStream: env.logStream,
    units: leastLineBytes(env.logEvents as unknown as LogRecord[], 'messages'),
    messages,
  };
}

/** The scanner's answer in the same shape; with `before` bytes already in the buffer. */
function scanned(json: Buffer, before = '') {
  const out = new LineBuffer(16);
  out.write(before);
  const at = out.length;
  const r = scanMessageLines(json, out);
  if (r === undefined) {
    expect(out.length).toBe(at);
    return undefined;
  }
  const bytes = Buffer.from(out.bytes().subarray(at));
  const messages: string[] = [];
  for (let k = 0; k < r.events; k++) {
    messages.push(bytes.toString('utf8', r.spans[2 * k], r.spans[2 * k + 1]));
  }
  return {
    bytes,
    events: r.events,
    leastTime: r.events === 0 ? 0 : r.leastTime,
    greatestTime: r.events === 0 ? 0 : r.greatestTime,
    owner: r.owner,
    logGroup: r.logGroup,
    logStream: r.logStream,
    units: r.units,
    messages,
  };
}

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', '\n', 'a\n', '\\', '"', '\ud800', '\udc00x', '\ud83d\ude00', '\u2028\u0000'),
);
const plain = fc.string({ unit: fc.constantFrom('a', '/', '-', 'é', '日', '1'), maxLength: 12 });
const other = fc.jsonValue({ maxDepth: 3 });

/** Envelopes that are valid, and some that are not quite. */
const envelope = fc.record(
  {
    messageType: fc.constantFrom('DATA_MESSAGE', 'DATA_MESSAGE', 'DATA_MESSAGE', 'CONTROL_MESSAGE'),
    owner: fc.oneof({ arbitrary: plain, weight: 4 }, text),
    logGroup: fc.oneof({ arbitrary: plain, weight: 4 }, text),
    logStream: fc.oneof({ arbitrary: plain, weight: 4 }, text),
    subscriptionFilters: fc.array(text, { maxLength: 3 }),
    policyLevel: fc.oneof(fc.string(), fc.constant(null)),
    extra: other,
    logEvents: fc.array(
      fc.record(
        {
          id: fc.oneof(fc.stringMatching(/^\d{56}$/), text),
          timestamp: fc.oneof(
            {
              arbitrary: fc.integer({ min: 1_500_000_000_000, max: 1_900_000_000_000 }),
              weight: 6,
            },
            fc.integer(),
            fc.double(),
          ),
          message: text,
          extractedFields: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })),
        },
        { requiredKeys: ['id', 'timestamp', 'message'] },
      ),
      { maxLength: 8 },
    ),
  },
  {
    requiredKeys: [
      'messageType',
      'owner',
      'logGroup',
      'logStream',
      'subscriptionFilters',
      'logEvents',
    ],
  },
);

/** JSON text of a value with the whitespace JSON allows wherever it may go, or none. */
function spaced(value: unknown, space: string | number | undefined): string {
  return JSON.stringify(value, null, space);
}

function check(json: Buffer, before = ''): 'taken' | 'left' {
  const want = reference(json);
  const got = scanned(json, before);
  if (got !== undefined) {
    // Taken only when the JavaScript path reads the same lines from it.
    expect(want).toBeDefined();
    expect(got.bytes.equals(want?.bytes as Buffer)).toBe(true);
    expect(got).toEqual(want);
    return 'taken';
  }
  return 'left';
}

describe('scanMessageLines (the native message scanner)', () => {
  it('writes the lines the JavaScript path writes, or leaves the payload to it (property)', () => {
    let taken = 0;
    let valid = 0;
    fc.assert(
      fc.property(
        envelope,
        fc.constantFrom(undefined, 2, '\t', ' \r\n'),
        fc.string({ maxLength: 3 }),
        (env, space, before) => {
          const json = Buffer.from(spaced(env, space));
          if (reference(json) !== undefined) valid++;
          if (check(json, before) === 'taken') taken++;
        },
      ),
      { numRuns: 2000 },
    );
    // About half the valid envelopes are taken; the others have escapes in owner, group or
    // stream, or timestamps that are not integers of at most 15 digits. Six runs: 854-931
    // valid, 479-516 taken.
    expect(valid).toBeGreaterThan(600);
    expect(taken).toBeGreaterThan(300);
  });

  it('leaves damaged payloads to the JavaScript path unless they still read the same (property)', () => {
    const cases = fc
      .tuple(
        envelope,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('flip', 'cut', 'insert'),
      )
      .map(([env, at, byte, how]) => {
        const good = Buffer.from(JSON.stringify(env));
        const i = at % good.length;
        if (how === 'cut') return good.subarray(0, i);
        if (how === 'insert')
          return Buffer.concat([good.subarray(0, i), Buffer.from([byte]), good.subarray(i)]);
        const bad = Buffer.from(good);
        bad[i] = byte;
        return bad;
      });
    fc.assert(
      fc.property(cases, (json) => {
        check(json);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the generated workload the JavaScript path’s lines, and takes every payload of it', () => {
    let payloads = 0;
    for (const p of generateWorkload({ events: 3000, seed: 8 })) {
      const json = Buffer.from(JSON.stringify(p.envelope));
      expect(check(json)).toBe('taken');
      payloads++;
    }
    expect(payloads).toBeGreaterThan(10);
  });

  const base = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/aws/lambda/f',
    logStream: 's',
    subscriptionFilters: ['all'],
    logEvents: [
      { id: '1', timestamp: 1_700_000_000_000, message: 'a' },
      { id: '2', timestamp: 1_700_000_000_001, message: 'b\n' },
    ],
  };
  const json = (s: string) => Buffer.from(s);

  it('takes an ordinary payload, with unknown members anywhere', () => {
    const env = {
      extra: [{ deep: [1, -2.5e-3, true, false, null, 'x\\y'] }],
      ...base,
      policyLevel: 'ACCOUNT_LEVEL_POLICY',
      logEvents: base.logEvents.map((e) => ({ extractedFields: { k: 'v' }, ...e })),
    };
    const got = scanned(json(JSON.stringify(env)));
    expect(got?.bytes.toString()).toBe('a\nb\n');
    expect(got).toMatchObject({
      events: 2,
      leastTime: 1_700_000_000_000,
      greatestTime: 1_700_000_000_001,
      owner: '123456789012',
      logGroup: '/aws/lambda/f',
      logStream: 's',
    });
  });

  it.each([
    ['a key twice (JSON.parse keeps the last)', `{"owner":"9",${JSON.stringify(base).slice(1)}`],
    [
      'a key spelled with an escape',
      JSON.stringify(base).replace('"logGroup"', '"log\\u0047roup"'),
    ],
    ['an escaped log group', JSON.stringify({ ...base, logGroup: 'a"b' })],
    ['a control message', JSON.stringify({ ...base, messageType: 'CONTROL_MESSAGE' })],
    [
      'a timestamp with a fraction',
      JSON.stringify({ ...base, logEvents: [{ id: '1', timestamp: 1.5, message: 'm' }] }),
    ],
    [
      'a timestamp of 16 digits',
      JSON.stringify({ ...base, logEvents: [{ id: '1', timestamp: 1e15, message: 'm' }] }),
    ],
    ['a byte order mark', `\ufeff${JSON.stringify(base)}`],
    ['bytes after the object', `${JSON.stringify(base)} x`],
    ['a missing member', JSON.stringify({ ...base, subscriptionFilters: undefined })],
    [
      'nesting deeper than 64',
      JSON.stringify({ ...base, x: JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`) }),
    ],
  ])('leaves to the JavaScript path %s', (_why, text) => {
    expect(scanned(json(text))).toBeUndefined();
  });

  it('leaves bytes that are not UTF-8 to the JavaScript path (which refuses them)', () => {
    const good = Buffer.from(
      JSON.stringify({ ...base, logEvents: [{ id: '1', timestamp: 1, message: 'é' }] }),
    );
    expect(scanned(good)?.bytes.toString()).toBe('é\n');
    const bad = Buffer.from(good);
    bad[bad.indexOf(0xc3)] = 0xff;
    expect(scanned(bad)).toBeUndefined();
  });

  it('writes escapes as JSON.parse reads them and lone surrogates as U+FFFD', () => {
    const text =
      '{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":[],' +
      '"logEvents":[{"id":"1","timestamp":0,"message":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u65E5\\ud83d\\ude00\\ud800\\ud800\\ude00\\udc00"}]}';
    const got = scanned(json(text));
    expect(got?.bytes.toString()).toBe('"\\/\b\f\n\r\té日😀\ufffd𐈀\ufffd\n');
    expect(got?.bytes.equals(reference(json(text))?.bytes as Buffer)).toBe(true);
  });
});

/** The same envelopes, four in five without members of their own or extractedFields, members in any order. */
const anyOrder = fc.tuple(envelope, fc.nat(4), fc.nat(4)).chain(([env, keepExtra, keepFields]) => {
  const e: Record<string, unknown> = { ...env };
  if (keepExtra > 0) delete e.extra;
  if (keepFields > 0) e.logEvents = env.logEvents.map(({ extractedFields: _f, ...rest }) => rest);
  return fc
    .shuffledSubarray(Object.keys(e), { minLength: Object.keys(e).length })
    .map((keys) => Object.fromEntries(keys.map((k) => [k, e[k]])));
});

/** scanEnvelope's answer for bytes: taken (and then exactly what JSON.parse gives) or left. */
function checkEnvelope(json: Buffer): 'taken' | 'left' {
  const got = scanEnvelope(
    json,
    json.every((b) => b < 0x80),
  );
  if (got === undefined) return 'left';
  const want = JSON.parse(json.toString('utf8'));
  expect(envelopeProblem(want)).toBeUndefined();
  expect(got).toEqual(want);
  // The same members in the same order, at every level (what JSON.stringify shows).
  expect(JSON.stringify(got)).toBe(JSON.stringify(want));
  return 'taken';
}

describe('scanEnvelope (the native envelope reader)', () => {
  it('gives what JSON.parse gives, members in the same order, or leaves the payload to it (property)', () => {
    let taken = 0;
    fc.assert(
      fc.property(anyOrder, fc.constantFrom(undefined, 1, '\t'), (env, space) => {
        if (checkEnvelope(Buffer.from(JSON.stringify(env, null, space))) === 'taken') taken++;
      }),
      { numRuns: 2000 },
    );
    // Left: members of its own, extractedFields, escapes in owner, group, stream or policy,
    // timestamps that are not integers of at most 15 digits, control messages.
    // Six runs: 190-216 taken of 2,000.
    expect(taken).toBeGreaterThan(120);
  });

  it('leaves damaged payloads to JSON.parse unless they still read the same (property)', () => {
    fc.assert(
      fc.property(anyOrder, fc.nat(), fc.integer({ min: 0, max: 255 }), (env, at, byte) => {
        const json = Buffer.from(JSON.stringify(env));
        json[at % json.length] = byte;
        if (isUtf8(json)) checkEnvelope(json);
      }),
      { numRuns: 3000 },
    );
  });

  it('takes every payload of the generated workload', () => {
    for (const p of generateWorkload({ events: 3000, seed: 9 })) {
      expect(checkEnvelope(Buffer.from(JSON.stringify(p.envelope)))).toBe('taken');
    }
  });

  it('keeps policyLevel and the subscription filters, and leaves members of its own and extractedFields', () => {
    const base = {
      owner: '1',
      logGroup: 'g',
      logStream: 's',
      subscriptionFilters: ['a', 'b\u00e9'],
      messageType: 'DATA_MESSAGE',
      logEvents: [{ id: '7', timestamp: 3, message: 'm' }],
      policyLevel: 'ACCOUNT_LEVEL_POLICY',
    };
    expect(checkEnvelope(Buffer.from(JSON.stringify(base)))).toBe('taken');
    expect(checkEnvelope(Buffer.from(JSON.stringify({ ...base, mine: 1 })))).toBe('left');
    const fields = { ...base, logEvents: [{ ...base.logEvents[0], extractedFields: { a: 'b' } }] };
    expect(checkEnvelope(Buffer.from(JSON.stringify(fields)))).toBe('left');
    const reordered = { ...base, logEvents: [{ message: 'm', id: '7', timestamp: 3 }] };
    expect(checkEnvelope(Buffer.from(JSON.stringify(reordered)))).toBe('left');
  });
});

describe('span arrays of large payloads', () => {
  it('keeps arrays up to its limit and makes a longer one for the call that needs it, not kept', () => {
    const r = new Reused((n) => new Int32Array(n), 10_000);
    const first = r.atLeast(100);
    expect(first.length).toBeGreaterThanOrEqual(100);
    expect(r.atLeast(2048)).toBe(first);
    const grown = r.atLeast(5000);
    expect(grown).not.toBe(first);
    expect(grown.length).toBeGreaterThanOrEqual(5000);
    expect(r.atLeast(10)).toBe(grown);
    const huge = r.atLeast(20_000);
    expect(huge.length).toBeGreaterThanOrEqual(20_000);
    // Not kept: the next call, of any size up to the limit, gets the kept array again.
    expect(r.atLeast(10)).toBe(grown);
    expect(r.atLeast(20_000)).not.toBe(huge);
  });

  it('reads payloads over 4 MiB of JSON (arrays of their own) as the JavaScript path does, and small ones after them', () => {
    const events = [];
    for (let k = 0; k < 16_000; k++)
      events.push({
        id: `${k}`.padStart(56, '0'),
        timestamp: 1_767_225_600_000 + k,
        message: `line ${k} "quoted" é ${'x'.repeat(200)}`,
      });
    const big = Buffer.from(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '123456789012',
        logGroup: 'g',
        logStream: 's',
        subscriptionFilters: ['f'],
        logEvents: events,
      }),
    );
    expect(big.length).toBeGreaterThan(4 * 1024 * 1024);
    const small = Buffer.from(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '1',
        logGroup: 'g',
        logStream: 's',
        subscriptionFilters: [],
        logEvents: events.slice(0, 3),
      }),
    );
    for (const json of [small, big, small]) {
      // check() without its toEqual of the whole answer, which compares 4 MB of bytes slowly.
      const want = reference(json);
      const got = scanned(json);
      expect(got?.bytes.equals(want?.bytes as Buffer)).toBe(true);
      expect({ ...got, bytes: undefined }).toEqual({ ...want, bytes: undefined });
      expect(got?.events).toBe(json === big ? 16_000 : 3);
      expect(checkEnvelope(json)).toBe('taken');
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AthenaQueryError } from '../../src/athena/errors.js';
import {
  type AthenaColumnInfo,
  columnDecoder,
  parseComplexText,
  resultColumns,
} from '../../src/athena/values.js';
import type { CellValue } from '../../src/types.js';

function decode(type: string, text: string, extra: Partial<AthenaColumnInfo> = {}): CellValue {
  return columnDecoder({ Name: 'c', Type: type, ...extra })(text);
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return AthenaQueryError.isInstance(err) ? err.code : `not an AthenaQueryError: ${err}`;
  }
  return undefined;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Trino's rendering of a timestamp(3): `YYYY-MM-DD HH:MM:SS.mmm`. */
function trinoTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

describe('columnDecoder', () => {
  it.each([
    ['varchar', 'a b', 'a b'],
    ['char', 'x  ', 'x  '],
    ['tinyint', '-8', -8],
    ['smallint', '300', 300],
    ['integer', '2147483647', 2147483647],
    ['bigint', '-9223372036854775808', -9223372036854775808n],
    ['double', '1.0E-5', 1e-5],
    ['double', 'Infinity', Number.POSITIVE_INFINITY],
    ['real', '0.5', 0.5],
    ['boolean', 'false', false],
    ['date', '1970-01-01', new Date(0)],
    ['timestamp', '2026-01-02 03:04:05.123456', new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 123))],
    ['timestamp', '2026-01-02 03:04:05', new Date(Date.UTC(2026, 0, 2, 3, 4, 5))],
    ['timestamp(6)', '2026-01-02 03:04:05.1', new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 100))],
    [
      'timestamp with time zone',
      '2026-01-15 12:00:00.000 America/New_York',
      new Date(Date.UTC(2026, 0, 15, 17)),
    ],
    [
      'timestamp with time zone',
      '2026-07-15 12:00:00.000 America/New_York',
      new Date(Date.UTC(2026, 6, 15, 16)),
    ],
    [
      'timestamp with time zone',
      '2026-01-15 12:00:00.000 -03:00',
      new Date(Date.UTC(2026, 0, 15, 15)),
    ],
    ['json', '{"a":{"b":[1.5,"x"]}}', { a: { b: [1.5, 'x'] } }],
    ['array', '[1, 2, 3]', ['1', '2', '3']],
    ['map', '{a=1}', { a: '1' }],
    ['row', '{f0=a, f1={g=[]}}', { f0: 'a', f1: { g: [] } }],
    ['varbinary', '68 65 6c 6c 6f', '68 65 6c 6c 6f'],
    ['interval day to second', '1 02:03:04.000', '1 02:03:04.000'],
    ['VARCHAR', 'upper-case type names work', 'upper-case type names work'],
  ] as const)('%s %j', (type, text, expected) => {
    expect(decode(type, text)).toEqual(expected);
  });

  it('returns decimals of up to 15 digits as numbers and wider ones as their exact text', () => {
    expect(decode('decimal', '12345678901.2345', { Precision: 15, Scale: 4 })).toBe(
      12345678901.2345,
    );
    expect(decode('decimal', '1234567890123456.7', { Precision: 17, Scale: 1 })).toBe(
      '1234567890123456.7',
    );
    expect(decode('decimal', '1.5')).toBe('1.5'); // no precision reported: keep the text
  });

  it.each([
    ['integer', '1.5'],
    ['bigint', 'twelve'],
    ['double', 'one'],
    ['boolean', 'yes'],
    ['date', '2026-02-30'],
    ['date', '2026-1-1'],
    ['timestamp', '2026-01-02T25:00:00'],
    ['timestamp with time zone', '2026-01-02 03:04:05.000 Mars/Olympus_Mons'],
    ['json', '{nope'],
    ['array', '[a, b'],
    ['map', '{a}'],
    ['decimal', '1e5'],
  ])('refuses %s %j with INVALID_RESULT', (type, text) => {
    expect(code(() => decode(type, text, { Precision: 10 }))).toBe('INVALID_RESULT');
  });

  it('reads any timestamp(3) text back as the instant it renders (property)', () => {
    const min = Date.UTC(1, 0, 1);
    const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    fc.assert(
      fc.property(fc.integer({ min, max }), (ms) => {
        expect((decode('timestamp', trinoTimestamp(ms)) as Date).getTime()).toBe(ms);
      }),
    );
  });

  it('applies a numeric zone offset to the wall time (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (ms, offsetMinutes) => {
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const text = `${trinoTimestamp(ms + offsetMinutes * 60_000)} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
          expect((decode('timestamp with time zone', text) as Date).getTime()).toBe(ms);
        },
      ),
    );
  });

  it('reads every finite double back from its text (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        expect(decode('double', String(d))).toBe(d === 0 ? 0 : d);
      }),
    );
  });
});

describe('parseComplexText', () => {
  /** Elements Trino renders unambiguously: no `, `, `=`, brackets, and not the word null. */
  const plain = fc
    .string({ maxLength: 8 })
    .filter((s) => !/[[\]{}=]|, /.test(s) && s !== 'null' && !s.endsWith(','));

  it('parses rendered arrays and maps of plain strings back to their elements (property)', () => {
    fc.assert(
      fc.property(
        // `[]` is both ARRAY[] and ARRAY[''] in Trino's rendering: the parser reads [].
        fc
          .array(fc.option(plain, { nil: null }), { maxLength: 6 })
          .filter((a) => !(a.length === 1 && a[0] === '')),
        fc.dictionary(
          plain.filter((k) => k !== '' && k !== '__proto__'),
          fc.option(plain, { nil: null }),
          { maxKeys: 6 },
        ),
        (items, dict) => {
          const array = `[${items.map((v) => v ?? 'null').join(', ')}]`;
          expect(parseComplexText(array)).toEqual(items);
          const map = `{${Object.entries(dict)
            .map(([k, v]) => `${k}=${v ?? 'null'}`)
            .join(', ')}}`;
          expect(parseComplexText(map)).toEqual(dict);
          const nested = `[${array}, ${map}]`;
          expect(parseComplexText(nested)).toEqual([items, dict]);
        },
      ),
    );
  });

  it('refuses text that is not an array, map or row', () => {
    for (const text of ['a', '', '[', '[a]]', '{a=1', '{a=1}}', '[a,b]x']) {
      expect(code(() => parseComplexText(text))).toBe('INVALID_RESULT');
    }
  });
});

describe('resultColumns', () => {
  it('names columns by Name, then Label, then position, with lower-case types', () => {
    expect(
      resultColumns([{ Name: 'a', Type: 'VARCHAR' }, { Label: 'b', Type: 'bigint' }, {}]),
    ).toEqual([
      { name: 'a', type: 'varchar' },
      { name: 'b', type: 'bigint' },
      { name: '_col2', type: 'varchar' },
    ]);
  });
});

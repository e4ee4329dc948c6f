import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogfmtParser } from '../../../src/parsers/app.js';
import { formatLogfmt, looksLikeLogfmt, parseLogfmt } from '../../../src/parsers/logfmt.js';
import type { ParseContext } from '../../../src/parsers/types.js';

const ctx: ParseContext = {
  origin: { owner: '123456789012', logGroup: 'my-app', logStream: 'web-1' },
  time: Date.UTC(2026, 0, 1),
};

describe('parseLogfmt', () => {
  it('reads a Heroku router line into string pairs', () => {
    expect(
      parseLogfmt(
        'at=info method=GET path="/" host=myapp.herokuapp.com request_id=8601b555 fwd="204.204.204.204" dyno=web.1 connect=1ms service=18ms status=200 bytes=13 protocol=https',
      ),
    ).toStrictEqual({
      at: 'info',
      method: 'GET',
      path: '/',
      host: 'myapp.herokuapp.com',
      request_id: '8601b555',
      fwd: '204.204.204.204',
      dyno: 'web.1',
      connect: '1ms',
      service: '18ms',
      status: '200',
      bytes: '13',
      protocol: 'https',
    });
  });

  it('reads bare keys as true and key= as the empty string', () => {
    expect(parseLogfmt('cached a= b="" c')).toStrictEqual({ cached: true, a: '', b: '', c: true });
    expect(parseLogfmt('k=')).toStrictEqual({ k: '' });
  });

  it('unescapes quoted values and keeps unicode as is', () => {
    expect(
      parseLogfmt('msg="say \\"hi\\" \\\\ \\/ tab\\tnl\\ncr\\r \\u00e9\\ud83d\\ude80" who=Zoë'),
    ).toStrictEqual({
      msg: 'say "hi" \\ / tab\tnl\ncr\r é🚀',
      who: 'Zoë',
    });
  });

  it('finds the end of each quoted value past escaped quotes and backslashes', () => {
    expect(parseLogfmt('a="x\\"y" b="p\\\\q" c="\\n"')).toStrictEqual({
      a: 'x"y',
      b: 'p\\q',
      c: '\n',
    });
    expect(parseLogfmt('a="one" b="two \\"three\\"" c=4')).toStrictEqual({
      a: 'one',
      b: 'two "three"',
      c: '4',
    });
    expect(parseLogfmt('a="\\\\" b="\\"" c="" d=\\')).toStrictEqual({
      a: '\\',
      b: '"',
      c: '',
      d: '\\',
    });
    expect(parseLogfmt('a="x" b="\\u00e9\\"')).toBe(
      'logfmt: unterminated quoted value for key "b" (opened at column 9)',
    );
    expect(parseLogfmt('a="x\\" b="y"')).toBe(
      'logfmt: expected a space after the quoted value of "a" at column 11',
    );
  });

  it('separates pairs by any run of whitespace and control characters', () => {
    expect(parseLogfmt('  a=1\t\tb=2\r\n c=3 \u0001d=4  ')).toStrictEqual({
      a: '1',
      b: '2',
      c: '3',
      d: '4',
    });
    expect(parseLogfmt('')).toStrictEqual({});
    expect(parseLogfmt('   ')).toStrictEqual({});
  });

  it('keeps a backslash in an unquoted value and the last value of a repeated key', () => {
    expect(parseLogfmt('path=C:\\tmp a=1 a=2')).toStrictEqual({ path: 'C:\\tmp', a: '2' });
  });

  it('stores a __proto__ key as an own member without touching the prototype', () => {
    const r = parseLogfmt('__proto__=x polluted=no');
    expect(typeof r).toBe('object');
    const o = r as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(o, '__proto__')?.value).toBe('x');
    expect(Object.keys(o)).toEqual(['__proto__', 'polluted']);
  });

  it.each([
    ['=x', /'=' without a key at column 1/],
    ['a=1 =2', /'=' without a key at column 5/],
    ['"a"=1', /unexpected '"' at column 1/],
    ['a"b=1', /unexpected '"' in key at column 2/],
    ['a=b=c', /unexpected '=' in the value of "a" at column 4/],
    ['a=b"c', /unexpected '"' in the value of "a"/],
    ['a="open', /unterminated quoted value for key "a" \(opened at column 3\)/],
    ['a="ends in backslash\\', /unterminated quoted value/],
    ['a="x"b=1', /expected a space after the quoted value of "a" at column 6/],
    ['a="\\q"', /unknown escape '\\q' at column 4/],
    ['a="\\u12G4"', /bad \\u escape at column 4/],
    ['a="\\u12"', /bad \\u escape/],
  ])('gives a reason for %j', (line, reason) => {
    const r = parseLogfmt(line);
    expect(typeof r).toBe('string');
    expect(r).toMatch(/^logfmt: /);
    expect(r).toMatch(reason);
  });

  it('reads back what formatLogfmt writes (property)', () => {
    const key = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((k) => {
      for (let i = 0; i < k.length; i++) {
        const c = k.charCodeAt(i);
        if (c <= 0x20 || c === 0x3d || c === 0x22) return false;
      }
      return true;
    });
    const value = fc.oneof(
      fc.constant(true as const),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', ' ', '"', '\\', '=', 'a b', '\\"', 'C:\\x', '\u0000\u007f'),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.oneof(key, fc.constant('__proto__')), value, { noNullPrototype: true }),
        (pairs) => {
          expect(parseLogfmt(formatLogfmt(pairs))).toStrictEqual(pairs);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads each line alone, whatever keys earlier lines had', () => {
    // Keys of recent lines are reused when the text matches; lines that share a first key,
    // a prefix of keys, or keys differing in one character must not be mixed up.
    // Expected: the pairs as JSON entries, in order (or the start of the reason).
    const lines: [string, string][] = [
      ['a=1 b=2 c', '[["a","1"],["b","2"],["c",true]]'],
      ['a=1 bb=2 c', '[["a","1"],["bb","2"],["c",true]]'],
      ['ab=1 b=2', '[["ab","1"],["b","2"]]'],
      ['a=3 b=4 c=5 d=6', '[["a","3"],["b","4"],["c","5"],["d","6"]]'],
      ['a=1 b', '[["a","1"],["b",true]]'],
      ['a=1 c=2', '[["a","1"],["c","2"]]'],
      ['b=1 a=2 b=3', '[["b","3"],["a","2"]]'],
      ['1=x 0=y a=z', '[["0","y"],["1","x"],["a","z"]]'],
      ['a=1 __proto__=p', '[["a","1"],["__proto__","p"]]'],
      ['a=1 __proto__=q b=', '[["a","1"],["__proto__","q"],["b",""]]'],
      ['a=1 b="open', 'logfmt: unterminated'],
      ['a=2 b=3', '[["a","2"],["b","3"]]'],
    ];
    for (let pass = 0; pass < 2; pass++) {
      for (const [line, expected] of lines) {
        const r = parseLogfmt(line);
        if (typeof r === 'string') {
          expect(r.startsWith(expected)).toBe(true);
        } else {
          expect(JSON.stringify(Object.entries(r))).toBe(expected);
          expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
        }
      }
    }
  });

  it('reads back pairs in their order after lines with the same keys (property)', () => {
    const key = fc.constantFrom(
      'a',
      'ab',
      'b',
      'ba',
      'level',
      '__proto__',
      'k\u00e9',
      'x'.repeat(80),
    );
    const value = fc.oneof(fc.constant(true as const), fc.constantFrom('', '1', 'a b', '"q"'));
    const pairs = fc.array(fc.tuple(key, value), { maxLength: 8 });
    fc.assert(
      fc.property(fc.array(pairs, { minLength: 1, maxLength: 6 }), (lines) => {
        for (const list of lines) {
          const expected = new Map<string, string | true>();
          for (const [k, v] of list) expected.set(k, v);
          const line = list.map(([k, v]) => (v === true ? k : formatLogfmt({ [k]: v }))).join(' ');
          const r = parseLogfmt(line);
          expect(Object.entries(r as Record<string, string | true>)).toEqual([...expected]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary strings (property)', () => {
    const chars = fc.constantFrom('a', 'b', '=', '"', '\\', ' ', '\t', 'u', '0', 'é', '\ud83d');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: chars })), (s) => {
        const r = parseLogfmt(s);
        expect(typeof r === 'string' || (typeof r === 'object' && r !== null)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('formatLogfmt', () => {
  it('quotes only the values that need it', () => {
    expect(
      formatLogfmt({
        level: 'info',
        msg: 'hello world',
        q: 'a="b"',
        e: '',
        cached: true,
        p: 'C:\\x',
      }),
    ).toBe('level=info msg="hello world" q="a=\\"b\\"" e= cached p="C:\\\\x"');
  });
});

describe('looksLikeLogfmt', () => {
  it('needs two key=value pairs and more pairs than bare words', () => {
    const judge = (s: string) => {
      const p = parseLogfmt(s);
      return typeof p !== 'string' && looksLikeLogfmt(p);
    };
    expect(judge('at=info method=GET path=/')).toBe(true);
    expect(judge('level=warn msg="disk almost full" retry')).toBe(true);
    expect(judge('retry=3')).toBe(false);
    expect(judge('hello world')).toBe(false);
    expect(judge('user bob set a=1 b=2 ok')).toBe(false);
  });
});

describe('logfmt parser', () => {
  it('accepts a logfmt line with its level and all four app fields', () => {
    const r = createLogfmtParser().parse(
      'ts=2026-01-01T00:00:00Z level=WARN msg="slow query" duration=812ms',
      ctx,
    );
    expect(r).toStrictEqual({
      ok: true,
      dataset: 'app',
      fields: {
        format: 'logfmt',
        level: 'warn',
        fields: { ts: '2026-01-01T00:00:00Z', level: 'WARN', msg: 'slow query', duration: '812ms' },
        parse_error: null,
      },
      metrics: undefined,
    });
  });

  it('rejects prose and broken logfmt with a reason', () => {
    const p = createLogfmtParser();
    expect(p.parse('Server started on port 8080', ctx)).toMatchObject({
      ok: false,
      reason: /^not logfmt/,
    });
    expect(p.parse('a="open b=2', ctx)).toMatchObject({ ok: false, reason: /unterminated/ });
  });
});

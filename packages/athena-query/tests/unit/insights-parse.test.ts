import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command, Expr, InsightsQuery } from '../../src/insights/ast.js';
import { InsightsSyntaxError } from '../../src/insights/errors.js';
import { parseInsights } from '../../src/insights/parse.js';
import { insightsQuery } from '../support/reference-evaluator.js';

function syntaxError(text: string): InsightsSyntaxError {
  try {
    parseInsights(text);
  } catch (err) {
    if (err instanceof InsightsSyntaxError) return err;
    throw err;
  }
  throw new Error(`parsed: ${text}`);
}

/** The AST without positions and source text, for comparing two spellings of one query. */
function shape(q: InsightsQuery): unknown {
  return JSON.parse(
    JSON.stringify(q.commands, (key, value) =>
      key === 'pos' || key === 'text' || key === 'source' ? undefined : value,
    ),
  );
}

describe('parseInsights', () => {
  it('reads commands, aliases, stats by keys, and sort directions', () => {
    const q = parseInsights(
      'filter @message like /Exception/ | stats count(*) as exceptionCount by bin(1h) | sort exceptionCount desc | limit 5',
    );
    expect(q.commands.map((c) => c.type)).toEqual(['filter', 'stats', 'sort', 'limit']);
    const stats = q.commands[1] as Command & { type: 'stats' };
    expect(stats.items[0]).toMatchObject({ alias: 'exceptionCount', name: 'exceptionCount' });
    expect(stats.by[0]).toMatchObject({
      name: 'bin(1h)',
      expr: { kind: 'call', name: 'bin', args: [{ kind: 'duration', amount: 1, unit: 'h' }] },
    });
    expect(q.commands[2]).toMatchObject({ keys: [{ direction: 'desc' }] });
    expect(q.commands[3]).toMatchObject({ count: 5 });
  });

  it('names un-aliased outputs by their text, as Logs Insights does', () => {
    const q = parseInsights('stats avg(@duration), max(@duration), count(*) by bin(5m)');
    const stats = q.commands[0] as Command & { type: 'stats' };
    expect([...stats.items, ...stats.by].map((p) => p.name)).toEqual([
      'avg(@duration)',
      'max(@duration)',
      'count(*)',
      'bin(5m)',
    ]);
  });

  it('gives and binds tighter than or, and not applies to a whole comparison', () => {
    const q = parseInsights('filter not a = 1 or b = 2 and c = 3');
    const e = (q.commands[0] as Command & { type: 'filter' }).condition;
    expect(e).toMatchObject({
      op: 'or',
      left: { kind: 'unary', op: 'not', operand: { op: '=' } },
      right: { op: 'and' },
    });
  });

  it('reads backticked names, dotted JSON paths and list indexes as field paths', () => {
    const q = parseInsights(
      'fields `foo-bar`, requestParameters.userName, map.`special.char`, users[1].action',
    );
    const items = (q.commands[0] as Command & { type: 'fields' }).items.map(
      (i) => i.expr as Expr & { kind: 'field' },
    );
    expect(items.map((i) => i.path)).toEqual([
      ['foo-bar'],
      ['requestParameters', 'userName'],
      ['map', 'special.char'],
      ['users', '1', 'action'],
    ]);
  });

  it('reads strings with escapes and regexes with an escaped slash', () => {
    const q = parseInsights(`filter a = "say \\"hi\\"\\n" and b like /a\\/b\\d/`);
    const e = (q.commands[0] as Command & { type: 'filter' }).condition as Expr & {
      kind: 'binary';
    };
    expect(e.left).toMatchObject({ right: { kind: 'string', value: 'say "hi"\n' } });
    expect(e.right).toMatchObject({ kind: 'match', pattern: { kind: 'regex', pattern: 'a/b\\d' } });
  });

  it('treats / as division except where a pattern is expected', () => {
    const q = parseInsights('fields a / 2 / b as x | filter x like /2/');
    expect((q.commands[0] as Command & { type: 'fields' }).items[0]?.expr).toMatchObject({
      op: '/',
      left: { op: '/' },
    });
  });

  it('reads parse with a glob, a regex with named groups, and @message by default', () => {
    const q = parseInsights(
      'parse "[*] *" as level, rest | parse rest /(?<code>\\d+) (?<word>\\w+)/',
    );
    expect(q.commands[0]).toMatchObject({
      source: { name: '@message' },
      names: ['level', 'rest'],
      groups: [1, 2],
    });
    expect(q.commands[1]).toMatchObject({
      source: { name: 'rest' },
      names: ['code', 'word'],
      groups: [1, 2],
    });
  });

  it('skips # comments, including in the middle of a command list', () => {
    const q = parseInsights(
      'fields @timestamp, @message\n    # | filter @message like /delay/\n    | limit 20',
    );
    expect(q.commands.map((c) => c.type)).toEqual(['fields', 'limit']);
  });

  it('keeps documented commands it does not compile as unsupported nodes', () => {
    const q = parseInsights('fields @message | pattern @message | limit 5');
    expect(q.commands[1]).toMatchObject({ type: 'unsupported', name: 'pattern', text: '@message' });
  });

  it.each([
    ['stats count(*) by', 1, 18, 'expected an expression'],
    ['fields @message |', 1, 18, 'expected a command after |'],
    ['filter a = "open', 1, 12, 'unterminated string'],
    ['filter a like /abc', 1, 15, 'unterminated regular expression'],
    ['fields a\n| stats cout(*)', 2, 9, 'unknown function "cout" (did you mean count?)'],
    ['fields a\n| fitler a = 1', 2, 3, 'unknown command "fitler" (did you mean filter?)'],
    ['stats avg(a) by bin(5x)', 1, 21, '"5x" is not a number or a time period'],
    ['stats count(*) by bin(300s)', 1, 23, 'over the cap of 60'],
    ['filter a = 1 = 2', 1, 14, 'comparisons cannot be chained'],
    ['parse @message "* [*]" as a', 1, 16, 'the glob pattern has 2 * but 1 field name'],
    ['parse @message /no groups/', 1, 16, 'needs named groups'],
    ['stats sum(avg(a))', 1, 11, 'aggregate functions cannot be nested'],
    ['stats pct(a, 150)', 1, 14, 'pct() takes a percentile from 0 to 100'],
    ['limit 0', 1, 7, 'limit takes a whole number'],
    ['limit 20000', 1, 7, 'at most 10000'],
    [
      'sort a | stats count(*) by b | stats count(*)',
      1,
      1,
      'sort must come after the second stats',
    ],
    ['dedup a | sort a', 1, 11, 'only limit can follow dedup'],
    ['filter bin(5m) > 1 and 5m', 1, 24, 'time period like 5m can only be an argument'],
    ['fields x\u0007', 1, 9, 'unexpected character U+0007'],
    ['filter a ! b', 1, 10, 'use != for "not equal"'],
    ['', 1, 1, 'the query is empty'],
    [
      'stats count(*) by a | stats count(*) by b | stats count(*)',
      1,
      45,
      'at most 2 stats commands',
    ],
  ])('rejects %j at line %i, column %i: %s', (text, line, column, message) => {
    const err = syntaxError(text);
    expect(err).toMatchObject({ code: 'QUERY_SYNTAX', line, column });
    expect(err.message).toContain(message);
    // The message shows the line with a caret under the column.
    const caret = err.message.split('\n').pop() as string;
    expect(caret.indexOf('^') - 4).toBe(column - 1);
  });

  it('reports line and column on the right line of a multi-line query', () => {
    const err = syntaxError('fields @timestamp\n  | filter status >= 400 and\n  | limit 5');
    expect(err).toMatchObject({ line: 3, column: 3 });
  });

  it('parses every generated query', () => {
    fc.assert(
      fc.property(insightsQuery(), (text) => {
        expect(parseInsights(text).commands.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same tree whatever the keyword case, spacing and comments', () => {
    const spell = (text: string, upper: boolean, spacing: string) =>
      text
        .replace(
          /\b(fields|filter|stats|sort|limit|parse|dedup|display|by|as|and|or|not|in|like|asc|desc)\b(?=(?:[^"'`/]|"[^"]*"|'[^']*')*$)/g,
          (k) => (upper ? k.toUpperCase() : k),
        )
        .replaceAll(' | ', `${spacing}| `);
    fc.assert(
      fc.property(
        insightsQuery(),
        fc.boolean(),
        fc.constantFrom(' ', '\n  ', ' # note\n', '\t\n'),
        (text, upper, spacing) => {
          expect(shape(parseInsights(spell(text, upper, spacing)))).toEqual(
            shape(parseInsights(text)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('either parses or throws an InsightsSyntaxError inside the text, for any input', () => {
    const alphabet = fc.constantFrom(
      ...'fields filter stats by as sort limit parse dedup | , ( ) [ ] " \' ` / * + - = != < > =~ # @ a b 1 5m \n \\ . like in not and or bin count'.split(
        ' ',
      ),
      ' ',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 30 }).map((xs) => xs.join(' ')),
        fc.string({ maxLength: 40 }),
        (tokens, noise) => {
          for (const text of [tokens, noise, tokens + noise]) {
            try {
              parseInsights(text);
            } catch (err) {
              expect(err).toBeInstanceOf(InsightsSyntaxError);
              const e = err as InsightsSyntaxError;
              expect(e.offset).toBeGreaterThanOrEqual(0);
              expect(e.offset).toBeLessThanOrEqual(text.length);
              expect(e.line).toBeGreaterThanOrEqual(1);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

/**
 * Parsers of the generic `app` dataset: JSON objects (EMF documents included),
 * logfmt and plain text, and the combined `app` parser that picks among them.
 * Every result has the same four fields, `null` where absent:
 * `{ format, level, fields, parse_error }`.
 */
import { emfMetrics, isEmfDocument } from './emf.js';
import { looksLikeLogfmt, parseLogfmt } from './logfmt.js';
import type { ParseContext, ParseOk, ParseResult, Parser } from './types.js';
import { fail, ok } from './types.js';

const DATASET = 'app';

/** How an `app` message was read. */
export type AppFormat = 'json' | 'emf' | 'logfmt' | 'text';

/**
 * Fields of an `app` record: every column of the dataset, `null` when absent.
 *
 * @example
 * ```ts
 * const f: AppFields = { format: 'logfmt', level: 'info', fields: { at: 'info' }, parse_error: null };
 * ```
 */
export type AppFields = {
  format: AppFormat;
  /** Lower case, as the message states it (`warn` and `warning` stay distinct). */
  level: string | null;
  /** The JSON object or the logfmt pairs; `null` for text. */
  fields: Record<string, unknown> | null;
  parse_error: string | null;
};

// pino's numeric levels; any other number gives no level.
const PINO_LEVELS: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * Text level tokens (lower case) recognised by the text parser, by length:
 * `TEXT_LEVELS[n]` holds the levels of n letters.
 */
const TEXT_LEVELS: readonly (readonly string[])[] = [
  [],
  [],
  [],
  [],
  ['info', 'warn'],
  ['trace', 'debug', 'error', 'fatal'],
  ['notice'],
  ['warning'],
  ['critical'],
];
const MIN_LEVEL_LEN = 4;
const MAX_LEVEL_LEN = 8;
/** The text level check looks at this many leading tokens … */
const LEVEL_SCAN_TOKENS = 8;
/** … within this many leading characters. */
const LEVEL_SCAN_CHARS = 256;

function appFields(
  format: AppFormat,
  level: string | null,
  fields: Record<string, unknown> | null,
  parseError: string | null,
): AppFields {
  return { format, level, fields, parse_error: parseError };
}

/** Index of the first character that is not JSON whitespace (or a BOM). */
function skipJsonSpace(s: string): number {
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) break;
    i++;
  }
  return i;
}

/** `JSON.parse`, or undefined when the text is not JSON. Kept apart so the try sits in one small function. */
function tryJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A non-null, non-array object, or undefined. */
function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Level from a JSON value: strings lower-cased, pino numbers mapped, else null. */
function levelValue(v: unknown): string | null {
  if (typeof v === 'string') return v.length === 0 ? null : v.toLowerCase();
  if (typeof v === 'number') return PINO_LEVELS[v] ?? null;
  return null;
}

/**
 * Level from an object's `level`, `severity`, `log.level` (flat ECS key, or
 * nested `log: { level }`), `lvl` or `levelname` member, first present wins.
 * For logfmt pairs, whose shapes repeat line after line; JSON documents go to
 * {@link documentLevel}.
 */
function objectLevel(o: Record<string, unknown>): string | null {
  let v = o.level;
  if (v === undefined) v = o.severity;
  if (v === undefined) {
    v = o['log.level'];
    if (v === undefined) {
      const log = o.log;
      if (typeof log === 'object' && log !== null) v = (log as Record<string, unknown>).level;
    }
  }
  if (v === undefined) v = o.lvl;
  if (v === undefined) v = o.levelname;
  return levelValue(v);
}

const get = Reflect.get as (o: object, key: string) => unknown;

/**
 * {@link objectLevel} for a parsed JSON document, with the same reads in the same
 * order. Documents come in more shapes than V8's per-shape property caches hold (an
 * EMF document's members are its metric and dimension names), and a plain `o.level`
 * that misses them goes through the runtime: about 70 ns for each of the up to six
 * reads. `Reflect.get` looks the member up directly and means the same as `o.level`.
 */
function documentLevel(o: Record<string, unknown>): string | null {
  let v = get(o, 'level');
  if (v === undefined) v = get(o, 'severity');
  if (v === undefined) {
    v = get(o, 'log.level');
    if (v === undefined) {
      const log = get(o, 'log');
      if (typeof log === 'object' && log !== null) v = get(log, 'level');
    }
  }
  if (v === undefined) v = get(o, 'lvl');
  if (v === undefined) v = get(o, 'levelname');
  return levelValue(v);
}

/** Joins a specialised parser's reason with an EMF reason; either may be absent. */
function joinReasons(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return `${a}; ${b}`;
}

/** The result for a parsed JSON object (EMF or not). */
function jsonResult(
  doc: Record<string, unknown>,
  ctx: ParseContext,
  parseError: string | null,
): ParseOk {
  const level = documentLevel(doc);
  if (!isEmfDocument(doc)) return ok(DATASET, appFields('json', level, doc, parseError));
  const metrics = emfMetrics(doc, ctx.time);
  if (typeof metrics === 'string') {
    return ok(DATASET, appFields('emf', level, doc, joinReasons(parseError, metrics)));
  }
  return ok(DATASET, appFields('emf', level, doc, parseError), metrics);
}

/** Cheap level check on a text line; see {@link createTextParser}. */
function textLevel(s: string): string | null {
  const n = Math.min(s.length, LEVEL_SCAN_CHARS);
  let i = 0;
  for (let t = 0; t < LEVEL_SCAN_TOKENS; t++) {
    while (i < n && s.charCodeAt(i) <= 0x20) i++;
    if (i >= n) return null;
    // A token names a level when it is: one optional opening bracket, the level's
    // letters, then nothing but trailing punctuation (`ERROR:`, `[WARN],`, `FATAL-`)
    // up to the token's end or its first ':' (`ERROR:root:message`, Python's default
    // format). Read that way, most tokens are given up at their first character and
    // the rest of the token is skipped with a single test per character.
    const open = s.charCodeAt(i);
    const bracketed = open === 0x5b /* [ */ || open === 0x28 /* ( */ || open === 0x3c; /* < */
    const a = bracketed ? i + 1 : i;
    let b = a;
    while (b < n && b - a <= MAX_LEVEL_LEN && isAsciiLetter(s.charCodeAt(b))) b++;
    i = b;
    const len = b - a;
    if (len >= MIN_LEVEL_LEN && len <= MAX_LEVEL_LEN) {
      const level = levelWord(s, a, b);
      if (level !== null) {
        while (i < n && isTrailingPunctuation(s.charCodeAt(i))) i++;
        // What follows must end the word: a space, the end of the window (read as 0) or ':'.
        const next = i < n ? s.charCodeAt(i) : 0;
        const wordEnds = next <= 0x20 || next === 0x3a; /* : */
        // Upper case or bracketed anywhere in the scan window; any case as the first token.
        if (wordEnds && (bracketed || t === 0 || isUpperAscii(s, a, b))) return level;
      }
    }
    while (i < n && s.charCodeAt(i) > 0x20) i++;
  }
  return null;
}

function isAsciiLetter(c: number): boolean {
  // `c | 0x20` folds upper case onto lower case and nothing else onto a–z.
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

/** Punctuation that may follow a level word: `,` `;` `]` `)` `>` `-` (and `:`, which ends the word). */
function isTrailingPunctuation(c: number): boolean {
  return c === 0x2c || c === 0x3b || c === 0x5d || c === 0x29 || c === 0x3e || c === 0x2d;
}

/**
 * The level that `s.slice(a, b)` spells in any case, or null: the same as looking
 * `s.slice(a, b).toLowerCase()` up among the levels, without making either string.
 * Comparing ASCII letters without case is exact here: the only other characters that
 * lower-case to ASCII letters are U+212A KELVIN SIGN (`k`, in no level) and U+0130
 * (`i` plus a combining dot, one character too many).
 */
function levelWord(s: string, a: number, b: number): string | null {
  const candidates = TEXT_LEVELS[b - a] as readonly string[];
  for (let l = 0; l < candidates.length; l++) {
    const level = candidates[l] as string;
    let j = 0;
    // `c | 0x20` equals a lower-case letter only for that letter and its upper case.
    while (j < level.length && (s.charCodeAt(a + j) | 0x20) === level.charCodeAt(j)) j++;
    if (j === level.length) return level;
  }
  return null;
}

/** Whether `s.slice(a, b)`, a level word, is upper case: no letter above `Z`. */
function isUpperAscii(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (s.charCodeAt(i) > 0x5a) return false;
  return true;
}

/** The combined app parse; `parseError` goes into `parse_error` (joined with an EMF reason, if any). */
function parseAppMessage(message: string, ctx: ParseContext, parseError: string | null): ParseOk {
  const start = skipJsonSpace(message);
  if (message.charCodeAt(start) === 0x7b /* { */) {
    const doc = asObject(tryJsonParse(message));
    if (doc !== undefined) return jsonResult(doc, ctx, parseError);
    // Not JSON after all (truncated, trailing comma…): read it as logfmt or text.
  }
  // Logfmt needs two `key=value` pairs, hence two '=': a line with fewer is text,
  // without building pairs only to reject them.
  const eq = message.indexOf('=');
  if (eq !== -1 && message.indexOf('=', eq + 1) !== -1) {
    const pairs = parseLogfmt(message);
    if (typeof pairs !== 'string' && looksLikeLogfmt(pairs)) {
      return ok(DATASET, appFields('logfmt', objectLevel(pairs), pairs, parseError));
    }
  }
  return ok(DATASET, appFields('text', textLevel(message), null, parseError));
}

class JsonParser implements Parser {
  readonly name = 'json';
  readonly dataset = DATASET;

  parse(message: string, ctx: ParseContext): ParseResult {
    const start = skipJsonSpace(message);
    if (message.charCodeAt(start) !== 0x7b /* { */)
      return fail('not a JSON object (does not start with "{")');
    const doc = asObject(tryJsonParse(message));
    if (doc === undefined) return fail('not a JSON object (invalid JSON)');
    return jsonResult(doc, ctx, null);
  }
}

class LogfmtParser implements Parser {
  readonly name = 'logfmt';
  readonly dataset = DATASET;

  parse(message: string, _ctx: ParseContext): ParseResult {
    const pairs = parseLogfmt(message);
    if (typeof pairs === 'string') return fail(pairs);
    if (!looksLikeLogfmt(pairs)) {
      return fail('not logfmt: needs at least two key=value pairs, and more pairs than bare words');
    }
    return ok(DATASET, appFields('logfmt', objectLevel(pairs), pairs, null));
  }
}

class TextParser implements Parser {
  readonly name = 'text';
  readonly dataset = DATASET;

  parse(message: string, _ctx: ParseContext): ParseResult {
    return ok(DATASET, appFields('text', textLevel(message), null, null));
  }
}

class AppParser implements Parser {
  readonly name = 'app';
  readonly dataset = DATASET;

  parse(message: string, ctx: ParseContext): ParseResult {
    return parseAppMessage(message, ctx, null);
  }
}

/**
 * The `json` parser: accepts a message that is a JSON object (leading
 * whitespace allowed), parsed once. `fields` is the whole object, nested values
 * preserved; `level` comes from `level`, `severity`, `log.level` (flat or
 * nested), `lvl` or `levelname`, lower-cased (pino's numeric levels 10–60 map
 * to their names). An EMF document gives `format: 'emf'` and its metrics; when
 * the EMF part breaks the specification the record is still accepted, with the
 * reason in `parse_error` and no metrics. Anything else fails.
 *
 * @example
 * ```ts
 * const r = createJsonParser().parse('{"level":"WARN","msg":"slow"}', ctx);
 * // r.ok && r.fields → { format: 'json', level: 'warn', fields: { level: 'WARN', msg: 'slow' }, parse_error: null }
 * ```
 */
export function createJsonParser(): Parser {
  return new JsonParser();
}

/**
 * The `logfmt` parser: accepts a line that parses as logfmt (see
 * {@link parseLogfmt}) and looks like logfmt (see {@link looksLikeLogfmt}: two
 * or more `key=value` pairs, more pairs than bare words). `fields` holds the
 * pairs (values stay strings, bare keys are `true`); `level` as for JSON.
 *
 * @example
 * ```ts
 * const r = createLogfmtParser().parse('at=info method=GET path=/ status=200', ctx);
 * // r.ok && r.fields → { format: 'logfmt', level: 'info', fields: { at: 'info', method: 'GET', … }, parse_error: null }
 * ```
 */
export function createLogfmtParser(): Parser {
  return new LogfmtParser();
}

/**
 * The `text` parser: accepts anything. `fields` is null; `level` is found by a
 * cheap look at the first 8 whitespace-separated tokens (first 256 characters):
 * one of trace, debug, info, notice, warn, warning, error, fatal, critical,
 * optionally bracketed (`[error]`, `<WARN>`), followed by `,`/`-`/`;` or
 * cut at its first `:` (`ERROR:root:msg`),
 * counts when it is upper case or bracketed, or, in any case, when it is the
 * first token (`Error: connection refused`). Lower-cased.
 *
 * @example
 * ```ts
 * createTextParser().parse('2024-05-01 12:00:00 ERROR [main] boom', ctx);
 * // → { ok: true, dataset: 'app', fields: { format: 'text', level: 'error', fields: null, parse_error: null } }
 * ```
 */
export function createTextParser(): Parser {
  return new TextParser();
}

/**
 * The combined `app` parser: a JSON object goes to the JSON reading; else a
 * line that looks like logfmt to the logfmt reading; else text. Never fails. A
 * message that starts with `{` but is not valid JSON (truncated, trailing
 * comma) is read as logfmt or text, never re-parsed.
 *
 * @example
 * ```ts
 * const app = createAppParser();
 * app.parse('{"msg":"hi"}', ctx);        // format 'json'
 * app.parse('at=info path=/ status=200', ctx); // format 'logfmt'
 * app.parse('Server started', ctx);      // format 'text'
 * ```
 */
export function createAppParser(): Parser {
  return new AppParser();
}

/**
 * Reads a line a specialised parser rejected as an `app` record, with that
 * parser's reason in `parse_error` (joined with `; ` to an EMF reason if the
 * line is also a broken EMF document). Never fails.
 *
 * @example
 * ```ts
 * const r = albParser.parse(message, ctx);
 * const rec = r.ok ? r : appFallback(message, ctx, r.reason);
 * ```
 */
export function appFallback(message: string, ctx: ParseContext, reason: string): ParseOk {
  return parseAppMessage(message, ctx, reason);
}

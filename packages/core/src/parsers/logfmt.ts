/**
 * logfmt: `key=value` pairs separated by whitespace, as written by Heroku's
 * router, go-kit/log, logrus' text formatter, slog's TextHandler and friends.
 *
 * Grammar (the conventions of github.com/go-logfmt/logfmt):
 * - whitespace is any character ≤ U+0020 (space, tab, newline, control characters);
 * - a key is a run of characters other than whitespace, `=` and `"`;
 * - `key` alone (no `=`) is a bare key, read as `true`;
 * - `key=` is an empty string;
 * - `key=value`: an unquoted value is a run of characters other than whitespace,
 *   `=` and `"` (a backslash is an ordinary character there);
 * - `key="value"`: a quoted value may hold anything; inside it `\"`, `\\`, `\/`,
 *   `\b`, `\f`, `\n`, `\r`, `\t` and `\uXXXX` are escapes (JSON's set), any
 *   other escape is an error; raw control characters are accepted (go-logfmt
 *   refuses them; being lenient costs nothing here);
 * - a quoted value must be followed by whitespace or the end of the line;
 * - a repeated key keeps its last value.
 */
import { setOwn } from './own.js';

const SPACE_MAX = 0x20;
const EQ = 0x3d; // =
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c;

/**
 * The keys of the two most recent line shapes (a line's keys in order), most recent
 * first. A property key must be an internalized string, and making one of a freshly
 * sliced key (a string-table lookup) costs about as much as the rest of storing the
 * pair. Lines of one source repeat their keys in the same order, so a key that matches
 * the text at its position in a recent line with the same first key is taken from
 * there: the strings `Object.keys` gives are internalized. Only an equal string is
 * ever taken, so results do not depend on what is remembered.
 */
const recentShapes: (readonly string[])[] = [[], []];
const NO_SHAPE: readonly string[] = [];
/** A line with more, or longer, keys is not remembered (nor kept alive). */
const SHAPE_MAX_KEYS = 64;
const SHAPE_MAX_KEY_CHARS = 1024;

/**
 * Parses one logfmt line into its pairs: values are strings, bare keys are
 * `true`. Returns a string (the reason, with a 1-based column) when the line
 * does not follow the grammar above. A single pass over the text; never throws.
 *
 * @example
 * ```ts
 * parseLogfmt('level=info msg="user \\"bob\\" logged in" cached');
 * // → { level: 'info', msg: 'user "bob" logged in', cached: true }
 * parseLogfmt('a="unterminated'); // → 'logfmt: unterminated quoted value for key "a" …'
 * ```
 */
export function parseLogfmt(text: string): Record<string, string | true> | string {
  const out: Record<string, string | true> = {};
  const n = text.length;
  let i = 0;
  let shape = NO_SHAPE; // the recent line shape with this line's first key
  let slot = 0; // the position of the next key in the line
  let keyChars = 0; // the length of the keys so far, to bound what is remembered
  let missed = false; // a key was not in `shape`
  // Where the next '"' and '\\' are (n: none), as found by the last search for each;
  // searched again only once i has passed them. For quoted values.
  let quoteAt = -1;
  let backslashAt = -1;
  for (;;) {
    while (i < n && text.charCodeAt(i) <= SPACE_MAX) i++;
    if (i >= n) return missed ? remember(out, shape, slot, keyChars) : out;

    const keyStart = i;
    let c = text.charCodeAt(i);
    while (c > SPACE_MAX && c !== EQ && c !== QUOTE) {
      i++;
      if (i >= n) break;
      c = text.charCodeAt(i);
    }
    if (i === keyStart) {
      return c === EQ
        ? `logfmt: '=' without a key at column ${i + 1}`
        : `logfmt: unexpected '"' at column ${i + 1} (a key must come first)`;
    }
    const keyLength = i - keyStart;
    if (slot === 0) shape = recentShape(text, keyStart, keyLength);
    let key = shape[slot];
    if (key === undefined || key.length !== keyLength || !text.startsWith(key, keyStart)) {
      key = text.slice(keyStart, i);
      missed = true;
    }
    slot++;
    keyChars += keyLength;
    if (i >= n || c <= SPACE_MAX) {
      setOwn(out, key, true);
      continue;
    }
    if (c === QUOTE) return `logfmt: unexpected '"' in key at column ${i + 1}`;

    // c is '='
    i++;
    if (i >= n) {
      setOwn(out, key, '');
      return missed ? remember(out, shape, slot, keyChars) : out;
    }
    c = text.charCodeAt(i);
    if (c <= SPACE_MAX) {
      setOwn(out, key, '');
      continue;
    }
    if (c === QUOTE) {
      const openAt = i;
      i++;
      let value = '';
      let runStart = i;
      for (;;) {
        // On to the next '"' or '\\'. Their positions come from indexOf (much faster than a
        // test per character) and are kept while ahead, so that each is searched once a line.
        if (quoteAt < i) quoteAt = indexOrEnd(text, '"', i);
        if (backslashAt < i) backslashAt = indexOrEnd(text, '\\', i);
        i = Math.min(quoteAt, backslashAt);
        if (i >= n) {
          return `logfmt: unterminated quoted value for key ${JSON.stringify(key)} (opened at column ${openAt + 1})`;
        }
        if (i === quoteAt) break;
        if (i > runStart) value += text.slice(runStart, i);
        if (i + 1 >= n) {
          return `logfmt: unterminated quoted value for key ${JSON.stringify(key)} (opened at column ${openAt + 1})`;
        }
        const e = text.charCodeAt(i + 1);
        switch (e) {
          case QUOTE:
            value += '"';
            break;
          case BACKSLASH:
            value += '\\';
            break;
          case 0x2f: // /
            value += '/';
            break;
          case 0x62: // b
            value += '\b';
            break;
          case 0x66: // f
            value += '\f';
            break;
          case 0x6e: // n
            value += '\n';
            break;
          case 0x72: // r
            value += '\r';
            break;
          case 0x74: // t
            value += '\t';
            break;
          case 0x75: {
            // u
            const code = hex4(text, i + 2);
            if (code < 0) return `logfmt: bad \\u escape at column ${i + 1}`;
            value += String.fromCharCode(code);
            i += 4;
            break;
          }
          default:
            return `logfmt: unknown escape '\\${text[i + 1]}' at column ${i + 1}`;
        }
        i += 2;
        runStart = i;
      }
      if (i > runStart) value += text.slice(runStart, i);
      i++; // closing quote
      if (i < n && text.charCodeAt(i) > SPACE_MAX) {
        return `logfmt: expected a space after the quoted value of ${JSON.stringify(key)} at column ${i + 1}`;
      }
      setOwn(out, key, value);
      continue;
    }
    const valueStart = i;
    while (c > SPACE_MAX && c !== EQ && c !== QUOTE) {
      i++;
      if (i >= n) break;
      c = text.charCodeAt(i);
    }
    if (i < n && c > SPACE_MAX) {
      return `logfmt: unexpected '${c === EQ ? '=' : '"'}' in the value of ${JSON.stringify(key)} at column ${i + 1} (quote the value)`;
    }
    setOwn(out, key, text.slice(valueStart, i));
  }
}

/** The recent line shape whose first key is `text.slice(at, at + length)`, or NO_SHAPE. */
function recentShape(text: string, at: number, length: number): readonly string[] {
  for (let s = 0; s < recentShapes.length; s++) {
    const shape = recentShapes[s] as readonly string[];
    const first = shape[0];
    if (first !== undefined && first.length === length && text.startsWith(first, at)) {
      if (s > 0) {
        recentShapes[s] = recentShapes[0] as readonly string[];
        recentShapes[0] = shape;
      }
      return shape;
    }
  }
  return NO_SHAPE;
}

/**
 * Remembers the keys of a parsed line that brought new ones: in place of the shape it
 * followed (a variant of it), else as the most recent shape. Returns the pairs.
 */
function remember(
  out: Record<string, string | true>,
  followed: readonly string[],
  keyCount: number,
  keyChars: number,
): Record<string, string | true> {
  if (keyCount <= SHAPE_MAX_KEYS && keyChars <= SHAPE_MAX_KEY_CHARS) {
    const keys = Object.keys(out);
    if (followed !== recentShapes[0]) recentShapes[1] = recentShapes[0] as readonly string[];
    recentShapes[0] = keys;
  }
  return out;
}

/**
 * True when parsed logfmt pairs look like a logfmt line rather than prose that
 * happens to parse: at least two `key=value` pairs (bare keys do not count), and
 * more pairs than bare keys. `"hello world"` (two bare keys), `"retry=3"` (one
 * pair) and `"user bob set a=1 b=2 ok"` (2 pairs, 4 bare words) are not logfmt;
 * `"at=info method=GET path=/"` is.
 *
 * @example
 * ```ts
 * const pairs = parseLogfmt(line);
 * if (typeof pairs !== 'string' && looksLikeLogfmt(pairs)) use(pairs);
 * ```
 */
export function looksLikeLogfmt(pairs: Record<string, string | true>): boolean {
  let valued = 0;
  let bare = 0;
  for (const k in pairs) {
    if (pairs[k] === true) bare++;
    else valued++;
  }
  return valued >= 2 && valued > bare;
}

/**
 * Writes pairs as one logfmt line that {@link parseLogfmt} reads back to the
 * same pairs: `true` → bare key, `''` → `key=`, values with whitespace, `=`,
 * `"`, `\` or control characters quoted and escaped. Keys are written as given;
 * a key must be non-empty and free of whitespace, `=` and `"` to read back.
 *
 * @example
 * ```ts
 * formatLogfmt({ level: 'info', msg: 'hello world', cached: true });
 * // → 'level=info msg="hello world" cached'
 * ```
 */
export function formatLogfmt(pairs: Record<string, string | true>): string {
  let s = '';
  for (const k in pairs) {
    const v = pairs[k];
    if (s.length > 0) s += ' ';
    s += k;
    if (v === true) continue;
    s += '=';
    s += needsQuotes(v as string) ? quote(v as string) : (v as string);
  }
  return s;
}

function needsQuotes(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= SPACE_MAX || c === EQ || c === QUOTE || c === BACKSLASH || c === 0x7f) return true;
  }
  return false;
}

function quote(v: string): string {
  let s = '"';
  let runStart = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    let esc: string | undefined;
    if (c === QUOTE) esc = '\\"';
    else if (c === BACKSLASH) esc = '\\\\';
    else if (c === 0x0a) esc = '\\n';
    else if (c === 0x0d) esc = '\\r';
    else if (c === 0x09) esc = '\\t';
    else if (c < 0x20 || c === 0x7f) esc = `\\u${c.toString(16).padStart(4, '0')}`;
    if (esc !== undefined) {
      s += v.slice(runStart, i) + esc;
      runStart = i + 1;
    }
  }
  return `${s}${v.slice(runStart)}"`;
}

/** The index of the first `s` at or after `from`, or the length of `text` when there is none. */
function indexOrEnd(text: string, s: string, from: number): number {
  const at = text.indexOf(s, from);
  return at < 0 ? text.length : at;
}

/** The value of 4 hex digits at `at`, or -1. */
function hex4(text: string, at: number): number {
  if (at + 4 > text.length) return -1;
  let code = 0;
  for (let j = at; j < at + 4; j++) {
    const h = text.charCodeAt(j);
    let d: number;
    if (h >= 0x30 && h <= 0x39) d = h - 0x30;
    else if (h >= 0x61 && h <= 0x66) d = h - 0x57;
    else if (h >= 0x41 && h <= 0x46) d = h - 0x37;
    else return -1;
    code = code * 16 + d;
  }
  return code;
}

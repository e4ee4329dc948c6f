/**
 * The scanner of Logs Insights QL. The parser drives it: a `/` starts a regular
 * expression only where the parser expects a pattern (after `like`, `=~` and in
 * `parse`), and is division everywhere else.
 */
import type { TimeUnit } from './ast.js';
import { InsightsSyntaxError, type SourcePosition } from './errors.js';

export type Token =
  | {
      readonly kind: 'name';
      readonly segments: readonly string[];
      readonly bare: boolean;
      readonly pos: SourcePosition;
      readonly end: number;
    }
  | {
      readonly kind: 'string';
      readonly value: string;
      readonly pos: SourcePosition;
      readonly end: number;
    }
  | {
      readonly kind: 'number';
      readonly value: number;
      readonly raw: string;
      readonly pos: SourcePosition;
      readonly end: number;
    }
  | {
      readonly kind: 'duration';
      readonly amount: number;
      readonly unit: TimeUnit;
      readonly raw: string;
      readonly pos: SourcePosition;
      readonly end: number;
    }
  | {
      readonly kind: 'regex';
      readonly pattern: string;
      readonly pos: SourcePosition;
      readonly end: number;
    }
  | { readonly kind: 'op'; readonly op: string; readonly pos: SourcePosition; readonly end: number }
  | { readonly kind: 'eof'; readonly pos: SourcePosition; readonly end: number };

/** Unit spellings of a time period (`bin()` docs): plural `s` allowed on multi-letter ones. */
const UNIT_SPELLINGS: ReadonlyArray<readonly [TimeUnit, readonly string[]]> = [
  ['ms', ['ms', 'msec', 'millisecond']],
  ['s', ['s', 'sec', 'second']],
  ['m', ['m', 'min', 'minute']],
  ['h', ['h', 'hr', 'hour']],
  ['d', ['d', 'day']],
  ['w', ['w', 'week']],
  ['mo', ['mo', 'mon', 'month']],
  ['q', ['q', 'qtr', 'quarter']],
  ['y', ['y', 'yr', 'year']],
];

const UNITS = new Map<string, TimeUnit>();
for (const [unit, spellings] of UNIT_SPELLINGS) {
  for (const s of spellings) {
    UNITS.set(s, unit);
    if (s.length > 1) UNITS.set(`${s}s`, unit);
  }
}

const OPERATORS = [
  '!=',
  '<=',
  '>=',
  '=~',
  '|',
  ',',
  '(',
  ')',
  '[',
  ']',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '=',
  '<',
  '>',
];

function isNameStart(ch: string): boolean {
  return /^[\p{L}_@]$/u.test(ch);
}

function isNamePart(ch: string): boolean {
  return /^[\p{L}\p{N}\p{M}_@$]$/u.test(ch);
}

export class Scanner {
  private offset = 0;
  private line = 1;
  private column = 1;
  private peeked: Token | undefined;

  constructor(readonly source: string) {}

  /** Position of the next character (after trivia is skipped). */
  position(): SourcePosition {
    return { line: this.line, column: this.column, offset: this.offset };
  }

  error(reason: string, pos: SourcePosition): InsightsSyntaxError {
    return new InsightsSyntaxError(reason, this.source, pos);
  }

  peek(): Token {
    if (this.peeked === undefined) this.peeked = this.scan();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  /** Offset where the last consumed token ended (for node text). */
  get consumedTo(): number {
    return this.lastEnd;
  }

  private lastEnd = 0;

  /** Consumes the peeked token, remembering its end. */
  take(): Token {
    const t = this.next();
    this.lastEnd = t.end;
    return t;
  }

  /** True when the next non-trivia character is `/` (a regular expression may start). */
  atSlash(): boolean {
    if (this.peeked !== undefined) return this.peeked.kind === 'op' && this.peeked.op === '/';
    this.skipTrivia();
    return this.source[this.offset] === '/';
  }

  /** Scans a `/…/` regular expression literal at the current position. */
  takeRegex(): Token {
    if (this.peeked !== undefined) {
      // Rewind to the `/` the peeked token was scanned from.
      this.offset = this.peeked.pos.offset;
      this.line = this.peeked.pos.line;
      this.column = this.peeked.pos.column;
      this.peeked = undefined;
    }
    this.skipTrivia();
    const pos = this.position();
    this.advance(1);
    let pattern = '';
    for (;;) {
      const ch = this.source[this.offset];
      if (ch === undefined) {
        throw this.error('unterminated regular expression: a closing / is missing', pos);
      }
      if (ch === '\\') {
        const nextCh = this.source[this.offset + 1];
        if (nextCh === undefined) {
          throw this.error('unterminated regular expression: a closing / is missing', pos);
        }
        pattern += nextCh === '/' ? '/' : `\\${nextCh}`;
        this.advance(2);
        continue;
      }
      if (ch === '/') {
        this.advance(1);
        break;
      }
      pattern += ch;
      this.advance(1);
    }
    const t: Token = { kind: 'regex', pattern, pos, end: this.offset };
    this.lastEnd = t.end;
    return t;
  }

  /**
   * Skips raw text up to (not including) the next `|` outside quotes, backticks,
   * slashes and brackets: the body of a command logpipe does not parse further.
   */
  skipCommandBody(): string {
    if (this.peeked !== undefined) {
      this.offset = this.peeked.pos.offset;
      this.line = this.peeked.pos.line;
      this.column = this.peeked.pos.column;
      this.peeked = undefined;
    }
    const start = this.offset;
    let depth = 0;
    while (this.offset < this.source.length) {
      const ch = this.source[this.offset] as string;
      if (ch === '|' && depth === 0) break;
      if (ch === '#') {
        this.skipTrivia();
        continue;
      }
      if (ch === '"' || ch === "'" || ch === '`') {
        const quote = ch;
        const pos = this.position();
        this.advance(1);
        while (this.source[this.offset] !== quote) {
          if (this.offset >= this.source.length) throw this.error(`unterminated ${quote}`, pos);
          if (this.source[this.offset] === '\\' && quote !== '`') this.advance(1);
          this.advance(1);
        }
        this.advance(1);
        continue;
      }
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
      this.advance(1);
    }
    this.lastEnd = this.offset;
    return this.source.slice(start, this.offset).trim();
  }

  private advance(n: number): void {
    for (let i = 0; i < n && this.offset < this.source.length; i++) {
      const ch = this.source[this.offset];
      this.offset++;
      if (ch === '\n' || (ch === '\r' && this.source[this.offset] !== '\n')) {
        this.line++;
        this.column = 1;
      } else {
        this.column++;
      }
    }
  }

  private skipTrivia(): void {
    for (;;) {
      const ch = this.source[this.offset];
      if (ch === undefined) return;
      if (/\s/u.test(ch)) {
        this.advance(1);
      } else if (ch === '#') {
        while (
          this.offset < this.source.length &&
          !/[\r\n]/.test(this.source[this.offset] as string)
        ) {
          this.advance(1);
        }
      } else {
        return;
      }
    }
  }

  private scan(): Token {
    this.skipTrivia();
    const pos = this.position();
    const ch = this.source[this.offset];
    if (ch === undefined) return { kind: 'eof', pos, end: this.offset };
    if (ch === '"' || ch === "'") return this.scanString(ch, pos);
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(this.source[this.offset + 1] ?? ''))) {
      return this.scanNumber(pos);
    }
    if (ch === '`' || isNameStart(ch)) return this.scanName(pos);
    for (const op of OPERATORS) {
      if (this.source.startsWith(op, this.offset)) {
        this.advance(op.length);
        return { kind: 'op', op, pos, end: this.offset };
      }
    }
    if (ch === '!') {
      throw this.error('unexpected "!": use != for "not equal" or the keyword not', pos);
    }
    const cp = ch.codePointAt(0) ?? 0;
    const shown =
      cp < 0x20 || cp === 0x7f
        ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`
        : JSON.stringify(ch);
    throw this.error(`unexpected character ${shown}`, pos);
  }

  private scanString(quote: string, pos: SourcePosition): Token {
    this.advance(1);
    let value = '';
    for (;;) {
      const ch = this.source[this.offset];
      if (ch === undefined)
        throw this.error(`unterminated string: the closing ${quote} is missing`, pos);
      if (ch === quote) {
        this.advance(1);
        break;
      }
      if (ch === '\\') {
        const e = this.source[this.offset + 1];
        if (e === undefined)
          throw this.error(`unterminated string: the closing ${quote} is missing`, pos);
        switch (e) {
          case 'n':
            value += '\n';
            break;
          case 't':
            value += '\t';
            break;
          case 'r':
            value += '\r';
            break;
          case '\\':
          case '"':
          case "'":
            value += e;
            break;
          default:
            value += `\\${e}`;
        }
        this.advance(2);
        continue;
      }
      value += ch;
      this.advance(1);
    }
    return { kind: 'string', value, pos, end: this.offset };
  }

  private scanNumber(pos: SourcePosition): Token {
    const m = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)/.exec(
      this.source.slice(this.offset),
    ) as RegExpExecArray;
    const raw = m[0];
    this.advance(raw.length);
    const unitMatch = /^[A-Za-z]+/.exec(this.source.slice(this.offset));
    if (unitMatch !== null) {
      const spelled = unitMatch[0];
      const unit = UNITS.get(spelled.toLowerCase());
      if (unit === undefined) {
        throw this.error(
          `"${raw}${spelled}" is not a number or a time period: known units are ms, s, m, h, d, w, mo, q, y (or sec, min, hr, day, week, month, quarter, year)`,
          pos,
        );
      }
      this.advance(spelled.length);
      return {
        kind: 'duration',
        amount: Number(raw),
        unit,
        raw: raw + spelled,
        pos,
        end: this.offset,
      };
    }
    return { kind: 'number', value: Number(raw), raw, pos, end: this.offset };
  }

  private scanName(pos: SourcePosition): Token {
    const segments: string[] = [];
    let bare = true;
    for (;;) {
      const ch = this.source[this.offset];
      if (ch === '`') {
        bare = false;
        const start = this.position();
        this.advance(1);
        let seg = '';
        while (this.source[this.offset] !== '`') {
          if (this.offset >= this.source.length) {
            throw this.error('unterminated `name`: the closing backtick is missing', start);
          }
          seg += this.source[this.offset];
          this.advance(1);
        }
        this.advance(1);
        if (seg === '') throw this.error('empty `` field name', start);
        segments.push(seg);
      } else {
        let seg = '';
        while (this.offset < this.source.length && isNamePart(this.source[this.offset] as string)) {
          seg += this.source[this.offset];
          this.advance(1);
        }
        segments.push(seg);
      }
      // List indexes written in brackets: `users[1].action` is the path users → 1 → action.
      for (;;) {
        const m = /^\[([0-9]+)\]/.exec(this.source.slice(this.offset, this.offset + 24));
        if (m === null) break;
        segments.push(m[1] as string);
        this.advance(m[0].length);
      }
      // Another segment follows a dot directly: `a.b`, ``a.`b-c` ``, `a.0`.
      const dot = this.source[this.offset];
      const after = this.source[this.offset + 1] ?? '';
      if (dot === '.' && (after === '`' || isNamePart(after))) {
        this.advance(1);
        continue;
      }
      break;
    }
    return { kind: 'name', segments, bare, pos, end: this.offset };
  }
}

/**
 * A small reader of regular expressions written in queries: it finds capture groups
 * (named `(?<name>…)` ones become plain groups, so both SQL engines number them the
 * same way) and the constructs a dialect's regex engine lacks.
 */

export interface RegexGroup {
  /** 1-based capture index in the rewritten pattern. */
  readonly index: number;
  readonly name: string | undefined;
}

/** Constructs some engines lack (RE2, DuckDB's engine, has none of these). */
export type RegexFeature =
  | 'lookaround'
  | 'backreference'
  | 'possessive'
  | 'atomic group'
  | 'conditional';

export interface RegexInfo {
  /** Capture groups in order. */
  readonly groups: readonly RegexGroup[];
  /** The pattern with `(?<name>` / `(?P<name>` turned into `(`. */
  readonly rewritten: string;
  /** Constructs found that not every engine supports. */
  readonly features: ReadonlySet<RegexFeature>;
  /** Why the pattern is malformed, if it is. */
  readonly error?: string | undefined;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Reads a pattern.
 *
 * @example
 * ```ts
 * analyzeRegex('(?<user>\\w+)@(?<host>.*)').rewritten; // '(\\w+)@(.*)'
 * ```
 */
export function analyzeRegex(pattern: string): RegexInfo {
  const groups: RegexGroup[] = [];
  const features = new Set<RegexFeature>();
  let out = '';
  let depth = 0;
  let i = 0;
  const fail = (error: string): RegexInfo => ({ groups, rewritten: pattern, features, error });
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return fail('it ends with a lone backslash');
      if (/[1-9]/.test(next) || (next === 'k' && /[<{']/.test(pattern[i + 2] ?? ''))) {
        features.add('backreference');
      }
      out += ch + next;
      i += 2;
      continue;
    }
    if (ch === '[') {
      // Character class: copy through to its closing ].
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') {
        if (pattern[j] === '\\') j += 2;
        else if (pattern[j] === '[' && pattern[j + 1] === ':') {
          const close = pattern.indexOf(':]', j + 2);
          j = close < 0 ? j + 1 : close + 2;
        } else j++;
      }
      if (j >= pattern.length) return fail('a [ character class is not closed');
      out += pattern.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '(') {
      depth++;
      if (pattern[i + 1] === '?') {
        const rest = pattern.slice(i + 2);
        if (
          rest.startsWith('<=') ||
          rest.startsWith('<!') ||
          rest.startsWith('=') ||
          rest.startsWith('!')
        ) {
          features.add('lookaround');
          out += '(?';
          i += 2;
          continue;
        }
        const named = rest.startsWith('P<') ? 2 : rest.startsWith('<') ? 1 : 0;
        if (named > 0) {
          const m = NAME.exec(rest.slice(named));
          if (m === null || rest[named + m[0].length] !== '>') {
            return fail('a (?<name>…) group needs a name of letters, digits and _');
          }
          groups.push({ index: groups.length + 1, name: m[0] });
          out += '(';
          i += 2 + named + m[0].length + 1;
          continue;
        }
        if (rest.startsWith('>')) features.add('atomic group');
        if (rest.startsWith('(')) features.add('conditional');
        out += '(?';
        i += 2;
        continue;
      }
      groups.push({ index: groups.length + 1, name: undefined });
      out += ch;
      i++;
      continue;
    }
    if (ch === ')') {
      depth--;
      if (depth < 0) return fail('a ) has no matching (');
      out += ch;
      i++;
      continue;
    }
    if ((ch === '*' || ch === '+' || ch === '?' || ch === '}') && pattern[i + 1] === '+') {
      features.add('possessive');
    }
    out += ch;
    i++;
  }
  if (depth > 0) return fail('a ( is not closed');
  return { groups, rewritten: out, features };
}

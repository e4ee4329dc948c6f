/**
 * SQL text built from fragments that carry their own bound parameters, so the `?`
 * placeholders and `params` can never fall out of order. Query values enter only as
 * parameters; the little text that is not a parameter (identifiers, partition values,
 * numbers the compiler computed) goes through the quoting helpers here.
 */
import type { SqlParam } from '../types.js';

/** A piece of SQL with the values of its `?` placeholders, in order. */
export interface Sql {
  readonly text: string;
  readonly params: readonly SqlParam[];
}

/** SQL text the compiler wrote itself (keywords, function names, operators). */
export function raw(text: string): Sql {
  return { text, params: [] };
}

/** A bound parameter. */
export function param(value: SqlParam): Sql {
  return { text: '?', params: [value] };
}

/** Template tag: literal parts are compiler text, every `${}` must be a fragment. */
export function sql(strings: TemplateStringsArray, ...parts: readonly Sql[]): Sql {
  let text = strings[0] as string;
  const params: SqlParam[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as Sql;
    text += p.text + (strings[i + 1] as string);
    for (const v of p.params) params.push(v);
  }
  return { text, params };
}

/** Fragments joined with a separator. */
export function join(parts: readonly Sql[], separator: string): Sql {
  let text = '';
  const params: SqlParam[] = [];
  parts.forEach((p, i) => {
    if (i > 0) text += separator;
    text += p.text;
    for (const v of p.params) params.push(v);
  });
  return { text, params };
}

/**
 * A double-quoted identifier (`"` doubled). Refuses names no engine should see:
 * empty, NUL or other control characters, or longer than 255 characters.
 */
export function quoteIdent(name: string): Sql {
  return raw(`"${name.replaceAll('"', '""')}"`);
}

/** Why a name cannot be an output column name, or undefined when it can. */
export function identProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 255) return 'it is longer than 255 characters';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects.
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(name))
    return 'it contains a control character';
  return undefined;
}

/**
 * A string literal for text the compiler generated itself (partition values, digits,
 * fixed patterns): `'` doubled. Query values never use this; they are parameters.
 */
export function stringLiteral(value: string): Sql {
  return raw(`'${value.replaceAll("'", "''")}'`);
}

/** An integer literal the compiler computed (a bin width, a group index). */
export function intLiteral(value: number): Sql {
  if (!Number.isSafeInteger(value)) throw new Error(`not a safe integer: ${value}`);
  return raw(String(value));
}

/** Indents every line of a fragment (for readable generated SQL). */
export function indent(s: Sql, by = '  '): Sql {
  return { text: s.text.replaceAll('\n', `\n${by}`), params: s.params };
}

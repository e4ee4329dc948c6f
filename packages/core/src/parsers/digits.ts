/**
 * Numbers and times read from their digits in place, without a substring and without
 * `Number()`/`Date.parse` where the result is provably the same (ALB entries, Lambda
 * log lines): decimals of up to {@link EXACT_DIGITS} digits, and the
 * `YYYY-MM-DDTHH:MM:SS` prefix of the ISO 8601 UTC times AWS writes (each parser checks
 * what follows, fraction and `Z`, itself).
 */

/** 10^k, exact as a double for every k here. */
export const POW10: readonly number[] = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/**
 * Most digits whose integer is below 2^53, so exact as a double: such an integer divided
 * by an exact power of ten rounds once, correctly, to the double `Number()` and
 * `parseFloat` read from the same text.
 */
export const EXACT_DIGITS = 15;

/** The two ASCII digits at `s[i]`, `s[i + 1]` as a number, or -1. */
export function twoDigits(s: string, i: number): number {
  const hi = s.charCodeAt(i) - 0x30;
  const lo = s.charCodeAt(i + 1) - 0x30;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The hour of the last valid time read, as the number `YYYYMMDDHH`, and its epoch ms.
 * Events come in time order, so nearly every time is in that hour and skips the date
 * checks and Date.UTC. A pure memo of validated hours: every parser may share it.
 */
let cachedHour = -1;
let cachedHourMs = 0;

/**
 * Epoch ms of `YYYY-MM-DDTHH:MM:SS` at `s[from, from + 19)`: a valid calendar time
 * (leap days included) from 1970 on, hours 00–23, minutes and seconds 00–59; NaN for
 * anything else. Exact integer arithmetic: the value Date.UTC gives for the same fields.
 *
 * @example
 * ```ts
 * isoSecondsMs('2024-02-29T23:59:59.5Z', 0); // 1709251199000
 * isoSecondsMs('2023-02-29T00:00:00Z', 0); // NaN
 * ```
 */
export function isoSecondsMs(s: string, from: number): number {
  if (
    s.charCodeAt(from + 4) !== 0x2d /* - */ ||
    s.charCodeAt(from + 7) !== 0x2d ||
    s.charCodeAt(from + 10) !== 0x54 /* T */ ||
    s.charCodeAt(from + 13) !== 0x3a /* : */ ||
    s.charCodeAt(from + 16) !== 0x3a
  ) {
    return Number.NaN;
  }
  const century = twoDigits(s, from);
  const yy = twoDigits(s, from + 2);
  const month = twoDigits(s, from + 5);
  const day = twoDigits(s, from + 8);
  const hour = twoDigits(s, from + 11);
  const minute = twoDigits(s, from + 14);
  const second = twoDigits(s, from + 17);
  if (
    century < 0 ||
    yy < 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return Number.NaN;
  }
  const year = century * 100 + yy;
  // Distinct for every year 0–9999 and month, day, hour 0–99.
  const hourKey = ((year * 100 + month) * 100 + day) * 100 + hour;
  if (hourKey !== cachedHour) {
    if (
      year < 1970 ||
      month < 1 ||
      month > 12 ||
      day < 1 ||
      day > (DAYS_IN_MONTH[month - 1] as number) ||
      hour > 23 ||
      (month === 2 && day === 29 && (year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0)))
    ) {
      return Number.NaN;
    }
    cachedHourMs = Date.UTC(year, month - 1, day, hour);
    cachedHour = hourKey;
  }
  return cachedHourMs + minute * 60_000 + second * 1000;
}

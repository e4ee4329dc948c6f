// Shared measuring helpers: each variant runs `rounds` times over the same
// input; the median round is reported. No variant sees another's output.

/** Runs fn `rounds` times (after one warm-up) and returns the median seconds. */
export function medianSeconds(fn, rounds = 7) {
  fn();
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function fmt(n, digits = 1) {
  return n.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

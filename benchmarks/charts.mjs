// Tiny SVG chart writer for the benchmark report: a line chart (numeric or log x axis) and a
// grouped bar chart, with axes, ticks, grid, labels and a legend. Hand-written on purpose:
// the npm chart libraries that write SVG either need a DOM (d3, chartist: jsdom on top) or
// bring a large dependency tree (vega + vega-lite), for two chart shapes of ~200 lines.
// Output is static SVG 1.1 with no script and no external font, viewable on GitHub.

// Okabe–Ito palette: tells series apart for colour-blind readers too.
const COLORS = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#F0E442',
  '#000000',
];
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function num(n) {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** A tick label: 1,234 / 12.5 / 0.25 / 1.2k / 3.4M. */
export function tickLabel(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 100 || Number.isInteger(v)) return Math.round(v).toLocaleString('en-US');
  return String(+v.toPrecision(2));
}

/** About `count` round ticks (1, 2, 5 × 10^k steps) covering [min, max]. */
export function niceTicks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  // From the first step at or below min to the first at or above max: the axis covers both.
  const last = Math.ceil(max / step - 1e-9) * step;
  for (let v = Math.floor(min / step + 1e-9) * step; v <= last + step * 1e-9; v += step)
    ticks.push(+v.toPrecision(12));
  return ticks;
}

/** Integer ticks (threads, counts) when every x is an integer. */
function intTicks(min, max) {
  const step = Math.max(1, niceTicks(min, max)[1] - niceTicks(min, max)[0]);
  const ticks = [];
  for (let v = Math.ceil(min); v <= max; v += Math.ceil(step)) ticks.push(v);
  return ticks;
}

/** Splits a label into lines of about `chars` characters at spaces. */
function wrap(label, chars) {
  const lines = [];
  let line = '';
  for (const word of String(label).split(' ')) {
    if (line !== '' && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function logTicks(min, max) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

function frame(width, height, title, body) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function legend(names, x, y) {
  const out = [];
  names.forEach((n, i) => {
    const yy = y + i * 18;
    out.push(
      `<rect x="${x}" y="${yy - 9}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${x + 18}" y="${yy + 1}">${esc(n)}</text>`,
    );
  });
  return out;
}

function yAxis(ticks, y, left, right, label, top, bottom) {
  const out = [];
  for (const t of ticks) {
    const yy = y(t);
    out.push(
      `<line x1="${left}" y1="${num(yy)}" x2="${right}" y2="${num(yy)}" stroke="#e4e4e4"/>`,
      `<text x="${left - 6}" y="${num(yy + 4)}" text-anchor="end">${esc(tickLabel(t))}</text>`,
    );
  }
  out.push(
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
    `<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(label)}</text>`,
  );
  return out;
}

/**
 * Line chart. series: [{ name, points: [[x, y], …] }]. Points with a non-finite value are
 * left out. y starts at 0.
 */
export function lineChart({
  title,
  xLabel,
  yLabel,
  series,
  xLog = false,
  width = 760,
  height = 420,
}) {
  const legendW = 230;
  const left = 70;
  const right = width - legendW - 20;
  const top = 40;
  const bottom = height - 55;
  const pts = series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0)
    return frame(width, height, title, [`<text x="${left}" y="80">no data</text>`]);
  let xMin = Math.min(...pts.map((p) => p[0]));
  let xMax = Math.max(...pts.map((p) => p[0]));
  if (xMin === xMax) {
    xMin = xLog ? xMin / 2 : xMin - 1;
    xMax = xLog ? xMax * 2 : xMax + 1;
  }
  const yTicks = niceTicks(0, Math.max(...pts.map((p) => p[1])) * 1.08);
  const yMax = yTicks[yTicks.length - 1];
  const xs = xLog
    ? (v) =>
        left +
        ((Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) *
          (right - left)
    : (v) => left + ((v - xMin) / (xMax - xMin)) * (right - left);
  const ys = (v) => bottom - (v / yMax) * (bottom - top);
  const body = yAxis(yTicks, ys, left, right, yLabel, top, bottom);
  const xTicks = xLog
    ? logTicks(xMin, xMax)
    : pts.every(([x]) => Number.isInteger(x))
      ? intTicks(xMin, xMax)
      : niceTicks(xMin, xMax).filter((t) => t >= xMin && t <= xMax);
  for (const t of xTicks) {
    const xx = xs(t);
    body.push(
      `<line x1="${num(xx)}" y1="${bottom}" x2="${num(xx)}" y2="${bottom + 5}" stroke="#333"/>`,
      `<text x="${num(xx)}" y="${bottom + 18}" text-anchor="middle">${esc(tickLabel(t))}</text>`,
    );
  }
  body.push(
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${(left + right) / 2}" y="${height - 14}" text-anchor="middle">${esc(xLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (p.length > 1)
      body.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${p.map(([x, y]) => `${num(xs(x))},${num(ys(y))}`).join(' ')}"/>`,
      );
    for (const [x, y] of p)
      body.push(
        `<circle cx="${num(xs(x))}" cy="${num(ys(y))}" r="3.5" fill="${color}"><title>${esc(`${s.name}: ${tickLabel(y)} at ${tickLabel(x)}`)}</title></circle>`,
      );
  });
  body.push(
    ...legend(
      series.map((s) => s.name),
      right + 20,
      top + 10,
    ),
  );
  return frame(width, height, title, body);
}

/**
 * Grouped bar chart. groups: [{ label, values: [number|undefined, …] }], one value per entry
 * of `names` (the legend). Each bar carries its value as a label.
 */
export function barChart({ title, yLabel, names, groups, width = 760, height = 420 }) {
  const legendW = 230;
  const left = 70;
  const right = width - legendW - 20;
  const top = 40;
  const bottom = height - 55;
  const all = groups.flatMap((g) => g.values).filter((v) => Number.isFinite(v));
  if (all.length === 0)
    return frame(width, height, title, [`<text x="${left}" y="80">no data</text>`]);
  const yTicks = niceTicks(0, Math.max(...all) * 1.12);
  const yMax = yTicks[yTicks.length - 1];
  const ys = (v) => bottom - (v / yMax) * (bottom - top);
  const body = yAxis(yTicks, ys, left, right, yLabel, top, bottom);
  const groupW = (right - left) / groups.length;
  const barW = Math.min(40, (groupW * 0.8) / names.length);
  groups.forEach((g, gi) => {
    const x0 = left + gi * groupW + (groupW - barW * names.length) / 2;
    g.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const x = x0 + i * barW;
      body.push(
        `<rect x="${num(x)}" y="${num(ys(v))}" width="${num(barW - 2)}" height="${num(bottom - ys(v))}" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${names[i]}: ${tickLabel(v)}`)}</title></rect>`,
        `<text x="${num(x + barW / 2 - 1)}" y="${num(ys(v) - 4)}" text-anchor="middle" font-size="9">${esc(tickLabel(v))}</text>`,
      );
    });
    // Group labels wrap to the group's width (about 6.5 px per character at 12 px).
    wrap(g.label, Math.max(6, Math.floor(groupW / 6.5))).forEach((line, li) => {
      body.push(
        `<text x="${num(left + gi * groupW + groupW / 2)}" y="${bottom + 16 + li * 14}" text-anchor="middle">${esc(line)}</text>`,
      );
    });
  });
  body.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`);
  body.push(...legend(names, right + 20, top + 10));
  return frame(width, height, title, body);
}

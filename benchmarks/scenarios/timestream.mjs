// Scenario: Timestream packing quality, write units per 1,000 log events.
//
// Runs packages/timestream-writer/bench/packing.mjs (the writer's own measurement, against its
// built dist) in a child process and takes its tables as they are: that script computes at
// import time and exports nothing, so running it is how its logic is reused here without a copy.
// It compares, on generated EMF and Lambda REPORT traffic: one measure per record, 100 per
// request (`single`, the reference), the same with CommonAttributes (`single+CA`), and
// packMetrics' multi-measure records with CommonAttributes (`multi+CA`). Sizes only, not timed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt } from '../lib.mjs';

export const name = 'timestream';
export const title = 'Timestream packing (write units per 1,000 events)';

const SCRIPT = fileURLToPath(
  new URL('../../packages/timestream-writer/bench/packing.mjs', import.meta.url),
);

export function jobs() {
  return [];
}

export function prepare({ quick }) {
  return [
    { task: 'packing', params: { events: quick ? 2_000 : 20_000, seed: 7 }, label: 'packing.mjs' },
  ];
}

export const tasks = {
  packing({ events, seed }) {
    const r = spawnSync(process.execPath, [SCRIPT, String(events), String(seed)], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`packing.mjs exited with ${r.status}: ${r.stderr}`);
    return { stdout: r.stdout };
  },
};

/** The packing rows of each `### label` section of packing.mjs' output. */
export function parsePacking(stdout) {
  const sections = [];
  let current;
  for (const line of stdout.split('\n')) {
    const h = /^### (.+)$/.exec(line);
    if (h) {
      current = { label: h[1], rows: {} };
      sections.push(current);
      continue;
    }
    const cells = line.split('|').map((c) => c.trim());
    if (current && cells.length >= 9 && /^(single|single\+CA|multi\+CA)$/.test(cells[1])) {
      current.rows[cells[1]] = {
        records: Number(cells[2]),
        requests: Number(cells[3]),
        writeUnits: Number(cells[6]),
        unitsPer1000: Number(cells[7]),
      };
    }
  }
  return sections;
}

export function report(_results, _ctx, tasksOut) {
  const out = tasksOut?.packing;
  if (!out?.stdout) return { sections: ['_packing.mjs did not run._', ''], summary: {} };
  const body = out.stdout.split('\n').filter((l) => !l.startsWith('## '));
  const parsed = parsePacking(out.stdout);
  const headline = parsed
    .filter((s) => s.rows['multi+CA'] && s.rows.single)
    .map((s) => ({
      what: `Timestream ${s.label}: write units per 1,000 events, packMetrics vs one measure per record`,
      ours: fmt(s.rows['multi+CA'].unitsPer1000, 1),
      peer: fmt(s.rows.single.unitsPer1000, 1),
      ratio: `${fmt(s.rows['multi+CA'].unitsPer1000 / s.rows.single.unitsPer1000, 2)}×`,
    }));
  return {
    sections: [
      'From `packages/timestream-writer/bench/packing.mjs` (1 KiB write units by the documented metering formula; lower is better):',
      '',
      ...body,
      '',
    ],
    summary: parsed,
    headline,
  };
}

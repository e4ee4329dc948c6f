import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/classify.js';
import {
  BUILTIN_DATASETS,
  datasetColumns,
  getDataset,
  listDatasets,
} from '../../src/datasets/index.js';
import { ConfigError } from '../../src/errors.js';
import { generateWorkload } from '../../src/generator/workload.js';
import { processEnvelope } from '../../src/process.js';

describe('dataset declarations', () => {
  it('declares every built-in dataset with unique, snake_case column names and a description each', () => {
    expect(listDatasets().map((d) => d.name)).toEqual([...BUILTIN_DATASETS]);
    for (const def of listDatasets()) {
      const names = datasetColumns(def).map((c) => c.name);
      expect(new Set(names).size, def.name).toBe(names.length);
      for (const c of datasetColumns(def)) {
        expect(c.name).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(c.description.length).toBeGreaterThan(3);
      }
    }
  });

  it('refuses an unknown dataset name', () => {
    expect(() => getDataset('nope')).toThrow(ConfigError);
  });

  it("every record of every format carries only its dataset's declared columns", () => {
    const classifier = createClassifier();
    const seen = new Set<string>();
    for (const p of generateWorkload({ events: 3000, seed: 5 })) {
      for (const r of processEnvelope(p.envelope, classifier).records) {
        seen.add(r.dataset);
        const declared = getDataset(r.dataset).columns.map((c) => c.name);
        const keys = Object.keys(r.fields);
        const where = `${r.dataset}: ${r.message.slice(0, 80)}`;
        // Parsers may leave out columns a line cannot carry (absent = null),
        // never add undeclared ones; all but custom-format flow logs give every column.
        for (const k of keys) expect(declared, where).toContain(k);
        if (r.dataset !== 'vpc_flow') expect(keys.sort(), where).toEqual([...declared].sort());
      }
    }
    expect([...seen].sort()).toEqual(['alb', 'app', 'cloudtrail', 'lambda', 'vpc_flow']);
  }, 30_000);
});

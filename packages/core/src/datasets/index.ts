import { ConfigError } from '../errors.js';
import { ALB_DATASET } from './alb.js';
import { APP_DATASET } from './app.js';
import { CLOUDTRAIL_DATASET } from './cloudtrail.js';
import { LOG_COLUMNS } from './common.js';
import { LAMBDA_DATASET } from './lambda.js';
import { METRICS_DATASET } from './metrics.js';
import type { ColumnDef, DatasetDef } from './types.js';
import { VPC_FLOW_DATASET } from './vpc-flow.js';

/** Built-in dataset names. */
export const BUILTIN_DATASETS = [
  'vpc_flow',
  'alb',
  'cloudtrail',
  'lambda',
  'app',
  'metrics',
] as const;
export type BuiltinDataset = (typeof BUILTIN_DATASETS)[number];

const BUILTIN: Readonly<Record<BuiltinDataset, DatasetDef>> = {
  vpc_flow: VPC_FLOW_DATASET,
  alb: ALB_DATASET,
  cloudtrail: CLOUDTRAIL_DATASET,
  lambda: LAMBDA_DATASET,
  app: APP_DATASET,
  metrics: METRICS_DATASET,
};

/**
 * The declaration of a built-in dataset.
 *
 * @example
 * ```ts
 * getDataset('vpc_flow').columns.map((c) => c.name);
 * ```
 * @throws ConfigError for an unknown dataset name.
 */
export function getDataset(name: string): DatasetDef {
  const def = (BUILTIN as Record<string, DatasetDef | undefined>)[name];
  if (def === undefined) {
    throw new ConfigError(
      `unknown dataset ${JSON.stringify(name)}; known: ${BUILTIN_DATASETS.join(', ')}`,
    );
  }
  return def;
}

/** Every built-in dataset declaration. */
export function listDatasets(): readonly DatasetDef[] {
  return BUILTIN_DATASETS.map((n) => BUILTIN[n]);
}

/**
 * All storage columns of a dataset in order: the common log columns (for log
 * datasets) followed by the dataset's own columns.
 *
 * @example
 * ```ts
 * datasetColumns(getDataset('alb')).find((c) => c.name === 'elb_status_code');
 * ```
 */
export function datasetColumns(def: DatasetDef): readonly ColumnDef[] {
  return def.name === 'metrics' ? def.columns : [...LOG_COLUMNS, ...def.columns];
}

/**
 * An object with every column of a dataset's own declaration set to null: the
 * shape of a record that has none of its fields.
 *
 * @example
 * ```ts
 * nullRow(getDataset('alb')).elb_status_code; // null
 * ```
 */
export function nullRow(def: DatasetDef): Record<string, null> {
  const row: Record<string, null> = {};
  for (const c of def.columns) row[c.name] = null;
  return row;
}

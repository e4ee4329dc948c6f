import type { DatasetDef } from './types.js';

// Columns to be declared together with the lambda parser.
export const LAMBDA_DATASET: DatasetDef = {
  name: 'lambda',
  description: 'lambda',
  columns: [],
};

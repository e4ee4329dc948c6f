import type { DatasetDef } from './types.js';

// Columns to be declared together with the cloudtrail parser.
export const CLOUDTRAIL_DATASET: DatasetDef = {
  name: 'cloudtrail',
  description: 'cloudtrail',
  columns: [],
};

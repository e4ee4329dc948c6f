import type { DatasetDef } from './types.js';

// Columns to be declared together with the alb parser.
export const ALB_DATASET: DatasetDef = {
  name: 'alb',
  description: 'alb',
  columns: [],
};

import type { DatasetDef } from './types.js';

// Columns to be declared together with the vpc_flow parser.
export const VPC_FLOW_DATASET: DatasetDef = {
  name: 'vpc_flow',
  description: 'vpc_flow',
  columns: [],
};

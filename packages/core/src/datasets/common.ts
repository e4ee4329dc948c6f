import type { ColumnDef } from './types.js';

/**
 * Columns every log dataset has, filled from the LogRecord itself (not its `fields`).
 */
export const LOG_COLUMNS: readonly ColumnDef[] = [
  { name: 'time', type: 'timestamp', description: 'Event time (CloudWatch event timestamp), UTC' },
  { name: 'id', type: 'string', description: 'CloudWatch event id (56-digit string)' },
  { name: 'owner', type: 'string', description: 'AWS account id owning the log group' },
  { name: 'log_group', type: 'string', description: 'CloudWatch log group' },
  { name: 'log_stream', type: 'string', description: 'CloudWatch log stream' },
  {
    name: 'origin_region',
    type: 'string',
    description: 'AWS region of the log group, where the caller knows it',
  },
  { name: 'message', type: 'string', description: 'The raw log message' },
];

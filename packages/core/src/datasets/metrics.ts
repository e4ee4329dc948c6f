import type { DatasetDef } from './types.js';

/**
 * Multi-measure metric points (MetricRecord). Unlike log datasets it has no
 * CloudWatch event columns: `time` is the data point time.
 */
export const METRICS_DATASET: DatasetDef = {
  name: 'metrics',
  description:
    'Multi-measure metric data points from EMF, Lambda REPORT lines, Metric Streams and metric rules',
  columns: [
    { name: 'time', type: 'timestamp', description: 'Data point time, UTC' },
    { name: 'measure_name', type: 'string', description: 'EMF namespace or other data type name' },
    { name: 'dimensions', type: 'map', description: 'String dimensions' },
    { name: 'measures', type: 'json', description: 'Measures: name → {value, unit}' },
  ],
};

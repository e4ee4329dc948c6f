import type { DatasetDef } from './types.js';

/** Generic application logs: JSON objects, logfmt, plain text; and lines other parsers rejected. */
export const APP_DATASET: DatasetDef = {
  name: 'app',
  description:
    'Generic application logs (JSON, logfmt, plain text) and lines other parsers rejected',
  columns: [
    {
      name: 'format',
      type: 'string',
      description: 'How the message was read: json, emf, logfmt or text',
    },
    {
      name: 'level',
      type: 'string',
      description: 'Log level where the message states one (lower case)',
    },
    {
      name: 'fields',
      type: 'json',
      description: 'The message fields (JSON object or logfmt pairs), nested values preserved',
    },
    {
      name: 'parse_error',
      type: 'string',
      description: 'Why the dataset parser of this log group rejected the line, if it did',
    },
  ],
};

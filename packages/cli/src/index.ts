export type { DecodeCommandOptions, DecodeSummary } from './commands/decode.js';
export { logLine, metricLine, runDecode } from './commands/decode.js';
export type { DemoOptions, DemoResult } from './commands/demo.js';
export { runDemo } from './commands/demo.js';
export type { IngestOptions, IngestSummary } from './commands/ingest.js';
export { runIngest } from './commands/ingest.js';
export type { Io } from './io.js';
export { createProgram, main } from './main.js';

export type {
  DeadLetter,
  DeadLetterSink,
  NdjsonDeadLetterOptions,
} from './dead-letter.js';
export { createNdjsonDeadLetterSink } from './dead-letter.js';

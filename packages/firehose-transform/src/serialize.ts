// The record line serializer lives in core (the worker pool renders lines with it too).
export { COMPILED_DATASETS, RecordLineSerializer, recordLineReference } from '@logpipe/core';

/**
 * The self-metrics every stage of the sidecar reports, by Vector's conventions: received,
 * sent, dropped (with `reason` and `intentional`; a record counts as dropped only when it
 * will not be retried), errors (by `code`), plus queue depth, batch sizes, write durations
 * and the writers' own counters (write units, files, bytes).
 */
import { Registry } from './metrics.js';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180];
const RECORDS = [1, 10, 50, 100, 500, 1000, 5000, 10_000, 50_000, 100_000];

/** Every metric of `logpipe serve`, registered once. */
export function createServeMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: registry.counter(
      'logpipe_http_requests_total',
      'HTTP requests to a source answered, by status.',
      ['source', 'status'],
    ),
    requestSeconds: registry.histogram(
      'logpipe_http_request_duration_seconds',
      'Time from a request to its answer (for 200: until its records were durable).',
      ['source'],
      SECONDS,
    ),
    receivedBytes: registry.counter(
      'logpipe_received_bytes_total',
      'Input bytes admitted, as they arrived (compressed when gzip).',
      ['source'],
    ),
    receivedRecords: registry.counter(
      'logpipe_received_records_total',
      'Records decoded from input, by kind (log, metric).',
      ['source', 'kind'],
    ),
    acknowledgedRecords: registry.counter(
      'logpipe_acknowledged_records_total',
      'Records of inputs acknowledged after every sink made them durable.',
      ['source', 'kind'],
    ),
    dropped: registry.counter(
      'logpipe_dropped_records_total',
      'Records that will not be retried and reach no sink, by reason.',
      ['component', 'reason', 'intentional'],
    ),
    deadLettered: registry.counter(
      'logpipe_dead_lettered_total',
      'Input records written to the input dead-letter file, by error code.',
      ['source', 'code'],
    ),
    errors: registry.counter(
      'logpipe_errors_total',
      'Errors by component (source, sink, dead_letter) and code.',
      ['component', 'code'],
    ),
    batchRecords: registry.histogram(
      'logpipe_batch_records',
      'Records (logs and metrics) per input batch.',
      ['source'],
      RECORDS,
    ),
    queueRequests: registry.gauge('logpipe_queue_requests', 'Inputs in flight in the queue.'),
    queueBytes: registry.gauge(
      'logpipe_queue_bytes',
      'Bytes in flight in the queue (decoded size once known).',
    ),
    queueMaxRequests: registry.gauge('logpipe_queue_max_requests', 'Limit of inputs in flight.'),
    queueMaxBytes: registry.gauge('logpipe_queue_max_bytes', 'Limit of bytes in flight.'),
    queueRefused: registry.counter(
      'logpipe_queue_refused_total',
      'Inputs refused because the queue was full, by limit reached.',
      ['reason'],
    ),
    highWaterFlushes: registry.counter(
      'logpipe_queue_high_water_flushes_total',
      'Early flushes of every sink because the queue passed its high-water mark.',
    ),
    sinkSent: registry.counter(
      'logpipe_sink_sent_records_total',
      'Records a sink made durable (written or dead-lettered by the sink).',
      ['sink', 'kind'],
    ),
    sinkBatchRecords: registry.histogram(
      'logpipe_sink_batch_records',
      'Records per write handed to a sink.',
      ['sink'],
      RECORDS,
    ),
    sinkWriteSeconds: registry.histogram(
      'logpipe_sink_write_duration_seconds',
      'Time from handing records to a sink until they were durable.',
      ['sink'],
      SECONDS,
    ),
    sinkWriteUnits: registry.counter(
      'logpipe_sink_write_units_total',
      "Metered write units a sink's writer reports (Timestream).",
      ['sink'],
    ),
    sinkWriterStat: registry.gauge(
      'logpipe_sink_writer_stat',
      "A sink writer's own counter (rowsWritten, filesWritten, bytesWritten, …).",
      ['sink', 'stat'],
    ),
    workerThreads: registry.gauge(
      'logpipe_worker_threads',
      'Threads of the worker pool that decodes Firehose requests (0: no pool).',
    ),
    workerBatches: registry.counter(
      'logpipe_worker_batches_total',
      'Requests the worker pool processed, by where (inline: small, kept on the main thread; pool: on the workers).',
      ['where'],
    ),
    workerTasks: registry.counter(
      'logpipe_worker_tasks_total',
      'Tasks (parts of a request) worker threads ran.',
    ),
    workerPendingBatches: registry.gauge(
      'logpipe_worker_pending_batches',
      'Requests on the worker threads, not finished.',
    ),
    workerRefused: registry.counter(
      'logpipe_worker_refused_total',
      'Requests the worker pool refused or failed, by reason; they were decoded on the main thread.',
      ['reason'],
    ),
    ready: registry.gauge('logpipe_ready', '1 while the sidecar accepts input, 0 while draining.'),
    startTime: registry.gauge(
      'logpipe_start_time_seconds',
      'Start time of the process, epoch seconds.',
    ),
    residentMemory: registry.gauge('logpipe_process_resident_memory_bytes', 'Resident set size.'),
    heapUsed: registry.gauge('logpipe_process_heap_used_bytes', 'V8 heap in use.'),
  };
}

/** The metrics object the stages share. */
export type ServeMetrics = ReturnType<typeof createServeMetrics>;

/**
 * Limits and defaults `logpipe serve` relies on, each with the page that states it.
 */
import { HTTP_ENDPOINT_RESPONSE_TIMEOUT_MS } from '@logpipe/firehose-transform';

/**
 * ECS gives a container 30 seconds between SIGTERM and SIGKILL unless the task definition
 * sets `stopTimeout` (at most 120 s on Fargate).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
 */
export const ECS_DEFAULT_STOP_TIMEOUT_MS = 30_000;

/** Default shutdown deadline: the ECS stop timeout less 5 s for the process to exit. */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = ECS_DEFAULT_STOP_TIMEOUT_MS - 5_000;

/**
 * Firehose waits 3 minutes for an HTTP endpoint's answer; the wait for the sinks must end
 * before that (the receiver refuses a longer one).
 * https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export const FIREHOSE_MAX_CALLBACK_TIMEOUT_MS = HTTP_ENDPOINT_RESPONSE_TIMEOUT_MS - 1;

/** Paths the server answers itself; sources cannot use them. */
export const RESERVED_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics'];

/**
 * When the queue holds more than this fraction of either of its limits, every sink is asked
 * to write its buffers now instead of at its next age flush, so the senders' requests are
 * acknowledged (and the queue emptied) before it fills.
 */
export const QUEUE_HIGH_WATER_FRACTION = 0.5;

/** Pause before flushing again while the queue stays above its high-water mark. */
export const HIGH_WATER_RECHECK_MS = 10;

/**
 * Default `workers.threads`: 0, no worker threads. Measured with
 * `benchmarks/scenarios/serve-load.mjs --threads N` on 2 cores (packages/cli/README.md,
 * Throughput): two threads with both pools answered 0.84–1.17× the requests per second of
 * none, decoding pool only 0.71–0.81× (the records cloned back from the workers cost the main
 * thread about as much as parsing them), Parquet encoding pool only (`decode: false`)
 * 1.15–1.46× in each of nine comparisons, with a higher p99 in three. Threads need spare
 * cores, which a small ECS task does not have: the setting stays opt-in.
 */
export const DEFAULT_WORKER_THREADS = 0;

/** Most worker threads `workers.threads` takes (each holds its own heap). */
export const MAX_WORKER_THREADS = 64;

/**
 * Amazon S3 quotas the lake storage relies on, each with the page that states it.
 */

const MiB = 1024 * 1024;

/**
 * Smallest multipart upload part (5 MiB); only the last part may be smaller.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
 */
export const S3_MIN_PART_BYTES = 5 * MiB;

/**
 * Largest multipart upload part (5 GiB).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
 */
export const S3_MAX_PART_BYTES = 5 * 1024 * MiB;

/**
 * Most parts in one multipart upload (10,000), numbered 1 to 10,000.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
 */
export const S3_MAX_PARTS = 10_000;

/**
 * Largest object one PutObject call can upload (5 GiB); larger ones need multipart.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html
 */
export const S3_MAX_PUT_OBJECT_BYTES = 5 * 1024 * MiB;

/**
 * Most keys one DeleteObjects call may name (1,000).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
export const S3_DELETE_OBJECTS_MAX_KEYS = 1000;

/**
 * Most keys one ListObjectsV2 page returns (1,000; `MaxKeys` can only lower it).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
export const S3_LIST_MAX_KEYS = 1000;

/**
 * Longest object key (1,024 bytes of UTF-8).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 */
export const S3_MAX_KEY_BYTES = 1024;

/** Default size above which a put becomes a multipart upload (16 MiB). */
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 16 * MiB;

/** Default multipart part size (8 MiB). */
export const DEFAULT_PART_BYTES = 8 * MiB;
